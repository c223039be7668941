package respond

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestJSON(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		v        any
		wantCode int
		wantBody string
	}{
		{"object", 201, map[string]any{"id": 7, "q": "What's new?"}, 201, `{"id":7,"q":"What's new?"}` + "\n"},
		{"zero status is 200", 0, []int{1, 2}, 200, "[1,2]\n"},
		{"HTML is escaped", 200, "<script>", 200, `"\u003cscript\u003e"` + "\n"},
		{"null", 200, nil, 200, "null\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := JSON(w, tt.status, tt.v); err != nil {
				t.Fatalf("JSON(%v) = %v", tt.v, err)
			}
			if w.Code != tt.wantCode || w.Body.String() != tt.wantBody {
				t.Errorf("JSON(%d, %v) = %d %q; want %d %q", tt.status, tt.v, w.Code, w.Body, tt.wantCode, tt.wantBody)
			}
			if got := w.Header()["Content-Type"]; len(got) != 1 || got[0] != "application/json" {
				t.Errorf("Content-Type = %q; want [application/json]", got)
			}
		})
	}
}

func TestJSONEncodeError(t *testing.T) {
	w := httptest.NewRecorder()
	err := JSON(w, 200, math.Inf(1))
	if err == nil || !strings.HasPrefix(err.Error(), "respond: encode JSON: ") {
		t.Errorf("JSON(+Inf) = %v; want a respond: encode JSON error", err)
	}
	if w.Code != 200 || w.Body.Len() != 0 || len(w.Header()) != 0 || w.Flushed {
		t.Errorf("JSON(+Inf) wrote %d %v %q; want nothing", w.Code, w.Header(), w.Body)
	}
}

func TestHTMLAndText(t *testing.T) {
	tests := []struct {
		name      string
		write     func(http.ResponseWriter) error
		wantCode  int
		wantType  string
		wantBody  string
		wantSniff string
	}{
		{"HTML", func(w http.ResponseWriter) error { return HTML(w, 0, "<p>hi</p>") }, 200, "text/html; charset=utf-8", "<p>hi</p>", ""},
		{"Text", func(w http.ResponseWriter) error { return Text(w, 418, "<p>teapot</p>") }, 418, "text/plain; charset=utf-8", "<p>teapot</p>", "nosniff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := tt.write(w); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.wantCode || w.Header().Get("Content-Type") != tt.wantType || w.Body.String() != tt.wantBody ||
				w.Header().Get("X-Content-Type-Options") != tt.wantSniff {
				t.Errorf("%s = %d %q %q nosniff=%q; want %d %q %q %q", tt.name, w.Code, w.Header().Get("Content-Type"), w.Body,
					w.Header().Get("X-Content-Type-Options"), tt.wantCode, tt.wantType, tt.wantBody, tt.wantSniff)
			}
		})
	}
}

func TestNoContent(t *testing.T) {
	w := httptest.NewRecorder()
	NoContent(w)
	if w.Code != 204 || w.Body.Len() != 0 {
		t.Errorf("NoContent = %d %q; want 204 without a body", w.Code, w.Body)
	}
}

func TestNotFound(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/nope", nil)
	r.Header.Set("Accept", "application/json")
	NotFound(w, r)
	if want := `{"error":{"status":404,"message":"Not Found"}}` + "\n"; w.Code != 404 || w.Body.String() != want {
		t.Errorf("NotFound = %d %q; want 404 %q", w.Code, w.Body, want)
	}
}

func TestHTTPErrorError(t *testing.T) {
	cause := errors.New("sql: no rows")
	tests := []struct {
		name string
		err  *HTTPError
		want string
	}{
		{"zero", &HTTPError{}, "500 Internal Server Error"},
		{"status only", NewError(404, ""), "404 Not Found"},
		{"message", NewError(400, "bad date"), "400 bad date"},
		{"cause", &HTTPError{Status: 404, Message: "no poll", Err: cause}, "404 no poll: sql: no rows"},
		{"Errorf with %w does not repeat the cause", Errorf(404, "poll %d: %w", 7, cause), "404 poll 7: sql: no rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestErrorf(t *testing.T) {
	e := Errorf(404, "poll %d: %w", 7, fs.ErrNotExist)
	if e.Status != 404 || e.Message != "poll 7: file does not exist" || !errors.Is(e, fs.ErrNotExist) {
		t.Errorf("Errorf = %+v; want status 404, message %q, wrapping fs.ErrNotExist", e, "poll 7: file does not exist")
	}
	a, b := errors.New("a"), errors.New("b")
	e = Errorf(400, "%w and %w", a, b)
	if !errors.Is(e, a) || !errors.Is(e, b) {
		t.Errorf("Errorf with two %%w: Is(a)=%t Is(b)=%t; want both", errors.Is(e, a), errors.Is(e, b))
	}
	if e = Errorf(400, "plain %d", 1); e.Err != nil {
		t.Errorf("Errorf without %%w has Err %v; want nil", e.Err)
	}
}

func TestPanicError(t *testing.T) {
	inner := errors.New("nil map")
	p := NewPanicError(inner)
	if p.Error() != "panic: nil map" || !errors.Is(p, inner) || !strings.Contains(string(p.Stack), "TestPanicError") {
		t.Errorf("NewPanicError(%v) = %q, Is=%t, stack has caller=%t; want panic: nil map, true, true",
			inner, p.Error(), errors.Is(p, inner), strings.Contains(string(p.Stack), "TestPanicError"))
	}
	if got := (&PanicError{Value: 42}).Unwrap(); got != nil {
		t.Errorf("PanicError{42}.Unwrap() = %v; want nil", got)
	}
	if got := fmt.Sprint(&PanicError{}); got != "panic: <nil>" {
		t.Errorf("zero PanicError = %q; want %q", got, "panic: <nil>")
	}
}
