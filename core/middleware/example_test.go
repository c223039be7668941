package middleware_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

// exampleLogger logs to stdout without the time and duration, so that
// examples have stable output.
func exampleLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration_ms", "request_id", "stack":
				return slog.Attr{}
			}
			return a
		},
	}))
}

// Example builds the stack in the documented order around a router.
func Example() {
	logger := exampleLogger()
	renderer := &respond.Renderer{Logger: logger, RequestID: middleware.RequestIDFrom}
	must := middleware.Must
	stack := middleware.Chain(
		must(middleware.ProxyHeaders(middleware.ProxyConfig{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})),
		renderer.Middleware,
		must(middleware.RequestID(middleware.RequestIDConfig{})),
		middleware.Recover,
		middleware.AccessLog(logger, slog.LevelInfo),
		must(middleware.AllowedHosts([]string{"example.com"}, false)),
		must(middleware.SecurityHeaders(middleware.SecurityConfig{ContentTypeNosniff: true, ReferrerPolicy: "same-origin"})),
		middleware.LoadShedding(1000, 5*time.Second),
		middleware.BodyLimit(10<<20),
		middleware.Timeout(30*time.Second),
		must(middleware.GZip(middleware.GZipConfig{})),
		must(middleware.CSRF(middleware.CSRFConfig{})),
		must(middleware.XFrameOptions("DENY")),
	)
	router := http.NewServeMux()
	router.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "home") })
	h := stack(router)

	req := httptest.NewRequest("GET", "/", nil)
	req.Host = "example.com"
	req.RemoteAddr = "10.0.0.1:5000"
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	res := serve(h, req)
	fmt.Println(res.Code, res.Body.String(), res.Header().Get("X-Frame-Options"))
	// Output:
	// level=INFO msg="http request" method=GET path=/ status=200 bytes=4 remote=203.0.113.9:0 user_agent=""
	// 200 home DENY
}

func ExampleChain() {
	tag := func(s string) middleware.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Println("enter", s)
				next.ServeHTTP(w, r)
			})
		}
	}
	h := middleware.Chain(tag("outer"), tag("inner"))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		fmt.Println("view")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// Output:
	// enter outer
	// enter inner
	// view
}

func ExampleMust() {
	defer func() { fmt.Println("panic:", recover()) }()
	middleware.Must(middleware.XFrameOptions("ALLOWALL"))
	// Output: panic: middleware: X-Frame-Options: value "ALLOWALL" is neither DENY nor SAMEORIGIN
}

func ExampleRecover() {
	renderer := &respond.Renderer{Logger: exampleLogger()}
	h := renderer.Middleware(middleware.Recover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("nil map")
	})))
	res := serve(h, httptest.NewRequest("GET", "/polls/", nil))
	fmt.Println(res.Code, strings.Contains(res.Body.String(), "nil map"))
	// Output:
	// level=ERROR msg="server error" method=GET path=/polls/ status=500 error="panic: nil map"
	// 500 false
}

func ExampleRequestID() {
	rid, err := middleware.RequestID(middleware.RequestIDConfig{TrustIncoming: true})
	if err != nil {
		panic(err)
	}
	h := rid(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("view sees", middleware.RequestIDFrom(r.Context()))
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-ID", "edge-42")
	fmt.Println("response header", serve(h, req).Header().Get("X-Request-ID"))
	// Output:
	// view sees edge-42
	// response header edge-42
}

func ExampleRequestIDFrom() {
	renderer := &respond.Renderer{RequestID: middleware.RequestIDFrom} // error pages show the id
	_ = renderer
	fmt.Printf("%q\n", middleware.RequestIDFrom(context.Background()))
	// Output: ""
}

func ExampleAccessLog() {
	h := middleware.AccessLog(exampleLogger(), slog.LevelInfo)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, "created")
	}))
	req := httptest.NewRequest("POST", "/polls/?secret=token", nil)
	req.Header.Set("User-Agent", "curl/8")
	serve(h, req)
	// Output: level=INFO msg="http request" method=POST path=/polls/ status=201 bytes=7 remote=192.0.2.1:1234 user_agent=curl/8
}

func ExampleAllowedHosts() {
	hosts, err := middleware.AllowedHosts([]string{"example.com", ".example.org"}, false)
	if err != nil {
		panic(err)
	}
	h := hosts(okHandler)
	for _, host := range []string{"example.com:8000", "www.example.org", "evil.com", "example.com_evil.com"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Host = host
		fmt.Println(host, serve(h, req).Code)
	}
	// Output:
	// example.com:8000 200
	// www.example.org 200
	// evil.com 400
	// example.com_evil.com 400
}

func ExampleSecurityHeaders() {
	sec, err := middleware.SecurityHeaders(middleware.SecurityConfig{
		ContentTypeNosniff: true,
		ReferrerPolicy:     "same-origin",
		HSTSSeconds:        3600,
		SSLRedirect:        true,
	})
	if err != nil {
		panic(err)
	}
	res := serve(sec(okHandler), httptest.NewRequest("GET", "http://example.com/login?next=/", nil))
	fmt.Println(res.Code, res.Header().Get("Location"))
	// Output: 301 https://example.com/login?next=/
}

func ExampleProxyHeaders() {
	proxy, err := middleware.ProxyHeaders(middleware.ProxyConfig{
		Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
	})
	if err != nil {
		panic(err)
	}
	h := proxy(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.RemoteAddr, middleware.IsSecure(r))
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.0.0.7:41000" // the load balancer
	req.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.9")
	req.Header.Set("X-Forwarded-Proto", "https")
	serve(h, req)
	// Output: 203.0.113.9:0 true
}

func ExampleIsSecure() {
	req := httptest.NewRequest("GET", "https://example.com/", nil) // httptest sets r.TLS for https
	fmt.Println(middleware.IsSecure(req))
	// Output: true
}

func ExampleCanonicalURL() {
	paths := map[string]bool{"/polls/": true}
	resolver := middleware.ResolverFunc(func(method, host, path string) bool { return paths[path] })
	mw, err := middleware.CanonicalURL(middleware.CanonicalConfig{AppendSlash: true, Resolver: resolver})
	if err != nil {
		panic(err)
	}
	router := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !paths[r.URL.EscapedPath()] {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "polls")
	})
	for _, target := range []string{"/polls?page=2", "//evil.com"} {
		res := serve(mw(router), httptest.NewRequest("GET", target, nil))
		fmt.Println(target, res.Code, res.Header().Get("Location"))
	}
	// Output:
	// /polls?page=2 301 /polls/?page=2
	// //evil.com 404
}

func ExampleResolverFunc() {
	var r middleware.Resolver = middleware.ResolverFunc(func(method, host, path string) bool {
		return path == "/about/"
	})
	fmt.Println(r.Resolves("GET", "example.com", "/about/"), r.Resolves("GET", "example.com", "/about"))
	// Output: true false
}

func ExampleXFrameOptions() {
	xfo, err := middleware.XFrameOptions("SAMEORIGIN")
	if err != nil {
		panic(err)
	}
	fmt.Println(serve(xfo(okHandler), httptest.NewRequest("GET", "/", nil)).Header().Get("X-Frame-Options"))
	// Output: SAMEORIGIN
}

func ExampleXFrameExempt() {
	xfo := middleware.Must(middleware.XFrameOptions(""))
	router := http.NewServeMux()
	router.Handle("/", okHandler)
	router.Handle("/embed/", middleware.XFrameExempt(okHandler))
	h := xfo(router)
	for _, path := range []string{"/", "/embed/"} {
		fmt.Printf("%s %q\n", path, serve(h, httptest.NewRequest("GET", path, nil)).Header().Get("X-Frame-Options"))
	}
	// Output:
	// / "DENY"
	// /embed/ ""
}

func ExampleBodyLimit() {
	h := middleware.BodyLimit(8)(respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err // *http.MaxBytesError: respond answers 413
		}
		_, err = w.Write(b)
		return err
	}))
	small := serve(h, httptest.NewRequest("POST", "/", strings.NewReader("hello")))
	large := serve(h, httptest.NewRequest("POST", "/", strings.NewReader("hello, world")))
	fmt.Println(small.Code, small.Body.String(), large.Code)
	// Output: 200 hello 413
}

func ExampleGZip() {
	gz, err := middleware.GZip(middleware.GZipConfig{})
	if err != nil {
		panic(err)
	}
	page := strings.Repeat("<p>Djinn</p>", 200)
	h := gz(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	res := serve(h, req)
	zr, _ := gzip.NewReader(res.Body)
	body, _ := io.ReadAll(zr)
	fmt.Println(res.Header().Get("Content-Encoding"), res.Header().Get("Vary"), len(page), "->", res.Body.Len() < len(page), string(body) == page)
	// Output: gzip Accept-Encoding 2400 -> true true
}

func ExampleDefaultGZipTypes() {
	fmt.Println(middleware.DefaultGZipTypes()[0])
	// Output: text/*
}

func ExampleTimeout() {
	h := middleware.Timeout(10 * time.Millisecond)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // a query that honours its context stops here
		_, err := io.WriteString(w, "too late")
		fmt.Println("view:", err)
	}))
	fmt.Println(serve(h, httptest.NewRequest("GET", "/", nil)).Code)
	// Output:
	// view: http: Handler timeout
	// 503
}

func ExampleLoadShedding() {
	release := make(chan struct{})
	busy := make(chan struct{})
	h := middleware.LoadShedding(1, 5*time.Second)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(busy)
			<-release
		}
	}))
	done := make(chan struct{})
	go func() { serve(h, httptest.NewRequest("GET", "/slow", nil)); close(done) }()
	<-busy
	res := serve(h, httptest.NewRequest("GET", "/", nil))
	fmt.Println(res.Code, res.Header().Get("Retry-After"))
	close(release)
	<-done
	fmt.Println(serve(h, httptest.NewRequest("GET", "/", nil)).Code)
	// Output:
	// 503 5
	// 200
}

func ExampleCSRF() {
	csrf, err := middleware.CSRF(middleware.CSRFConfig{TrustedOrigins: []string{"https://admin.example.com"}})
	if err != nil {
		panic(err)
	}
	h := csrf(okHandler)
	for _, origin := range []string{"https://evil.com", "https://admin.example.com"} {
		req := httptest.NewRequest("POST", "/polls/1/vote/", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", origin)
		fmt.Println(origin, serve(h, req).Code)
	}
	// Output:
	// https://evil.com 403
	// https://admin.example.com 200
}
