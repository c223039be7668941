package ratelimit

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/djinn-go/djinn/core/respond"
)

// Options configures Middleware. The zero value limits every request by
// client address, fails open and logs nowhere.
type Options struct {
	// Name namespaces the route's keys, so that routes with different
	// limits keep separate counts; "" means "default". Routes sharing a
	// Name (and a Limiter) share their budget and must use one Limit.
	Name string
	// KeyFunc returns the request's key; nil means KeyByIP.
	KeyFunc KeyFunc
	// Methods, when not empty, limits only requests with these methods
	// ("POST" for a login form); others pass untouched.
	Methods []string
	// FailClosed answers 503 Service Unavailable while the limiter is
	// unavailable (ErrUnavailable), instead of serving the request
	// unlimited (fail open, the default). 503, not 429: the client did
	// not exceed anything, the server cannot tell.
	FailClosed bool
	// Logger receives one warning per LogInterval while the limiter is
	// unavailable, not one per request; nil logs nowhere.
	Logger *slog.Logger
	// LogInterval is the least time between two such warnings; 0 means
	// one minute.
	LogInterval time.Duration
}

// Middleware returns middleware that limits requests under lim, counted
// per key (opts.KeyFunc) in l.
//
// Allowed requests get the RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset headers (draft-ietf-httpapi-ratelimit-headers; Reset in
// whole seconds, rounded up). Denied ones get 429 Too Many Requests,
// rendered by respond.Error (JSON for JSON clients), with the same headers
// and Retry-After in whole seconds, rounded up. When l is unavailable the
// request is served without headers, or answered 503 with FailClosed;
// other limiter errors (an invalid lim) are rendered as 500s.
//
// It panics when lim is invalid (a programming error at start-up). The
// returned middleware is safe for concurrent use.
func Middleware(l Limiter, lim Limit, opts Options) func(http.Handler) http.Handler {
	if err := lim.validate(); err != nil {
		panic(err)
	}
	if opts.Name == "" {
		opts.Name = "default"
	}
	if opts.KeyFunc == nil {
		opts.KeyFunc = KeyByIP
	}
	if opts.LogInterval <= 0 {
		opts.LogInterval = time.Minute
	}
	m := &middleware{l: l, lim: lim, opts: opts}
	return m.wrap
}

type middleware struct {
	l    Limiter
	lim  Limit
	opts Options
	// lastLog is when the last unavailability warning was logged, unix ns.
	lastLog atomic.Int64
}

func (m *middleware) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(m.opts.Methods) > 0 && !slices.Contains(m.opts.Methods, r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		key, err := m.opts.KeyFunc(r)
		if err != nil {
			respond.Error(w, r, err)
			return
		}
		if key == "" {
			next.ServeHTTP(w, r)
			return
		}
		res, err := m.l.Allow(r.Context(), storedKey(m.opts.Name, key), m.lim)
		switch {
		case errors.Is(err, ErrUnavailable):
			m.logUnavailable(r, err)
			if m.opts.FailClosed {
				respond.Error(w, r, &respond.HTTPError{
					Status:  http.StatusServiceUnavailable,
					Message: "rate limiting is unavailable; try again later",
					Err:     err,
				})
				return
			}
			next.ServeHTTP(w, r)
			return
		case err != nil:
			respond.Error(w, r, err)
			return
		}
		if !res.Allowed {
			h := make(http.Header, 4)
			setHeaders(h, res)
			h["Retry-After"] = []string{seconds(res.RetryAfter)}
			respond.Error(w, r, &respond.HTTPError{
				Status:  http.StatusTooManyRequests,
				Message: "too many requests; retry in " + seconds(res.RetryAfter) + "s",
				Header:  h,
			})
			return
		}
		setHeaders(w.Header(), res)
		next.ServeHTTP(w, r)
	})
}

// setHeaders sets the RateLimit-* headers of res.
func setHeaders(h http.Header, res Result) {
	h["Ratelimit-Limit"] = []string{strconv.Itoa(res.Limit)}
	h["Ratelimit-Remaining"] = []string{strconv.Itoa(res.Remaining)}
	h["Ratelimit-Reset"] = []string{seconds(res.ResetAfter)}
}

// seconds formats d in whole seconds, rounded up, at least 0.
func seconds(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// logUnavailable logs err at most once per LogInterval.
func (m *middleware) logUnavailable(r *http.Request, err error) {
	if m.opts.Logger == nil {
		return
	}
	now := time.Now().UnixNano()
	last := m.lastLog.Load()
	if last != 0 && now-last < int64(m.opts.LogInterval) {
		return
	}
	if !m.lastLog.CompareAndSwap(last, now) {
		return
	}
	policy := "open"
	if m.opts.FailClosed {
		policy = "closed"
	}
	m.opts.Logger.LogAttrs(r.Context(), slog.LevelWarn, "ratelimit: limiter unavailable",
		slog.String("name", m.opts.Name),
		slog.String("fail", policy),
		slog.String("error", err.Error()),
		slog.Duration("log_interval", m.opts.LogInterval),
	)
}
