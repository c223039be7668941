package templates

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
)

// Source is one place templates are loaded from: a project directory or an
// app's Templates() file system. The FS root holds the templates, named by
// their slash-separated path ("polls/index.html").
type Source struct {
	// Name says where the templates come from in error messages:
	// `app "polls"`, `dir "templates"`.
	Name string
	FS   fs.FS
}

// Config is what an Engine is built from. The templates app builds it from
// the project (see App.Ready); programs without a project (mail senders,
// tests) fill it themselves. The zero Config gives an engine without
// templates.
type Config struct {
	// Sources are searched in order; the first that has a name wins
	// (project directories, then apps in app order).
	Sources []Source
	// Funcs are added to the built-in functions and override them (the
	// static app's "static").
	Funcs template.FuncMap
	// Processors add request values to every page's Context.Vars; the
	// first processor that sets a key wins.
	Processors []ContextProcessor
	// Reverse resolves `url` (core.Project.Reverse). Nil makes every
	// `url` call fail.
	Reverse func(name string, args ...any) (string, error)
	// StaticURL prefixes names in the fallback `static` function (the
	// project's Settings.Static.URL). Empty means "/static/".
	StaticURL string
	// Debug re-reads and re-parses the templates at every render, so that
	// edits show without a restart.
	Debug bool
}

// Engine renders the templates of a project. Every template is parsed and
// checked when the engine is built (a broken template is an error there,
// naming the file and line); each page is compiled once with its layout
// chain and the partials it includes, and cached. With Config.Debug the
// page is compiled again at every render.
//
// An Engine is safe for concurrent use. Build it with NewEngine.
type Engine struct {
	cfg   Config
	funcs template.FuncMap
	pages map[string]*page // every template, built by NewEngine; read-only
	bufs  sync.Pool
}

// page is one compiled template: the file, its layout chain and its
// includes in one html/template set whose root is the chain's last layout.
type page struct {
	t *template.Template
}

// NewEngine returns an engine over cfg's sources, with every template
// compiled. The error lists every broken template, each with its file,
// line and source.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.StaticURL == "" {
		cfg.StaticURL = "/static/"
	}
	e := &Engine{cfg: cfg, pages: map[string]*page{}}
	e.funcs = e.builtinFuncs()
	for k, f := range cfg.Funcs {
		e.funcs[k] = f
	}
	names, err := e.names()
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, name := range names {
		p, err := e.compile(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.pages[name] = p
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

// Names returns the names of the templates the engine knows, sorted.
func (e *Engine) Names() []string {
	names := make([]string, 0, len(e.pages))
	for n := range e.pages {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// templateExts are the extensions of the files the engine loads; other
// files in a templates directory (images, Go sources, READMEs) are not
// templates and are skipped.
var templateExts = map[string]bool{
	".html": true, ".htm": true, ".txt": true, ".xml": true, ".json": true,
	".js": true, ".css": true, ".svg": true, ".csv": true, ".md": true,
	".email": true, ".tmpl": true, ".gohtml": true,
}

// names lists every template of every source, once, sorted.
func (e *Engine) names() ([]string, error) {
	seen := map[string]bool{}
	for _, src := range e.cfg.Sources {
		err := fs.WalkDir(src.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == "." && errors.Is(err, fs.ErrNotExist) {
					return fs.SkipAll // a missing project directory
				}
				return err
			}
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if !d.IsDir() && templateExts[path.Ext(p)] {
				seen[p] = true
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("templates: list %s: %v", src.Name, err)
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// lookup returns the page called name: the cached one, or in Debug a
// fresh compilation.
func (e *Engine) lookup(name string) (*page, error) {
	if e.cfg.Debug {
		return e.compile(name)
	}
	if p := e.pages[name]; p != nil {
		return p, nil
	}
	return nil, e.notExist(name, "")
}

// Execute renders the template called name with data into w, for mail
// bodies and other output outside a request. The template's dot is a
// *Context whose Data is data and whose Request is nil. Every template is
// an HTML template, .txt ones too: values are HTML-escaped (' becomes
// &#39;), so plain-text mail bodies should pass text that needs no
// escaping or use text/template themselves. On error, part of
// the output may have been written: render into a buffer when that
// matters. Execute is safe for concurrent use.
func (e *Engine) Execute(w io.Writer, name string, data any) error {
	return e.execute(w, name, &Context{Data: data})
}

func (e *Engine) execute(w io.Writer, name string, dot *Context) error {
	p, err := e.lookup(name)
	if err != nil {
		return err
	}
	if err := p.t.Execute(w, dot); err != nil {
		return newRenderError(name, err, dot)
	}
	return nil
}

// Render renders the template called name for r and, only when the whole
// page rendered, writes status (0 means 200), Content-Type text/html
// (unless the view set one) and the page to w. On error nothing is
// written and the error is returned for the view to return (respond turns
// it into a 500 page; in DEBUG the page shows the template, the line and
// the data's fields). The template's dot is a *Context: Request is r, Data
// is data, Vars holds the context processors' values.
func (e *Engine) Render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	dot := &Context{Request: r, Data: data, Vars: e.vars(r)}
	buf := e.buffer()
	defer e.release(buf)
	if err := e.execute(buf, name, dot); err != nil {
		return err
	}
	h := w.Header()
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = []string{"text/html; charset=utf-8"}
	}
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// maxPooledBuffer is the largest buffer put back in the pool; a rare huge
// page does not pin its memory.
const maxPooledBuffer = 1 << 20

func (e *Engine) buffer() *bytes.Buffer {
	if b, ok := e.bufs.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

func (e *Engine) release(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	e.bufs.Put(b)
}
