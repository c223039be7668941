package projecttemplate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const settingsSrc = `package main

import (
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/orm"
)

func settings() core.Settings {
	var s core.Settings
	s.InstalledApps = []core.App{
		orm.New(),
		// djinn:apps
	}
	return s
}
`

func TestInsertAtMarker(t *testing.T) {
	out, ok, err := insertAtMarker([]byte(settingsSrc), AppsMarker, "polls.New(),", "mysite/polls")
	if err != nil || !ok {
		t.Fatalf("insertAtMarker(polls) = %v, %v; want ok", ok, err)
	}
	out, ok, err = insertAtMarker(out, AppsMarker, "blog.New(),", "mysite/blog")
	if err != nil || !ok {
		t.Fatalf("insertAtMarker(blog) = %v, %v; want ok", ok, err)
	}
	want := `package main

import (
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/orm"

	"mysite/blog"
	"mysite/polls"
)

func settings() core.Settings {
	var s core.Settings
	s.InstalledApps = []core.App{
		orm.New(),
		polls.New(),
		blog.New(),
		// djinn:apps
	}
	return s
}
`
	if string(out) != want {
		t.Errorf("after two insertions:\n%s\nwant:\n%s", out, want)
	}

	again, ok, err := insertAtMarker(out, AppsMarker, "polls.New(),", "mysite/polls")
	if err != nil || !ok || string(again) != string(out) {
		t.Errorf("inserting polls again = %v, %v, changed=%v; want ok and no change", ok, err, string(again) != string(out))
	}
}

func TestInsertAtMarkerWithoutMarker(t *testing.T) {
	tests := []struct{ name, src string }{
		{"no marker", strings.Replace(settingsSrc, "// djinn:apps", "// the apps", 1)},
		{"marker after code", strings.Replace(settingsSrc, "orm.New(),\n\t\t// djinn:apps", "orm.New(), // djinn:apps", 1)},
		{"single import", strings.Replace(settingsSrc, "import (\n\t\"github.com/djinn-go/djinn/core\"\n\t\"github.com/djinn-go/djinn/orm\"\n)", "import \"github.com/djinn-go/djinn/core\"", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok, err := insertAtMarker([]byte(tt.src), AppsMarker, "polls.New(),", "mysite/polls")
			if ok || err != nil {
				t.Fatalf("insertAtMarker = %v, %v; want not ok, no error", ok, err)
			}
		})
	}
}

// TestStartAppWithoutMarkers: a project whose files lack the markers is
// left alone, and the result tells the lines to add.
func TestStartAppWithoutMarkers(t *testing.T) {
	proj := newTestProject(t)
	for _, f := range []string{"settings.go", "urls.go"} {
		p := filepath.Join(proj, f)
		src := mustRead(t, p)
		src = strings.NewReplacer(AppsMarker, "// apps", URLsMarker, "// urls").Replace(src)
		mustWrite(t, p, src)
	}
	before := mustRead(t, filepath.Join(proj, "settings.go"))
	res, err := StartApp(AppOptions{Name: "polls", ProjectDir: proj})
	if err != nil {
		t.Fatal(err)
	}
	if res.Settings.Done || res.URLs.Done {
		t.Errorf("edits done = %v, %v; want false without markers", res.Settings.Done, res.URLs.Done)
	}
	if res.Settings.Line != "polls.New()," || !strings.Contains(res.URLs.Line, `r.Include("/polls/", polls.Label,`) || res.Import != "mysite/polls" {
		t.Errorf("result lines %q, %q, import %q", res.Settings.Line, res.URLs.Line, res.Import)
	}
	if got := mustRead(t, filepath.Join(proj, "settings.go")); got != before {
		t.Errorf("settings.go changed without a marker:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(proj, "polls", "app.go")); err != nil {
		t.Errorf("the app was not written: %v", err)
	}
}
