package middleware

import (
	"net/http"
	"slices"
)

// Middleware wraps an http.Handler in another. It is an alias of the
// unnamed func type, not a defined type, so that chi, gorilla and stdlib
// middlewares, and slices of them, are Middlewares without conversion (see
// the package documentation).
//
// A Middleware is called once, when the handler chain is built; the
// handler it returns must be safe for concurrent use. A nil Middleware is
// skipped by Chain.
type Middleware = func(http.Handler) http.Handler

// Chain returns a Middleware that applies mws in order: the first is the
// outermost, it sees the request first and the response last. Nil entries
// are skipped, so optional middlewares can be left nil. Chain() returns the
// identity. mws is copied: changing the slice afterwards has no effect.
//
// The returned Middleware is safe for concurrent use; the handlers it
// builds are as safe as the middlewares and the wrapped handler.
func Chain(mws ...Middleware) Middleware {
	mws = slices.DeleteFunc(slices.Clone(mws), func(m Middleware) bool { return m == nil })
	return func(h http.Handler) http.Handler {
		for i := len(mws) - 1; i >= 0; i-- {
			h = mws[i](h)
		}
		return h
	}
}

// Must returns mw, and panics with err if err is not nil. It wraps the constructors
// that validate their configuration, for start-up code whose configuration
// is a constant:
//
//	xfo := middleware.Must(middleware.XFrameOptions("SAMEORIGIN"))
func Must(mw Middleware, err error) Middleware {
	if err != nil {
		panic(err)
	}
	return mw
}
