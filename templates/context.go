package templates

import (
	"context"
	"errors"
	"net/http"
)

// Context is the dot of every template the engine renders: the view's data
// next to the request and the values context processors add (Django's
// RequestContext).
//
//	<h1>{{.Data.Title}}</h1>
//	{{with .Vars.user}}Hello, {{.Username}}{{end}}
//	<a href="{{.Request.URL.Path}}">this page</a>
//	{{range .Data.Rows}}<td>{{.Name}}</td><td>{{$.Vars.user}}</td>{{end}}
//
// Inside {{range}} and {{with}} the dot changes; $ is still the Context.
// A template rendered with Engine.Execute has a nil Request and nil Vars.
// The engine creates one Context per render; templates must not keep it.
type Context struct {
	// Request is the request being answered; nil outside a request.
	Request *http.Request
	// Data is the value the view passed to Render.
	Data any
	// Vars holds the values of the context processors ("user", "perms",
	// "messages"), nil when there are none.
	Vars map[string]any
}

// ContextProcessor is an App that adds values to every rendered page's
// Context.Vars (Django's context processors): auth adds "user" and
// "perms", messages adds "messages". TemplateContext runs once per Render,
// so it must be cheap: return lazy values (a func or a type with methods)
// rather than querying the database for pages that do not use them. It
// must be safe for concurrent use and must not modify the map after
// returning it.
type ContextProcessor interface {
	TemplateContext(r *http.Request) map[string]any
}

// vars merges the processors' values for r; the first processor that sets
// a key wins. With one processor its map is used as is.
func (e *Engine) vars(r *http.Request) map[string]any {
	switch len(e.cfg.Processors) {
	case 0:
		return nil
	case 1:
		return e.cfg.Processors[0].TemplateContext(r)
	}
	m := map[string]any{}
	for _, p := range e.cfg.Processors {
		for k, v := range p.TemplateContext(r) {
			if _, ok := m[k]; !ok {
				m[k] = v
			}
		}
	}
	return m
}

type engineKey struct{}

// WithEngine returns a copy of ctx carrying e for Render. The templates
// app adds its engine to every request's base context this way; tests and
// programs without the app can do the same.
func WithEngine(ctx context.Context, e *Engine) context.Context {
	return context.WithValue(ctx, engineKey{}, e)
}

// EngineFrom returns the engine ctx carries (WithEngine), or nil.
func EngineFrom(ctx context.Context) *Engine {
	e, _ := ctx.Value(engineKey{}).(*Engine)
	return e
}

// errNoEngine is Render's error when the request carries no engine.
var errNoEngine = errors.New("templates: the request's context has no template engine: install templates.New() in Settings.InstalledApps (or use templates.WithEngine)")

// Render renders the template called name with data for r, with the
// engine of r's context, and writes status and the page to w only when
// the whole page rendered; see Engine.Render.
//
//	func index(w http.ResponseWriter, r *http.Request) error {
//		qs, err := latestQuestions(r.Context())
//		if err != nil {
//			return err
//		}
//		return templates.Render(w, r, http.StatusOK, "polls/index.html", qs)
//	}
func Render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	e := EngineFrom(r.Context())
	if e == nil {
		return errNoEngine
	}
	return e.Render(w, r, status, name, data)
}
