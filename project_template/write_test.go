package projecttemplate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustWrite(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStartProjectNeverOverwrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mysite")
	opts := ProjectOptions{Name: "mysite", Dir: dir, Djinn: Djinn{Version: "v0.3.0"}, SecretKey: testKey}
	mustWrite(t, filepath.Join(dir, "main.go"), "package main // mine\n")

	_, err := StartProject(opts)
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("StartProject into a non-empty dir = %v; want an error about the non-empty directory and --force", err)
	}
	if got := mustRead(t, filepath.Join(dir, "main.go")); got != "package main // mine\n" {
		t.Errorf("main.go = %q after a refused StartProject; want it untouched", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "settings.go")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("settings.go: %v; want nothing written", err)
	}

	opts.Force = true
	if _, err := StartProject(opts); err != nil {
		t.Fatalf("StartProject --force: %v", err)
	}
	if got := mustRead(t, filepath.Join(dir, "main.go")); !strings.Contains(got, "command.Main") {
		t.Errorf("main.go after --force = %q; want the template's", got)
	}
}

func TestStartProjectIntoEmptyDir(t *testing.T) {
	dir := t.TempDir() // exists, empty: fine, like Django's startproject name dir
	if _, err := StartProject(ProjectOptions{Name: "mysite", Dir: dir, Djinn: Djinn{Version: "v0.3.0"}}); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, filepath.Join(dir, "settings.go")); !strings.Contains(got, `s.SecretKey = "`+InsecureKeyPrefix) {
		t.Errorf("settings.go has no generated key:\n%s", got)
	}
}

func TestStartProjectRejects(t *testing.T) {
	tests := []struct {
		name string
		opts ProjectOptions
		want string
	}{
		{"bad name", ProjectOptions{Name: "my-site", Djinn: Djinn{Version: "v0.3.0"}}, "not a lowercase Go identifier"},
		{"package name", ProjectOptions{Name: "orm", Djinn: Djinn{Version: "v0.3.0"}}, "Djinn package"},
		{"bad module", ProjectOptions{Name: "mysite", Module: "my site", Djinn: Djinn{Version: "v0.3.0"}}, "module path"},
		{"no version", ProjectOptions{Name: "mysite"}, "no Djinn version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Dir = filepath.Join(t.TempDir(), "p")
			_, err := StartProject(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("StartProject(%+v) = %v; want an error containing %q", tt.opts, err, tt.want)
			}
			if _, err := os.Stat(tt.opts.Dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: %v; want nothing written", tt.opts.Dir, err)
			}
		})
	}
}

func TestStartAppNeverOverwrites(t *testing.T) {
	proj := newTestProject(t)
	if _, err := StartApp(AppOptions{Name: "polls", ProjectDir: proj}); err != nil {
		t.Fatal(err)
	}
	views := filepath.Join(proj, "polls", "views.go")
	mustWrite(t, views, "package polls // edited\n")

	_, err := StartApp(AppOptions{Name: "polls", ProjectDir: proj})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("second StartApp = %v; want an error about the existing app directory", err)
	}
	if got := mustRead(t, views); got != "package polls // edited\n" {
		t.Errorf("views.go = %q after a refused StartApp; want it untouched", got)
	}
	settings := mustRead(t, filepath.Join(proj, "settings.go"))
	if n := strings.Count(settings, "polls.New()"); n != 1 {
		t.Errorf("settings.go has polls.New() %d times; want 1", n)
	}

	if _, err := StartApp(AppOptions{Name: "polls", ProjectDir: proj, Force: true}); err != nil {
		t.Fatalf("StartApp --force: %v", err)
	}
	if got := mustRead(t, views); !strings.Contains(got, "func (a *App) index") {
		t.Errorf("views.go after --force = %q; want the template's", got)
	}
	if got := mustRead(t, filepath.Join(proj, "settings.go")); got != settings {
		t.Errorf("settings.go changed on the second StartApp:\n%s", got)
	}
}

func TestStartAppRejects(t *testing.T) {
	proj := newTestProject(t)
	tests := []struct {
		name, app, dir, want string
	}{
		{"project's own name", "mysite", proj, "project's name"},
		{"Djinn package", "auth", proj, "Djinn package"},
		{"keyword", "go", proj, "Go keyword"},
		{"standard library", "net", proj, "standard library"},
		{"not a project", "polls", t.TempDir(), "no go.mod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := StartApp(AppOptions{Name: tt.app, ProjectDir: tt.dir})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("StartApp(%q in %s) = %v; want an error containing %q", tt.app, tt.dir, err, tt.want)
			}
			if _, err := os.Stat(filepath.Join(tt.dir, tt.app)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s/: %v; want nothing written", tt.app, err)
			}
		})
	}
}

// TestWriteRefusesExistingFiles covers the last line of defence: with
// one target file present, write writes none of the files.
func TestWriteRefusesExistingFiles(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "b.txt"), "mine")
	files := []file{{"a.txt", []byte("A")}, {"b.txt", []byte("B")}}
	err := write(dir, files, nil, false)
	var ee *ExistsError
	if !errors.As(err, &ee) || len(ee.Files) != 1 || ee.Files[0] != "b.txt" {
		t.Fatalf("write = %v; want an *ExistsError naming b.txt", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a.txt: %v; want nothing written", err)
	}
	if err := write(dir, files, nil, true); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, filepath.Join(dir, "b.txt")); got != "B" {
		t.Errorf("b.txt = %q after a forced write; want B", got)
	}
}
