package projecttemplate

import (
	"flag"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden trees in testdata/")

// Fixed inputs, so that the golden trees do not change from run to run.
const (
	testKey      = "djinn-insecure-0123456789abcdefghijklmnopqrstuvwxyz!@#$%^&*(-_=+)"
	testDjinnDir = "/src/djinn"
)

// goldenName is the name of a generated file in testdata: go.mod and dot
// files get a .golden suffix, as a real go.mod or .gitignore would change
// what the go command or git does with testdata.
func goldenName(p string) string {
	if b := path.Base(p); b == "go.mod" || strings.HasPrefix(b, ".") {
		return p + ".golden"
	}
	return p
}

// readTree returns the files under dir by slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkGolden compares got (generated file paths → content) with the tree
// testdata/name, or rewrites the tree with -update.
func checkGolden(t *testing.T, name string, got map[string]string) {
	t.Helper()
	dir := filepath.Join("testdata", name)
	want := map[string]string{}
	for p, data := range got {
		want[goldenName(p)] = data
	}
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for p, data := range want {
			f := filepath.Join(dir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	if diff := cmp.Diff(readTree(t, dir), want); diff != "" {
		t.Errorf("generated tree differs from %s (-golden +generated); run go test -run %s -update after checking:\n%s", dir, t.Name(), diff)
	}
}

// newTestProject writes the golden project into a temporary directory.
func newTestProject(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mysite")
	_, err := StartProject(ProjectOptions{
		Name:      "mysite",
		Dir:       dir,
		Djinn:     Djinn{Version: PlaceholderVersion, Dir: testDjinnDir},
		SecretKey: testKey,
	})
	if err != nil {
		t.Fatalf("StartProject: %v", err)
	}
	return dir
}

func TestProjectGolden(t *testing.T) {
	checkGolden(t, "project", readTree(t, newTestProject(t)))
}

// TestAppGolden checks the app tree and the project's settings.go and
// urls.go after startapp added the app.
func TestAppGolden(t *testing.T) {
	proj := newTestProject(t)
	res, err := StartApp(AppOptions{Name: "polls", ProjectDir: proj})
	if err != nil {
		t.Fatalf("StartApp: %v", err)
	}
	if !res.Settings.Done || !res.URLs.Done {
		t.Errorf("StartApp edits: settings %+v, urls %+v; want both done", res.Settings, res.URLs)
	}
	got := map[string]string{}
	for p, data := range readTree(t, filepath.Join(proj, "polls")) {
		got["polls/"+p] = data
	}
	for _, f := range []string{"settings.go", "urls.go"} {
		b, err := os.ReadFile(filepath.Join(proj, f))
		if err != nil {
			t.Fatal(err)
		}
		got[f] = string(b)
	}
	checkGolden(t, "app", got)
	for _, d := range []string{"sqlite", "postgres"} {
		if fi, err := os.Stat(filepath.Join(proj, "polls", "migrations", d)); err != nil || !fi.IsDir() {
			t.Errorf("polls/migrations/%s: %v; want a directory for makemigrations", d, err)
		}
	}
}

func TestStartProjectWithPublishedDjinn(t *testing.T) {
	dir := t.TempDir()
	if _, err := StartProject(ProjectOptions{Name: "shop", Module: "example.com/shop", Dir: dir, Djinn: Djinn{Version: "v0.3.0"}, SecretKey: testKey}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	want := "module example.com/shop\n\ngo 1.26\n\ntoolchain go1.26.11\n\nrequire github.com/djinn-go/djinn v0.3.0\n"
	if string(b) != want {
		t.Errorf("go.mod = %q; want %q (no replace directive)", b, want)
	}
}
