package respond

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseStack(t *testing.T) {
	stack := "goroutine 7 [running]:\n" +
		"runtime/debug.Stack()\n\t/go/src/runtime/debug/stack.go:26 +0x5e\n" +
		"github.com/djinn-go/djinn/core/respond.NewPanicError(...)\n\t/src/respond.go:90\n" +
		"github.com/djinn-go/djinn/core/middleware.Recover.func1.1()\n\t/src/recover.go:20 +0x45\n" +
		"panic({0x1, 0x2})\n\t/go/src/runtime/panic.go:792 +0x132\n" +
		"example.com/mysite/polls.detail({0x3, 0x4}, 0x5)\n\t/home/me/mysite/polls/views.go:42 +0x1f\n" +
		"main.main()\n\t/home/me/mysite/main.go:9 +0x2\n" +
		"net/http.HandlerFunc.ServeHTTP(0x6, {0x7, 0x8}, 0x9)\n\t/go/src/net/http/server.go:2294 +0x29\n" +
		"created by net/http.(*Server).Serve in goroutine 1\n\t/go/src/net/http/server.go:3454 +0x485\n"
	want := []stackFrame{
		{Func: "runtime/debug.Stack()", File: "/go/src/runtime/debug/stack.go", Line: 26, Std: true},
		{Func: "github.com/djinn-go/djinn/core/respond.NewPanicError(...)", File: "/src/respond.go", Line: 90, Std: true},
		{Func: "github.com/djinn-go/djinn/core/middleware.Recover.func1.1()", File: "/src/recover.go", Line: 20, Std: true},
		{Func: "panic({0x1, 0x2})", File: "/go/src/runtime/panic.go", Line: 792, Std: true},
		{Func: "example.com/mysite/polls.detail({0x3, 0x4}, 0x5)", File: "/home/me/mysite/polls/views.go", Line: 42, Origin: true},
		{Func: "main.main()", File: "/home/me/mysite/main.go", Line: 9},
		{Func: "net/http.HandlerFunc.ServeHTTP(0x6, {0x7, 0x8}, 0x9)", File: "/go/src/net/http/server.go", Line: 2294, Std: true},
		{Func: "created by net/http.(*Server).Serve in goroutine 1", File: "/go/src/net/http/server.go", Line: 3454, Std: true},
	}
	if diff := cmp.Diff(want, parseStack([]byte(stack))); diff != "" {
		t.Errorf("parseStack mismatch (-want +got):\n%s", diff)
	}
	if got := parseStack([]byte("not a stack")); len(got) != 0 {
		t.Errorf("parseStack(garbage) = %v; want no frames", got)
	}
}

func TestIsStdFunc(t *testing.T) {
	tests := []struct {
		fn   string
		want bool
	}{
		{"runtime.gopanic()", true},
		{"net/http.(*conn).serve(0x1)", true},
		{"main.main()", false},
		{"main.(*T).M.func1()", false},
		{"github.com/a/b.F()", false},
		{"github.com/a/b.(*T).M()", false},
		{"example.com/x.F()", false},
		{"created by example.com/x.G in goroutine 9", false},
		{"created by net/http.(*Server).Serve in goroutine 1", true},
		{"panic({0x1, 0x2})", true},
	}
	for _, tt := range tests {
		t.Run(tt.fn, func(t *testing.T) {
			if got := isStdFunc(tt.fn); got != tt.want {
				t.Errorf("isStdFunc(%q) = %t; want %t", tt.fn, got, tt.want)
			}
		})
	}
}

func TestErrorChain(t *testing.T) {
	err := fmt.Errorf("view: %w", errors.Join(errors.New("a"), fmt.Errorf("b: %w", errors.New("postgres://u:pw@h"))))
	nb := "\u00a0\u00a0\u00a0\u00a0"
	want := []chainLink{
		{Type: "*fmt.wrapError", Message: "view: a\nb: postgres://u:********@h"},
		{Type: "*errors.joinError", Message: "a\nb: postgres://u:********@h"},
		{Indent: nb, Type: "*errors.errorString", Message: "a"},
		{Indent: nb, Type: "*fmt.wrapError", Message: "b: postgres://u:********@h"},
		{Indent: nb, Type: "*errors.errorString", Message: "postgres://u:********@h"},
	}
	if diff := cmp.Diff(want, errorChain(err)); diff != "" {
		t.Errorf("errorChain mismatch (-want +got):\n%s", diff)
	}
}

// selfWrap is an error whose Unwrap returns itself: the chain must stop.
type selfWrap struct{}

func (e *selfWrap) Error() string { return "loop" }
func (e *selfWrap) Unwrap() error { return e }

func TestErrorChainBounded(t *testing.T) {
	if got := len(errorChain(&selfWrap{})); got != maxChainLinks {
		t.Errorf("errorChain(self-wrapping error) has %d links; want %d", got, maxChainLinks)
	}
}

func TestDescribeRequest(t *testing.T) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("title", "Hi")
	mw.WriteField("csrf_token", "tok")
	fw, _ := mw.CreateFormFile("upload", "a.txt")
	fw.Write([]byte("hello"))
	mw.Close()
	r := httptest.NewRequest("POST", "https://example.com/up?x=1", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		t.Fatal(err)
	}
	got := describeRequest(r)
	want := []pair{
		{Name: "csrf_token", Value: Masked, Masked: true},
		{Name: "title", Value: "Hi"},
		{Name: "upload", Value: `file "a.txt" (5 bytes)`},
	}
	if diff := cmp.Diff(want, got.Form); diff != "" {
		t.Errorf("describeRequest form mismatch (-want +got):\n%s", diff)
	}
	if got.URL != "https://example.com/up?x=1" || !got.FormParsed {
		t.Errorf("describeRequest URL = %q, parsed %t; want %q, true", got.URL, got.FormParsed, "https://example.com/up?x=1")
	}
}

// triedError is an error with DEBUG details, like the router's 404.
type triedError struct{ lines []string }

func (e *triedError) Error() string { return "no route matches" }
func (e *triedError) DebugDetails() (string, []string) {
	return "Patterns tried, in this order:", e.lines
}

func TestErrorDebugDetails(t *testing.T) {
	err := &HTTPError{Status: http.StatusNotFound, Err: &triedError{lines: []string{
		"GET /a/{id:int}",
		"GET /<b>/{$}",
		"GET /c/?token=" + secret,
	}}}
	jsonHeader := http.Header{"Accept": {"application/json"}}
	tests := []struct {
		name   string
		debug  bool
		header http.Header
		want   []string // in this order
		absent []string
	}{
		{
			name:   "debug page",
			debug:  true,
			want:   []string{"Patterns tried, in this order:", "<li><code>GET /a/{id:int}</code></li>", "<li><code>GET /&lt;b&gt;/{$}</code></li>", "<li><code>GET /c/?token=********</code></li>"},
			absent: []string{secret, "<b>"},
		},
		{
			name:   "debug JSON",
			debug:  true,
			header: jsonHeader,
			want:   []string{`"debug":{"title":"Patterns tried, in this order:","lines":["GET /a/{id:int}","GET /\u003cb\u003e/{$}","GET /c/?token=********"]}`},
			absent: []string{secret},
		},
		{
			name:   "production page",
			absent: []string{"Patterns tried", "/a/{id:int}", secret},
		},
		{
			name:   "production JSON",
			header: jsonHeader,
			absent: []string{"Patterns tried", "/a/{id:int}", `"debug"`, secret},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := render(&Renderer{Debug: tt.debug}, get("/zz?token="+secret, tt.header), err)
			if w.Code != http.StatusNotFound {
				t.Errorf("status = %d; want 404", w.Code)
			}
			body := w.Body.String()
			last := -1
			for _, s := range tt.want {
				i := strings.Index(body, s)
				if i < 0 {
					t.Errorf("body lacks %q:\n%s", s, body)
					continue
				}
				if i < last {
					t.Errorf("body has %q out of order", s)
				}
				last = i
			}
			for _, s := range tt.absent {
				if strings.Contains(body, s) {
					t.Errorf("body contains %q:\n%s", s, body)
				}
			}
		})
	}
}
