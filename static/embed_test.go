package static_test

import (
	"bytes"
	"embed"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/static"
)

var update = flag.Bool("update", false, "rewrite testdata/collected from testdata/site")

// collected is what collectstatic makes of testdata/site, embedded as a
// project embeds its staticfiles directory (//go:embed all:staticfiles).
//
//go:embed all:testdata/collected
var collected embed.FS

// TestEmbeddedGolden checks that testdata/collected is what collectstatic
// writes for testdata/site (-update rewrites it). Compressed copies are
// compared decoded, so a new compressor version does not fail the test.
func TestEmbeddedGolden(t *testing.T) {
	f, err := static.NewFinder([]string{"testdata/site"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if *update {
		out = "testdata/collected"
		os.RemoveAll(out)
	}
	if _, err := static.Collect(t.Context(), f, static.CollectOptions{Root: out, StaticURL: "/static/"}); err != nil {
		t.Fatal(err)
	}
	if *update {
		return
	}
	golden, err := fs.Sub(collected, "testdata/collected")
	if err != nil {
		t.Fatal(err)
	}
	list := func(fsys fs.FS) []string {
		var names []string
		fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				names = append(names, p)
			}
			return err
		})
		slices.Sort(names)
		return names
	}
	got, want := list(os.DirFS(out)), list(golden)
	if !slices.Equal(got, want) {
		t.Fatalf("collected files %v; testdata/collected has %v (run go test -run TestEmbeddedGolden -update)", got, want)
	}
	for _, name := range got {
		a, _ := os.ReadFile(filepath.Join(out, name))
		b, _ := fs.ReadFile(golden, name)
		if ext := filepath.Ext(name); ext == ".gz" || ext == ".br" {
			a, b = decode(t, name, a), decode(t, name, b)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from testdata/collected (run go test -run TestEmbeddedGolden -update)", name)
		}
	}
}

func TestServeEmbedded(t *testing.T) {
	sub, err := fs.Sub(collected, "testdata/collected")
	if err != nil {
		t.Fatal(err)
	}
	m, err := static.ReadManifest(sub)
	if err != nil {
		t.Fatal(err)
	}
	css := m.Paths["css/app.css"]
	s := &site{dir: t.TempDir()} // Static.Root does not exist
	p, sa := s.project(t, false, func(st *core.Settings) { st.Static.Collected = sub })
	h := p.Handler()

	resp := get(t, h, "GET", "/static/"+css, "Accept-Encoding", "gzip, br")
	b := body(t, resp)
	wantBr, _ := fs.ReadFile(sub, css+".br")
	wantPlain, _ := fs.ReadFile(sub, css)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "br" ||
		resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		resp.Header.Get("Vary") != "Accept-Encoding" || !bytes.Equal(b, wantBr) ||
		!bytes.Equal(decode(t, "x.br", b), wantPlain) {
		t.Errorf("GET embedded %s: %d %v (%d bytes); want the brotli copy, immutable", css, resp.StatusCode, resp.Header, len(b))
	}
	etag := resp.Header.Get("Etag")
	if resp := get(t, h, "GET", "/static/"+css, "Accept-Encoding", "br", "If-None-Match", etag); resp.StatusCode != 304 {
		t.Errorf("If-None-Match %s: status %d; want 304", etag, resp.StatusCode)
	}
	if resp := get(t, h, "GET", "/static/"+css, "Range", "bytes=3-5"); resp.StatusCode != 206 || string(body(t, resp)) != string(wantPlain[3:6]) {
		t.Errorf("Range on the embedded file: status %d; want 206 with bytes 3-5", resp.StatusCode)
	}
	u, err := sa.URL("css/app.css")
	if err != nil || u != "/static/"+css {
		t.Errorf("URL(css/app.css) = %q, %v; want /static/%s", u, err, css)
	}
	hashed, _ := fs.ReadFile(sub, css)
	if !strings.Contains(string(hashed), "@import \"reset.") {
		t.Errorf("embedded %s was not rewritten: %.80q", css, hashed)
	}
}
