package middleware_test

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

// benchWriter is a ResponseWriter that discards the body and is reused
// across iterations, so that benchmarks count the middleware's allocations
// only.
type benchWriter struct {
	h    http.Header
	code int
}

func newBenchWriter() *benchWriter { return &benchWriter{h: make(http.Header, 16)} }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }
func (w *benchWriter) reset()                      { clear(w.h); w.code = 0 }

// benchBody is a request body that can be rewound without allocating.
type benchBody struct {
	strings.Reader
	s string
}

func (b *benchBody) Close() error { return nil }
func (b *benchBody) rewind()      { b.Reset(b.s) }

var helloBytes = []byte("hello")

// helloView is the view of the benchmarks.
var helloView = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header()["Content-Type"] = []string{"text/plain; charset=utf-8"}
	_, _ = w.Write(helloBytes)
})

// waitingView is helloView with what database/sql and a driver do with
// the request context around a query: ask for its Done channel, derive a
// cancellable child and watch it with context.AfterFunc.
var waitingView = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.Context().Done() == nil {
		panic("no Done channel")
	}
	ctx, cancel := context.WithCancel(r.Context())
	stop := context.AfterFunc(ctx, func() {})
	helloView(w, r)
	stop()
	cancel()
})

// runBench serves req with h b.N times.
func runBench(b *testing.B, h http.Handler, req *http.Request) {
	b.Helper()
	w := newBenchWriter()
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
	}
	if w.code >= 400 {
		b.Fatalf("status %d", w.code)
	}
}

func benchRequest(method, target string) *http.Request {
	req := httptest.NewRequest(method, target, nil)
	req.Host = "example.com"
	req.RemoteAddr = "203.0.113.9:5000"
	req.Header.Set("User-Agent", "bench/1.0")
	req.Header.Set("Accept", "text/html")
	return req
}

// BenchmarkMiddleware measures each middleware around helloView; compare
// with the "none" row.
func BenchmarkMiddleware(b *testing.B) {
	jsonLogger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	textLogger := slog.New(slog.NewTextHandler(io.Discard, nil))
	discardLogger := slog.New(slog.DiscardHandler)
	must := middleware.Must
	get := benchRequest("GET", "/polls/")
	tlsGet := benchRequest("GET", "/polls/")
	tlsGet.TLS = &tls.ConnectionState{}
	noSlash := benchRequest("GET", "/static/app.css")
	post := benchRequest("POST", "/polls/1/vote/")
	post.Header.Set("Sec-Fetch-Site", "same-origin")
	proxied := benchRequest("GET", "/polls/")
	proxied.RemoteAddr = "10.0.0.1:5000"
	proxied.Header.Set("X-Forwarded-For", "203.0.113.9, 10.0.0.2")
	proxied.Header.Set("X-Forwarded-Proto", "https")
	// net/http gives every request a cancellable context.
	serverCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancellable := benchRequest("GET", "/polls/").WithContext(serverCtx)
	gzipGet := benchRequest("GET", "/polls/")
	gzipGet.Header.Set("Accept-Encoding", "gzip, deflate, br")
	page := []byte(strings.Repeat("<p>hello djinn</p>\n", 200)) // 3.8 kB
	pageView := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"text/html; charset=utf-8"}
		_, _ = w.Write(page)
	})
	resolver := middleware.ResolverFunc(func(method, host, path string) bool { return path == "/polls/" })
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}

	tests := []struct {
		name string
		mw   middleware.Middleware
		view http.Handler
		req  *http.Request
	}{
		{"none", nil, helloView, get},
		{"Recover", middleware.Recover, helloView, get},
		{"RequestID", must(middleware.RequestID(middleware.RequestIDConfig{})), helloView, get},
		{"AccessLog/discard", middleware.AccessLog(discardLogger, slog.LevelInfo), helloView, get},
		{"AccessLog/json", middleware.AccessLog(jsonLogger, slog.LevelInfo), helloView, get},
		{"Recover+AccessLog/json", middleware.Chain(middleware.Recover, middleware.AccessLog(jsonLogger, slog.LevelInfo)), helloView, get},
		{"AccessLog/text", middleware.AccessLog(textLogger, slog.LevelInfo), helloView, get},
		{"AccessLogTo/json", middleware.AccessLogTo(io.Discard, true, nil, slog.LevelInfo), helloView, get},
		{"AccessLogTo/text", middleware.AccessLogTo(io.Discard, false, nil, slog.LevelInfo), helloView, get},
		{"SecurityHeaders", must(middleware.SecurityHeaders(middleware.SecurityConfig{
			ContentTypeNosniff: true, ReferrerPolicy: "same-origin", CrossOriginOpenerPolicy: "same-origin",
			HSTSSeconds: 3600, SSLRedirect: true,
		})), helloView, tlsGet},
		{"AllowedHosts", must(middleware.AllowedHosts([]string{"www.example.com", ".example.com"}, false)), helloView, get},
		{"ProxyHeaders/untrusted", must(middleware.ProxyHeaders(middleware.ProxyConfig{Trusted: trusted})), helloView, get},
		{"ProxyHeaders/trusted", must(middleware.ProxyHeaders(middleware.ProxyConfig{Trusted: trusted})), helloView, proxied},
		{"CanonicalURL/slash", must(middleware.CanonicalURL(middleware.CanonicalConfig{AppendSlash: true, Resolver: resolver})), helloView, get},
		{"CanonicalURL/no-slash", must(middleware.CanonicalURL(middleware.CanonicalConfig{AppendSlash: true, Resolver: resolver})), helloView, noSlash},
		{"CSRF/GET", must(middleware.CSRF(middleware.CSRFConfig{})), helloView, get},
		{"CSRF/POST", must(middleware.CSRF(middleware.CSRFConfig{})), helloView, post},
		{"XFrameOptions", must(middleware.XFrameOptions("DENY")), helloView, get},
		{"BodyLimit/GET", middleware.BodyLimit(1 << 20), helloView, get},
		{"LoadShedding", middleware.LoadShedding(1000, 5*time.Second), helloView, get},
		{"Timeout", middleware.Timeout(30 * time.Second), helloView, get},
		{"Timeout/view-waits", middleware.Timeout(30 * time.Second), waitingView, cancellable},
		{"none/view-waits", nil, waitingView, cancellable},
		{"Recover+AccessLog+Timeout", middleware.Chain(middleware.Recover, middleware.AccessLog(discardLogger, slog.LevelInfo), middleware.Timeout(30*time.Second)), helloView, get},
		{"GZip/not-accepted", must(middleware.GZip(middleware.GZipConfig{})), pageView, get},
		{"GZip/small", must(middleware.GZip(middleware.GZipConfig{})), helloView, gzipGet},
		{"GZip/3.8kB", must(middleware.GZip(middleware.GZipConfig{})), pageView, gzipGet},
		{"none/3.8kB", nil, pageView, gzipGet},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			h := tt.view
			if tt.mw != nil {
				h = tt.mw(h)
			}
			runBench(b, h, tt.req)
		})
	}
	b.Run("BodyLimit/POST", func(b *testing.B) {
		body := &benchBody{s: "choice=1"}
		req := benchRequest("POST", "/polls/1/vote/")
		req.Body, req.ContentLength = body, int64(len(body.s))
		h := middleware.BodyLimit(1 << 20)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
		}))
		w := newBenchWriter()
		b.ReportAllocs()
		for b.Loop() {
			w.reset()
			body.rewind()
			h.ServeHTTP(w, req)
		}
	})
}

// defaultStack is the project's default stack in the documented order,
// with the settings of core's defaults (no trusted proxy, no GZip).
func defaultStack(logger *slog.Logger, renderer *respond.Renderer, router http.Handler) http.Handler {
	must := middleware.Must
	mws := []middleware.Middleware{
		must(middleware.RequestID(middleware.RequestIDConfig{})),
		middleware.Recover,
		middleware.AccessLog(logger, slog.LevelInfo),
		must(middleware.AllowedHosts([]string{"example.com"}, false)),
		must(middleware.SecurityHeaders(middleware.SecurityConfig{
			ContentTypeNosniff: true, ReferrerPolicy: "same-origin", CrossOriginOpenerPolicy: "same-origin",
		})),
		middleware.LoadShedding(1000, 5*time.Second),
		middleware.BodyLimit(10 << 20),
		middleware.Timeout(30 * time.Second),
		must(middleware.CanonicalURL(middleware.CanonicalConfig{AppendSlash: true, Resolver: middleware.ResolverFunc(
			func(method, host, path string) bool { return path == "/polls/" })})),
		must(middleware.CSRF(middleware.CSRFConfig{})),
		must(middleware.XFrameOptions("DENY")),
	}
	if renderer != nil {
		mws = append([]middleware.Middleware{renderer.Middleware}, mws...)
	}
	return middleware.Chain(mws...)(router)
}

// BenchmarkStack compares a bare ServeMux with the whole default stack
// around the same ServeMux: the difference is the stack's cost. Rows:
// Renderer.Middleware in the stack or the Renderer in the server's base
// context (http.Server.BaseContext), and an access log line written as
// JSON or not written (a logger whose handler is disabled).
func BenchmarkStack(b *testing.B) {
	router := http.NewServeMux()
	router.Handle("GET /polls/{$}", helloView)
	jsonLogger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	noLogger := slog.New(slog.DiscardHandler)
	renderer := &respond.Renderer{Logger: jsonLogger, RequestID: middleware.RequestIDFrom}
	// net/http gives every request a cancellable context; deriving from one
	// costs an allocation that a Background parent would hide.
	serverCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	get := benchRequest("GET", "/polls/").WithContext(serverCtx)
	baseCtx, cancelBase := context.WithCancel(respond.WithRenderer(context.Background(), renderer))
	defer cancelBase()
	base := get.WithContext(baseCtx)

	b.Run("bare-mux", func(b *testing.B) { runBench(b, router, get) })
	b.Run("stack/renderer-middleware/no-log-line", func(b *testing.B) {
		runBench(b, defaultStack(noLogger, renderer, router), get)
	})
	b.Run("stack/renderer-middleware/json-log-line", func(b *testing.B) {
		runBench(b, defaultStack(jsonLogger, renderer, router), get)
	})
	b.Run("stack/renderer-in-base-context/no-log-line", func(b *testing.B) {
		runBench(b, defaultStack(noLogger, nil, router), base)
	})
	b.Run("stack/renderer-in-base-context/json-log-line", func(b *testing.B) {
		runBench(b, defaultStack(jsonLogger, nil, router), base)
	})
}

// BenchmarkSlogLine is the cost of the access log line in slog's own
// handlers, without any middleware: what AccessLog cannot save.
func BenchmarkSlogLine(b *testing.B) {
	handlers := []struct {
		name string
		h    slog.Handler
	}{
		{"json", slog.NewJSONHandler(io.Discard, nil)},
		{"text", slog.NewTextHandler(io.Discard, nil)},
	}
	ctx := context.Background()
	for _, tt := range handlers {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := slog.NewRecord(time.Now(), slog.LevelInfo, "http request", 0)
				r.AddAttrs(slog.String("method", "GET"), slog.String("path", "/polls/"), slog.Int("status", 200),
					slog.Int64("bytes", 5), slog.Float64("duration_ms", 0.0123), slog.String("request_id", "0123456789abcdefghij"),
					slog.String("remote", "203.0.113.9:5000"), slog.String("user_agent", "bench/1.0"))
				_ = tt.h.Handle(ctx, r)
			}
		})
	}
}
