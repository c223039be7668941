package static_test

import (
	"bytes"
	"html/template"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/checks"
	"github.com/djinn-go/djinn/static"
)

func TestURLAndTemplateFunc(t *testing.T) {
	s := newSite(t)
	s.collect(t)
	paths, _ := readManifest(t, s.root())

	render := func(sa *static.App, src string) (string, error) {
		tpl := template.Must(template.New("page").Funcs(sa.TemplateFuncs()).Parse(src))
		var b bytes.Buffer
		err := tpl.Execute(&b, nil)
		return b.String(), err
	}

	_, prod := s.project(t, false)
	got, err := render(prod, `<link rel="stylesheet" href="{{static "css/site.css"}}">`)
	if want := `<link rel="stylesheet" href="/static/` + paths["css/site.css"] + `">`; err != nil || got != want {
		t.Errorf("production render = %q, %v; want %q", got, err, want)
	}
	if u, err := prod.URL("fonts/f.woff2#iefix"); err != nil || u != "/static/"+paths["fonts/f.woff2"]+"#iefix" {
		t.Errorf("URL(fonts/f.woff2#iefix) = %q, %v", u, err)
	}
	_, err = render(prod, `{{static "nope.css"}}`)
	if err == nil || !strings.Contains(err.Error(), `missing staticfiles manifest entry for "nope.css"`) {
		t.Errorf("render of a name not in the manifest: %v; want the missing entry error", err)
	}

	_, dev := s.project(t, true)
	got, err = render(dev, `<script src="{{static "js/app.js"}}"></script>`)
	if want := `<script src="/static/js/app.js"></script>`; err != nil || got != want {
		t.Errorf("DEBUG render = %q, %v; want %q", got, err, want)
	}
	if u, err := dev.URL("img/a b.png"); err != nil || u != "/static/img/a%20b.png" {
		t.Errorf("URL(img/a b.png) = %q, %v; want escaped", u, err)
	}

	_, cdn := s.project(t, false, func(st *core.Settings) { st.Static.URL = "https://cdn.example.com/assets/" })
	if u, err := cdn.URL("css/base.css"); err != nil || u != "https://cdn.example.com/assets/"+paths["css/base.css"] {
		t.Errorf("CDN URL = %q, %v", u, err)
	}
	if len(cdn.Middleware()) != 0 {
		t.Error("a CDN static URL must not be served by the project")
	}

	if _, err := static.New().URL("a.css"); err == nil {
		t.Error("URL before Ready: no error")
	}
}

func TestFrom(t *testing.T) {
	s := newSite(t)
	p, sa := s.project(t, true)
	if got, err := static.From(p); err != nil || got != sa {
		t.Errorf("From = %v, %v; want the installed app", got, err)
	}
	p2 := core.New(core.Settings{Debug: true})
	if err := p2.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := static.From(p2); err == nil || !strings.Contains(err.Error(), `no "static" app in InstalledApps (add static.New())`) {
		t.Errorf("From without the app = %v", err)
	}
}

func TestChecks(t *testing.T) {
	ids := func(p *core.Project) string {
		res := checks.Run(t.Context(), p.Checks(), checks.Options{})
		var out []string
		for _, m := range res.Messages {
			if strings.HasPrefix(m.ID, "static.") {
				out = append(out, m.ID)
			}
		}
		return strings.Join(out, " ")
	}
	s := newSite(t)
	p, _ := s.project(t, false)
	if got := ids(p); got != "static.W001" {
		t.Errorf("production without collectstatic: %q; want static.W001", got)
	}
	s.collect(t)
	p, _ = s.project(t, false)
	if got := ids(p); got != "" {
		t.Errorf("production after collectstatic: %q; want none", got)
	}
	p, _ = s.project(t, true, func(st *core.Settings) {
		st.Static.Dirs = append(st.Static.Dirs, filepath.Join(s.dir, "nope"), s.root())
	})
	if got := ids(p); got != "static.E002 static.W002" {
		t.Errorf("bad Dirs: %q; want static.E002 static.W002", got)
	}
}
