package middleware_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestAccessLog(t *testing.T) {
	tests := []struct {
		name      string
		level     slog.Level
		view      http.HandlerFunc
		wantLevel string
		want      map[string]any // checked keys; duration_ms is checked apart
	}{
		{
			name:      "implicit 200",
			view:      func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello") },
			wantLevel: "INFO",
			want:      map[string]any{"status": 200.0, "bytes": 5.0},
		},
		{
			name:      "nothing written is a 200",
			view:      func(http.ResponseWriter, *http.Request) {},
			wantLevel: "INFO",
			want:      map[string]any{"status": 200.0, "bytes": 0.0},
		},
		{
			name: "explicit status",
			view: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, "made")
			},
			wantLevel: "INFO",
			want:      map[string]any{"status": 201.0, "bytes": 4.0},
		},
		{
			name: "informational status is not the final one",
			view: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusEarlyHints)
				w.WriteHeader(http.StatusNotFound)
			},
			wantLevel: "INFO",
			want:      map[string]any{"status": 404.0, "bytes": 0.0},
		},
		{
			name:      "server error at error level",
			view:      func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) },
			wantLevel: "ERROR",
			want:      map[string]any{"status": 502.0},
		},
		{
			name:      "configured level",
			level:     slog.LevelWarn,
			view:      func(w http.ResponseWriter, r *http.Request) {},
			wantLevel: "WARN",
			want:      map[string]any{"status": 200.0},
		},
	}
	for _, tt := range tests {
		for _, direct := range []bool{false, true} {
			name := tt.name
			if direct {
				name += " (AccessLogTo)"
			}
			t.Run(name, func(t *testing.T) { testAccessLogLine(t, direct, tt.level, tt.view, tt.wantLevel, tt.want) })
		}
	}
}

// testAccessLogLine serves one request with view behind AccessLog (or
// AccessLogTo a JSON writer, when direct) at level and checks the line.
func testAccessLogLine(t *testing.T, direct bool, level slog.Level, view http.HandlerFunc, wantLevel string, wantAttrs map[string]any) {
	logger, logs := newLogSink()
	mw := middleware.AccessLog(logger, level)
	if direct {
		mw = middleware.AccessLogTo(&logs.buf, true, slog.LevelDebug, level)
	}
	req := httptest.NewRequest("POST", "/polls/1/vote?token=secret", nil)
	req.RemoteAddr = "203.0.113.7:4321"
	req.Header.Set("User-Agent", "test-agent/1.0")
	serve(mw(view), req)

	lines := logs.lines(t)
	if len(lines) != 1 {
		t.Fatalf("logged %d lines; want 1:\n%s", len(lines), logs.buf.String())
	}
	line := lines[0]
	want := map[string]any{
		"level": wantLevel, "msg": "http request",
		"method": "POST", "path": "/polls/1/vote", "request_id": "",
		"remote": "203.0.113.7:4321", "user_agent": "test-agent/1.0",
	}
	maps.Copy(want, wantAttrs)
	got := make(map[string]any)
	for k := range want {
		got[k] = line[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log line (-want +got):\n%s", diff)
	}
	if d, ok := line["duration_ms"].(float64); !ok || d < 0 {
		t.Errorf("duration_ms = %v; want a non-negative number", line["duration_ms"])
	}
	if strings.Contains(logs.buf.String(), "secret") {
		t.Errorf("log line contains the query string: %s", logs.buf.String())
	}
}

func TestAccessLogKeysStable(t *testing.T) {
	logger, logs := newLogSink()
	serve(middleware.AccessLog(logger, slog.LevelInfo)(okHandler), httptest.NewRequest("GET", "/", nil))
	var keys []string
	for k := range logs.lines(t)[0] {
		keys = append(keys, k)
	}
	want := []string{"time", "level", "msg", "method", "path", "status", "bytes", "duration_ms", "request_id", "remote", "user_agent"}
	if diff := cmp.Diff(want, keys, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

func TestAccessLogBelowLoggerLevel(t *testing.T) {
	var buf strings.Builder
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := middleware.AccessLog(logger, slog.LevelInfo)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	serve(h, httptest.NewRequest("GET", "/ok", nil))
	serve(h, httptest.NewRequest("GET", "/fail", nil))
	if got := strings.Count(buf.String(), "\n"); got != 1 || !strings.Contains(buf.String(), "path=/fail") {
		t.Errorf("logged %q; want only the 500 (info lines filtered by the logger)", buf.String())
	}
}

func TestAccessLogRequestIDAndHijack(t *testing.T) {
	logger, logs := newLogSink()
	rid := middleware.Must(middleware.RequestID(middleware.RequestIDConfig{}))
	done := make(chan struct{})
	signal := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(done)
			next.ServeHTTP(w, r)
		})
	}
	h := middleware.Chain(signal, rid, middleware.AccessLog(logger, slog.LevelInfo))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("Hijack: %v", err)
				return
			}
			defer conn.Close()
			_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n")
			_ = brw.Flush()
		}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "test")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	res.Body.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("handler did not return")
	}
	lines := logs.withMessage(t, "http request")
	if len(lines) != 1 {
		t.Fatalf("logged %d lines; want 1", len(lines))
	}
	if lines[0]["status"] != 101.0 {
		t.Errorf("status = %v; want 101 for a hijacked connection", lines[0]["status"])
	}
	if id, _ := lines[0]["request_id"].(string); !generatedID.MatchString(id) {
		t.Errorf("request_id = %q; want the generated id", id)
	}
}

func TestAccessLogToMatchesAccessLog(t *testing.T) {
	// time and duration differ between two requests; everything else
	// must be the same bytes.
	mask := regexp.MustCompile(`(time[=":]+)[^ ",]+|(duration_ms[=":]+)[^ ",}]+`)
	rid := middleware.Must(middleware.RequestID(middleware.RequestIDConfig{TrustIncoming: true}))
	views := []struct {
		name string
		view http.HandlerFunc
	}{
		{"ok", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello") }},
		{"server error", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }},
		{"panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") }},
	}
	for _, v := range views {
		for _, json := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s json=%v", v.name, json), func(t *testing.T) {
				var viaSlog, direct bytes.Buffer
				opts := &slog.HandlerOptions{Level: slog.LevelInfo}
				var h slog.Handler = slog.NewTextHandler(&viaSlog, opts)
				if json {
					h = slog.NewJSONHandler(&viaSlog, opts)
				}
				quiet := &respond.Renderer{Logger: slog.New(slog.DiscardHandler)}
				for _, mw := range []middleware.Middleware{
					middleware.AccessLog(slog.New(h), slog.LevelInfo),
					middleware.AccessLogTo(&direct, json, slog.LevelInfo, slog.LevelInfo),
				} {
					req := httptest.NewRequest("GET", "/a%20b/%C3%A9?q=1", nil)
					req.RemoteAddr = "[::1]:1234"
					req.Header.Set("User-Agent", `agent "quoted" = x`)
					req.Header.Set("X-Request-ID", "fixed-id")
					serve(withRenderer(quiet, middleware.Chain(rid, middleware.Recover, mw)(v.view)), req)
				}
				want := mask.ReplaceAllString(viaSlog.String(), "$1$2X")
				got := mask.ReplaceAllString(direct.String(), "$1$2X")
				if got != want || strings.Count(got, "\n") != 1 {
					t.Errorf("AccessLogTo wrote\n %q\nwant (as AccessLog through slog)\n %q", got, want)
				}
			})
		}
	}
}

func TestAccessLogToBelowMinLevel(t *testing.T) {
	var buf bytes.Buffer
	h := middleware.AccessLogTo(&buf, false, slog.LevelWarn, slog.LevelInfo)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	serve(h, httptest.NewRequest("GET", "/ok", nil))
	serve(h, httptest.NewRequest("GET", "/fail", nil))
	if got := strings.Count(buf.String(), "\n"); got != 1 || !strings.Contains(buf.String(), "level=ERROR") || !strings.Contains(buf.String(), "path=/fail") {
		t.Errorf("logged %q; want only the 500, at ERROR", buf.String())
	}
}
