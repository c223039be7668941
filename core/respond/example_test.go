package respond_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/djinn-go/djinn/core/respond"
)

type poll struct {
	ID       int    `json:"id"`
	Question string `json:"question"`
}

var errNoPoll = errors.New("polls: no such poll")

func findPoll(id string) (poll, error) {
	if id == "7" {
		return poll{ID: 7, Question: "What's new?"}, nil
	}
	return poll{}, errNoPoll
}

// A view returns its error; HandlerFunc renders it.
func ExampleHandlerFunc() {
	detail := respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, err := findPoll(r.PathValue("id"))
		if errors.Is(err, errNoPoll) {
			return &respond.HTTPError{Status: http.StatusNotFound, Message: "No such poll.", Err: err}
		}
		if err != nil {
			return err // a 500, logged
		}
		return respond.JSON(w, http.StatusOK, p)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /polls/{id}", detail)

	for _, path := range []string{"/polls/7", "/polls/8"} {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Accept", "application/json")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body)
	}
	// Output:
	// 200 {"id":7,"question":"What's new?"}
	// 404 {"error":{"status":404,"message":"No such poll."}}
}

// An HTTPError chooses the status, the public message and extra headers;
// its cause stays private.
func ExampleHTTPError() {
	err := &respond.HTTPError{
		Status:  http.StatusServiceUnavailable,
		Message: "Down for maintenance.",
		Err:     errors.New("maintenance flag set"),
		Header:  http.Header{"Retry-After": {"120"}},
	}
	w := httptest.NewRecorder()
	respond.Error(w, httptest.NewRequest("GET", "/", nil), err)
	fmt.Println(w.Code, w.Header().Get("Retry-After"), w.Header().Get("Cache-Control"))
	fmt.Println(err)
	fmt.Println(strings.Contains(w.Body.String(), "maintenance flag"))
	// Output:
	// 503 120 no-store
	// 503 Down for maintenance.: maintenance flag set
	// false
}

// Errorf formats the public message; %w keeps the cause for errors.Is.
func ExampleErrorf() {
	err := respond.Errorf(http.StatusBadRequest, "page %q is not a number", "two")
	fmt.Println(respond.Status(err), err.Message)
	// Output: 400 page "two" is not a number
}

// A Renderer installed as middleware decides how errors look and where
// they are logged.
func ExampleRenderer() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // stable output
			}
			return a
		},
	}))
	rd := &respond.Renderer{
		Debug:     false, // true in development: the technical page
		Logger:    logger,
		RequestID: func(context.Context) string { return "req-1" },
	}
	view := respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("load polls: %w", errors.New("connection refused"))
	})
	w := httptest.NewRecorder()
	rd.Middleware(view).ServeHTTP(w, httptest.NewRequest("GET", "/polls/", nil))
	fmt.Println(w.Code, strings.Contains(w.Body.String(), "Request ID: req-1"))
	// Output:
	// level=ERROR msg="server error" request_id=req-1 method=GET path=/polls/ status=500 error="load polls: connection refused"
	// 500 true
}

// Pages replaces the production pages with the project's own, here only
// for 404s.
func ExampleRenderer_pages() {
	rd := &respond.Renderer{
		Pages: func(w io.Writer, r *http.Request, p respond.Page) error {
			if p.Status != http.StatusNotFound {
				return respond.WritePage(w, p)
			}
			_, err := fmt.Fprintf(w, "<h1>Lost?</h1><p>%s</p>", p.Message)
			return err
		},
	}
	w := httptest.NewRecorder()
	rd.Middleware(http.HandlerFunc(respond.NotFound)).ServeHTTP(w, httptest.NewRequest("GET", "/nowhere", nil))
	fmt.Println(w.Code, w.Body)
	// Output: 404 <h1>Lost?</h1><p>The page you asked for could not be found.</p>
}

func ExampleJSON() {
	w := httptest.NewRecorder()
	if err := respond.JSON(w, http.StatusCreated, map[string]int{"id": 8}); err != nil {
		panic(err)
	}
	fmt.Print(w.Code, " ", w.Header().Get("Content-Type"), " ", w.Body)
	// Output: 201 application/json {"id":8}
}

func ExampleStatus() {
	fmt.Println(respond.Status(respond.NewError(http.StatusConflict, "taken")))
	fmt.Println(respond.Status(fmt.Errorf("open template: %w", fs.ErrNotExist)))
	fmt.Println(respond.Status(context.DeadlineExceeded))
	fmt.Println(respond.Status(errors.New("anything else")))
	// Output:
	// 409
	// 404
	// 503
	// 500
}

func ExampleWantsJSON() {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	fmt.Println(respond.WantsJSON(r))
	r.Header.Set("Accept", "application/json, text/html;q=0.5")
	fmt.Println(respond.WantsJSON(r))
	// Output:
	// false
	// true
}

// IsSafeRedirect guards a ?next= parameter before Redirect follows it.
func ExampleIsSafeRedirect() {
	for _, next := range []string{"/polls/7/", "https://example.com/", "//evil.com", "/\\evil.com", "javascript:alert(1)"} {
		fmt.Println(next, respond.IsSafeRedirect(next, "example.com"))
	}
	// Output:
	// /polls/7/ true
	// https://example.com/ true
	// //evil.com false
	// /\evil.com false
	// javascript:alert(1) false
}

func ExampleRedirect() {
	r := httptest.NewRequest("POST", "/login?next=/polls/", nil)
	next := r.URL.Query().Get("next")
	if !respond.IsSafeRedirect(next, r.Host) {
		next = "/"
	}
	w := httptest.NewRecorder()
	respond.Redirect(w, r, next, http.StatusSeeOther)
	fmt.Println(w.Code, w.Header().Get("Location"))
	// Output: 303 /polls/
}

func ExampleMaskSettings() {
	type settings struct {
		Debug       bool
		SecretKey   string
		DatabaseURL string
		Hosts       []string
	}
	s := settings{SecretKey: "x9!", DatabaseURL: "postgres://app:pw@db/site", Hosts: []string{"example.com"}}
	for _, l := range respond.MaskSettings(s) {
		fmt.Printf("%s = %s\n", l.Path, l.Value)
	}
	// Output:
	// Debug = false
	// SecretKey = ********
	// DatabaseURL = "postgres://app:********@db/site"
	// Hosts[0] = "example.com"
}

func ExampleMaskString() {
	fmt.Println(respond.MaskString("redis://:hunter2@cache:6379/0"))
	fmt.Println(respond.MaskString("host=db user=app password=hunter2"))
	fmt.Println(respond.MaskString(`{"user":"app","password":"hunter2"}`))
	// Output:
	// redis://:********@cache:6379/0
	// host=db user=app password=********
	// {"user":"app","password":"********"}
}

// lookupError is an error with more to show in DEBUG.
type lookupError struct{ tried []string }

func (e *lookupError) Error() string { return "no backend answered" }

func (e *lookupError) DebugDetails() (string, []string) {
	return "Backends tried, in this order:", e.tried
}

// An error that implements DebugDetailer adds lines to DEBUG answers
// (masked), never to production ones.
func ExampleDebugDetailer() {
	err := &respond.HTTPError{Status: http.StatusBadGateway, Err: &lookupError{
		tried: []string{"https://a.internal/", "https://bot:hunter2@b.internal/"},
	}}
	for _, debug := range []bool{false, true} {
		r := httptest.NewRequest("GET", "/search", nil)
		r.Header.Set("Accept", "application/json")
		w := httptest.NewRecorder()
		(&respond.Renderer{Debug: debug}).Error(w, r, err)
		fmt.Print(w.Body.String())
	}
	// Output:
	// {"error":{"status":502,"message":"Bad Gateway"}}
	// {"error":{"status":502,"message":"Bad Gateway","type":"*respond.HTTPError","detail":"502 Bad Gateway: no backend answered","debug":{"title":"Backends tried, in this order:","lines":["https://a.internal/","https://bot:********@b.internal/"]}}}
}

func ExampleText() {
	w := httptest.NewRecorder()
	_ = respond.Text(w, http.StatusOK, "ok\n")
	fmt.Print(w.Header().Get("Content-Type"), " ", w.Body)
	// Output: text/plain; charset=utf-8 ok
}

// A recover middleware turns a panic into a *PanicError: always a 500,
// logged with its stack.
func ExampleNewPanicError() {
	recoverer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					respond.Error(w, r, respond.NewPanicError(v))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		var m map[string]int
		m["x"] = 1
	})
	w := httptest.NewRecorder()
	recoverer(boom).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	fmt.Println(w.Code, strings.Contains(w.Body.String(), "nil map"))
	// Output: 500 false
}

// Plain handlers and middleware call Error directly.
func ExampleError() {
	onlyGet := func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			respond.Error(w, r, &respond.HTTPError{
				Status: http.StatusMethodNotAllowed,
				Header: http.Header{"Allow": {"GET"}},
			})
			return
		}
		respond.NoContent(w)
	}
	w := httptest.NewRecorder()
	onlyGet(w, httptest.NewRequest("DELETE", "/", nil))
	fmt.Println(w.Code, w.Header().Get("Allow"))
	// Output: 405 GET
}

// WithRenderer and RendererFrom carry the Renderer in a context, which is
// what Renderer.Middleware does for every request.
func ExampleRendererFrom() {
	rd := &respond.Renderer{Debug: true}
	ctx := respond.WithRenderer(context.Background(), rd)
	fmt.Println(respond.RendererFrom(ctx).Debug, respond.RendererFrom(context.Background()).Debug)
	// Output: true false
}

func ExampleWritePage() {
	var b strings.Builder
	_ = respond.WritePage(&b, respond.Page{Status: http.StatusForbidden, RequestID: "req-9"})
	page := b.String()
	fmt.Println(strings.Contains(page, "<h1>Forbidden</h1>"), strings.Contains(page, "Request ID: req-9"))
	// Output: true true
}

func ExampleHTML() {
	w := httptest.NewRecorder()
	_ = respond.HTML(w, 0, "<p>Hello</p>")
	fmt.Println(w.Code, w.Header().Get("Content-Type"), w.Body)
	// Output: 200 text/html; charset=utf-8 <p>Hello</p>
}
