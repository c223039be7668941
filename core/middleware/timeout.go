package middleware

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/djinn-go/djinn/core/respond"
)

// Timeout returns a Middleware that gives each request d to produce its
// response:
//
//   - The request context gets a deadline d from the request's start (the
//     first clock reading of AccessLog or Timeout inside RequestID; else
//     when Timeout starts), so views that do
//     I/O with it (database queries, outgoing requests, cache calls) stop
//     when it passes.
//   - If the view has not started its response when the deadline passes,
//     it may no longer start it: WriteHeader is dropped and Write, Flush
//     and ReadFrom return http.ErrHandlerTimeout. When the view returns,
//     the client gets a clean 503 Service Unavailable through
//     respond.Error (whose cause is http.ErrHandlerTimeout), whatever the
//     view tried to write (a half-done page, or the error a cancelled
//     query gave it; respond logs that error too when the view returned
//     it through respond.HandlerFunc).
//   - A response started before the deadline is not cut: streaming views
//     keep writing, and only their context is done.
//
// Timeout is cooperative: it answers when the view returns, on the view's
// own goroutine. It never writes from another goroutine, so there is no
// race on the ResponseWriter or its header map, no copy of the headers and
// no buffering (unlike http.TimeoutHandler, which buffers whole responses
// and breaks streaming and Flush). A view that ignores its context holds
// the client until it returns; the server's WriteTimeout bounds that.
// Answering at the deadline itself would cost a second timer, a private
// header map per request and a mutex on every write (about 9 more
// allocations and 0.6 µs per request, measured), to send a 503 while the
// view still runs and may yet commit its work.
//
// Inside RequestID with nothing in between that changes the request's
// context or attaches values to it (the default stack), Timeout sets the
// deadline on the context RequestID made rather than copying the request
// once more: the layers between the two then see the deadline too, from
// the moment Timeout starts, and see their context done once it returns
// (Recover renders its error page with the context's values but without
// its cancellation).
//
// The request context is a light deadline context: it allocates a timer
// and a channel only if something asks for its Done channel (a database
// driver, context.WithCancel), so views that never wait on it pay one
// small allocation for it. Its Err reports context.DeadlineExceeded as
// soon as the deadline has passed, and context.Canceled once the view
// has returned.
//
// d <= 0 means no timeout: the Middleware returns the handler unchanged.
// The middleware shares the response writer wrapper of Recover and
// AccessLog when it sits directly inside them. It is safe for concurrent
// use.
func Timeout(d time.Duration) Middleware {
	if d <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	timedOut := &respond.HTTPError{
		Status:  http.StatusServiceUnavailable,
		Message: "the request took too long",
		Err:     http.ErrHandlerTimeout,
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			deadline := requestStart(r).Add(d)
			// The request context RequestID made is armed in place when it
			// is the request's context as is; else Timeout adds its own.
			inner := r
			ctx := armRequestCtx(r, deadline)
			if ctx == nil {
				ctx = newDeadlineCtx(r.Context(), deadline)
				inner = r.WithContext(ctx)
			}
			defer ctx.stop()
			rec := record(w, r)
			outer := rec.deadline
			rec.deadline = ctx
			defer func() { rec.deadline, rec.timedOut = outer, false }()

			next.ServeHTTP(rec, inner)

			if !rec.Written() && rec.expired() {
				rec.deadline, rec.timedOut = nil, false
				respond.Error(rec, r, timedOut) // clears Content-Encoding too
			}
		})
	}
}

// deadlineCtx is the request context of Timeout: the parent with a
// deadline, like context.WithDeadline, but built in one allocation. The
// real context.WithDeadline context (a timer and a channel) is made only
// when Done or AfterFunc needs it. It is safe for concurrent use.
//
// Once made, the real context also answers Value, so that package
// context finds its cancellation state there: children made with
// context.WithCancel(c) then join the real context's own list, as they
// would join a context.WithDeadline context, instead of each costing an
// AfterFunc registration (three more allocations) as they would with a
// context that package context does not know.
//
// A deadlineCtx may also start unarmed, without a deadline of its own
// (requestCtx does): it is then its parent, with the same Deadline, Done,
// Err and Value, until arm gives it its deadline. Done and AfterFunc called
// before that are the parent's.
type deadlineCtx struct {
	context.Context // the parent

	// armed is set once deadline is, by the one goroutine that arms c
	// (the request's); deadline never changes after that, so that a
	// reader that sees armed may read it.
	armed    atomic.Bool
	deadline time.Time

	// made is set, under mu, once real is set; real never changes after
	// that, so that a reader that sees made may read real without mu.
	made atomic.Bool
	// stopped is Err at stop (stopCanceled, stopDeadline, or stopOther
	// for stopErr), set under mu when real was never made; 0 before.
	stopped atomic.Uint32

	mu      sync.Mutex
	real    context.Context    // materialized context, nil until needed
	cancel  context.CancelFunc // cancels real
	stopErr error              // Err at stop when it is neither of package context's
}

// Values of deadlineCtx.stopped.
const (
	stopCanceled = 1 + iota
	stopDeadline
	stopOther
)

func newDeadlineCtx(parent context.Context, deadline time.Time) *deadlineCtx {
	c := &deadlineCtx{Context: parent, deadline: deadline}
	c.armed.Store(true)
	return c
}

// arm gives an unarmed c its deadline and reports whether it did: false
// when c had one already. Only one goroutine may arm c (the request's
// does, before handing the request on).
func (c *deadlineCtx) arm(deadline time.Time) bool {
	if c.armed.Load() {
		return false
	}
	c.deadline = deadline
	c.armed.Store(true)
	return true
}

// Deadline returns the earlier of the parent's deadline and c's.
func (c *deadlineCtx) Deadline() (time.Time, bool) {
	d, ok := c.Context.Deadline()
	if !c.armed.Load() || ok && d.Before(c.deadline) {
		return d, ok
	}
	return c.deadline, true
}

// Err returns the error of the materialized context when there is one;
// else context.Canceled (or DeadlineExceeded) once stopped, the parent's
// error, or DeadlineExceeded once the deadline has passed, without
// materializing anything.
func (c *deadlineCtx) Err() error {
	if c.made.Load() {
		return c.real.Err()
	}
	if !c.armed.Load() {
		return c.Context.Err() // stop comes after arm: no err of c's yet
	}
	switch c.stopped.Load() {
	case stopCanceled:
		return context.Canceled
	case stopDeadline:
		return context.DeadlineExceeded
	case stopOther:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.stopErr
	}
	// Not stopped, not made (or made since: the real context would answer
	// the same from the same parent and deadline).
	if err := c.Context.Err(); err != nil {
		return err
	}
	if time.Until(c.deadline) <= 0 { // reads only the monotonic clock
		return context.DeadlineExceeded
	}
	return nil
}

// Done returns the Done channel of the materialized context.
func (c *deadlineCtx) Done() <-chan struct{} {
	if !c.armed.Load() {
		return c.Context.Done()
	}
	return c.materialize().Done()
}

// AfterFunc arranges for f to run when c is done, like context.AfterFunc.
// Package context calls it only for a child it could not attach to the
// real context through Value (which answers for the real context once
// Done has been called, and propagating cancellation always calls Done
// first); it is kept for callers that assert the method.
func (c *deadlineCtx) AfterFunc(f func()) (stop func() bool) {
	if !c.armed.Load() {
		return context.AfterFunc(c.Context, f)
	}
	return context.AfterFunc(c.materialize(), f)
}

// Value returns the real context's value for key once it is made (the
// same as the parent's for every key but package context's own), and
// the parent's before.
func (c *deadlineCtx) Value(key any) any {
	if c.made.Load() {
		return c.real.Value(key)
	}
	return c.Context.Value(key)
}

// String describes c for debugging, like the contexts of package context.
func (c *deadlineCtx) String() string {
	return "middleware.Timeout deadline " + c.deadline.String()
}

// materialize returns the real context.WithDeadline context, making it on
// the first call. Made after stop, it is cancelled at once.
func (c *deadlineCtx) materialize() context.Context {
	if c.made.Load() {
		return c.real
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real == nil {
		if c.stopped.Load() == stopCanceled {
			// Made after stop: done as Err said at stop, even though
			// the deadline has passed since.
			c.real, c.cancel = context.WithCancel(c.Context)
		} else {
			c.real, c.cancel = context.WithDeadline(c.Context, c.deadline)
		}
		if c.stopped.Load() != 0 {
			c.cancel()
		}
		c.made.Store(true)
	}
	return c.real
}

// stop ends c when the view returns, like the cancel function of
// context.WithDeadline: the materialized context is cancelled, and from
// then on Err reports context.Canceled unless c was already done.
func (c *deadlineCtx) stop() {
	err := c.Err()
	if err == nil {
		err = context.Canceled
	}
	c.mu.Lock()
	cancel := c.cancel
	if c.real == nil {
		switch err {
		case context.Canceled:
			c.stopped.Store(stopCanceled)
		case context.DeadlineExceeded:
			c.stopped.Store(stopDeadline)
		default:
			c.stopErr = err
			c.stopped.Store(stopOther)
		}
	}
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}
