package cache

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// flightTimeout bounds one computation shared by GetOrSet callers. The
// computation runs detached from the callers' cancellation (one caller
// giving up must not fail the others), so it needs a bound of its own.
const flightTimeout = time.Minute

// flight runs one computation per key at a time in this process and hands
// its result to every caller that asked for the key meanwhile
// (singleflight). The zero value is ready to use; it is safe for
// concurrent use. Backends use it for GetOrSet.
//
// Unlike golang.org/x/sync/singleflight, each caller waits under its own
// context: a caller whose context ends returns at once with its context's
// error, while the computation goes on for the others. The computation
// gets a context with the first caller's values, none of its cancellation,
// and a deadline of flightTimeout; it is cancelled early only when every
// caller has gone, and then a later caller starts a fresh one.
type flight struct {
	mu    sync.Mutex
	calls map[string]*flightCall
}

// flightCall is one computation in progress.
type flightCall struct {
	done    chan struct{} // closed when val, err and panicked are set
	val     []byte
	err     error
	panic   *flightPanic
	waiters int
	cancel  context.CancelFunc
}

// flightPanic carries a panic of fn to the callers, with fn's stack.
type flightPanic struct {
	value any
	stack []byte
}

func (p *flightPanic) String() string {
	return fmt.Sprintf("cache: GetOrSet fn panicked: %v\n\n%s", p.value, p.stack)
}

// do returns the result of fn for key, running fn once for all concurrent
// callers of do with the same key. fn's error goes to every waiting caller
// unchanged and is not remembered: the next call runs fn again. A panic in
// fn is re-raised in every waiting caller (as a value whose String shows
// fn's stack). When ctx ends first, do returns an error wrapping ctx.Err().
func (f *flight) do(ctx context.Context, key string, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = make(map[string]*flightCall)
	}
	c, ok := f.calls[key]
	if !ok {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flightTimeout)
		c = &flightCall{done: make(chan struct{}), cancel: cancel}
		f.calls[key] = c
		go f.run(fctx, key, c, fn)
	}
	c.waiters++
	f.mu.Unlock()

	select {
	case <-c.done:
		if c.panic != nil {
			panic(c.panic)
		}
		return c.val, c.err
	case <-ctx.Done():
		f.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			select {
			case <-c.done: // finished meanwhile: nothing to cancel
			default:
				c.cancel()
				if f.calls[key] == c {
					delete(f.calls, key)
				}
			}
		}
		f.mu.Unlock()
		return nil, fmt.Errorf("cache: GetOrSet %q: waiting for the value: %w", key, context.Cause(ctx))
	}
}

// run calls fn and publishes its result to c's waiters.
func (f *flight) run(ctx context.Context, key string, c *flightCall, fn func(context.Context) ([]byte, error)) {
	defer func() {
		if r := recover(); r != nil {
			c.panic = &flightPanic{value: r, stack: debug.Stack()}
		}
		f.mu.Lock()
		if f.calls[key] == c {
			delete(f.calls, key)
		}
		f.mu.Unlock()
		c.cancel()
		close(c.done)
	}()
	c.val, c.err = fn(ctx)
}
