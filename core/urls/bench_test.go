package urls_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/djinn-go/djinn/core/urls"
)

// benchRoutes is a small site: the same patterns go into a Router and,
// without converters, into a bare ServeMux.
var benchRoutes = []struct{ pattern, mux, name string }{
	{"GET /{$}", "GET /{$}", "home"},
	{"GET /about/", "GET /about/", "about"},
	{"GET /articles/{year:int}/{slug:slug}/{$}", "GET /articles/{year}/{slug}/{$}", "article"},
	{"GET /polls/{id:int}/{$}", "GET /polls/{id}/{$}", "polls:detail"},
	{"POST /polls/{id:int}/vote/{$}", "POST /polls/{id}/vote/{$}", "polls:vote"},
	{"GET /users/{name}/", "GET /users/{name}/", "user"},
	{"/static/{file:path}", "/static/{file...}", "static"},
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func benchRouter(b *testing.B) (*urls.Router, *http.ServeMux) {
	b.Helper()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	r := urls.New()
	mux := http.NewServeMux()
	for _, rt := range benchRoutes {
		name := rt.name
		if name == "polls:detail" || name == "polls:vote" {
			continue // added through an include below
		}
		r.Handle(rt.pattern, ok, name)
		mux.Handle(rt.mux, ok)
	}
	polls := urls.New()
	polls.Handle("GET /{id:int}/{$}", ok, "detail")
	polls.Handle("POST /{id:int}/vote/{$}", ok, "vote")
	r.Include("/polls", "polls", polls)
	mux.Handle("GET /polls/{id}/{$}", ok)
	mux.Handle("POST /polls/{id}/vote/{$}", ok)
	return r, mux
}

func BenchmarkReverse(b *testing.B) {
	r, _ := benchRouter(b)
	id := 12345 // a variable, as in a view; not a constant the compiler can box statically
	tests := []struct {
		name  string
		route string
		args  []any
	}{
		{"static", "about", nil},
		{"int", "polls:detail", []any{id}},
		{"int and slug", "article", []any{2024, "hello-world"}},
		{"named", "article", []any{urls.Args{"year": 2024, "slug": "hello-world"}}},
		{"escaped str", "user", []any{"Zoë Smith"}},
		{"path", "static", []any{"css/site.css"}},
		{"query", "polls:detail", []any{id, url.Values{"page": {"2"}}}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Reverse(tt.route, tt.args...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// The common call shape in a view: a variable int passed directly.
	b.Run("int call site", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Reverse("polls:detail", id); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkServe(b *testing.B) {
	r, mux := benchRouter(b)
	h := r.Handler()
	paths := []struct{ name, method, target string }{
		{"static", "GET", "/about/"},
		{"one int", "GET", "/polls/12345/"},
		{"int and slug", "GET", "/articles/2024/hello-world/"},
		{"str", "GET", "/users/ann/"},
		{"path", "GET", "/static/css/site.css"},
	}
	for _, p := range paths {
		req := httptest.NewRequest(p.method, p.target, nil)
		w := &discard{h: http.Header{}}
		for _, impl := range []struct {
			name string
			h    http.Handler
		}{{"router", h}, {"servemux", mux}} {
			b.Run(p.name+"/"+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					impl.h.ServeHTTP(w, req)
				}
			})
		}
	}
}

func BenchmarkNotFound(b *testing.B) {
	r, _ := benchRouter(b)
	h := r.Handler()
	req := httptest.NewRequest("GET", "/nope/nothing", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := &discard{h: http.Header{}}
		h.ServeHTTP(w, req)
	}
}

func BenchmarkResolve(b *testing.B) {
	r, _ := benchRouter(b)
	r.Handler()
	b.ReportAllocs()
	for b.Loop() {
		if !r.Resolves("GET", "example.com", "/polls/12345/") {
			b.Fatal("Resolves = false")
		}
	}
}
