package messages

import (
	"context"
	"net/http"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/sessions"
	"github.com/djinn-go/djinn/templates"
)

// Label is the messages app's label in InstalledApps.
const Label = "messages"

// App installs messages in a project (Django's contrib.messages): it sets
// the minimum level Add keeps for every request and gives templates the
// pending messages as .Vars.messages, a *Pending. It needs the "sessions"
// app, where the messages wait between requests.
//
// Its zero value is not usable; use New. It is safe for concurrent use.
type App struct {
	minLevel Level
}

// Option configures the App.
type Option func(*App)

// MinLevel sets the level below which Add drops messages; the default is
// DefaultMinLevel (LevelInfo), so Debug messages are dropped.
func MinLevel(l Level) Option { return func(a *App) { a.minLevel = l } }

// New returns the messages app.
func New(opts ...Option) *App {
	a := &App{minLevel: DefaultMinLevel}
	for _, o := range opts {
		o(a)
	}
	return a
}

var (
	_ core.Dependent             = (*App)(nil)
	_ core.ContextProvider       = (*App)(nil)
	_ templates.ContextProcessor = (*App)(nil)
)

// Label returns "messages".
func (a *App) Label() string { return Label }

// Dependencies returns "sessions".
func (a *App) Dependencies() []string { return []string{sessions.Label} }

// BaseContext adds the minimum level for Add.
func (a *App) BaseContext(ctx context.Context) context.Context {
	return withMinLevel(ctx, a.minLevel)
}

// TemplateContext returns "messages": a *Pending for r, which reads the
// session only when the template calls its All method.
func (a *App) TemplateContext(r *http.Request) map[string]any {
	return map[string]any{"messages": &Pending{r: r}}
}

// Pending is the template value of the pending messages of a request
// (.Vars.messages). Nothing is read or consumed until the template calls
// All, so a page that does not show messages leaves them for the next
// one:
//
//	{{with .Vars.messages.All}}
//	<ul class="messages">{{range .}}<li class="{{.Tags}}">{{.Text}}</li>{{end}}</ul>
//	{{end}}
//
// The text is escaped like any value. A Pending belongs to one render and
// is not safe for concurrent use.
type Pending struct {
	r    *http.Request
	done bool
	msgs []Message
}

// All returns the pending messages and consumes them (Get); later calls
// in the same render return the same messages. When the session cannot be
// read (sessions.ErrUnavailable) it returns none, and the page renders
// without them; the messages stay in the store.
func (p *Pending) All() []Message {
	if !p.done {
		p.done = true
		p.msgs, _ = Get(p.r)
	}
	return p.msgs
}
