package middleware

import (
	"io"
	"log/slog"
	"net/http"
	"sync"
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
	a := &accessLog{logger: logger, level: level, errLevel: max(level, slog.LevelError)}
	return a.middleware
}

// AccessLogTo returns a Middleware that writes, byte for byte, the lines
// AccessLog(slog.New(h), level) writes, where h is
//
//	slog.NewTextHandler(w, &slog.HandlerOptions{Level: minLevel})
//
// or slog.NewJSONHandler with the same arguments when json is set, but
// formats them itself: same keys, same order, same quoting and escaping,
// same time format, with none of slog's per-attribute work. It is for a
// project whose logger is such a handler over w (Djinn's own logger is,
// unless Settings.Logging.Handler replaces it): lines from the middleware
// and from the logger then interleave in w as they would through one
// handler.
//
// Each line is written with one call to w.Write, without a lock of the
// middleware's: w must keep concurrent Write calls whole, as an *os.File
// and a BatchWriter do. When w has a Flush() error method (a BatchWriter
// does), it is called after each error-level line (5xx responses and
// panics), so that those are written at once. A nil minLevel means
// slog.LevelInfo, as in slog.HandlerOptions; lines below it are not
// formatted. Write errors are ignored, as slog.Logger ignores its
// handler's. The middleware is safe for concurrent use; a line costs no
// allocation.
func AccessLogTo(w io.Writer, json bool, minLevel slog.Leveler, level slog.Level) Middleware {
	if minLevel == nil {
		minLevel = slog.LevelInfo
	}
	a := &accessLog{level: level, errLevel: max(level, slog.LevelError), out: w, json: json, min: minLevel}
	a.flush, _ = w.(interface{ Flush() error })
	return a.middleware
}

// accessLog is one AccessLog or AccessLogTo middleware.
type accessLog struct {
	level, errLevel slog.Level

	// logger receives the lines, unless out is set.
	logger *slog.Logger

	// out receives the lines formatted by appendAccessLine when set; json
	// selects the format, min the lowest level written.
	out  io.Writer
	json bool
	min  slog.Leveler
	// flush is out when it holds lines back (a BatchWriter): flushed after
	// each error-level line.
	flush interface{ Flush() error }
	// bufs holds *[]byte buffers for formatted lines.
	bufs sync.Pool
	// stamps keeps the formatted second of the latest line.
	stamps stampCache
}

func (a *accessLog) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := requestStart(r)
		rec := record(w, r)
		completed := false
		defer func() { a.log(r, rec, start, completed) }()
		next.ServeHTTP(rec, r)
		completed = true
	})
}

// log writes the line of a request that started at start; completed is
// false when the handler panicked.
func (a *accessLog) log(r *http.Request, rec *recorder, start time.Time, completed bool) {
	status := int(rec.status)
	lvl := a.level
	var h slog.Handler
	if !completed {
		lvl = a.errLevel
		if status == 0 {
			status = http.StatusInternalServerError
		}
	}
	if status == 0 {
		status = http.StatusOK
	}
	if status >= 500 {
		lvl = a.errLevel
	}
	ctx := r.Context()
	if a.out != nil {
		if lvl < a.min.Level() {
			return
		}
	} else {
		if a.logger == nil {
			h = slog.Default().Handler()
		} else {
			h = a.logger.Handler()
		}
		if !h.Enabled(ctx, lvl) {
			return
		}
	}
	// start.Add(elapsed) is now; it reads the clock once, not twice.
	elapsed := time.Since(start)
	now := start.Add(elapsed)
	l := accessLine{
		time:      now,
		level:     lvl,
		method:    r.Method,
		path:      r.URL.Path,
		status:    status,
		bytes:     rec.bytes,
		duration:  elapsed,
		requestID: RequestIDFrom(ctx),
		remote:    r.RemoteAddr,
		userAgent: r.Header.Get("User-Agent"),
		panicked:  !completed,
	}
	if a.out != nil {
		a.write(&l)
		if a.flush != nil && lvl >= slog.LevelError {
			_ = a.flush.Flush() // a 5xx or a panic is not held back
		}
		return
	}
	_ = h.Handle(ctx, l.record()) // like Logger, ignore the handler's errors
}

// record returns l as a slog.Record. Handed to the handler directly, it
// skips the runtime.Callers that Logger.LogAttrs makes for the source
// position, which would only point into the middleware.
func (l *accessLine) record() slog.Record {
	r := slog.NewRecord(l.time, l.level, accessMessage, 0)
	r.AddAttrs(
		slog.String("method", l.method),
		slog.String("path", l.path),
		slog.Int("status", l.status),
		slog.Int64("bytes", l.bytes),
		slog.Float64("duration_ms", durationMS(l.duration)),
		slog.String("request_id", l.requestID),
		slog.String("remote", l.remote),
		slog.String("user_agent", l.userAgent),
	)
	if l.panicked {
		r.AddAttrs(slog.Bool("panic", true))
	}
	return r
}

// accessMessage is the message of every access log line.
const accessMessage = "http request"

// durationMS is d in milliseconds, the duration_ms attribute.
func durationMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// maxPooledLine bounds the capacity of the buffers kept for reuse, so
// that one huge line (a long path) does not stay in memory.
const maxPooledLine = 16 << 10

// write formats l into a pooled buffer and writes it with one Write.
func (a *accessLog) write(l *accessLine) {
	bp, _ := a.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b := appendAccessLine((*bp)[:0], l, a.json, &a.stamps)
	_, _ = a.out.Write(b) // like slog.Logger, ignore write errors
	if cap(b) <= maxPooledLine {
		*bp = b
		a.bufs.Put(bp)
	}
}
