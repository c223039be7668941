package middleware_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

// wrapperStacks are middlewares that wrap the ResponseWriter; every test
// below runs through each of them.
func wrapperStacks(t *testing.T) []struct {
	name string
	mw   middleware.Middleware
} {
	t.Helper()
	canonical := middleware.Must(middleware.CanonicalURL(middleware.CanonicalConfig{
		AppendSlash: true, Resolver: middleware.ResolverFunc(func(string, string, string) bool { return false }),
	}))
	gz := middleware.Must(middleware.GZip(middleware.GZipConfig{}))
	return []struct {
		name string
		mw   middleware.Middleware
	}{
		{"recorder", middleware.Chain(middleware.Recover, middleware.AccessLog(slog.New(slog.DiscardHandler), slog.LevelInfo))},
		{"recorder with deadline", middleware.Timeout(time.Minute)},
		{"slash writer", canonical},
		{"gzip writer", gz},
		{"all of them", middleware.Chain(middleware.Recover, middleware.Timeout(time.Minute), gz, canonical)},
	}
}

// get requests path from srv with Accept-Encoding: gzip (so that GZip
// wraps) and returns the response with its body decompressed.
func get(t *testing.T, srv *httptest.Server, path string, trace *httptrace.ClientTrace) (*http.Response, string) {
	t.Helper()
	ctx := context.Background()
	if trace != nil {
		ctx = httptrace.WithClientTrace(ctx, trace)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	if res.Header.Get("Content-Encoding") == "gzip" {
		return res, gunzip(t, b)
	}
	return res, string(b)
}

func TestWrappersFlushAndReadFrom(t *testing.T) {
	for _, tt := range wrapperStacks(t) {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				if _, err := io.Copy(w, io.LimitReader(strings.NewReader("copied;"), 100)); err != nil { // ReadFrom where implemented
					t.Errorf("io.Copy: %v", err)
				}
				f, ok := w.(http.Flusher)
				if !ok {
					t.Errorf("%T is not an http.Flusher", w)
					return
				}
				f.Flush()
				if err := http.NewResponseController(w).Flush(); err != nil {
					t.Errorf("ResponseController.Flush: %v", err)
				}
				_, _ = io.WriteString(w, "written")
			}))
			srv := httptest.NewServer(h)
			defer srv.Close()
			res, body := get(t, srv, "/x", nil)
			if res.StatusCode != 200 || body != "copied;written" {
				t.Errorf("got %d %q; want 200 %q", res.StatusCode, body, "copied;written")
			}
		})
	}
}

func TestWrappersHijack(t *testing.T) {
	for _, tt := range wrapperStacks(t) {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hj, ok := w.(http.Hijacker)
				if !ok {
					t.Errorf("%T is not an http.Hijacker", w)
					return
				}
				conn, brw, err := hj.Hijack()
				if err != nil {
					t.Errorf("Hijack: %v", err)
					return
				}
				defer conn.Close()
				_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
				_ = brw.Flush()
			}))
			srv := httptest.NewServer(h)
			defer srv.Close()
			if _, body := get(t, srv, "/x", nil); body != "hijacked" {
				t.Errorf("body = %q; want %q", body, "hijacked")
			}
		})
	}
}

func TestWrappersInformationalStatus(t *testing.T) {
	for _, tt := range wrapperStacks(t) {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Link", "</app.css>; rel=preload")
				w.WriteHeader(http.StatusEarlyHints)
				w.WriteHeader(http.StatusAccepted)
				_, _ = io.WriteString(w, "final")
			}))
			srv := httptest.NewServer(h)
			defer srv.Close()
			var hints []int
			trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
				hints = append(hints, code)
				return nil
			}}
			res, body := get(t, srv, "/x", trace)
			if len(hints) != 1 || hints[0] != http.StatusEarlyHints || res.StatusCode != http.StatusAccepted || body != "final" {
				t.Errorf("1xx %v, final %d %q; want [103], 202 %q", hints, res.StatusCode, body, "final")
			}
		})
	}
}

func TestWrappersReportWritten(t *testing.T) {
	for _, tt := range wrapperStacks(t) {
		t.Run(tt.name, func(t *testing.T) {
			logger, logs := newLogSink()
			rd := &respond.Renderer{Logger: logger}
			h := rd.Middleware(tt.mw(respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = io.WriteString(w, "partial")
				return errors.New("failed after writing")
			})))
			srv := httptest.NewServer(h)
			defer srv.Close()
			if _, body := get(t, srv, "/x", nil); body != "partial" {
				t.Errorf("body = %q; want only %q, no error page appended", body, "partial")
			}
			srv.Close()
			if lines := logs.withMessage(t, "server error"); len(lines) != 1 || lines[0]["response_started"] != true {
				t.Errorf("logged %v; want the error logged with response_started=true", lines)
			}
		})
	}
}

func TestWrappersUnwrap(t *testing.T) {
	for _, tt := range wrapperStacks(t) {
		t.Run(tt.name, func(t *testing.T) {
			var inner http.ResponseWriter
			h := tt.mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for range 10 {
					u, ok := w.(interface{ Unwrap() http.ResponseWriter })
					if !ok {
						break
					}
					w = u.Unwrap()
				}
				inner = w
			}))
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/x", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			h.ServeHTTP(rec, req)
			if inner != http.ResponseWriter(rec) {
				t.Errorf("Unwrap chain ends at %T; want the server's writer", inner)
			}
		})
	}
}
