package urls_test

import (
	"io"
	"net/http"
	"net/http/httptest"
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
