package templates_test

import (
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/templates"
)

// pollsApp is an app with templates, routes, a context processor and a
// template function.
type pollsApp struct{ tmpl fstest.MapFS }

func (*pollsApp) Label() string      { return "polls" }
func (a *pollsApp) Templates() fs.FS { return a.tmpl }
func (*pollsApp) TemplateContext(r *http.Request) map[string]any {
	return map[string]any{"user": "ada"}
}
func (*pollsApp) URLs(r *urls.Router) {
	r.Handle("GET /{$}", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return templates.Render(w, r, http.StatusOK, "polls/index.html", map[string]any{"Questions": []string{"Why?", "<How?>"}})
	}), "index")
	r.Handle("GET /{id:int}/", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return templates.Render(w, r, http.StatusOK, "polls/bad.html", struct{ ID int }{7})
	}), "detail")
}

// assetsApp stands for the static app: it replaces `static`.
type assetsApp struct{}

func (assetsApp) Label() string { return "assets" }
func (assetsApp) TemplateFuncs() template.FuncMap {
	return template.FuncMap{"static": func(name string) string { return "/static/" + strings.Replace(name, ".css", ".1a2b3c.css", 1) }}
}

// otherApp provides templates that polls overrides.
type otherApp struct{}

func (otherApp) Label() string { return "other" }
func (otherApp) Templates() fs.FS {
	return fstest.MapFS{
		"polls/index.html": {Data: []byte("other app's page")},
		"other/page.html":  {Data: []byte("other page")},
	}
}

func mapFS(m map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for k, v := range m {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

func project(t *testing.T, debug bool, polls map[string]string, dir map[string]string) (*core.Project, error) {
	t.Helper()
	root := t.TempDir()
	for name, text := range dir {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := core.Defaults()
	s.Debug = debug
	s.SecretKey = "test-secret-key-for-the-templates-package-tests-0123456789"
	s.AllowedHosts = []string{"localhost"}
	s.Logging.Handler = slog.DiscardHandler
	s.Templates.Dirs = []string{filepath.Join(root, "missing"), root}
	s.InstalledApps = []core.App{templates.New(), &pollsApp{tmpl: mapFS(polls)}, assetsApp{}, otherApp{}}
	p := core.New(s)
	return p, p.Setup(t.Context())
}

var pollsTemplates = map[string]string{
	"base.html": `<title>{{block "title" .}}Site{{end}}</title>{{block "content" .}}{{end}}`,
	"polls/index.html": `{{/* extends "base.html" */}}{{define "content"}}<link href="{{static "polls/style.css"}}">` +
		`{{range .Data.Questions}}<a href="{{url "polls:detail" 1}}">{{.}}</a>{{end}} user={{.Vars.user}}{{end}}`,
	"polls/bad.html": "{{/* extends \"base.html\" */}}{{define \"content\"}}PARTIAL OUTPUT\n{{url \"polls:nope\" .Data.ID}}{{end}}",
}

func get(t *testing.T, p *core.Project, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "http://localhost"+path, nil))
	return rec
}

func TestApp(t *testing.T) {
	p, err := project(t, true, pollsTemplates, map[string]string{"base.html": `<title>Project: {{block "title" .}}{{end}}</title><main>{{block "content" .}}{{end}}</main>`})
	if err != nil {
		t.Fatal(err)
	}
	a, err := templates.From(p)
	if err != nil || a.Engine() == nil {
		t.Fatalf("From = %v, %v", a, err)
	}
	if got := strings.Join(a.Engine().Names(), " "); got != "base.html other/page.html polls/bad.html polls/index.html" {
		t.Errorf("Names() = %s", got)
	}

	rec := get(t, p, "/polls/")
	want := `<title>Project: </title><main><link href="/static/polls/style.1a2b3c.css"><a href="/polls/1/">Why?</a><a href="/polls/1/">&lt;How?&gt;</a> user=ada</main>`
	if rec.Code != 200 || rec.Body.String() != want {
		t.Errorf("GET /polls/ = %d\n%s\nwant 200\n%s", rec.Code, rec.Body, want)
	}

	// A render error: a 500 DEBUG page naming the template, line and data,
	// without the half-rendered page.
	rec = get(t, p, "/polls/7/")
	body := rec.Body.String()
	if rec.Code != 500 {
		t.Errorf("GET /polls/7/ status %d; want 500", rec.Code)
	}
	if strings.Contains(body, "PARTIAL OUTPUT") {
		t.Errorf("the error page contains the half-rendered page:\n%s", body)
	}
	for _, w := range []string{"failed in: polls/bad.html, line 2", "urls: reverse &#34;polls:nope&#34;", ".Data: struct { ID int } with ID", ".Vars keys: user"} {
		if !strings.Contains(body, w) {
			t.Errorf("the DEBUG page does not contain %q:\n%s", w, body)
		}
	}

	// Production: a plain 500 without the details.
	p, err = project(t, false, pollsTemplates, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec = get(t, p, "/polls/7/")
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "polls/bad.html") || strings.Contains(rec.Body.String(), "PARTIAL") {
		t.Errorf("production GET /polls/7/ = %d %s; want a plain 500", rec.Code, rec.Body)
	}
}

func TestAppBrokenTemplateStopsStartup(t *testing.T) {
	for _, debug := range []bool{true, false} {
		broken := map[string]string{"polls/ok.html": "ok", "polls/broken.html": "<p>\n{{range .Data}}\n"}
		_, err := project(t, debug, broken, nil)
		if err == nil || !strings.Contains(err.Error(), "polls/broken.html:3") || !strings.Contains(err.Error(), `app "polls"`) {
			t.Errorf("Setup (debug %v) with a broken template: %v; want an error naming polls/broken.html:3 and the app", debug, err)
		}
	}
}

func TestFromWithoutApp(t *testing.T) {
	s := core.Defaults()
	s.Debug = true
	s.Logging.Handler = slog.DiscardHandler
	p := core.New(s)
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := templates.From(p); err == nil || !strings.Contains(err.Error(), "templates.New()") {
		t.Errorf("From without the app: %v", err)
	}
}
