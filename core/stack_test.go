package core_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/google/go-cmp/cmp"
)

// TestAccessLogDefaultLogger checks that the access log lines of a project
// with its default logger (formatted by the middleware itself) are the
// lines slog's handler writes for a project with the same handler given
// in Settings.Logging.Handler. It swaps os.Stderr, so it must not run in
// parallel.
func TestAccessLogDefaultLogger(t *testing.T) {
	// These differ between two requests; everything else must not.
	mask := regexp.MustCompile(`((?:time|duration_ms|request_id)[=":]+)[^ ",}]+`)
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			logged := stderrToFile(t)

			settings := func(h slog.Handler) core.Settings {
				s := core.Defaults()
				s.SecretKey = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123"
				s.AllowedHosts = []string{"example.com"}
				s.Logging.Format = format
				s.Logging.Level = "info"
				s.Logging.Handler = h
				s.URLs = func(r *urls.Router) {
					r.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
						_, _ = w.Write([]byte("hello"))
					}, "hello")
				}
				return s
			}
			var viaSlog bytes.Buffer
			opts := &slog.HandlerOptions{Level: slog.LevelInfo}
			var h slog.Handler = slog.NewTextHandler(&viaSlog, opts)
			if format == "json" {
				h = slog.NewJSONHandler(&viaSlog, opts)
			}
			for _, s := range []core.Settings{settings(nil), settings(h)} {
				p := core.New(s)
				if err := p.Setup(t.Context()); err != nil {
					t.Fatal(err)
				}
				for _, path := range []string{"/hello", "/missing%20page"} {
					req := httptest.NewRequest("GET", "http://example.com"+path, nil)
					req.Header.Set("User-Agent", `test "agent"`)
					p.Handler().ServeHTTP(httptest.NewRecorder(), req)
				}
				// Close writes the lines the batch writer still holds.
				if err := p.Close(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			got := accessLines(mask, logged())
			want := accessLines(mask, viaSlog.String())
			if len(want) != 2 {
				t.Fatalf("slog's handler wrote %d access lines; want 2:\n%s", len(want), viaSlog.String())
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("access lines of the default logger (-slog's handler +got):\n%s", diff)
			}
		})
	}
}

// TestAccessLogFlush checks when a project with its default logger holds
// access lines back (Logging.AccessLogFlush): with DEBUG off, until the
// batch is due or the project closes, except after a 5xx; with DEBUG on
// or a negative AccessLogFlush, never. It swaps os.Stderr, so it must not
// run in parallel.
func TestAccessLogFlush(t *testing.T) {
	tests := []struct {
		name  string
		debug bool
		flush time.Duration
		held  bool
	}{
		{"default", false, 0, true},
		{"debug", true, 0, false},
		{"negative", false, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logged := stderrToFile(t)
			s := core.Defaults()
			s.SecretKey = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123"
			s.AllowedHosts = []string{"example.com"}
			s.Debug = tt.debug
			s.Logging.AccessLogFlush = tt.flush
			s.URLs = func(r *urls.Router) {
				r.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {}, "hello")
				r.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(http.StatusServiceUnavailable)
				}, "fail")
			}
			p := core.New(s)
			if err := p.Setup(t.Context()); err != nil {
				t.Fatal(err)
			}
			get := func(path string) {
				p.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://example.com"+path, nil))
			}
			get("/hello")
			if got := strings.Contains(logged(), "path=/hello"); got == tt.held {
				t.Fatalf("after a 200: line written = %v; want %v", got, !tt.held)
			}
			get("/fail")
			if got := logged(); !strings.Contains(got, "path=/hello") || !strings.Contains(got, "path=/fail status=503") {
				t.Fatalf("after a 503: %q; want both lines", got)
			}
			get("/hello")
			if err := p.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(logged(), "path=/hello"); n != 2 {
				t.Errorf("after Close: %d lines for /hello; want 2", n)
			}
		})
	}
}

// stderrToFile points os.Stderr at a new file until the test ends (a
// project set up meanwhile logs there) and returns a function that reads
// what has been written. Tests that use it must not run in parallel.
func stderrToFile(t *testing.T) (logged func() string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stderr")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = f
	t.Cleanup(func() {
		os.Stderr = saved
		f.Close()
	})
	return func() string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
}

// accessLines returns the access log lines of logs, masked.
func accessLines(mask *regexp.Regexp, logs string) []string {
	var lines []string
	for l := range strings.Lines(logs) {
		if strings.Contains(l, "http request") {
			lines = append(lines, mask.ReplaceAllString(l, "${1}X"))
		}
	}
	return lines
}
