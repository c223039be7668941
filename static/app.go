package static

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/core/respond"
)

// Label is the static files app's label.
const Label = "static"

// App installs static files in a project: the finders, the collectstatic
// and findstatic commands, the server for Settings.Static.URL, the static
// template function and the static system checks.
//
// In DEBUG the server reads the files from the finders on each request
// (names as written, Cache-Control: no-cache). Otherwise it serves the
// collected tree — Settings.Static.Collected when set (the tree embedded in
// the binary), else the directory Settings.Static.Root — indexed once at
// start-up: restart the server after collectstatic.
//
// Use New; after Ready the App is read-only and safe for concurrent use.
type App struct {
	settings core.StaticSettings
	debug    bool
	ready    bool
	finder   *Finder
	prefix   string // path the server answers under; "" when Static.URL is another host
	tree     *tree  // production only
	treeErr  error  // why the collected tree could not be loaded
	rootAbs  string
}

// New returns the static files app.
func New() *App { return &App{} }

var (
	_ core.Readier            = (*App)(nil)
	_ core.MiddlewareProvider = (*App)(nil)
	_ core.CheckProvider      = (*App)(nil)
	_ command.Provider        = (*App)(nil)
)

// Label returns "static".
func (a *App) Label() string { return Label }

// From returns the static app installed in p.
func From(p *core.Project) (*App, error) {
	return core.AppAs[*App](p, Label, "static.New()")
}

// Ready builds the finders from Settings.Static.Dirs and the installed
// apps and, when DEBUG is off, indexes the collected tree and loads its
// manifest. A missing tree is not an error (static.W001 reports it, and
// the server answers 404); a malformed manifest is.
func (a *App) Ready(_ context.Context, p *core.Project) error {
	s := p.Settings()
	a.settings = s.Static
	a.debug = s.Debug
	f, err := NewFinder(s.Static.Dirs, p.Apps())
	if err != nil {
		return err
	}
	a.finder = f
	if a.rootAbs, err = filepath.Abs(s.Static.Root); err != nil {
		return fmt.Errorf("static: Static.Root %q: %w", s.Static.Root, err)
	}
	a.prefix = servedPrefix(s.Static.URL)
	if !a.debug {
		if err := a.loadCollected(); err != nil {
			return err
		}
	}
	a.ready = true
	return nil
}

// loadCollected indexes the tree production serves.
func (a *App) loadCollected() error {
	fsys := a.settings.Collected
	if fsys == nil {
		st, err := os.Stat(a.rootAbs)
		if err != nil || !st.IsDir() {
			a.treeErr = fmt.Errorf("static: Static.Root %s is not a directory (run collectstatic)", a.rootAbs)
			a.tree = &tree{files: map[string]*entry{}}
			return nil
		}
		// The index holds regular files found by walking, never
		// symbolic links, and names are cleaned before lookup, so
		// os.DirFS cannot be led outside Root.
		fsys = os.DirFS(a.rootAbs)
	}
	t, err := loadTree(fsys)
	if err != nil {
		return fmt.Errorf("static: %s: %w", a.collectedName(), err)
	}
	a.tree = t
	return nil
}

// collectedName says where production reads the files from, for messages.
func (a *App) collectedName() string {
	if a.settings.Collected != nil {
		return "Static.Collected"
	}
	return "Static.Root " + a.rootAbs
}

// servedPrefix returns the path the server answers under for the static
// URL, or "" when the URL names another host (a CDN), which the project
// does not serve.
func servedPrefix(staticURL string) string {
	u, err := url.Parse(staticURL)
	if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	return u.Path
}

// Finder returns the project's finders (nil before Ready).
func (a *App) Finder() *Finder { return a.finder }

// Manifest returns the manifest of the collected tree; nil in DEBUG, before
// Ready or without staticfiles.json.
func (a *App) Manifest() *Manifest {
	if a.tree == nil {
		return nil
	}
	return a.tree.manifest
}

// Middleware returns the "serve" layer at core.StageEarly: requests under
// Settings.Static.URL are answered there, before sessions, CSRF, the gzip
// middleware and the router, which static files do not need; other
// requests pass through after one prefix comparison. Nothing is served
// when Static.URL names another host.
func (a *App) Middleware() []core.Layer {
	if a.prefix == "" {
		return nil
	}
	h := a.Handler()
	prefix := a.prefix
	return []core.Layer{{
		Stage: core.StageEarly,
		Name:  "serve",
		Wrap: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, prefix) {
					h.ServeHTTP(w, r)
					return
				}
				next.ServeHTTP(w, r)
			})
		},
	}}
}

// Handler returns the static file server: it answers requests whose path
// starts with the path of Settings.Static.URL, and 404 for any other. GET
// and HEAD only (405 otherwise); no directory listings; names with "..",
// ".", empty elements, backslashes or control characters are 404s.
//
// Production responses carry Cache-Control "public, max-age=31536000,
// immutable" for hashed names and "public, max-age=60" for others, a
// strong ETag (the content hash; If-None-Match gives 304), Range support,
// and the brotli or gzip copy when the client accepts it (with Vary:
// Accept-Encoding; ranges are served from the original). DEBUG responses
// carry Cache-Control: no-cache and Last-Modified when the source has it.
// It panics before Ready.
func (a *App) Handler() http.Handler {
	if !a.ready {
		panic("static: App.Handler called before the project was set up")
	}
	prefix := a.prefix
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rel, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok || prefix == "" {
			notFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			notAllowed(w, r)
			return
		}
		if a.debug {
			a.serveDebug(w, r, rel)
			return
		}
		a.tree.serve(w, r, rel)
	})
}

// serveDebug serves rel from the finders.
func (a *App) serveDebug(w http.ResponseWriter, r *http.Request, rel string) {
	name, ok := cleanPath(rel)
	if !ok {
		notFound(w, r)
		return
	}
	fd, ok := a.finder.Find(name)
	if !ok {
		notFound(w, r)
		return
	}
	f, err := fd.Source.FS.Open(name)
	if err != nil {
		notFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		notFound(w, r)
		return
	}
	h := w.Header()
	if ct := contentType(name); ct != "" {
		h.Set("Content-Type", ct)
	}
	h.Set("Cache-Control", cacheDebug)
	serveContent(w, r, st.ModTime(), f)
}

// URL returns the URL of the static file name: Settings.Static.URL and, in
// production, the hashed name from the manifest ("/static/css/site.3f2a1b9c8d7e.css"),
// or in DEBUG the name as written. A query or fragment on name is kept.
// A name the manifest lacks is an error, as Django's "Missing staticfiles
// manifest entry", so that a page never links a file the server does not
// have.
func (a *App) URL(name string) (string, error) {
	if !a.ready {
		return "", fmt.Errorf("static: URL(%q) called before the project was set up", name)
	}
	clean, suffix := name, ""
	if i := strings.IndexAny(name, "?#"); i >= 0 {
		clean, suffix = name[:i], name[i:]
	}
	clean = strings.TrimPrefix(clean, "/")
	if !a.debug {
		m := a.Manifest()
		if m == nil {
			return "", fmt.Errorf("static: URL(%q): %s has no %s; run collectstatic", name, a.collectedName(), ManifestName)
		}
		h, ok := m.Lookup(clean)
		if !ok {
			return "", fmt.Errorf("static: missing staticfiles manifest entry for %q", clean)
		}
		clean = h
	}
	return a.settings.URL + (&url.URL{Path: clean}).EscapedPath() + suffix, nil
}

// TemplateFuncs returns the "static" template function, URL for
// templates: {{static "polls/style.css"}}. The templates app installs the
// functions of every app that has this method.
func (a *App) TemplateFuncs() template.FuncMap {
	return template.FuncMap{"static": a.URL}
}

func notAllowed(w http.ResponseWriter, r *http.Request) {
	respond.Error(w, r, respond.NewError(http.StatusMethodNotAllowed, ""))
}
