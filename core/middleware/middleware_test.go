package middleware_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/google/go-cmp/cmp"
)

// logSink captures JSON log lines for assertions.
type logSink struct {
	buf bytes.Buffer
}

func newLogSink() (*slog.Logger, *logSink) {
	s := &logSink{}
	return slog.New(slog.NewJSONHandler(&s.buf, &slog.HandlerOptions{Level: slog.LevelDebug})), s
}

// lines returns the logged records, decoded.
func (s *logSink) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(s.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// withMessage returns the records whose msg is msg.
func (s *logSink) withMessage(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range s.lines(t) {
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// withRenderer makes rd the Renderer of h's requests.
func withRenderer(rd *respond.Renderer, h http.Handler) http.Handler { return rd.Middleware(h) }

// serve runs h on req and returns the recorded response.
func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// okHandler writes "ok".
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = w.Write([]byte("ok"))
})

func TestChain(t *testing.T) {
	var calls []string
	mark := func(name string) middleware.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls = append(calls, name+" in")
				next.ServeHTTP(w, r)
				calls = append(calls, name+" out")
			})
		}
	}
	view := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls = append(calls, "view") })
	tests := []struct {
		name string
		mws  []middleware.Middleware
		want []string
	}{
		{"empty", nil, []string{"view"}},
		{"one", []middleware.Middleware{mark("a")}, []string{"a in", "view", "a out"}},
		{"first is outermost", []middleware.Middleware{mark("a"), mark("b"), mark("c")},
			[]string{"a in", "b in", "c in", "view", "c out", "b out", "a out"}},
		{"nil skipped", []middleware.Middleware{nil, mark("a"), nil}, []string{"a in", "view", "a out"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls = nil
			serve(middleware.Chain(tt.mws...)(view), httptest.NewRequest("GET", "/", nil))
			if diff := cmp.Diff(tt.want, calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChainCopiesSlice(t *testing.T) {
	var got string
	set := func(s string) middleware.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = s })
		}
	}
	mws := []middleware.Middleware{set("before")}
	chain := middleware.Chain(mws...)
	mws[0] = set("after")
	serve(chain(okHandler), httptest.NewRequest("GET", "/", nil))
	if got != "before" {
		t.Errorf("Chain used %q; want the middleware it was given (%q)", got, "before")
	}
}

func TestMust(t *testing.T) {
	mw := middleware.Must(middleware.XFrameOptions("SAMEORIGIN"))
	if got := serve(mw(okHandler), httptest.NewRequest("GET", "/", nil)).Header().Get("X-Frame-Options"); got != "SAMEORIGIN" {
		t.Errorf("X-Frame-Options = %q; want %q", got, "SAMEORIGIN")
	}
	defer func() {
		v := recover()
		err, _ := v.(error)
		if err == nil || !strings.HasPrefix(err.Error(), "middleware: ") {
			t.Errorf("Must(nil, err) panicked with %v; want the error", v)
		}
	}()
	middleware.Must(nil, errors.New("middleware: bad"))
}
