package templates

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"slices"
	"strconv"

	"github.com/djinn-go/djinn/core"
)

// Label is the label of the templates app in a project's InstalledApps.
const Label = "templates"

// Provider is an App with templates: the root of the returned FS holds
// them, namespaced by the app's label by convention
// ("polls/index.html"), usually an embedded directory:
//
//	//go:embed templates
//	var templateFiles embed.FS
//
//	func (*App) Templates() fs.FS { sub, _ := fs.Sub(templateFiles, "templates"); return sub }
type Provider interface {
	Templates() fs.FS
}

// App installs the template engine in a project. At start-up (Ready) it
// builds the engine over the project's template directories
// (Settings.Templates.Dirs, which override apps; missing ones are
// skipped) and every installed Provider app, earlier apps overriding
// later ones; it adds the FuncProvider apps' functions and the
// ContextProcessor apps' values. A template that does not parse or escape
// stops the start-up, with Debug on too. Every request's context then
// carries the engine, for Render.
//
// Its zero value is not usable; use New. After Ready it is safe for
// concurrent use.
type App struct {
	engine *Engine
}

// New returns the templates app.
func New() *App { return &App{} }

var (
	_ core.Readier         = (*App)(nil)
	_ core.ContextProvider = (*App)(nil)
)

// Label returns "templates".
func (a *App) Label() string { return Label }

// Ready builds the engine from p's settings and apps.
func (a *App) Ready(_ context.Context, p *core.Project) error {
	s := p.Settings()
	cfg := Config{
		StaticURL: s.Static.URL,
		Debug:     s.Debug,
		Reverse:   p.Reverse,
	}
	for i, dir := range s.Templates.Dirs {
		fi, err := os.Stat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("templates: Templates.Dirs[%d] %q: %v", i, dir, err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("templates: Templates.Dirs[%d] %q is not a directory", i, dir)
		}
		cfg.Sources = append(cfg.Sources, Source{Name: "dir " + strconv.Quote(dir), FS: os.DirFS(dir)})
	}
	apps := p.Apps()
	for _, app := range apps {
		if tp, ok := app.(Provider); ok {
			if fsys := tp.Templates(); fsys != nil {
				cfg.Sources = append(cfg.Sources, Source{Name: "app " + strconv.Quote(app.Label()), FS: fsys})
			}
		}
		if cp, ok := app.(ContextProcessor); ok {
			cfg.Processors = append(cfg.Processors, cp)
		}
	}
	// Earlier apps' functions win: add them last.
	cfg.Funcs = template.FuncMap{}
	for _, app := range slices.Backward(apps) {
		if fp, ok := app.(FuncProvider); ok {
			for k, f := range fp.TemplateFuncs() {
				cfg.Funcs[k] = f
			}
		}
	}
	e, err := NewEngine(cfg)
	if err != nil {
		return err
	}
	a.engine = e
	return nil
}

// Engine returns the project's engine (nil before Ready).
func (a *App) Engine() *Engine { return a.engine }

// BaseContext adds the engine to every request's context (see Render).
func (a *App) BaseContext(ctx context.Context) context.Context {
	if a.engine == nil {
		return ctx
	}
	return WithEngine(ctx, a.engine)
}

// From returns the templates app installed in p.
func From(p *core.Project) (*App, error) {
	return core.AppAs[*App](p, Label, "templates.New()")
}
