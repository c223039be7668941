package middleware

import (
	"net/http"
	"strconv"

	"github.com/djinn-go/djinn/core/respond"
)

// BodyLimit returns a Middleware that limits request bodies to n bytes. A
// request whose Content-Length says more is answered 413 Content Too Large
// through respond.Error before the handler runs (and before a client that
// sent "Expect: 100-continue" sends the body). Other bodies are wrapped
// with http.MaxBytesReader, so a chunked body is cut at n bytes too: the
// read that crosses the limit fails with *http.MaxBytesError, which
// respond renders as 413 when the view returns it, and the server closes
// the connection after the response.
//
// n <= 0 means no limit: the Middleware returns the handler unchanged. The
// handler gets a shallow copy of the request with the wrapped body, which
// costs two allocations for requests with a body and none for the others.
// The middleware is safe for concurrent use.
func BodyLimit(n int64) Middleware {
	if n <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	tooLarge := &respond.HTTPError{
		Status:  http.StatusRequestEntityTooLarge,
		Message: "request body larger than " + strconv.FormatInt(n, 10) + " bytes",
		Err:     &http.MaxBytesError{Limit: n},
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				respond.Error(w, r, tooLarge)
				return
			}
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			r2 := new(http.Request)
			*r2 = *r
			r2.Body = http.MaxBytesReader(innermost(w), r.Body, n)
			next.ServeHTTP(w, r2)
		})
	}
}
