package command

import (
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestIgnoredFile(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"views.go", false},
		{"go.mod", false},
		{"index.html", false},
		{"style.css", false},
		{"views_test.go", true},
		{".views.go.swp", true},
		{"views.go~", true},
		{"4913", true},
		{"#views.go#", true},
		{"db.sqlite3", true},
		{"db.sqlite3-journal", true},
		{"db.sqlite3-wal", true},
		{"app.db-shm", true},
		{"server.log", true},
	}
	for _, tt := range tests {
		if got := ignoredFile(tt.name); got != tt.want {
			t.Errorf("ignoredFile(%q) = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestIgnoredDir(t *testing.T) {
	root := filepath.FromSlash("/p/site")
	r := &reloader{root: root, skipDirs: []string{filepath.FromSlash("/p/site/templates")}}
	tests := []struct {
		path string
		want bool
	}{
		{"/p/site", false},
		{"/p/site/polls", false},
		{"/p/site/polls/templates", false},
		{"/p/site/templatesx", false},
		{"/p/site/.git", true},
		{"/p/site/node_modules", true},
		{"/p/site/staticfiles", true},
		{"/p/site/polls/testdata", true},
		{"/p/site/templates", true},
		{"/p/site/templates/polls", true},
	}
	for _, tt := range tests {
		if got := r.ignoredDir(filepath.FromSlash(tt.path)); got != tt.want {
			t.Errorf("ignoredDir(%q) = %v; want %v", tt.path, got, tt.want)
		}
	}
}

func TestErrorPage(t *testing.T) {
	out := "./views.go:3:1: undefined: <script>alert(1)</script>"
	page := errorPage("Build failed", out, true)
	for _, want := range []string{"<title>Build failed", "./views.go:3:1: undefined: &lt;script&gt;alert(1)&lt;/script&gt;", `<meta http-equiv="refresh"`} {
		if !strings.Contains(page, want) {
			t.Errorf("errorPage(debug) lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Errorf("errorPage(debug) has the compiler output unescaped:\n%s", page)
	}
	page = errorPage("Build failed", out, false)
	if strings.Contains(page, "views.go") || !strings.Contains(page, "See the terminal") {
		t.Errorf("errorPage(no debug) = %s; want no details and a pointer to the terminal", page)
	}
}

func TestChildArgs(t *testing.T) {
	fs := pflag.NewFlagSet("runserver", pflag.ContinueOnError)
	fs.Bool("debug", true, "")
	fs.Bool("noreload", false, "")
	if err := fs.Parse([]string{"--debug=false", "0.0.0.0:8000"}); err != nil {
		t.Fatal(err)
	}
	got := childArgs(&Env{Flags: fs, Args: fs.Args()})
	want := []string{"runserver", "--noreload", "--debug=false", "0.0.0.0:8000"}
	if !slices.Equal(got, want) {
		t.Errorf("childArgs = %q; want %q", got, want)
	}
}

func TestBuildFlags(t *testing.T) {
	info := &debug.BuildInfo{Settings: []debug.BuildSetting{
		{Key: "-buildmode", Value: "exe"},
		{Key: "-race", Value: "true"},
		{Key: "-tags", Value: "sqlite,dev"},
		{Key: "-trimpath", Value: "false"},
		{Key: "CGO_ENABLED", Value: "0"},
	}}
	got, want := buildFlags(info), []string{"-race", "-tags=sqlite,dev"}
	if !slices.Equal(got, want) {
		t.Errorf("buildFlags = %q; want %q", got, want)
	}
}

func TestModulePath(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ gomod, want string }{
		{"module example.com/site\n\ngo 1.26\n", "example.com/site"},
		{"// comment\nmodule \"quoted/site\" // trailing\n", "quoted/site"},
		{"go 1.26\n", ""},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, "go.mod")
		if err := os.WriteFile(path, []byte(tt.gomod), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := modulePath(path)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("modulePath(%q) = %q, %v; want %q", tt.gomod, got, err, tt.want)
		}
	}
}

func TestNewReloaderOffInTestBinary(t *testing.T) {
	r, why := newReloader(&Env{})
	if r != nil || !strings.Contains(why, "not built from a main package") {
		t.Errorf("newReloader in a test binary = %v, %q; want nil and why", r, why)
	}
}

func TestInheritedListenerBadFD(t *testing.T) {
	t.Setenv(listenFDEnv, "x")
	if ln, err := inheritedListener(); ln != nil || err == nil || !strings.Contains(err.Error(), listenFDEnv) {
		t.Errorf("inheritedListener with %s=x = %v, %v; want an error naming the variable", listenFDEnv, ln, err)
	}
	if _, ok := os.LookupEnv(listenFDEnv); ok {
		t.Errorf("%s still set after inheritedListener", listenFDEnv)
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 8}
	io.WriteString(b, "hello ")
	io.WriteString(b, "world!")
	if got := b.String(); got != "o world!" {
		t.Errorf("tail = %q; want %q", got, "o world!")
	}
}

// TestWatcher checks the watcher on a real tree: a burst of writes is one
// report, ignored files are not reported, and a directory created after
// the start is watched.
func TestWatcher(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for file events; skipped with -short")
	}
	root := t.TempDir()
	for _, d := range []string{"app", "node_modules"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r := &reloader{root: root}
	w, err := newWatcher(t.Context(), root, r.ignoredDir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	next := func(within time.Duration) (string, bool) {
		select {
		case name := <-w.changes:
			return name, true
		case <-time.After(within):
			return "", false
		}
	}

	for _, name := range []string{"main.go", "app/app.go", "main.go", "go.mod"} {
		write(name)
	}
	if name, ok := next(10 * time.Second); !ok || name != filepath.Join(root, "main.go") {
		t.Errorf("report after a burst = %q, %v; want main.go", name, ok)
	}
	if name, ok := next(time.Second); ok {
		t.Errorf("second report %q after one burst; want one", name)
	}

	for _, name := range []string{".hidden.go", "main_test.go", "db.sqlite3", "node_modules/x.js", "main.go~"} {
		write(name)
	}
	if name, ok := next(time.Second); ok {
		t.Errorf("report %q for ignored files; want none", name)
	}

	if err := os.Mkdir(filepath.Join(root, "pages"), 0o755); err != nil {
		t.Fatal(err)
	}
	if name, ok := next(10 * time.Second); !ok || name != filepath.Join(root, "pages") {
		t.Errorf("report after mkdir = %q, %v; want pages", name, ok)
	}
	write("pages/page.html")
	if name, ok := next(10 * time.Second); !ok || name != filepath.Join(root, "pages", "page.html") {
		t.Errorf("report after a write in a new directory = %q, %v; want pages/page.html", name, ok)
	}
}
