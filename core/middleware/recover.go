package middleware

import (
	"context"
	"net/http"

	"github.com/djinn-go/djinn/core/respond"
)

// Recover is a Middleware that turns a panic in the handler into a 500: it
// recovers the value, wraps it with respond.NewPanicError (capturing the
// stack of the panicking goroutine) and renders it with respond.Error,
// which logs it with its stack and shows the stack on the DEBUG page only.
//
// A panic with http.ErrAbortHandler is re-panicked untouched, so that
// net/http aborts the response silently as it was asked to.
//
// If the response had already started when the handler panicked, a second
// response cannot be written: Recover has respond.Error log the panic (with
// response_started=true) and then panics with http.ErrAbortHandler, so that
// the server drops the connection and the client sees a truncated response
// rather than one that looks complete.
//
// Recover must sit inside respond's Renderer middleware (and inside
// RequestID, so that the log line and the page carry the request id), and
// outside every middleware whose panics it should catch. AccessLog placed
// inside it logs the panicking request with status 500. The handler it
// returns is safe for concurrent use when next is; a request that does not
// panic costs one small allocation, shared with AccessLog and Timeout.
func Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := record(w, r)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := respond.NewPanicError(v)
			if r.Context().Err() != nil {
				// A Timeout that armed the request's context in place
				// has ended it: the page keeps its values, not its end.
				r = r.WithContext(context.WithoutCancel(r.Context()))
			}
			if rec.Written() {
				respond.Error(rec, r, err) // logs only: the response has started
				panic(http.ErrAbortHandler)
			}
			// respond.Error clears Content-Encoding, which a GZip writer
			// the handler wrote through may have set.
			respond.Error(rec, r, err)
		}()
		next.ServeHTTP(rec, r)
	})
}
