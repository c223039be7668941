package respond

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const secret = "hunter2-s3cr3t"

func requestID(context.Context) string { return "req-42" }

// render serves err for r through rd.Middleware and a HandlerFunc, as a
// site does.
func render(rd *Renderer, r *http.Request, err error) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	rd.Middleware(HandlerFunc(func(http.ResponseWriter, *http.Request) error { return err })).ServeHTTP(w, r)
	return w
}

func get(target string, header http.Header) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	return r
}

func TestErrorProductionPage(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		want       []string
		notWant    []string
	}{
		{
			name:       "404 with public message",
			err:        NewError(http.StatusNotFound, "No poll 7."),
			wantStatus: 404,
			want:       []string{"<title>404 Not Found</title>", "<h1>Not Found</h1>", "<p>No poll 7.</p>", "Request ID: req-42"},
		},
		{
			name:       "404 without message hides the cause",
			err:        &HTTPError{Status: 404, Err: errors.New("sql: no rows; dsn password=" + secret)},
			wantStatus: 404,
			want:       []string{"The page you asked for could not be found."},
			notWant:    []string{secret, "sql:"},
		},
		{
			name:       "400 shows the message but not the cause",
			err:        &HTTPError{Status: 400, Message: "Bad date.", Err: errors.New(secret)},
			wantStatus: 400,
			want:       []string{"<p>Bad date.</p>"},
			notWant:    []string{secret},
		},
		{
			name:       "500 plain error",
			err:        fmt.Errorf("query polls: %w", errors.New("connect postgres://app:"+secret+"@db/polls")),
			wantStatus: 500,
			want:       []string{"Internal Server Error", "Something went wrong on our side.", "Request ID: req-42"},
			notWant:    []string{secret, "query polls", "postgres"},
		},
		{
			name:       "500 HTTPError message is not shown",
			err:        Errorf(500, "query failed: %v", secret),
			wantStatus: 500,
			want:       []string{"Something went wrong on our side."},
			notWant:    []string{secret, "query failed"},
		},
		{
			name:       "panic",
			err:        NewPanicError("token " + secret),
			wantStatus: 500,
			want:       []string{"Internal Server Error"},
			notWant:    []string{secret, "panic", "goroutine", ".go:"},
		},
		{
			name:       "deadline",
			err:        fmt.Errorf("render: %w", context.DeadlineExceeded),
			wantStatus: 503,
			want:       []string{"Service Unavailable", "temporarily unavailable"},
			notWant:    []string{"deadline"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := &Renderer{RequestID: requestID}
			w := render(rd, get("/polls/7", nil), tt.err)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d; want %d", w.Code, tt.wantStatus)
			}
			body := w.Body.String()
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("body does not contain %q:\n%s", s, body)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(body, s) {
					t.Errorf("body contains %q:\n%s", s, body)
				}
			}
			wantHeader := map[string]string{
				"Content-Type":            "text/html; charset=utf-8",
				"Cache-Control":           "no-store",
				"X-Content-Type-Options":  "nosniff",
				"Vary":                    "Accept",
				"Content-Security-Policy": builtinPageCSP,
			}
			for k, want := range wantHeader {
				if got := w.Header().Get(k); got != want {
					t.Errorf("header %s = %q; want %q", k, got, want)
				}
			}
		})
	}
}

func TestErrorJSON(t *testing.T) {
	jsonReq := http.Header{"Accept": {"application/json"}}
	tests := []struct {
		name  string
		debug bool
		err   error
		want  jsonErrorBody
	}{
		{"404 status text", false, &HTTPError{Status: 404, Err: errors.New(secret)}, jsonErrorBody{Status: 404, Message: "Not Found", RequestID: "req-42"}},
		{"422 message", false, NewError(422, "title is required"), jsonErrorBody{Status: 422, Message: "title is required", RequestID: "req-42"}},
		{"500 hides everything", false, Errorf(500, "db: %s", secret), jsonErrorBody{Status: 500, Message: "Internal Server Error", RequestID: "req-42"}},
		{"debug adds type and masked detail", true, fmt.Errorf("open postgres://u:%s@h/db: %w", secret, errors.New("refused")), jsonErrorBody{
			Status: 500, Message: "Internal Server Error", RequestID: "req-42",
			Type: "*fmt.wrapError", Detail: "open postgres://u:********@h/db: refused",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := render(&Renderer{Debug: tt.debug, RequestID: requestID}, get("/api/polls", jsonReq), tt.err)
			if got := w.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q; want application/json", got)
			}
			if w.Header().Get("Content-Security-Policy") != "" {
				t.Errorf("JSON error has a Content-Security-Policy")
			}
			var got jsonError
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			if diff := cmp.Diff(tt.want, got.Error); diff != "" {
				t.Errorf("JSON error body mismatch (-want +got):\n%s", diff)
			}
			if w.Code != tt.want.Status {
				t.Errorf("status = %d; want %d", w.Code, tt.want.Status)
			}
			if strings.Contains(w.Body.String(), secret) {
				t.Errorf("body contains the secret: %s", w.Body)
			}
		})
	}
}

func TestErrorJSONShape(t *testing.T) {
	w := render(&Renderer{RequestID: requestID}, get("/x", http.Header{"Accept": {"application/json"}}), NewError(404, ""))
	want := `{"error":{"status":404,"message":"Not Found","request_id":"req-42"}}` + "\n"
	if got := w.Body.String(); got != want {
		t.Errorf("body = %q; want %q", got, want)
	}
	w = render(nil, get("/x", http.Header{"Accept": {"application/json"}}), NewError(404, ""))
	want = `{"error":{"status":404,"message":"Not Found"}}` + "\n"
	if got := w.Body.String(); got != want {
		t.Errorf("body without request id = %q; want %q", got, want)
	}
}

type testSettings struct {
	Debug        bool
	SecretKey    string
	AllowedHosts []string
	Database     struct {
		URL      string
		MaxConns int
	}
	Redis struct {
		Addr     string
		Password string
	}
}

func TestErrorDebugPage(t *testing.T) {
	var s testSettings
	s.Debug = true
	s.SecretKey = "django-insecure-" + secret
	s.AllowedHosts = []string{"example.com"}
	s.Database.URL = "postgres://u:" + secret + "@h/db"
	s.Database.MaxConns = 10
	s.Redis.Addr = "127.0.0.1:6379"
	s.Redis.Password = secret
	rd := &Renderer{Debug: true, Settings: &s, RequestID: requestID}

	r := get("/polls/7?page=2&api_token="+secret, http.Header{
		"Cookie":        {"sessionid=" + secret},
		"Authorization": {"Bearer " + secret},
		"X-Api-Key":     {secret},
		"Referer":       {"https://admin:" + secret + "@example.com/"},
		"User-Agent":    {"test-agent/1.0"},
	})
	r.PostForm = url.Values{"title": {"Hello"}, "password": {secret}}
	cause := errors.New("dial postgres://u:" + secret + "@h/db: connection refused")
	err := fmt.Errorf("load poll 7: %w", &HTTPError{Status: 500, Message: "Could not load.", Err: cause})

	w := render(rd, r, err)
	body := w.Body.String()
	if w.Code != 500 {
		t.Errorf("status = %d; want 500", w.Code)
	}
	for _, want := range []string{
		"<title>*fmt.wrapError at /polls/7</title>",
		"load poll 7: 500 Could not load.: dial postgres://u:********@h/db: connection refused",
		"*respond.HTTPError", "*errors.errorString", // the chain
		"No stack: this error was returned, not panicked.",
		"Request ID</th><td>req-42",
		"test-agent/1.0", "page</th><td>2", "title</th><td>Hello", // request
		"AllowedHosts[0]</th><td>&#34;example.com&#34;", "Database.MaxConns</th><td>10", // settings
		"Database.URL</th><td class=\"masked\">&#34;postgres://u:********@h/db&#34;",
		"SecretKey</th><td class=\"masked\">********",
		"Redis.Password</th><td class=\"masked\">********",
		"Redis.Addr</th><td>&#34;127.0.0.1:6379&#34;",
		"Cookie</th><td class=\"masked\">********",
		"Authorization</th><td class=\"masked\">********",
		"X-Api-Key</th><td class=\"masked\">********",
		"https://admin:********@example.com/",
		"api_token=********",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("DEBUG page does not contain %q", want)
		}
	}
	if strings.Contains(body, secret) {
		i := strings.Index(body, secret)
		t.Errorf("DEBUG page leaks the secret near %q", body[max(0, i-200):i])
	}
	if got := w.Header().Get("Content-Security-Policy"); got != builtinPageCSP {
		t.Errorf("Content-Security-Policy = %q; want %q", got, builtinPageCSP)
	}
}

// panicky panics with v from a named function, so that the stack has a
// frame to find.
func panicky(v any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = NewPanicError(p)
		}
	}()
	panic(v)
}

func TestErrorDebugPagePanic(t *testing.T) {
	err := panicky("assignment to entry in nil map")
	w := render(&Renderer{Debug: true}, get("/boom", nil), err)
	body := w.Body.String()
	want := []string{
		"<title>panic at /boom</title>",
		"panic: assignment to entry in nil map",
		`class="frame origin"`, "respond.panicky", "renderer_test.go",
		"No settings: Renderer.Settings is nil.",
	}
	if _, file, _, _ := runtime.Caller(0); filepath.IsAbs(file) { // not built with -trimpath
		want = append(want, `<span class="ln cur">`, "\tpanic(v)") // the source line of the origin
	}
	for _, want := range want {
		if !strings.Contains(body, want) {
			t.Errorf("DEBUG page does not contain %q", want)
		}
	}
}

func TestErrorXSS(t *testing.T) {
	const script = `<script>alert("x")</script>`
	for _, debug := range []bool{false, true} {
		t.Run(fmt.Sprintf("debug=%t", debug), func(t *testing.T) {
			rd := &Renderer{
				Debug:     debug,
				Settings:  map[string]string{"Motto": script},
				RequestID: func(context.Context) string { return script },
			}
			r := get("/a?q=%3Cscript%3E", http.Header{"X-Evil": {script}})
			w := render(rd, r, NewError(404, script))
			body := w.Body.String()
			if strings.Contains(body, "<script") {
				t.Errorf("body contains an unescaped <script:\n%s", body)
			}
			if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
				t.Errorf("body does not show the escaped message:\n%s", body)
			}
		})
	}
}

func TestErrorHEAD(t *testing.T) {
	for _, tt := range []struct {
		name   string
		rd     *Renderer
		header http.Header
		ctype  string
	}{
		{"production", &Renderer{}, nil, "text/html; charset=utf-8"},
		{"debug", &Renderer{Debug: true}, nil, "text/html; charset=utf-8"},
		{"json", &Renderer{}, http.Header{"Accept": {"application/json"}}, "application/json"},
		{"custom pages", &Renderer{Pages: func(w io.Writer, _ *http.Request, p Page) error {
			t.Error("Pages called for HEAD")
			return nil
		}}, nil, "text/html; charset=utf-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodHead, "/missing", nil)
			for k, v := range tt.header {
				r.Header[k] = v
			}
			w := render(tt.rd, r, NewError(404, "gone"))
			if w.Code != 404 || w.Body.Len() != 0 {
				t.Errorf("HEAD = %d with %d body bytes; want 404 without a body", w.Code, w.Body.Len())
			}
			if got := w.Header().Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q; want %q", got, tt.ctype)
			}
		})
	}
}

func TestErrorHeaders(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want http.Header
	}{
		{
			name: "Allow",
			err:  &HTTPError{Status: 405, Header: http.Header{"Allow": {"GET, HEAD"}}},
			want: http.Header{"Allow": {"GET, HEAD"}, "Cache-Control": {"no-store"}},
		},
		{
			name: "Retry-After through a wrap",
			err:  fmt.Errorf("shed: %w", &HTTPError{Status: 503, Header: http.Header{"Retry-After": {"30"}}}),
			want: http.Header{"Retry-After": {"30"}, "Cache-Control": {"no-store"}},
		},
		{
			name: "WWW-Authenticate, non-canonical key",
			err:  &HTTPError{Status: 401, Header: http.Header{"www-authenticate": {`Basic realm="site"`}}},
			want: http.Header{"Www-Authenticate": {`Basic realm="site"`}, "Cache-Control": {"no-store"}},
		},
		{
			name: "Cache-Control chosen by the error",
			err:  &HTTPError{Status: 404, Header: http.Header{"Cache-Control": {"public, max-age=60"}}},
			want: http.Header{"Cache-Control": {"public, max-age=60"}},
		},
		{
			name: "any error with HTTPHeader, wrapped",
			err:  fmt.Errorf("vote: %w", unavailableErr{}),
			want: http.Header{"Retry-After": {"1"}, "Cache-Control": {"no-store"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := render(&Renderer{}, get("/", nil), tt.err)
			for k, want := range tt.want {
				if got := w.Header()[k]; !cmp.Equal(got, want) {
					t.Errorf("header %s = %q; want %q", k, got, want)
				}
			}
		})
	}
}

// unavailableErr is an error of another package's kind that asks for a
// 503 with Retry-After, as orm's unavailable-database error does.
type unavailableErr struct{}

func (unavailableErr) Error() string           { return "database unavailable" }
func (unavailableErr) HTTPStatus() int         { return http.StatusServiceUnavailable }
func (unavailableErr) HTTPHeader() http.Header { return http.Header{"Retry-After": {"1"}} }

func TestErrorReplacesViewHeaders(t *testing.T) {
	h := HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		h := w.Header()
		h.Set("Content-Type", "application/pdf")
		h.Set("Content-Disposition", `attachment; filename="report.pdf"`)
		h.Set("Content-Length", "12345")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("ETag", `"v1"`)
		h.Set("Content-Encoding", "br")
		h.Set("Vary", "Cookie")
		h.Set("Set-Cookie", "sessionid=abc")
		return errors.New("render pdf")
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, get("/report.pdf", nil))
	want := http.Header{
		"Content-Type":            {"text/html; charset=utf-8"},
		"Cache-Control":           {"no-store"},
		"Vary":                    {"Cookie", "Accept"},
		"Set-Cookie":              {"sessionid=abc"},
		"X-Content-Type-Options":  {"nosniff"},
		"Content-Security-Policy": {builtinPageCSP},
	}
	if diff := cmp.Diff(want, w.Header()); diff != "" {
		t.Errorf("headers mismatch (-want +got):\n%s", diff)
	}
}

// startedWriter is a middleware's writer that reports whether the
// response has started.
type startedWriter struct {
	http.ResponseWriter
	written bool
}

func (s *startedWriter) WriteHeader(code int) { s.written = true; s.ResponseWriter.WriteHeader(code) }
func (s *startedWriter) Write(p []byte) (int, error) {
	s.written = true
	return s.ResponseWriter.Write(p)
}
func (s *startedWriter) Written() bool { return s.written }

// plainWrapper is a middleware's writer that only unwraps.
type plainWrapper struct{ http.ResponseWriter }

func (p plainWrapper) Unwrap() http.ResponseWriter { return p.ResponseWriter }

func TestErrorAfterResponseStarted(t *testing.T) {
	var logs bytes.Buffer
	rd := &Renderer{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	tests := []struct {
		name  string
		serve func(w http.ResponseWriter, r *http.Request)
	}{
		{"HandlerFunc after Write", func(w http.ResponseWriter, r *http.Request) {
			HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				io.WriteString(w, "partial")
				return errors.New("stream broke")
			}).ServeHTTP(w, r)
		}},
		{"HandlerFunc after Flush", func(w http.ResponseWriter, r *http.Request) {
			HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				io.WriteString(w, "partial")
				w.(http.Flusher).Flush()
				return errors.New("stream broke")
			}).ServeHTTP(w, r)
		}},
		{"middleware writer, Error called directly", func(w http.ResponseWriter, r *http.Request) {
			sw := &startedWriter{ResponseWriter: w}
			io.WriteString(sw, "partial")
			Error(plainWrapper{sw}, r, errors.New("stream broke"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			w := httptest.NewRecorder()
			rd.Middleware(http.HandlerFunc(tt.serve)).ServeHTTP(w, get("/stream", nil))
			if w.Code != 200 || w.Body.String() != "partial" {
				t.Errorf("response = %d %q; want 200 %q", w.Code, w.Body, "partial")
			}
			if !strings.Contains(logs.String(), `"response_started":true`) || !strings.Contains(logs.String(), "stream broke") {
				t.Errorf("log = %s; want the error with response_started", logs.String())
			}
		})
	}
}

func TestHandlerFuncWriterKeepsInterfaces(t *testing.T) {
	var flushed, unwrapped bool
	h := HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		_, flushed = w.(http.Flusher)
		// ResponseController reaches the recorder through Unwrap.
		unwrapped = http.NewResponseController(w).Flush() == nil
		_, err := io.Copy(w, io.LimitReader(strings.NewReader("body"), 10)) // through ReadFrom
		return err
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, get("/", nil))
	if !flushed || !unwrapped || !w.Flushed || w.Body.String() != "body" {
		t.Errorf("flusher=%t controller=%t recorder flushed=%t body=%q; want true true true %q", flushed, unwrapped, w.Flushed, w.Body, "body")
	}
}

// deadlineWriter is a server's writer that supports write deadlines.
type deadlineWriter struct {
	http.ResponseWriter
	deadline time.Time
}

func (d *deadlineWriter) SetWriteDeadline(t time.Time) error { d.deadline = t; return nil }

func TestHandlerFuncWriterUnwraps(t *testing.T) {
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	h := HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return http.NewResponseController(w).SetWriteDeadline(at)
	})
	dw := &deadlineWriter{ResponseWriter: httptest.NewRecorder()}
	h.ServeHTTP(dw, get("/", nil))
	if !dw.deadline.Equal(at) {
		t.Errorf("write deadline = %v; want %v set through Unwrap", dw.deadline, at)
	}
}

func TestHandlerFuncHijack(t *testing.T) {
	srv := httptest.NewServer(HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return err
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
		rw.Flush()
		return errors.New("after hijack") // must not be written
	}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "hi" {
		t.Errorf("hijacked response = %d %q; want 200 %q", resp.StatusCode, body, "hi")
	}
}

func TestErrorLog(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want map[string]any // "time" removed; "stack" replaced by whether it is set
	}{
		{"500", context.Background(), fmt.Errorf("save vote: %w", errors.New("connect postgres://u:"+secret+"@h/db")), map[string]any{
			"level": "ERROR", "msg": "server error", "request_id": "req-42", "method": "GET", "path": "/polls/7",
			"status": 500.0, "error": "save vote: connect postgres://u:********@h/db",
		}},
		{"panic has a stack", context.Background(), panicky("boom"), map[string]any{
			"level": "ERROR", "msg": "server error", "request_id": "req-42", "method": "GET", "path": "/polls/7",
			"status": 500.0, "error": "panic: boom", "stack": true,
		}},
		{"404 at Debug", context.Background(), NewError(404, "no poll"), map[string]any{
			"level": "DEBUG", "msg": "client error", "request_id": "req-42", "method": "GET", "path": "/polls/7",
			"status": 404.0, "error": "404 no poll",
		}},
		{"client went away", canceled, fmt.Errorf("query: %w", context.Canceled), map[string]any{
			"level": "DEBUG", "msg": "client closed request", "request_id": "req-42", "method": "GET", "path": "/polls/7",
			"status": 499.0, "error": "query: context canceled",
		}},
		{"canceled but not by the client", context.Background(), fmt.Errorf("query: %w", context.Canceled), map[string]any{
			"level": "ERROR", "msg": "server error", "request_id": "req-42", "method": "GET", "path": "/polls/7",
			"status": 500.0, "error": "query: context canceled",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			rd := &Renderer{
				Logger:    slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
				RequestID: requestID,
			}
			render(rd, get("/polls/7?token=x", nil).WithContext(tt.ctx), tt.err)
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != 1 {
				t.Fatalf("logged %d lines; want 1:\n%s", len(lines), buf.String())
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
				t.Fatal(err)
			}
			delete(got, "time")
			if s, ok := got["stack"].(string); ok {
				got["stack"] = strings.Contains(s, "goroutine") && strings.Contains(s, "panicky")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("log line mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorLogLevels(t *testing.T) {
	var buf bytes.Buffer
	rd := &Renderer{Logger: slog.New(slog.NewTextHandler(&buf, nil))} // Info and above
	render(rd, get("/", nil), NewError(404, ""))
	render(rd, get("/", nil), NewError(403, ""))
	if buf.Len() != 0 {
		t.Errorf("4xx logged at Info level or above: %s", buf.String())
	}
	render(rd, get("/", nil), errors.New("boom"))
	if !strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("5xx not logged at Error: %q", buf.String())
	}
}

func TestErrorClientClosed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := render(&Renderer{}, get("/", nil).WithContext(ctx), context.Canceled)
	if w.Code != StatusClientClosedRequest || w.Body.Len() != 0 {
		t.Errorf("response = %d with %q; want 499 without a body", w.Code, w.Body)
	}
}

func TestErrorPages(t *testing.T) {
	pages := func(w io.Writer, r *http.Request, p Page) error {
		switch p.Status {
		case 404:
			_, err := fmt.Fprintf(w, "custom 404 for %s: %s (%s)", r.URL.Path, p.Message, p.RequestID)
			return err
		case 418:
			io.WriteString(w, "half a page")
			return errors.New("template 418.html: missing")
		}
		return WritePage(w, p)
	}
	tests := []struct {
		name    string
		debug   bool
		header  http.Header
		err     error
		want    string
		wantCSP bool
	}{
		{"custom", false, nil, NewError(404, "No such poll."), "custom 404 for /p: No such poll. (req-42)", false},
		{"fallback to WritePage", false, nil, errors.New("x"), "Something went wrong on our side.", false},
		{"failing page falls back", false, nil, NewError(418, "teapot"), "<p>teapot</p>", true},
		{"debug ignores Pages", true, nil, NewError(404, "No such poll."), "<title>*respond.HTTPError at /p</title>", true},
		{"JSON ignores Pages", false, http.Header{"Accept": {"application/json"}}, NewError(404, "No such poll."), `"message":"No such poll."`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := &Renderer{Debug: tt.debug, Pages: pages, RequestID: requestID}
			w := render(rd, get("/p", tt.header), tt.err)
			if !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("body = %q; want it to contain %q", w.Body, tt.want)
			}
			if strings.Contains(w.Body.String(), "half a page") {
				t.Errorf("body contains the output of a failed page: %q", w.Body)
			}
			if got := w.Header().Get("Content-Security-Policy") != ""; got != tt.wantCSP {
				t.Errorf("has Content-Security-Policy = %t; want %t", got, tt.wantCSP)
			}
		})
	}
}

func TestErrorPagesFailureLogged(t *testing.T) {
	var logs bytes.Buffer
	rd := &Renderer{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Pages:  func(io.Writer, *http.Request, Page) error { return errors.New("template 404.html: missing") },
	}
	render(rd, get("/", nil), NewError(404, ""))
	if !strings.Contains(logs.String(), `msg="error page failed"`) || !strings.Contains(logs.String(), "404.html") {
		t.Errorf("log = %q; want the page error", logs.String())
	}
}

func TestErrorWithoutRenderer(t *testing.T) {
	w := httptest.NewRecorder()
	HandlerFunc(func(http.ResponseWriter, *http.Request) error { return errors.New(secret) }).ServeHTTP(w, get("/", nil))
	if w.Code != 500 || strings.Contains(w.Body.String(), secret) || !strings.Contains(w.Body.String(), "Internal Server Error") {
		t.Errorf("response = %d %q; want the production 500 page", w.Code, w.Body)
	}
	if rd := RendererFrom(context.Background()); rd == nil || rd.Debug {
		t.Errorf("RendererFrom(empty context) = %+v; want a zero Renderer", rd)
	}
}

func TestErrorNil(t *testing.T) {
	w := httptest.NewRecorder()
	Error(w, get("/", nil), nil)
	if w.Code != 500 {
		t.Errorf("Error(nil) status = %d; want 500", w.Code)
	}
}

func TestRendererFrom(t *testing.T) {
	rd := &Renderer{Debug: true}
	if got := RendererFrom(WithRenderer(context.Background(), rd)); got != rd {
		t.Errorf("RendererFrom(WithRenderer(ctx, rd)) = %p; want %p", got, rd)
	}
}
