package middleware

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// requestCtx is the context RequestID gives a request: one allocation for
// what this package's middlewares keep per request, so that the default
// stack copies the *http.Request once, for RequestID, rather than once per
// middleware that has something to carry:
//
//   - the request id, which RequestIDFrom finds (Value answers
//     requestIDKey with the requestCtx itself: no allocation);
//   - Timeout's deadline: a requestCtx starts as an unarmed deadlineCtx,
//     that is, as its parent, and Timeout arms it in place when the
//     request it gets still carries it and no values are attached yet
//     (armRequestCtx);
//   - the recorder that Recover, AccessLog and Timeout share, taken by the
//     first of them that wraps the writer (record);
//   - the time the request started, read from the clock once for AccessLog
//     and Timeout (requestStart);
//   - a few values of other packages' middlewares (AttachValue).
//
// Only the request's own goroutine arms it, takes the recorder and
// attaches values, before the view runs. Goroutines that hold the context
// meanwhile read it safely (armed and nvals are atomic, written after
// what they publish) and see the deadline and values appear as they are
// added; but a Done channel, child context or AfterFunc taken before
// Timeout arms it belongs to the parent and does not see the deadline.
// In the default stack only RequestID's own layers (Recover, AccessLog,
// the header and limit checks) run before Timeout, and none of them waits
// on the context.
type requestCtx struct {
	deadlineCtx
	id  [1]string // the id; the response header shares the one-element slice
	rec recorder  // unused while rec.ResponseWriter is nil
	// start is when the request started (monotonic reading included),
	// zero until requestStart first asks; the request's goroutine only.
	start time.Time

	vals  [maxAttached]attached // vals[:nvals] are set and never change
	nvals atomic.Int32
}

// maxAttached is how many values AttachValue keeps in a requestCtx: the
// session state and the user of the default stack. More go the usual way.
const maxAttached = 2

// attached is one value of AttachValue.
type attached struct{ key, val any }

func newRequestCtx(parent context.Context) *requestCtx {
	return &requestCtx{deadlineCtx: deadlineCtx{Context: parent}}
}

// Value returns the context itself for requestIDKey, and the deadline
// context's answer (the parent's, or the materialized context's) for any
// other key.
func (c *requestCtx) Value(key any) any {
	if key == (requestIDKey{}) {
		return c
	}
	for i := range c.nvals.Load() {
		if c.vals[i].key == key {
			return c.vals[i].val
		}
	}
	return c.deadlineCtx.Value(key)
}

// String describes the context for debugging.
func (c *requestCtx) String() string {
	if c.armed.Load() {
		return fmt.Sprintf("%v.WithRequestID(%q).WithDeadline(%v)", c.Context, c.id[0], c.deadline)
	}
	return fmt.Sprintf("%v.WithRequestID(%q)", c.Context, c.id[0])
}

// armRequestCtx arms the context of r with deadline, when that context is
// a requestCtx without a deadline yet and without attached values, and
// returns it; else nil, and the caller adds a deadline context of its own.
//
// Attached values mean that a middleware which keeps state in the context
// (sessions, auth) sits between RequestID and this Timeout and uses the
// context after the view returns (to save the session): the Timeout's end
// must not cancel the context it holds, so Timeout does not arm the shared
// one.
func armRequestCtx(r *http.Request, deadline time.Time) *deadlineCtx {
	c, ok := r.Context().(*requestCtx)
	if !ok || c.nvals.Load() > 0 || !c.arm(deadline) {
		return nil
	}
	return &c.deadlineCtx
}

// AttachValue adds val under key to r's context in place, when it can, and
// reports whether it did. A middleware uses it instead of
// r.WithContext(context.WithValue(r.Context(), key, val)), and falls back
// to that when AttachValue reports false:
//
//	if !middleware.AttachValue(r, stateKey{}, st) {
//		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
//	}
//	next.ServeHTTP(w, r)
//
// It can when r's context is the one RequestID made, with nothing in
// between that gave r another context (as in Djinn's default stack, where
// RequestID is the outermost layer), when val is not nil, when no value is
// visible under key yet, and while the context has room (it keeps a few
// values). A Timeout inside the caller then gives the view a deadline
// context of its own, so that the caller's context is never cancelled
// under it. The value
// is then found by r.Context().Value(key) at no cost in allocations or
// request copies. The layers between RequestID and the caller hold the
// same context and see the value too, from then on: that is why the key
// must not be in use already. As with context.WithValue, the key must be
// comparable (a value of an interface type holding a slice is not) and
// should be of a type of the caller's own. Call it on the goroutine that serves r,
// before handing r on; goroutines that hold r's context see the value
// appear, safely.
func AttachValue[K comparable](r *http.Request, key K, val any) bool {
	c, ok := r.Context().(*requestCtx)
	if !ok || val == nil || c.Value(key) != nil {
		return false
	}
	// Only the request's goroutine attaches values: no lock is needed
	// among writers, and readers see nvals after the value it counts.
	n := c.nvals.Load()
	if n == maxAttached {
		return false
	}
	c.vals[n] = attached{key, val}
	c.nvals.Store(n + 1)
	return true
}

// requestStart returns the time r started: the time the first caller of
// the request asked, kept in the request context that RequestID made, so
// that the middlewares inside it read the clock once; time.Now() without
// RequestID.
func requestStart(r *http.Request) time.Time {
	c, ok := r.Context().(*requestCtx)
	if !ok {
		return time.Now()
	}
	if c.start.IsZero() {
		c.start = time.Now()
	}
	return c.start
}
