package middleware

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/djinn-go/djinn/core/respond"
)

// LoadShedding returns a Middleware that serves at most maxInFlight
// requests at once. A request over the limit is answered at once, without
// queueing, with 503 Service Unavailable and a Retry-After header of
// retryAfter rounded up to whole seconds (none when retryAfter <= 0),
// through respond.Error. Rejecting early keeps latency bounded under
// overload and lets a load balancer send the request elsewhere.
//
// maxInFlight <= 0 means no limit: the Middleware returns the handler
// unchanged. Each Middleware value has its own counter, shared by every
// handler it wraps. The middleware is safe for concurrent use and costs no
// allocation.
func LoadShedding(maxInFlight int, retryAfter time.Duration) Middleware {
	if maxInFlight <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	overloaded := &respond.HTTPError{
		Status:  http.StatusServiceUnavailable,
		Message: "the server is overloaded, try again later",
	}
	if retryAfter > 0 {
		secs := int64((retryAfter + time.Second - 1) / time.Second)
		overloaded.Header = http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}}
	}
	limit := int64(maxInFlight)
	var inFlight atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer inFlight.Add(-1)
			if inFlight.Add(1) > limit {
				respond.Error(w, r, overloaded)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
