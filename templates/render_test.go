package templates

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core/urls"
)

// headerWriter is a ResponseWriter that records whether the status was
// written.
type headerWriter struct {
	*httptest.ResponseRecorder
	wroteHeader bool
}

func (w *headerWriter) WriteHeader(status int) {
	w.wroteHeader = true
	w.ResponseRecorder.WriteHeader(status)
}

func (w *headerWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseRecorder.Write(b)
}

func testRouter() *urls.Router {
	r := urls.New()
	polls := urls.New()
	polls.HandleFunc("GET /{$}", func(http.ResponseWriter, *http.Request) {}, "index")
	polls.HandleFunc("GET /{id:int}/", func(http.ResponseWriter, *http.Request) {}, "detail")
	polls.HandleFunc("GET /tag/{tag}/", func(http.ResponseWriter, *http.Request) {}, "tag")
	r.Include("/polls/", "polls", polls)
	return r
}

func TestRender(t *testing.T) {
	e := mustEngine(t, Config{
		Sources: []Source{files("app", map[string]string{
			"base.html":  `<title>{{block "title" .}}{{end}}</title>{{block "content" .}}{{end}}`,
			"page.html":  `{{/* extends "base.html" */}}{{define "title"}}{{.Data.Title}}{{end}}{{define "content"}}<p>{{.Request.URL.Path}} {{.Vars.user}} {{.Vars.theme}}</p>{{end}}`,
			"plain.html": `plain`,
		})},
		Processors: []ContextProcessor{
			processor{"user": "ada", "theme": "dark"},
			processor{"user": "mallory", "extra": 1},
		},
	})
	r := httptest.NewRequest("GET", "/polls/", nil)
	rec := httptest.NewRecorder()
	if err := e.Render(rec, r, http.StatusCreated, "page.html", map[string]string{"Title": "<Polls>"}); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusCreated {
		t.Errorf("status %d; want 201", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if got, want := rec.Body.String(), "<title>&lt;Polls&gt;</title><p>/polls/ ada dark</p>"; got != want {
		t.Errorf("body %q; want %q", got, want)
	}

	// Status 0 is 200; a Content-Type the view set is kept.
	rec = httptest.NewRecorder()
	rec.Header().Set("Content-Type", "application/xhtml+xml")
	if err := e.Render(rec, r, 0, "plain.html", nil); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/xhtml+xml" || rec.Body.String() != "plain" {
		t.Errorf("Render(status 0) = %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

type processor map[string]any

func (p processor) TemplateContext(*http.Request) map[string]any { return p }

func TestRenderFromContext(t *testing.T) {
	e := mustEngine(t, Config{Sources: []Source{files("app", map[string]string{"a.html": "{{.Data}}"})}})
	r := httptest.NewRequest("GET", "/", nil)
	rec := httptest.NewRecorder()
	if err := Render(rec, r, 200, "a.html", "x"); err == nil || !strings.Contains(err.Error(), "templates.New()") {
		t.Errorf("Render without an engine: %v; want an error saying how to install it", err)
	}
	r = r.WithContext(WithEngine(r.Context(), e))
	if err := Render(rec, r, 200, "a.html", "x"); err != nil || rec.Body.String() != "x" {
		t.Errorf("Render = %v, %q; want nil, \"x\"", err, rec.Body)
	}
}

func TestURL(t *testing.T) {
	router := testRouter()
	e := mustEngine(t, Config{
		Reverse: router.Reverse,
		Sources: []Source{files(`app "polls"`, map[string]string{
			"ok.html":   `<a href="{{url "polls:index"}}">i</a> <a href="{{url "polls:detail" .Data.ID}}">d</a> <a href="{{url "polls:tag" .Data.Tag}}">t</a>`,
			"base.html": `<html>{{block "content" .}}{{end}}</html>`,
			"bad.html":  "{{/* extends \"base.html\" */}}\n{{define \"content\"}}\n<p>fine</p>\n<a href=\"{{url \"polls:nope\" .Data.ID}}\">x</a>{{end}}",
			"args.html": `{{url "polls:detail" "abc"}}`,
		})},
	})
	data := map[string]any{"ID": 7, "Tag": `"><script>alert(1)</script>`}
	got := execute(t, e, "ok.html", data)
	want := `<a href="/polls/">i</a> <a href="/polls/7/">d</a> <a href="/polls/tag/%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E/">t</a>`
	if got != want {
		t.Errorf("url:\n got %s\nwant %s", got, want)
	}

	err := e.Execute(&strings.Builder{}, "bad.html", data)
	var re *RenderError
	if !errors.As(err, &re) {
		t.Fatalf("unknown route name: %v; want a *RenderError", err)
	}
	for _, w := range []string{"bad.html:4", `url "polls:nope"`, `urls: reverse "polls:nope": no route with that name`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if !errors.Is(err, urls.ErrNoRoute) {
		t.Errorf("error %v does not wrap urls.ErrNoRoute", err)
	}
	if re.File != "bad.html" || re.Line != 4 {
		t.Errorf("RenderError at %s:%d; want bad.html:4", re.File, re.Line)
	}
	title, lines := re.DebugDetails()
	details := title + "\n" + strings.Join(lines, "\n")
	for _, w := range []string{"template: bad.html", "failed in: bad.html, line 4", ".Data: map[string]interface {} with ID, Tag"} {
		if !strings.Contains(details, w) {
			t.Errorf("DebugDetails %q do not contain %q", details, w)
		}
	}
	if err := e.Execute(&strings.Builder{}, "args.html", nil); err == nil || !strings.Contains(err.Error(), "args.html:1") {
		t.Errorf("url with a bad argument: %v; want an error at args.html:1", err)
	}
	// Without a resolver every url call fails clearly.
	e2 := mustEngine(t, Config{Sources: []Source{files("app", map[string]string{"a.html": `{{url "x"}}`})}})
	if err := e2.Execute(&strings.Builder{}, "a.html", nil); err == nil || !strings.Contains(err.Error(), "no URL resolver") {
		t.Errorf("url without a resolver: %v", err)
	}
}

// A template that fails after it has produced output writes nothing: no
// status, no headers, no half page.
func TestRenderErrorWritesNothing(t *testing.T) {
	e := mustEngine(t, Config{
		Reverse: testRouter().Reverse,
		Sources: []Source{files("app", map[string]string{
			"page.html": `<html><body>` + strings.Repeat("<p>a lot of output</p>", 2000) + `{{url "polls:nope"}}</body></html>`,
		})},
	})
	w := &headerWriter{ResponseRecorder: httptest.NewRecorder()}
	err := e.Render(w, httptest.NewRequest("GET", "/", nil), http.StatusOK, "page.html", nil)
	if err == nil {
		t.Fatal("Render = nil; want the url error")
	}
	if w.wroteHeader || w.Body.Len() != 0 || len(w.Header()) != 0 {
		t.Errorf("after a failed render: status written %v, %d body bytes, headers %v; want nothing", w.wroteHeader, w.Body.Len(), w.Header())
	}
	// The buffer went back to the pool empty: the next render is clean.
	e2 := mustEngine(t, Config{Sources: []Source{files("app", map[string]string{"ok.html": "ok", "bad.html": "partial{{.Data.Nope.Deeper}}"})}})
	r := httptest.NewRequest("GET", "/", nil)
	for range 3 {
		_ = e2.Render(httptest.NewRecorder(), r, 200, "bad.html", struct{ Nope *struct{ Deeper int } }{})
		rec := httptest.NewRecorder()
		if err := e2.Render(rec, r, 200, "ok.html", nil); err != nil || rec.Body.String() != "ok" {
			t.Fatalf("render after a failure = %v, %q; want \"ok\"", err, rec.Body)
		}
	}
}

func TestStaticAndCSRF(t *testing.T) {
	src := files("app", map[string]string{"a.html": `<link href="{{static "polls/style.css"}}"><form>{{csrf_field}}</form><img src="{{static "/x y.png"}}">`})
	e := mustEngine(t, Config{StaticURL: "/assets/", Sources: []Source{src}})
	if got, want := execute(t, e, "a.html", nil), `<link href="/assets/polls/style.css"><form></form><img src="/assets/x%20y.png">`; got != want {
		t.Errorf("static: %s; want %s", got, want)
	}
	// An app's function replaces the fallback.
	e = mustEngine(t, Config{Sources: []Source{src}, Funcs: map[string]any{"static": func(n string) string { return "/s/" + n + ".abc123" }}})
	if got, want := execute(t, e, "a.html", nil), `<link href="/s/polls/style.css.abc123"><form></form><img src="/s//x%20y.png.abc123">`; got != want {
		t.Errorf("static from Funcs: %s; want %s", got, want)
	}
}

// XSS: user data through our functions in HTML, attribute, URL and JS
// contexts comes out inert.
func TestXSS(t *testing.T) {
	evil := map[string]any{
		"Script": `<script>alert(1)</script>`,
		"Attr":   `" onmouseover="alert(1)`,
		"JSURL":  `javascript:alert(1)`,
		"Close":  `</script><script>alert(1)</script>`,
		"Text":   "<script>alert(1)</script>\n\nhttp://example.com/\"onmouseover=\"alert(1) www.example.com/<b> javascript:alert(1) <img src=x onerror=alert(1)>",
		"List":   []string{`<script>`, `"quoted"`},
	}
	tests := []struct {
		name, text string
		want       string
		forbidden  []string
	}{
		{"html text", `<p>{{.Data.Script}}</p>`, `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`, nil},
		{"attribute", `<a title="{{.Data.Attr}}">x</a>`, `<a title="&#34; onmouseover=&#34;alert(1)">x</a>`, nil},
		{"unquoted attribute", `<a title={{.Data.Attr}}>x</a>`, `<a title=&#34;&#32;onmouseover&#61;&#34;alert(1)>x</a>`, nil},
		{"javascript: URL", `<a href="{{.Data.JSURL}}">x</a>`, `<a href="#ZgotmplZ">x</a>`, nil},
		{"JS string", `<script>var s = {{.Data.Close}};</script>`, `<script>var s = "\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e";</script>`, nil},
		{"linebreaks", `{{.Data.Text | linebreaks}}`, "", []string{"<script", "<img", "<b>"}},
		{"linebreaksbr", `{{.Data.Script | linebreaksbr}}`, `&lt;script&gt;alert(1)&lt;/script&gt;`, nil},
		{"urlize", `{{.Data.Text | urlize}}`, "", []string{"<script", "<img", `onmouseover="`, `href="javascript`, "<b>"}},
		{"urlize in an attribute", `<a title="{{.Data.Text | urlize}}">`, "", []string{"<script", `"alert`, "<a href"}},
		{"json_script", `{{.Data.Close | json_script "data"}}`, `<script id="data" type="application/json">"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e"</script>`, nil},
		{"json_script id", `{{json_script .Data.Attr "x"}}`, `<script id="&#34; onmouseover=&#34;alert(1)" type="application/json">"x"</script>`, nil},
		{"truncatechars", `{{.Data.Script | truncatechars 20}}`, `&lt;script&gt;alert(1)&lt;/s…`, nil},
		{"truncatechars in an attribute", `<a title="{{.Data.Attr | truncatechars 20}}">`, `<a title="&#34; onmouseover=&#34;aler…">`, nil},
		{"truncatewords in JS", `<script>var s = {{.Data.Close | truncatewords 5}};</script>`, "", []string{"</script><script>"}},
		{"join", `{{.Data.List | join "<br>"}}`, `&lt;script&gt;&lt;br&gt;&#34;quoted&#34;`, nil},
		{"default", `{{"" | default .Data.Script}}`, `&lt;script&gt;alert(1)&lt;/script&gt;`, nil},
		{"upper in a URL", `<a href="{{.Data.JSURL | upper}}">`, `<a href="#ZgotmplZ">`, nil},
		{"static with a quote", `<link href="{{static .Data.Attr}}">`, "", []string{`" onmouseover`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := renderString(t, tt.text, evil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("render %s =\n%s\nwant\n%s", tt.text, got, tt.want)
			}
			for _, f := range tt.forbidden {
				if strings.Contains(got, f) {
					t.Errorf("render %s = %s; contains %q", tt.text, got, f)
				}
			}
		})
	}
	// urlize still links what it should.
	got, _ := renderString(t, `{{.Data | urlize}}`, `See (https://example.com/a_(b)), www.djangoproject.com. or mail me@example.org!`)
	want := `See (<a href="https://example.com/a_(b)" rel="nofollow">https://example.com/a_(b)</a>), <a href="http://www.djangoproject.com" rel="nofollow">www.djangoproject.com</a>. or mail <a href="mailto:me@example.org" rel="nofollow">me@example.org</a>!`
	if got != want {
		t.Errorf("urlize:\n got %s\nwant %s", got, want)
	}
}

// memoryCache returns the cache package's memory backend.
func memoryCache() cache.Cache { return cache.NewMemory(cache.MemoryOptions{}) }

// counter counts the renders of a fragment.
type counter struct{ n int }

func (c *counter) Next() int { c.n++; return c.n }

func TestCachedFragment(t *testing.T) {
	e := mustEngine(t, Config{Sources: []Source{files("app", map[string]string{
		"page.html":             `<main>{{cached "sidebar" 60 "partials/sidebar.html" .}}</main>{{range .Data.Rows}}{{cached "row k" 0 "partials/sidebar.html" $}}{{end}}`,
		"partials/sidebar.html": `<aside>{{.Data.Counter.Next}} {{.Vars.user}} &lt;{{.Data.Evil}}</aside>`,
	})}, Processors: []ContextProcessor{processor{"user": "ada"}}})
	c := &counter{}
	data := map[string]any{"Counter": c, "Rows": []int{1, 2}, "Evil": "<script>"}
	render := func(r *http.Request) string {
		t.Helper()
		rec := httptest.NewRecorder()
		if err := e.Render(rec, r, 200, "page.html", data); err != nil {
			t.Fatal(err)
		}
		return rec.Body.String()
	}

	// Without a cache every call renders.
	r := httptest.NewRequest("GET", "/", nil)
	if got, want := render(r), `<main><aside>1 ada &lt;&lt;script&gt;</aside></main><aside>2 ada &lt;&lt;script&gt;</aside><aside>3 ada &lt;&lt;script&gt;</aside>`; got != want {
		t.Errorf("without a cache:\n got %s\nwant %s", got, want)
	}

	ch := memoryCache()
	r = r.WithContext(cache.WithCache(r.Context(), ch))
	c.n = 0
	first := render(r)
	if want := `<main><aside>1 ada &lt;&lt;script&gt;</aside></main><aside>2 ada &lt;&lt;script&gt;</aside><aside>2 ada &lt;&lt;script&gt;</aside>`; first != want {
		t.Errorf("first render with a cache:\n got %s\nwant %s", first, want)
	}
	if second := render(r); second != first {
		t.Errorf("second render = %s; want the cached %s", second, first)
	}
	if c.n != 2 {
		t.Errorf("fragment rendered %d times; want 2 (one per key)", c.n)
	}
	b, err := ch.Get(t.Context(), "template.fragment:sidebar")
	if err != nil || string(b) != `<aside>1 ada &lt;&lt;script&gt;</aside>` {
		t.Errorf(`cache["template.fragment:sidebar"] = %q, %v`, b, err)
	}
	if _, err := ch.Get(t.Context(), cache.HashKey("template.fragment", "row k")); err != nil {
		t.Errorf("a key with a space is stored hashed: %v", err)
	}
	if err := ch.Delete(t.Context(), "template.fragment:sidebar"); err != nil {
		t.Fatal(err)
	}
	if got := render(r); !strings.HasPrefix(got, "<main><aside>3 ") {
		t.Errorf("after deleting the key: %s; want a fresh render", got)
	}
}

// Renders of one engine from many goroutines (run with -race).
func TestConcurrentRender(t *testing.T) {
	for _, debug := range []bool{false, true} {
		e := mustEngine(t, Config{Debug: debug, Sources: []Source{files("app", layouts)}})
		data := map[string]any{"User": "ada", "Questions": []string{"a"}}
		want := execute(t, e, "polls/index.html", data)
		done := make(chan string)
		for range 8 {
			go func() {
				var last string
				for range 20 {
					rec := httptest.NewRecorder()
					if err := e.Render(rec, httptest.NewRequest("GET", "/", nil), 200, "polls/index.html", data); err != nil {
						last = err.Error()
						break
					}
					last = rec.Body.String()
				}
				done <- last
			}()
		}
		for range 8 {
			if got := <-done; got != want {
				t.Errorf("debug %v: concurrent render = %q; want %q", debug, got, want)
			}
		}
	}
}
