package templates

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// files builds an in-memory template source.
func files(name string, m map[string]string) Source {
	fsys := fstest.MapFS{}
	for k, v := range m {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return Source{Name: name, FS: fsys}
}

func mustEngine(t *testing.T, cfg Config) *Engine {
	t.Helper()
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	return e
}

func execute(t *testing.T, e *Engine, name string, data any) string {
	t.Helper()
	var b strings.Builder
	if err := e.Execute(&b, name, data); err != nil {
		t.Fatalf("Execute(%q): %v", name, err)
	}
	return b.String()
}

// squash removes newlines so that expectations stay readable.
func squash(s string) string { return strings.ReplaceAll(s, "\n", "") }

var layouts = map[string]string{
	"base.html": `<html><title>{{block "title" .}}Site{{end}}</title>` +
		`<body>{{template "partials/nav.html" .}}{{block "content" .}}no content{{end}}` +
		`<footer>{{block "footer" .}}default footer{{end}}</footer></body></html>`,
	"partials/nav.html": `<nav>{{.Data.User}}</nav>`,
	"polls/layout.html": `{{/* extends "base.html" */}}
{{define "content"}}<main>{{block "main" .}}no main{{end}}</main><aside>{{block "aside" .}}default aside{{end}}</aside>{{end}}`,
	"polls/index.html": `{{/* extends "polls/layout.html" */}}
{{define "title"}}Polls{{end}}
{{define "main"}}{{range .Data.Questions}}<li>{{.}}</li>{{end}}{{end}}`,
	"polls/plain.html": `{{- /* extends "base.html" */ -}}
{{define "content"}}plain {{template "partials/item.html" "x"}}{{end}}`,
	"partials/item.html": `<i>{{.}}</i>`,
}

func TestInheritance(t *testing.T) {
	e := mustEngine(t, Config{Sources: []Source{files(`app "polls"`, layouts)}})
	data := map[string]any{"User": "ada", "Questions": []string{"Why?", "<b>How?</b>"}}
	tests := []struct {
		name, page, want string
	}{
		{"three levels, block defaults at every level", "polls/index.html",
			`<html><title>Polls</title><body><nav>ada</nav><main><li>Why?</li><li>&lt;b&gt;How?&lt;/b&gt;</li></main><aside>default aside</aside><footer>default footer</footer></body></html>`},
		{"two levels with trim markers and an include", "polls/plain.html",
			`<html><title>Site</title><body><nav>ada</nav>plain <i>x</i><footer>default footer</footer></body></html>`},
		{"the layout alone", "base.html",
			`<html><title>Site</title><body><nav>ada</nav>no content<footer>default footer</footer></body></html>`},
		{"a partial alone", "partials/nav.html", `<nav>ada</nav>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := squash(execute(t, e, tt.page, data)); got != tt.want {
				t.Errorf("Execute(%q) =\n%s\nwant\n%s", tt.page, got, tt.want)
			}
		})
	}
}

// Pages of the same engine that fill the same block do not see each
// other's definitions.
func TestPagesAreIndependent(t *testing.T) {
	e := mustEngine(t, Config{Sources: []Source{files("app", map[string]string{
		"base.html": `[{{block "content" .}}{{end}}]`,
		"a.html":    `{{/* extends "base.html" */}}{{define "content"}}A{{end}}`,
		"b.html":    `{{/* extends "base.html" */}}{{define "content"}}B{{end}}`,
	})}})
	for page, want := range map[string]string{"a.html": "[A]", "b.html": "[B]", "base.html": "[]"} {
		if got := execute(t, e, page, nil); got != want {
			t.Errorf("Execute(%q) = %q; want %q", page, got, want)
		}
	}
}

func TestOverrideOrder(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "polls"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "polls", "index.html"), []byte("project"), 0o644); err != nil {
		t.Fatal(err)
	}
	first := files(`app "first"`, map[string]string{"polls/index.html": "first", "polls/detail.html": "first detail", "shared.html": "first shared"})
	second := files(`app "second"`, map[string]string{"polls/index.html": "second", "polls/detail.html": "second detail", "shared.html": "second shared", "only.html": "second only"})
	e := mustEngine(t, Config{Sources: []Source{{Name: "dir", FS: os.DirFS(dir)}, first, second}})
	for page, want := range map[string]string{
		"polls/index.html":  "project",
		"polls/detail.html": "first detail",
		"shared.html":       "first shared",
		"only.html":         "second only",
	} {
		if got := execute(t, e, page, nil); got != want {
			t.Errorf("Execute(%q) = %q; want %q", page, got, want)
		}
	}
	// A missing project directory is skipped.
	if _, err := NewEngine(Config{Sources: []Source{{Name: "dir", FS: os.DirFS(filepath.Join(dir, "missing"))}, first}}); err != nil {
		t.Errorf("NewEngine with a missing directory: %v", err)
	}
}

// An overriding layout changes the pages of every app that extend it.
func TestProjectLayoutOverridesAppLayout(t *testing.T) {
	project := files(`dir "templates"`, map[string]string{"base.html": `<project>{{block "content" .}}{{end}}</project>`})
	app := files(`app "polls"`, map[string]string{
		"base.html":        `<app>{{block "content" .}}{{end}}</app>`,
		"polls/index.html": `{{/* extends "base.html" */}}{{define "content"}}polls{{end}}`,
	})
	e := mustEngine(t, Config{Sources: []Source{project, app}})
	if got, want := execute(t, e, "polls/index.html", nil), "<project>polls</project>"; got != want {
		t.Errorf("Execute = %q; want %q", got, want)
	}
}

func TestDebugReload(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("base.html", `<b>{{block "content" .}}{{end}}</b>`)
	write("page.html", `{{/* extends "base.html" */}}{{define "content"}}one{{end}}`)
	src := Source{Name: "dir", FS: os.DirFS(dir)}

	debug := mustEngine(t, Config{Sources: []Source{src}, Debug: true})
	prod := mustEngine(t, Config{Sources: []Source{src}})
	if got := execute(t, debug, "page.html", nil); got != "<b>one</b>" {
		t.Fatalf("first render = %q", got)
	}
	write("page.html", `{{/* extends "base.html" */}}{{define "content"}}two{{end}}`)
	write("base.html", `<i>{{block "content" .}}{{end}}</i>`)
	write("new.html", `new`)
	if got, want := execute(t, debug, "page.html", nil), "<i>two</i>"; got != want {
		t.Errorf("DEBUG render after the edit = %q; want %q", got, want)
	}
	if got, want := execute(t, debug, "new.html", nil), "new"; got != want {
		t.Errorf("DEBUG render of a new file = %q; want %q", got, want)
	}
	if got, want := execute(t, prod, "page.html", nil), "<b>one</b>"; got != want {
		t.Errorf("production render after the edit = %q; want the cached %q", got, want)
	}
	// A template broken while the server runs fails its render with the
	// file and line.
	write("page.html", "{{/* extends \"base.html\" */}}\n{{define \"content\"}}{{.Data.X}{{end}}")
	var b strings.Builder
	err := debug.Execute(&b, "page.html", nil)
	if err == nil || !strings.Contains(err.Error(), "page.html:2") {
		t.Errorf("DEBUG render of a broken template: %v; want an error naming page.html:2", err)
	}
}

func TestStartupErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"parse error", map[string]string{"ok.html": "ok", "polls/bad.html": "line one\n{{if .Data}}\nunclosed"},
			[]string{"polls/bad.html", `app "polls"`, "polls/bad.html:3"}},
		{"unknown function", map[string]string{"bad.html": "\n\n{{frobnicate .}}"},
			[]string{"bad.html:3", `function "frobnicate" not defined`}},
		{"missing layout", map[string]string{"page.html": `{{/* extends "nope.html" */}}{{define "content"}}{{end}}`},
			[]string{`"nope.html"`, "extended by page.html", `searched app "polls"`}},
		{"layout cycle", map[string]string{
			"a.html": `{{/* extends "b.html" */}}`,
			"b.html": `{{/* extends "a.html" */}}`,
		}, []string{"cycle", "a.html -> b.html -> a.html"}},
		{"text outside define", map[string]string{
			"base.html": `{{block "content" .}}{{end}}`,
			"page.html": "{{/* extends \"base.html\" */}}\n<h1>lost</h1>\n{{define \"content\"}}x{{end}}",
		}, []string{"page.html", "page.html:2", "outside {{define}}"}},
		{"missing include", map[string]string{"page.html": `x{{template "partials/nope.html" .}}`},
			[]string{"page.html", `no such template "partials/nope.html"`}},
		{"non-text context", map[string]string{"page.html": `<a href="{{.Data}}>x</a>`},
			[]string{"page.html", "non-text context"}},
		{"missing cached fragment", map[string]string{"page.html": `{{cached "k" 60 "partials/gone.html" .}}`},
			[]string{"page.html", `"partials/gone.html"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewEngine(Config{Sources: []Source{files(`app "polls"`, tt.files)}})
			if err == nil {
				t.Fatalf("NewEngine = nil error; want one containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("NewEngine error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestUnknownTemplate(t *testing.T) {
	e := mustEngine(t, Config{Sources: []Source{files(`app "polls"`, map[string]string{"a.html": "a"})}})
	for _, name := range []string{"nope.html", "../a.html", "/a.html", ""} {
		err := e.Execute(&strings.Builder{}, name, nil)
		if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), `app "polls"`) {
			t.Errorf("Execute(%q) = %v; want a does-not-exist error naming the sources", name, err)
		}
	}
}

func TestNames(t *testing.T) {
	e := mustEngine(t, Config{Sources: []Source{
		files("a", map[string]string{"x/b.html": "", ".hidden.html": "", "a.html": ""}),
		files("b", map[string]string{"a.html": "", "c.txt": ""}),
	}})
	got := strings.Join(e.Names(), " ")
	if want := "a.html c.txt x/b.html"; got != want {
		t.Errorf("Names() = %q; want %q", got, want)
	}
}
