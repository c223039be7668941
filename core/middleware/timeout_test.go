package middleware_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

// waitDone blocks until ctx is done, or fails the test after 10 seconds.
func waitDone(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Error("request context never done")
	}
}

func TestTimeout(t *testing.T) {
	const d = 20 * time.Millisecond
	tests := []struct {
		name     string
		view     func(t *testing.T) http.Handler
		wantCode int
		wantBody string // exact body, or "" to check for the timeout page
	}{
		{
			name: "fast view",
			view: func(t *testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if _, ok := r.Context().Deadline(); !ok {
						t.Error("request context has no deadline")
					}
					_, _ = io.WriteString(w, "fast")
				})
			},
			wantCode: 200, wantBody: "fast",
		},
		{
			name: "view that stops at the deadline and returns",
			view: func(t *testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { waitDone(t, r.Context()) })
			},
			wantCode: 503,
		},
		{
			name: "late writes are refused",
			view: func(t *testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					waitDone(t, r.Context())
					w.Header().Set("Content-Type", "text/plain")
					w.WriteHeader(http.StatusOK)
					if n, err := io.WriteString(w, "late"); n != 0 || !errors.Is(err, http.ErrHandlerTimeout) {
						t.Errorf("late Write = %d, %v; want 0, http.ErrHandlerTimeout", n, err)
					}
					if err := http.NewResponseController(w).Flush(); !errors.Is(err, http.ErrHandlerTimeout) {
						t.Errorf("late Flush = %v; want http.ErrHandlerTimeout", err)
					}
				})
			},
			wantCode: 503,
		},
		{
			name: "view returning the context error",
			view: func(t *testing.T) http.Handler {
				return respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
					waitDone(t, r.Context())
					return r.Context().Err()
				})
			},
			wantCode: 503,
		},
		{
			name: "started stream is not cut",
			view: func(t *testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.WriteString(w, "start ")
					_ = http.NewResponseController(w).Flush()
					waitDone(t, r.Context())
					if _, err := io.WriteString(w, "more"); err != nil {
						t.Errorf("Write after the deadline in a started response: %v", err)
					}
				})
			},
			wantCode: 200, wantBody: "start more",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, logs := newLogSink()
			rd := &respond.Renderer{Logger: logger}
			h := middleware.Chain(rd.Middleware, middleware.Recover, middleware.AccessLog(logger, slog.LevelInfo), middleware.Timeout(d))(tt.view(t))
			res := serve(h, httptest.NewRequest("GET", "/slow", nil))
			if res.Code != tt.wantCode {
				t.Errorf("status = %d; want %d", res.Code, tt.wantCode)
			}
			body := res.Body.String()
			switch {
			case tt.wantBody != "" && body != tt.wantBody:
				t.Errorf("body = %q; want %q", body, tt.wantBody)
			case tt.wantBody == "" && (strings.Contains(body, "late") || !strings.Contains(body, "503")):
				t.Errorf("body = %q; want only the 503 page", body)
			}
			access := logs.withMessage(t, "http request")
			if len(access) != 1 || access[0]["status"] != float64(tt.wantCode) {
				t.Errorf("access log = %v; want one line with status %d", access, tt.wantCode)
			}
		})
	}
}

func TestTimeoutDropsCompression(t *testing.T) {
	gz := middleware.Must(middleware.GZip(middleware.GZipConfig{}))
	h := middleware.Chain(middleware.Timeout(time.Millisecond), gz)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		waitDone(t, r.Context())
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, bigHTML)
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res := serve(h, req)
	if res.Code != http.StatusServiceUnavailable || res.Header().Get("Content-Encoding") != "" {
		t.Errorf("got %d with Content-Encoding %q; want an uncompressed 503", res.Code, res.Header().Get("Content-Encoding"))
	}
	if strings.Contains(res.Body.String(), "hello djinn") {
		t.Error("the late page leaked into the 503")
	}
}

func TestTimeoutEndToEnd(t *testing.T) {
	// A view doing context-aware I/O, against a real server (run with -race).
	h := middleware.Timeout(20 * time.Millisecond)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			http.Error(w, "query cancelled", http.StatusInternalServerError) // refused: the 503 wins
		case <-time.After(10 * time.Second):
			_, _ = io.WriteString(w, "too late")
		}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(body), "query cancelled") {
		t.Errorf("got %d %q; want the 503 page", res.StatusCode, body)
	}
}

func TestTimeoutDisabled(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		h := middleware.Timeout(d)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := r.Context().Deadline(); ok {
				t.Errorf("Timeout(%v) set a deadline", d)
			}
		}))
		serve(h, httptest.NewRequest("GET", "/", nil))
	}
}
