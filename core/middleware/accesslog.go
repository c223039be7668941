package middleware

import (
	"log/slog"
	"net/http"
	"time"
)

// AccessLog returns a Middleware that logs one line per request with
// logger, message "http request", and these attributes, in this order:
//
//	method       request method
//	path         r.URL.Path (the query is left out: it may hold tokens)
//	status       status sent: 200 when the handler wrote without calling
//	             WriteHeader (or wrote nothing), 500 when it panicked
//	             before starting the response, 101 when it hijacked the
//	             connection
//	bytes        body bytes written (after compression when GZip sits inside)
//	duration_ms  time spent in the wrapped handler, as a float
//	request_id   RequestIDFrom(r.Context()), "" without RequestID
//	remote       r.RemoteAddr (the client's once ProxyHeaders ran)
//	user_agent   the User-Agent header
//	panic        true, only when the handler panicked
//
// Requests are logged at level; 5xx responses and panics at slog.LevelError
// or level, whichever is higher. A nil logger means slog.Default().
//
// AccessLog sits inside Recover and inside RequestID. A panicking handler
// is logged as it unwinds (the panic is not recovered here, so Recover
// still captures the original stack) with status 500, the status Recover
// then writes, or the status already sent if the response had started (the
// connection is then aborted). The logger's handler sees the request's
// context; records carry no source position. The middleware is safe for
// concurrent use; with a handler that does not allocate, a line costs one
// allocation (slog.Record stores five attributes inline).
func AccessLog(logger *slog.Logger, level slog.Level) Middleware {
	errLevel := max(level, slog.LevelError)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			l := logger
			if l == nil {
				l = slog.Default()
			}
			start := time.Now()
			rec := record(w)
			completed := false
			defer func() {
				status := rec.status
				lvl := level
				if !completed {
					lvl = errLevel
					if status == 0 {
						status = http.StatusInternalServerError
					}
				}
				if status == 0 {
					status = http.StatusOK
				}
				if status >= 500 {
					lvl = errLevel
				}
				ctx := r.Context()
				h := l.Handler()
				if !h.Enabled(ctx, lvl) {
					return
				}
				// A Record handed to the handler directly skips the
				// runtime.Callers that Logger.LogAttrs makes for the source
				// position, which would only point here.
				now := time.Now()
				line := slog.NewRecord(now, lvl, "http request", 0)
				line.AddAttrs(
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.Int("status", status),
					slog.Int64("bytes", rec.bytes),
					slog.Float64("duration_ms", float64(now.Sub(start))/float64(time.Millisecond)),
					slog.String("request_id", RequestIDFrom(ctx)),
					slog.String("remote", r.RemoteAddr),
					slog.String("user_agent", r.Header.Get("User-Agent")),
				)
				if !completed {
					line.AddAttrs(slog.Bool("panic", true))
				}
				_ = h.Handle(ctx, line) // like Logger, ignore the handler's errors
			}()
			next.ServeHTTP(rec, r)
			completed = true
		})
	}
}
