package middleware

import (
	"fmt"
	"net/http"
	"strings"
)

// XFrameOptions returns a Middleware that sends X-Frame-Options with value
// on every response, to stop other sites from framing the pages
// (clickjacking). value is "DENY" or "SAMEORIGIN" in any case; empty means
// "DENY". Any other value is an error.
//
// The header is set before the handler runs, so a view that sets its own
// value with w.Header().Set wins, and a view wrapped with XFrameExempt
// sends none, like Django's xframe_options_* decorators. The middleware is
// safe for concurrent use and costs no allocation.
func XFrameOptions(value string) (Middleware, error) {
	switch {
	case value == "":
		value = "DENY"
	case strings.EqualFold(value, "DENY"), strings.EqualFold(value, "SAMEORIGIN"):
		value = strings.ToUpper(value)
	default:
		return nil, fmt.Errorf("middleware: X-Frame-Options: value %q is neither DENY nor SAMEORIGIN", value)
	}
	hv := newHeaderValue("X-Frame-Options", value)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()[hv.key] = hv.value
			next.ServeHTTP(w, r)
		})
	}, nil
}

// XFrameExempt wraps a view whose pages may be framed by any site: it
// removes the X-Frame-Options header that XFrameOptions set before h runs
// (Django's xframe_options_exempt). Use it on the view, inside the router,
// so that it runs after XFrameOptions. The handler is safe for concurrent
// use when h is.
func XFrameExempt(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		delete(w.Header(), "X-Frame-Options")
		h.ServeHTTP(w, r)
	})
}
