package static_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/static"
)

func TestFinderOrder(t *testing.T) {
	s := newSite(t)
	f, err := static.NewFinder([]string{filepath.Join(s.dir, "missing"), filepath.Join(s.dir, "static")}, s.apps)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, want string // want: the winner's Location, "" for not found
	}{
		{"js/app.js", filepath.Join(s.dir, "static", "js", "app.js")}, // project dir beats app polls
		{"polls/style.css", "app polls: polls/style.css"},             // polls beats other (earlier app)
		{"other/o.txt", "app other: other/o.txt"},
		{"css", ""}, // a directory is not a file
		{"nope.css", ""},
		{"../static/js/app.js", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if fd, ok := f.Find(tt.name); ok {
				got = fd.Location()
			}
			if got != tt.want {
				t.Errorf("Find(%q) = %q; want %q", tt.name, got, tt.want)
			}
		})
	}

	all := f.FindAll("js/app.js")
	var locs []string
	for _, fd := range all {
		locs = append(locs, fd.Location())
	}
	if diff := cmp.Diff([]string{filepath.Join(s.dir, "static", "js", "app.js"), "app polls: js/app.js"}, locs); diff != "" {
		t.Errorf("FindAll(js/app.js) (-want +got):\n%s", diff)
	}

	files, err := f.Files()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fd := range files {
		names = append(names, fd.Source.String()[:3]+" "+fd.Name)
	}
	want := []string{
		"dir css/base.css", "dir css/site.css", "dir css/theme/dark.css", "dir fonts/f.woff2",
		"dir img/bg.png", "dir img/logo.svg", "dir js/app.js", "dir robots.txt",
		"app polls/img/q.png", "app polls/style.css",
		"app other/o.txt",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Files() (-want +got):\n%s", diff)
	}
}

func TestNewFinderDirIsAFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "static"), "a file")
	_, err := static.NewFinder([]string{filepath.Join(dir, "static")}, nil)
	if err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("NewFinder(file) = %v; want an error saying it is not a directory", err)
	}
}

func TestFindstatic(t *testing.T) {
	s := newSite(t)
	p, _ := s.project(t, true)
	projectJS := filepath.Join(s.dir, "static", "js", "app.js")

	out := mustRun(t, p, "findstatic", "js/app.js", "polls/style.css")
	want := "Found 'js/app.js' here:\n  " + projectJS + "\nFound 'polls/style.css' here:\n  app polls: polls/style.css\n"
	if out != want {
		t.Errorf("findstatic output:\n%s\nwant:\n%s", out, want)
	}

	out = mustRun(t, p, "findstatic", "--all", "js/app.js", "polls/style.css")
	want = "Found 'js/app.js' here:\n  " + projectJS + "\n  app polls: js/app.js\n" +
		"Found 'polls/style.css' here:\n  app polls: polls/style.css\n  app other: polls/style.css\n"
	if out != want {
		t.Errorf("findstatic --all output:\n%s\nwant:\n%s", out, want)
	}

	code, out, errs := run(t, p, "", "findstatic", "robots.txt", "nope.css")
	if code != command.ExitError || !strings.Contains(errs, "No matching file found for 'nope.css'.") ||
		!strings.Contains(errs, "1 of 2 files not found") || !strings.Contains(out, "Found 'robots.txt' here:") {
		t.Errorf("findstatic with a missing name: exit %d, stdout %q, stderr %q; want exit 1, robots.txt found, nope.css reported", code, out, errs)
	}
}

func TestFinderNoSources(t *testing.T) {
	f, err := static.NewFinder(nil, []core.App{testApp{label: "empty"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Find("a.css"); ok {
		t.Error("Find on an empty finder found a file")
	}
}
