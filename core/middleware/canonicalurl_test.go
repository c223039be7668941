package middleware_test

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

// routes is a tiny router: a set of escaped paths, and a catch-all for
// paths under /files/ that end in "/" (to exercise odd paths).
type routes struct {
	paths map[string]bool
	calls atomic.Int32
}

func newRoutes(paths ...string) *routes {
	r := &routes{paths: make(map[string]bool)}
	for _, p := range paths {
		r.paths[p] = true
	}
	return r
}

func (rt *routes) Resolves(method, host, path string) bool {
	rt.calls.Add(1)
	return rt.paths[path] || (strings.HasSuffix(path, "/") && (strings.HasPrefix(path, "//") || strings.HasPrefix(path, "/\\") ||
		strings.HasPrefix(path, "/%")))
}

// ServeHTTP answers the routes with "view" and everything else with a 404
// page rendered by respond.
func (rt *routes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rt.paths[r.URL.EscapedPath()] {
		_, _ = w.Write([]byte("view"))
		return
	}
	respond.NotFound(w, r)
}

func TestCanonicalURLAppendSlash(t *testing.T) {
	tests := []struct {
		name, method, target string
		wantCode             int
		wantLocation         string
	}{
		{"redirects to the slash", "GET", "/polls", 301, "/polls/"},
		{"keeps the query", "GET", "/polls?page=2&q=a%20b", 301, "/polls/?page=2&q=a%20b"},
		{"HEAD is 301", "HEAD", "/polls", 301, "/polls/"},
		{"POST keeps its method", "POST", "/polls", 308, "/polls/"},
		{"nested", "GET", "/polls/1", 301, "/polls/1/"},
		{"resolving path untouched", "GET", "/about", 200, ""},
		{"slash path untouched", "GET", "/polls/", 200, ""},
		{"no slash route gives the 404", "GET", "/missing", 404, ""},
		{"protocol-relative is escaped", "GET", "//evil.com", 301, "/%2Fevil.com/"},
		{"backslash is escaped", "GET", "/\\evil.com", 301, "/%5Cevil.com/"},
		{"encoded slashes stay encoded", "GET", "/%2F%2Fevil.com", 301, "/%2F%2Fevil.com/"},
		{"encoded backslash stays encoded", "GET", "/%5Cevil.com", 301, "/%5Cevil.com/"},
		{"encoded tab stays encoded", "GET", "/%09/evil.com", 301, "/%09/evil.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newRoutes("/polls/", "/polls/1/", "/about")
			mw := middleware.Must(middleware.CanonicalURL(middleware.CanonicalConfig{AppendSlash: true, Resolver: rt}))
			res := serve(mw(rt), httptest.NewRequest(tt.method, tt.target, nil))
			loc := res.Header().Get("Location")
			if res.Code != tt.wantCode || loc != tt.wantLocation {
				t.Errorf("%s %s: %d Location %q; want %d %q", tt.method, tt.target, res.Code, loc, tt.wantCode, tt.wantLocation)
			}
			if strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
				t.Errorf("Location %q is protocol-relative: open redirect", loc)
			}
			if tt.wantCode == 301 && strings.Contains(res.Body.String(), "Not Found") {
				t.Errorf("redirect carries the 404 page: %q", res.Body.String())
			}
			if tt.wantCode == 200 && rt.calls.Load() != 0 {
				t.Errorf("Resolves called %d times for a request that resolved; want 0", rt.calls.Load())
			}
		})
	}
}

func TestCanonicalURLPrependWWW(t *testing.T) {
	tests := []struct {
		name, target, host string
		secure             bool
		wantCode           int
		wantLocation       string
	}{
		{"adds www", "/polls/?a=1", "example.com", false, 301, "http://www.example.com/polls/?a=1"},
		{"keeps the port", "/", "Example.com:8000", false, 301, "http://www.example.com:8000/"},
		{"https when secure", "/polls/", "example.com", true, 301, "https://www.example.com/polls/"},
		{"appends the slash in the same redirect", "/polls", "example.com", false, 301, "http://www.example.com/polls/"},
		{"www untouched", "/polls/", "www.example.com", false, 200, ""},
		{"ip untouched", "/polls/", "127.0.0.1:8000", false, 200, ""},
		{"ipv6 untouched", "/polls/", "[::1]:8000", false, 200, ""},
		{"localhost untouched", "/polls/", "localhost:8000", false, 200, ""},
		{"invalid host untouched", "/polls/", "a b", false, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newRoutes("/polls/")
			mw := middleware.Must(middleware.CanonicalURL(middleware.CanonicalConfig{AppendSlash: true, PrependWWW: true, Resolver: rt}))
			req := httptest.NewRequest("GET", tt.target, nil)
			req.Host = tt.host
			if tt.secure {
				req.TLS = &tls.ConnectionState{}
			}
			res := serve(mw(rt), req)
			if loc := res.Header().Get("Location"); res.Code != tt.wantCode || loc != tt.wantLocation {
				t.Errorf("GET %s Host %q: %d Location %q; want %d %q", tt.target, tt.host, res.Code, loc, tt.wantCode, tt.wantLocation)
			}
		})
	}
}

func TestCanonicalURLKeepsStreaming(t *testing.T) {
	rt := newRoutes()
	mw := middleware.Must(middleware.CanonicalURL(middleware.CanonicalConfig{AppendSlash: true, Resolver: rt}))
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("chunk"))
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
	}))
	res := serve(h, httptest.NewRequest("GET", "/stream", nil))
	if !res.Flushed || res.Body.String() != "chunk" {
		t.Errorf("flushed %v body %q; want a flushed %q", res.Flushed, res.Body.String(), "chunk")
	}
}

func TestCanonicalURLConfig(t *testing.T) {
	_, err := middleware.CanonicalURL(middleware.CanonicalConfig{AppendSlash: true})
	if err == nil || !strings.HasPrefix(err.Error(), "middleware: canonical URL: ") {
		t.Errorf("CanonicalURL(AppendSlash without Resolver) error = %v; want a middleware: canonical URL: error", err)
	}
	mw := middleware.Must(middleware.CanonicalURL(middleware.CanonicalConfig{}))
	if got := mw(okHandler); fmt.Sprintf("%p", got) != fmt.Sprintf("%p", okHandler) {
		t.Error("zero CanonicalConfig wrapped the handler; want it returned unchanged")
	}
}

// ServeMux answers "/dir" with its own 307 to "/dir/" when a pattern ends in
// a slash; APPEND_SLASH makes that the permanent redirect Django sends.
func TestCanonicalURLAnswersMuxSlashRedirect(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dir/{$}", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/any/{$}", func(http.ResponseWriter, *http.Request) {})
	mw := middleware.Must(middleware.CanonicalURL(middleware.CanonicalConfig{AppendSlash: true, Resolver: middleware.ResolverFunc(func(string, string, string) bool { return false })}))
	h := mw(mux)
	tests := []struct {
		method, target string
		wantCode       int
		wantLocation   string
	}{
		{"GET", "/dir?x=1", http.StatusMovedPermanently, "/dir/?x=1"},
		{"HEAD", "/dir", http.StatusMovedPermanently, "/dir/"},
		{"POST", "/any", http.StatusPermanentRedirect, "/any/"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, "http://example.com"+tt.target, nil))
		if rec.Code != tt.wantCode || rec.Header().Get("Location") != tt.wantLocation {
			t.Errorf("%s %s = %d %q; want %d %q", tt.method, tt.target, rec.Code, rec.Header().Get("Location"), tt.wantCode, tt.wantLocation)
		}
	}
}
