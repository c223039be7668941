package core

import (
	"context"
	"net/http"

	"github.com/djinn-go/djinn/core/checks"
	"github.com/djinn-go/djinn/core/server"
)

// App is an installed application: a Go package's value with a unique
// label ("polls", "auth", "admin"). Everything else an app offers is an
// optional capability, an interface declared by the package that uses it
// and discovered with a type assertion when the project is set up:
//
//	URLs(*urls.Router)                  routes (core mounts them; see Settings.URLs)
//	Dependencies() []string             labels of apps that must be installed too
//	Ready(ctx, *Project) error          start-up hook, run in app order
//	Checks() []checks.Check             system checks (core/checks)
//	Middleware() []Layer                middleware at a stage of the stack
//	Probes() []server.Probe                   readiness probes for /readyz
//	Close(ctx) error                    release resources at shutdown
//	Commands() []*command.Command       manage commands (core/command)
//	Models() []any, Migrations() fs.FS, Templates() fs.FS, Static() fs.FS,
//	RegisterAdmin(*admin.Site)          used by orm, migrations, templates, static, admin
type App interface {
	Label() string
}

// Dependent is an App that needs other apps installed. Missing dependencies
// are a start-up error; dependencies are moved before the app that needs
// them.
type Dependent interface {
	Dependencies() []string
}

// Readier is an App with a start-up hook. Ready runs once, in app order,
// after settings are validated and before the handler is built; an error
// stops the start-up.
type Readier interface {
	Ready(ctx context.Context, p *Project) error
}

// Closer is an App holding resources to release when the project stops.
type Closer interface {
	Close(ctx context.Context) error
}

// CheckProvider is an App that contributes system checks.
type CheckProvider interface {
	Checks() []checks.Check
}

// Prober is an App that contributes readiness probes for the gateway
// server's /readyz (a database ping, a cache ping).
type Prober interface {
	Probes() []server.Probe
}

// MiddlewareProvider is an App that adds middleware to the project's stack
// (sessions, auth, messages).
type MiddlewareProvider interface {
	Middleware() []Layer
}

// ContextProvider is an App that puts values every request shares (a
// template engine, a cache) into the requests' context. BaseContext returns
// ctx with them added; the gateway server calls it once for its base
// context, so the values cost nothing per request, and the stack adds them
// for handlers served another way (httptest). Views read them with the
// app's own accessor (templates.Render finds its engine this way).
type ContextProvider interface {
	BaseContext(ctx context.Context) context.Context
}

// Stage is a position in the default middleware stack where apps' layers
// run. Stages run in increasing order; within a stage, in app order.
type Stage int

// The stages of the default stack, outermost first. See Project.Handler for
// the whole order.
const (
	// StageEarly runs after allowed hosts, load shedding, body limits and
	// the request timeout, before sessions (rate limiters).
	StageEarly Stage = iota
	// StageSession runs before the common middleware (sessions).
	StageSession
	// StageAuth runs after CSRF protection (authentication, messages).
	StageAuth
	// StageView runs innermost, just before the router (atomic requests).
	StageView
)

// Layer is one app-provided middleware at a stage of the stack.
type Layer struct {
	Stage Stage
	// Name appears in the check command's listing of the stack.
	Name string
	Wrap func(http.Handler) http.Handler
}
