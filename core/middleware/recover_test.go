package middleware_test

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

// panickingView panics with a value that must never reach production pages.
func panickingView(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Encoding", "gzip") // meant for a body never written
	panic("secret-boom")
}

func TestRecover(t *testing.T) {
	tests := []struct {
		name       string
		debug      bool
		accept     string
		wantCT     string
		wantInBody []string
		notInBody  []string
	}{
		{
			name:       "production page has no stack",
			wantCT:     "text/html; charset=utf-8",
			wantInBody: []string{"500"},
			notInBody:  []string{"secret-boom", "panickingView", "recover_test.go", "goroutine"},
		},
		{
			name:       "debug page shows the panic and its stack",
			debug:      true,
			wantCT:     "text/html; charset=utf-8",
			wantInBody: []string{"secret-boom", "panickingView", "recover_test.go"},
		},
		{
			name:       "JSON client gets a JSON 500",
			accept:     "application/json",
			wantCT:     "application/json",
			wantInBody: []string{`"status":500`},
			notInBody:  []string{"secret-boom", "recover_test.go"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, logs := newLogSink()
			rd := &respond.Renderer{Debug: tt.debug, Logger: logger, RequestID: middleware.RequestIDFrom}
			h := withRenderer(rd, middleware.Recover(http.HandlerFunc(panickingView)))
			req := httptest.NewRequest("GET", "/boom", nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			res := serve(h, req)

			if res.Code != http.StatusInternalServerError {
				t.Errorf("status = %d; want 500", res.Code)
			}
			if got := res.Header().Get("Content-Type"); got != tt.wantCT {
				t.Errorf("Content-Type = %q; want %q", got, tt.wantCT)
			}
			if got := res.Header().Get("Content-Encoding"); got != "" {
				t.Errorf("Content-Encoding = %q; want none (the view's header described another body)", got)
			}
			body := res.Body.String()
			for _, s := range tt.wantInBody {
				if !strings.Contains(body, s) {
					t.Errorf("body does not contain %q:\n%s", s, body)
				}
			}
			for _, s := range tt.notInBody {
				if strings.Contains(body, s) {
					t.Errorf("body contains %q:\n%s", s, body)
				}
			}
			lines := logs.withMessage(t, "server error")
			if len(lines) != 1 {
				t.Fatalf("logged %d server errors; want 1: %s", len(lines), logs.buf.String())
			}
			if stack, _ := lines[0]["stack"].(string); !strings.Contains(stack, "panickingView") {
				t.Errorf("logged stack does not show the panicking view:\n%s", stack)
			}
		})
	}
}

func TestRecoverReraisesErrAbortHandler(t *testing.T) {
	h := middleware.Recover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	res := httptest.NewRecorder()
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("panic value = %v; want http.ErrAbortHandler", v)
		}
		if res.Body.Len() != 0 {
			t.Errorf("body = %q; want nothing written", res.Body.String())
		}
	}()
	h.ServeHTTP(res, httptest.NewRequest("GET", "/", nil))
	t.Error("ServeHTTP returned; want the panic to propagate")
}

func TestRecoverAfterResponseStartedAborts(t *testing.T) {
	tests := []struct {
		name  string
		flush bool // the partial response reached the client before the panic
	}{
		{"buffered partial response", false},
		{"flushed partial response", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, logs := newLogSink()
			rd := &respond.Renderer{Logger: logger}
			h := withRenderer(rd, middleware.Recover(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, "partial")
				if tt.flush {
					_ = http.NewResponseController(w).Flush()
				}
				panic("late")
			})))
			srv := httptest.NewServer(h)
			defer srv.Close()

			res, err := srv.Client().Get(srv.URL)
			if err == nil {
				body, rerr := io.ReadAll(res.Body)
				res.Body.Close()
				if rerr == nil {
					t.Errorf("got a complete %d response %q; want the connection aborted", res.StatusCode, body)
				}
				if string(body) != "partial" {
					t.Errorf("body = %q; want the partial body %q and no error page", body, "partial")
				}
			} else if tt.flush {
				t.Errorf("GET: %v; want the flushed 200 headers", err)
			}
			srv.Close() // wait for the handler to finish logging
			lines := logs.withMessage(t, "server error")
			if len(lines) != 1 || lines[0]["response_started"] != true || lines[0]["error"] != "panic: late" {
				t.Errorf("logged %v; want one server error with response_started=true and error \"panic: late\"", lines)
			}
		})
	}
}

func TestRecoverAfterWriteHeaderPanicsWithAbort(t *testing.T) {
	h := middleware.Recover(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		panic("late")
	}))
	res := httptest.NewRecorder()
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("panic value = %v; want http.ErrAbortHandler", v)
			}
		}()
		h.ServeHTTP(res, httptest.NewRequest("GET", "/", nil))
	}()
	if res.Code != http.StatusAccepted || res.Body.Len() != 0 {
		t.Errorf("response = %d %q; want the 202 the view sent and no error page", res.Code, res.Body.String())
	}
}

func TestRecoverKeepsResponseControllerWorking(t *testing.T) {
	h := middleware.Recover(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "event\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush through Recover: %v", err)
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack through Recover: %v", err)
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("0\r\n\r\n")
		_ = brw.Flush()
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer res.Body.Close()
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil || line != "event\n" {
		t.Errorf("first body line = %q, %v; want %q", line, err, "event\n")
	}
}

func TestRecoverWithAccessLogLogs500(t *testing.T) {
	logger, logs := newLogSink()
	rid := middleware.Must(middleware.RequestID(middleware.RequestIDConfig{}))
	rd := &respond.Renderer{Logger: logger, RequestID: middleware.RequestIDFrom}
	h := middleware.Chain(rd.Middleware, rid, middleware.Recover, middleware.AccessLog(logger, slog.LevelInfo))(
		http.HandlerFunc(panickingView))
	res := serve(h, httptest.NewRequest("GET", "/boom", nil))
	if res.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d; want 500", res.Code)
	}
	access := logs.withMessage(t, "http request")
	if len(access) != 1 {
		t.Fatalf("access log lines = %d; want 1", len(access))
	}
	if access[0]["status"] != 500.0 || access[0]["panic"] != true || access[0]["level"] != "ERROR" {
		t.Errorf("access line = %v; want status 500, panic true, level ERROR", access[0])
	}
	id := res.Header().Get("X-Request-Id")
	errLine := logs.withMessage(t, "server error")
	if id == "" || len(errLine) != 1 || errLine[0]["request_id"] != id || access[0]["request_id"] != id {
		t.Errorf("request ids: header %q, error log %v, access log %v; want the same id everywhere", id, errLine, access[0]["request_id"])
	}
	if stack, _ := errLine[0]["stack"].(string); !strings.Contains(stack, "panickingView") {
		t.Errorf("stack lost the panicking frame (AccessLog must not recover and re-panic):\n%s", stack)
	}
}

func TestRecoverPanicWithError(t *testing.T) {
	sentinel := errors.New("sentinel")
	logger, logs := newLogSink()
	rd := &respond.Renderer{Logger: logger}
	h := withRenderer(rd, middleware.Recover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(sentinel) })))
	if res := serve(h, httptest.NewRequest("GET", "/", nil)); res.Code != http.StatusInternalServerError {
		t.Errorf("status = %d; want 500", res.Code)
	}
	if lines := logs.withMessage(t, "server error"); len(lines) != 1 || lines[0]["error"] != "panic: sentinel" {
		t.Errorf("logged %v; want one server error \"panic: sentinel\"", lines)
	}
}
