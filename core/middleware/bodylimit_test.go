package middleware_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

// readingView reads the whole body and returns the read error, so that
// respond renders it.
var readingView = respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintf(w, "read %d", len(b))
	return nil
})

func TestBodyLimit(t *testing.T) {
	tests := []struct {
		name     string
		limit    int64
		body     string
		chunked  bool // hide the length: the server sees Transfer-Encoding: chunked
		wantCode int
		wantBody string
	}{
		{"under the limit", 10, "0123456789", false, 200, "read 10"},
		{"content-length over the limit", 10, "0123456789A", false, 413, ""},
		{"chunked under the limit", 10, "0123456789", true, 200, "read 10"},
		{"chunked over the limit is cut", 10, strings.Repeat("x", 1000), true, 413, ""},
		{"no body", 10, "", false, 200, "read 0"},
		{"zero is unlimited", 0, strings.Repeat("x", 1000), true, 200, "read 1000"},
		{"negative is unlimited", -1, strings.Repeat("x", 1000), false, 200, "read 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, logs := newLogSink()
			rd := &respond.Renderer{Logger: logger}
			h := middleware.Chain(rd.Middleware, middleware.AccessLog(logger, slog.LevelInfo), middleware.BodyLimit(tt.limit))(readingView)
			srv := httptest.NewServer(h)
			defer srv.Close()

			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // unknown length
			}
			req, _ := http.NewRequest("POST", srv.URL+"/upload", body)
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("POST: %v", err)
			}
			got, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.wantCode {
				t.Errorf("status = %d (%q); want %d", res.StatusCode, got, tt.wantCode)
			}
			if tt.wantBody != "" && string(got) != tt.wantBody {
				t.Errorf("body = %q; want %q", got, tt.wantBody)
			}
			srv.Close()
			lines := logs.withMessage(t, "http request")
			if len(lines) != 1 || lines[0]["status"] != float64(tt.wantCode) {
				t.Errorf("access log = %v; want one line with status %d", lines, tt.wantCode)
			}
		})
	}
}

func TestBodyLimitError(t *testing.T) {
	var readErr error
	h := middleware.BodyLimit(4)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, readErr = io.ReadAll(r.Body)
	}))
	req := httptest.NewRequest("POST", "/", io.MultiReader(strings.NewReader("too long")))
	req.ContentLength = -1
	serve(h, req)
	var mbe *http.MaxBytesError
	if !errors.As(readErr, &mbe) || mbe.Limit != 4 {
		t.Errorf("read error = %v; want *http.MaxBytesError with Limit 4", readErr)
	}
	if got := respond.Status(readErr); got != http.StatusRequestEntityTooLarge {
		t.Errorf("respond.Status(%v) = %d; want 413", readErr, got)
	}
}

func TestBodyLimitRejectsBeforeTheView(t *testing.T) {
	called := false
	h := middleware.BodyLimit(4)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	res := serve(h, httptest.NewRequest("POST", "/", strings.NewReader("too long")))
	if res.Code != http.StatusRequestEntityTooLarge || called {
		t.Errorf("status %d, view called %v; want 413 without calling the view", res.Code, called)
	}
}
