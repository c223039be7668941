package urls_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core/urls"
)

// FuzzReverse checks that Reverse and matching are inverses: whatever
// argument Reverse accepts comes back unchanged from r.PathValue when the
// path is requested, and Reverse refuses only the documented values.
func FuzzReverse(f *testing.F) {
	for _, s := range []string{"a", "a b", "a/b", "/", "//", ".", "..", "...", "%", "%2F", "a?b#c", "日本", "\x00", "\xff", "a/", "/a", "a//b", "a/./b", ""} {
		f.Add(s, int64(len(s))-3)
	}
	r := urls.New()
	echo := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, r.PathValue(name))
		})
	}
	r.Handle("GET /s/{s}/end", echo("s"), "str")
	r.Handle("GET /p/{p:path}", echo("p"), "path")
	r.Handle("GET /n/{n:int}", echo("n"), "int")
	h := r.Handler()

	f.Fuzz(func(t *testing.T, s string, n int64) {
		check := func(route string, arg any, value string, refusable bool) {
			t.Helper()
			path, err := r.Reverse(route, arg)
			if err != nil {
				if !refusable {
					t.Fatalf("Reverse(%q, %#v) error: %v", route, arg, err)
				}
				return
			}
			if refusable {
				t.Fatalf("Reverse(%q, %#v) = %q; want an error", route, arg, path)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
			if w.Code != 200 || w.Body.String() != value {
				t.Fatalf("GET %s (Reverse(%q, %#v)) = %d %q; want 200 %q", path, route, arg, w.Code, w.Body.String(), value)
			}
			if !r.Resolves("GET", "", path) {
				t.Fatalf("Resolves(GET, %q) = false; want true", path)
			}
		}
		check("str", s, s, s == "" || s == "." || s == ".." || s == "/")
		check("path", s, s, badPathArg(s))
		check("int", n, strings.TrimSpace(itoa(n)), n < 0)
	})
}

// badPathArg reports whether Reverse must refuse s for a {name:path}
// wildcard: empty, or with an empty segment before the end, or with a "."
// or ".." segment.
func badPathArg(s string) bool {
	if s == "" {
		return true
	}
	segs := strings.Split(s, "/")
	for i, seg := range segs {
		if seg == "" && i < len(segs)-1 || seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	var b []byte
	for n != 0 {
		d := n % 10
		if d < 0 {
			d = -d
		}
		b = append([]byte{byte('0' + d)}, b...)
		n /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

// FuzzResolve requests arbitrary paths from a router with converters, an
// include and rest wildcards, and checks that Resolve and serving agree:
// when Resolve finds a route, that route's view answers 200; when it finds
// none, no view runs (404, 405 or a redirect). Every value a view receives
// reverses to a path that resolves to the same route with the same values,
// unless Reverse documents why it refuses the value.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{
		"/", "/polls/7/", "/polls/7", "/polls/007/results/", "/polls/-1/", "/polls/99999999999999999999/",
		"/polls/7/vote/", "/articles/hello-world_2/", "/articles/h%C3%A9/", "/u/123e4567-e89b-12d3-a456-426614174000",
		"/u/123E4567-E89B-12D3-A456-426614174000", "/files/a/b/c.txt", "/files/a%2Fb", "/files/a//b", "/files/./x",
		"/files/%2e%2e/x", "/s/a/b/end", "/s/%2F/b/end", "/s/a%20b/%00/end", "/s/../b/end", "/docs/", "/docs/any/thing",
		"//polls/7/", "/polls/%37/", "/%zz", "polls", "", "/polls/7/?q=1", "/polls/7/#f", "/\xff",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
	}
	r := urls.New()
	routes := map[string][]string{} // route name → wildcard names
	view := func(name string, params ...string) http.Handler {
		routes[name] = params
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Route", name)
			for _, p := range params {
				io.WriteString(w, strconv.Quote(r.PathValue(p))+"\n")
			}
		})
	}
	r.Handle("GET /{$}", view("home"), "home")
	polls := urls.New()
	polls.Handle("GET /{id:int}/{$}", view("polls:detail", "id"), "detail")
	polls.Handle("GET /{id:int}/results/{$}", view("polls:results", "id"), "results")
	polls.Handle("POST /{id:int}/vote/{$}", view("polls:vote", "id"), "vote")
	r.Include("/polls/", "polls", polls)
	r.Handle("GET /articles/{slug:slug}/{$}", view("article", "slug"), "article")
	r.Handle("GET /u/{id:uuid}", view("user", "id"), "user")
	r.Handle("GET /files/{p:path}", view("files", "p"), "files")
	r.Handle("GET /s/{a}/{b}/end", view("pair", "a", "b"), "pair")
	r.Handle("GET /docs/", view("docs"), "docs")
	h := r.Handler()
	methods := []string{"GET", "POST", "HEAD", "PUT"}

	serve := func(t *testing.T, method, path string) *httptest.ResponseRecorder {
		t.Helper()
		u, err := url.ParseRequestURI(path)
		if err != nil {
			t.Fatalf("ParseRequestURI(%q): %v", path, err)
		}
		req := (&http.Request{Method: method, URL: u, RequestURI: path, Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}).WithContext(t.Context())
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}

	f.Fuzz(func(t *testing.T, path string, m uint8) {
		method := methods[int(m)%len(methods)]
		route, ok := r.Resolve(method, "", path)
		if _, err := url.ParseRequestURI(path); err != nil || path == "" || path[0] != '/' || strings.ContainsAny(path, "?#") {
			if ok {
				t.Fatalf("Resolve(%s, %q) = %q for a path that is not a request path", method, path, route.Name)
			}
			return
		}
		w := serve(t, method, path)
		served := w.Header().Get("X-Route")
		if !ok {
			if served != "" {
				t.Fatalf("Resolve(%s, %q) found nothing, but %s served it (%d)", method, path, served, w.Code)
			}
			return
		}
		if w.Code != 200 || served != route.Name {
			t.Fatalf("Resolve(%s, %q) = %q; serving it gives %d from %q", method, path, route.Name, w.Code, served)
		}
		if method == "HEAD" {
			return // no body to read the values from
		}
		var values []string
		for line := range strings.Lines(w.Body.String()) {
			line = strings.TrimSuffix(line, "\n")
			v, err := strconv.Unquote(line)
			if err != nil {
				t.Fatal(err)
			}
			values = append(values, v)
		}
		if len(values) != len(routes[route.Name]) {
			t.Fatalf("GET %s: %s got values %q; want %d", path, route.Name, values, len(routes[route.Name]))
		}
		args := make([]any, len(values))
		refusable := false
		for i, v := range values {
			args[i] = v
			if route.Name == "files" {
				refusable = refusable || badPathArg(v)
			} else {
				refusable = refusable || v == "/" || v == "." || v == ".."
			}
		}
		back, err := r.Reverse(route.Name, args...)
		if err != nil {
			if !refusable {
				t.Fatalf("Reverse(%q, %q) (values of %s) error: %v", route.Name, values, path, err)
			}
			return
		}
		again, ok := r.Resolve(method, "", back)
		if !ok || again.Name != route.Name {
			t.Fatalf("Reverse(%q, %q) = %q, which resolves to %q, %v; want %q", route.Name, values, back, again.Name, ok, route.Name)
		}
		if w2 := serve(t, method, back); w2.Body.String() != w.Body.String() {
			t.Fatalf("GET %s gives values %q; its reverse %s gives %q", path, w.Body.String(), back, w2.Body.String())
		}
	})
}
