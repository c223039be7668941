package static_test

import (
	"bytes"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/static"
)

// testApp is an app with static files.
type testApp struct {
	label string
	files fstest.MapFS
}

func (a testApp) Label() string { return a.label }

func (a testApp) Static() fs.FS { return a.files }

// site is the project the tests use: its directories and apps.
type site struct {
	dir  string // the project's directory (holds static/ and staticfiles/)
	apps []core.App
}

// Big enough (≥ 1 KiB) to be precompressed, and compressible.
var padding = strings.Repeat("/* padding to make the file worth compressing */\n", 30)

const siteCSS = `@import "base.css";
@import url('theme/dark.css');
body { background: url(../img/bg.png); }
.logo { background-image: url("/static/img/logo.svg"); }
@font-face { src: url('../fonts/f.woff2?v=3#iefix') format("woff2"); }
.x { background: url(data:image/png;base64,iVBORw0KGgo=); }
.y { background: url(https://cdn.example.com/a.png); }
.z { background: url(//cdn.example.com/b.png); }
.f { filter: url(#svg-filter); }
/* url(missing.png) is commented out */
.q::after { content: "url(not-a-ref.png)"; }
.sp { background: URL( "../img/bg.png" ); }
`

// newSite writes the project directory "static/" and returns the site
// with two apps: polls (which also has js/app.js, hidden by the project's)
// and other (whose polls/style.css is hidden by polls').
func newSite(t *testing.T) *site {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"css/site.css":       siteCSS + padding,
		"css/base.css":       "h1 { color: red }\n",
		"css/theme/dark.css": "body { background: url(../../img/bg.png) }\n",
		"img/bg.png":         "\x89PNG\r\n\x1a\nnot really a png",
		"img/logo.svg":       `<svg xmlns="http://www.w3.org/2000/svg">` + strings.Repeat(`<rect width="1" height="1"/>`, 60) + `</svg>`,
		"fonts/f.woff2":      "wOF2 font bytes",
		"js/app.js":          "console.log('project');\n" + strings.Repeat("// a comment that compresses well\n", 60),
		"robots.txt":         "User-agent: *\n",
		".hidden":            "never collected",
		"backup.css~":        "never collected",
	}
	for name, body := range files {
		writeFile(t, filepath.Join(dir, "static", name), body)
	}
	polls := testApp{label: "polls", files: fstest.MapFS{
		"polls/style.css":  {Data: []byte("li a { background: url(img/q.png) }\n")},
		"polls/img/q.png":  {Data: []byte("q image")},
		"js/app.js":        {Data: []byte("console.log('polls');\n")},
		"polls/.gitignore": {Data: []byte("x")},
	}}
	other := testApp{label: "other", files: fstest.MapFS{
		"polls/style.css": {Data: []byte("/* other's, hidden */\n")},
		"other/o.txt":     {Data: []byte("o")},
	}}
	return &site{dir: dir, apps: []core.App{polls, other}}
}

func writeFile(t testing.TB, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// root is where collectstatic writes.
func (s *site) root() string { return filepath.Join(s.dir, "staticfiles") }

// project returns the site's project, set up, with the static app first.
func (s *site) project(t testing.TB, debug bool, edit ...func(*core.Settings)) (*core.Project, *static.App) {
	t.Helper()
	st := core.Defaults()
	st.Debug = debug
	st.SecretKey = "a-test-secret-key-that-is-long-enough"
	st.AllowedHosts = []string{"example.com", "127.0.0.1"}
	st.Logging.Handler = slog.DiscardHandler
	st.Static.Dirs = []string{filepath.Join(s.dir, "static")}
	st.Static.Root = s.root()
	sa := static.New()
	st.InstalledApps = append([]core.App{sa}, s.apps...)
	for _, e := range edit {
		e(&st)
	}
	p := core.New(st)
	if err := p.Setup(t.Context()); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return p, sa
}

// run runs a manage command and returns its exit status, stdout and stderr.
func run(t testing.TB, p *core.Project, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := command.Run(t.Context(), p, command.Stdio{In: strings.NewReader(stdin), Out: &out, Err: &errb}, args...)
	return code, out.String(), errb.String()
}

func mustRun(t testing.TB, p *core.Project, args ...string) string {
	t.Helper()
	code, out, errs := run(t, p, "", args...)
	if code != command.ExitOK {
		t.Fatalf("manage %s: exit %d; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// collect runs collectstatic --no-input on the site and returns its output.
func (s *site) collect(t *testing.T, args ...string) string {
	t.Helper()
	p, _ := s.project(t, true)
	return mustRun(t, p, append([]string{"collectstatic", "--no-input"}, args...)...)
}
