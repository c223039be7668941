package static_test

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/google/go-cmp/cmp"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/static"
)

// readManifest reads staticfiles.json as JSON, independently of the
// package's reader.
func readManifest(t testing.TB, root string) (paths map[string]string, raw map[string]any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "staticfiles.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Paths map[string]string `json:"paths"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	return m.Paths, raw
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var hashedRE = regexp.MustCompile(`\.([0-9a-f]{12})(\.[^./]+)?$`)

func TestCollectstatic(t *testing.T) {
	s := newSite(t)
	out := s.collect(t)
	root := s.root()

	// Output: a line per source and Django's summary.
	wantOut := "Copying 8 files from directory " + filepath.Join(s.dir, "static") + "\n" +
		"Copying 2 files from app polls\n" +
		"Copying 1 files from app other\n" +
		"Post-processing 11 files: hashed names, CSS references, gzip and brotli copies\n" +
		"11 static files copied to '" + root + "', 11 post-processed.\n"
	if out != wantOut {
		t.Errorf("collectstatic output:\n%s\nwant:\n%s", out, wantOut)
	}

	paths, raw := readManifest(t, root)
	if raw["version"] != "1.1" {
		t.Errorf("manifest version = %v; want 1.1", raw["version"])
	}
	if h, _ := raw["hash"].(string); len(h) != 12 {
		t.Errorf("manifest hash = %v; want 12 hex digits", raw["hash"])
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range paths {
			if !yield(k) {
				return
			}
		}
	})
	wantNames := []string{"css/base.css", "css/site.css", "css/theme/dark.css", "fonts/f.woff2", "img/bg.png", "img/logo.svg",
		"js/app.js", "other/o.txt", "polls/img/q.png", "polls/style.css", "robots.txt"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("manifest paths (-want +got):\n%s", diff)
	}

	// Every hashed name carries the MD5 of the hashed file's content, and
	// the original keeps its own content.
	for orig, hashed := range paths {
		m := hashedRE.FindStringSubmatch(hashed)
		if m == nil {
			t.Errorf("%s → %s: not a hashed name", orig, hashed)
			continue
		}
		content := readString(t, filepath.Join(root, hashed))
		sum := md5.Sum([]byte(content))
		if got := hex.EncodeToString(sum[:])[:12]; got != m[1] {
			t.Errorf("%s: hash in name %s, md5 of content %s", hashed, m[1], got)
		}
		if _, err := os.Stat(filepath.Join(root, orig)); err != nil {
			t.Errorf("original %s not collected: %v", orig, err)
		}
	}
	if got := readString(t, filepath.Join(root, "js/app.js")); !strings.HasPrefix(got, "console.log('project')") {
		t.Errorf("js/app.js is %q...; want the project's, which hides the app's", got[:20])
	}
	if got := readString(t, filepath.Join(root, "polls/style.css")); !strings.Contains(got, "url(img/q.png)") {
		t.Errorf("the original polls/style.css was changed: %q", got)
	}
	for _, name := range []string{".hidden", "backup.css~", "polls/.gitignore"} {
		if _, err := os.Stat(filepath.Join(root, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s was collected (%v); ignored names must not be", name, err)
		}
	}

	// The hashed stylesheet's references point at hashed names, written
	// as they were (relative, quoted or not), with queries and fragments;
	// the rest is untouched.
	base := func(name string) string { return filepath.Base(paths[name]) }
	site := readString(t, filepath.Join(root, paths["css/site.css"]))
	for _, want := range []string{
		`@import "` + base("css/base.css") + `";`,
		`@import url('theme/` + base("css/theme/dark.css") + `');`,
		`url(../img/` + base("img/bg.png") + `);`,
		`url("/static/img/` + base("img/logo.svg") + `")`,
		`url('../fonts/` + base("fonts/f.woff2") + `?v=3#iefix')`,
		`url(data:image/png;base64,iVBORw0KGgo=)`,
		`url(https://cdn.example.com/a.png)`,
		`url(//cdn.example.com/b.png)`,
		`url(#svg-filter)`,
		`/* url(missing.png) is commented out */`,
		`content: "url(not-a-ref.png)"`,
		`URL( "../img/` + base("img/bg.png") + `" )`,
	} {
		if !strings.Contains(site, want) {
			t.Errorf("hashed css/site.css lacks %s; it is:\n%s", want, site[:len(siteCSS)+200])
		}
	}
	dark := readString(t, filepath.Join(root, paths["css/theme/dark.css"]))
	if want := "url(../../img/" + base("img/bg.png") + ")"; !strings.Contains(dark, want) {
		t.Errorf("hashed dark.css = %q; want it to contain %s", dark, want)
	}
	if got, want := readString(t, filepath.Join(root, paths["polls/style.css"])), "li a { background: url(img/"+base("polls/img/q.png")+") }\n"; got != want {
		t.Errorf("hashed polls/style.css = %q; want %q", got, want)
	}
}

// TestCollectCSSChain checks that a stylesheet's hashed name follows the
// stylesheets it imports: changing an image changes the name of the
// stylesheet that uses it and of the one that imports that one.
func TestCollectCSSChain(t *testing.T) {
	s := newSite(t)
	s.collect(t)
	before, _ := readManifest(t, s.root())
	writeFile(t, filepath.Join(s.dir, "static", "img", "bg.png"), "a new background")
	s.collect(t)
	after, _ := readManifest(t, s.root())
	for _, name := range []string{"img/bg.png", "css/theme/dark.css", "css/site.css"} {
		if before[name] == after[name] {
			t.Errorf("%s kept its hashed name %s after img/bg.png changed", name, after[name])
		}
	}
	for _, name := range []string{"css/base.css", "js/app.js", "polls/style.css"} {
		if before[name] != after[name] {
			t.Errorf("%s changed name (%s → %s) though it does not depend on img/bg.png", name, before[name], after[name])
		}
	}
}

func TestCollectErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"missing reference", map[string]string{"css/a.css": "p { background: url('../img/nope.png?x=1') }"},
			[]string{`"css/a.css"`, `"../img/nope.png?x=1"`, `"img/nope.png"`, "could not be found"}},
		{"outside the tree", map[string]string{"a.css": "p { background: url(../../etc/passwd) }"},
			[]string{`"a.css"`, `"../../etc/passwd"`}},
		{"cycle", map[string]string{"a.css": "@import 'b.css';", "b.css": "@import 'a.css';"},
			[]string{"a.css, b.css", "cycle"}},
		{"manifest name", map[string]string{"staticfiles.json": "{}"},
			[]string{"staticfiles.json", "rename it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tt.files {
				writeFile(t, filepath.Join(dir, "static", name), body)
			}
			s := &site{dir: dir}
			p, _ := s.project(t, true)
			code, _, errs := run(t, p, "", "collectstatic", "--no-input")
			if code != command.ExitError {
				t.Fatalf("collectstatic exit %d; want 1 (stderr %q)", code, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q; want it to contain %q", errs, w)
				}
			}
			if _, err := os.Stat(filepath.Join(s.root(), "staticfiles.json")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a manifest was written by a failed collectstatic (%v)", err)
			}
		})
	}
}

func TestCollectMissingReferenceError(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.css"), "p { background: url(b.png) }")
	f, err := static.NewFinder([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = static.Collect(t.Context(), f, static.CollectOptions{Root: filepath.Join(dir, "out")})
	var mre *static.MissingReferenceError
	if !errors.As(err, &mre) || mre.File != "a.css" || mre.Ref != "b.png" || mre.Target != "b.png" {
		t.Errorf("Collect = %v; want a *MissingReferenceError for a.css, b.png", err)
	}
}

func decode(t *testing.T, name string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch filepath.Ext(name) {
	case ".gz":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r = zr
	case ".br":
		r = brotli.NewReader(bytes.NewReader(b))
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

func TestCollectPrecompressed(t *testing.T) {
	s := newSite(t)
	s.collect(t)
	root := s.root()
	paths, _ := readManifest(t, root)
	var compressed []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := filepath.Ext(p)
		if ext != ".gz" && ext != ".br" {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		compressed = append(compressed, filepath.ToSlash(rel))
		orig := strings.TrimSuffix(p, ext)
		want, err := os.ReadFile(orig)
		if err != nil {
			t.Errorf("%s has no original: %v", rel, err)
			return nil
		}
		got, _ := os.ReadFile(p)
		if len(got) >= len(want) {
			t.Errorf("%s is %d bytes, the original %d: not smaller", rel, len(got), len(want))
		}
		if !bytes.Equal(decode(t, p, got), want) {
			t.Errorf("%s does not decode to its original", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(compressed)
	var want []string
	for _, name := range []string{"css/site.css", "img/logo.svg", "js/app.js"} { // the files ≥ 1 KiB of a compressible type
		for _, n := range []string{name, paths[name]} {
			want = append(want, n+".br", n+".gz")
		}
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, compressed); diff != "" {
		t.Errorf("precompressed files (-want +got):\n%s", diff)
	}
}

func TestCollectRerunSkipsUnchanged(t *testing.T) {
	s := newSite(t)
	s.collect(t)
	root := s.root()
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	var all []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			all = append(all, p)
			os.Chtimes(p, old, old)
		}
		return err
	})

	out := s.collect(t)
	if want := "0 static files copied to '" + root + "', 11 unmodified, 11 post-processed.\n"; !strings.HasSuffix(out, want) {
		t.Errorf("second collectstatic output:\n%s\nwant it to end with %q", out, want)
	}
	for _, p := range all {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !st.ModTime().Equal(old) {
			t.Errorf("%s was rewritten by a run with nothing changed", p)
		}
	}

	writeFile(t, filepath.Join(s.dir, "static", "robots.txt"), "User-agent: *\nDisallow: /admin/\n")
	out = s.collect(t)
	if want := "1 static files copied to '" + root + "', 10 unmodified, 11 post-processed.\n"; !strings.HasSuffix(out, want) {
		t.Errorf("collectstatic after one change:\n%s\nwant it to end with %q", out, want)
	}
	if got := readString(t, filepath.Join(root, "robots.txt")); !strings.Contains(got, "Disallow") {
		t.Errorf("robots.txt = %q; want the new content", got)
	}
}

func TestCollectClearAndDryRun(t *testing.T) {
	s := newSite(t)
	root := s.root()
	writeFile(t, filepath.Join(root, "stale", "old.css"), "old")

	out := s.collect(t, "--dry-run", "--clear")
	if !strings.Contains(out, "Would delete 1 files in '"+root+"'.") ||
		!strings.HasSuffix(out, "11 static files copied to '"+root+"', 11 post-processed (dry run: nothing was written).\n") {
		t.Errorf("dry run output:\n%s", out)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 || entries[0].Name() != "stale" {
		t.Errorf("a dry run changed %s: %v", root, entries)
	}

	out = s.collect(t, "--clear")
	if !strings.HasPrefix(out, "Deleted 1 files in '"+root+"'.\n") {
		t.Errorf("--clear output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(root, "stale")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("--clear kept stale/ (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(root, "staticfiles.json")); err != nil {
		t.Errorf("no manifest after --clear: %v", err)
	}
}

func TestCollectstaticConfirms(t *testing.T) {
	s := newSite(t)
	p, _ := s.project(t, true)
	// An empty or missing Root needs no confirmation.
	if code, _, errs := run(t, p, "", "collectstatic"); code != command.ExitOK {
		t.Fatalf("first collectstatic: exit %d, %s", code, errs)
	}
	tests := []struct {
		stdin, args string
		wantCode    int
		wantOut     string
	}{
		{"no\n", "", command.ExitError, "This will overwrite existing files!"},
		{"", "--clear", command.ExitError, "This will DELETE ALL FILES in this location!"},
		{"yes\n", "--clear", command.ExitOK, "Deleted"},
	}
	for _, tt := range tests {
		args := []string{"collectstatic"}
		if tt.args != "" {
			args = append(args, tt.args)
		}
		code, out, errs := run(t, p, tt.stdin, args...)
		if code != tt.wantCode || !strings.Contains(out, tt.wantOut) {
			t.Errorf("collectstatic %s with stdin %q: exit %d, stdout %q, stderr %q; want exit %d and %q", tt.args, tt.stdin, code, out, errs, tt.wantCode, tt.wantOut)
		}
		if tt.wantCode == command.ExitError && !strings.Contains(errs, "cancelled") {
			t.Errorf("collectstatic %s with stdin %q: stderr %q; want cancelled", tt.args, tt.stdin, errs)
		}
	}
}

func TestCollectManifestReadable(t *testing.T) {
	s := newSite(t)
	s.collect(t)
	m, err := static.ReadManifest(os.DirFS(s.root()))
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := m.Lookup("css/base.css"); !ok || !strings.HasPrefix(h, "css/base.") {
		t.Errorf("Lookup(css/base.css) = %q, %v", h, ok)
	}
	_, err = static.ReadManifest(os.DirFS(t.TempDir()))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadManifest(empty dir) = %v; want fs.ErrNotExist", err)
	}
}

var _ = core.Defaults
