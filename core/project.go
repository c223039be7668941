package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/djinn-go/djinn/core/checks"
	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/server"
	"github.com/djinn-go/djinn/core/urls"
)

// Project is a Djinn site: its settings, its ordered apps, its logger, its
// URL table and the one http.Handler built from them.
//
// Create one with New, adjust its settings, then call Setup (the manage
// commands do this): Setup validates the settings, orders the apps, runs
// their Ready hooks and builds the handler once. After Setup a Project is
// read-only and safe for concurrent use.
type Project struct {
	settings Settings

	setupOnce sync.Once
	setupErr  error
	done      bool // Setup finished without error

	apps   []App
	logger *slog.Logger
	ownLog *ownLog // logger's output when core built its handler, else nil
	// accessOut batches the access log's lines (Logging.AccessLogFlush);
	// nil when they are written at once. Close flushes it.
	accessOut *middleware.BatchWriter
	router    *urls.Router
	handler   http.Handler
	stack     []string // names of the built middleware, outermost first
	// renderer turns errors into pages for every request.
	renderer *respond.Renderer
}

// New returns a project for s. It does no I/O and cannot fail: problems in
// s are reported by Setup, all at once.
func New(s Settings) *Project {
	return &Project{settings: s}
}

// Settings returns the project's settings for changing before Setup (the
// runserver command turns Debug on this way). Changing them after Setup has
// no effect on the running project and is a programming error.
func (p *Project) Settings() *Settings { return &p.settings }

// Setup validates the settings, orders the apps, builds the logger and the
// URL table, runs the apps' Ready hooks in order and builds the handler.
// It runs once; later calls return the first call's result.
func (p *Project) Setup(ctx context.Context) error {
	p.setupOnce.Do(func() {
		p.setupErr = p.setup(ctx)
		p.done = p.setupErr == nil
	})
	return p.setupErr
}

func (p *Project) setup(ctx context.Context) error {
	p.settings = p.settings.withDefaults()
	s := &p.settings
	apps, appErr := orderApps(s.InstalledApps)
	if err := joinSettingsErrors(s.Validate(), appErr); err != nil {
		return err
	}
	p.apps = apps
	logger, own, err := newLogger(s.Logging)
	if err != nil {
		return err
	}
	p.logger, p.ownLog = logger, own

	p.router = urls.New()
	if err := p.mountURLs(); err != nil {
		return err
	}
	for _, a := range p.apps {
		if r, ok := a.(Readier); ok {
			if err := r.Ready(ctx, p); err != nil {
				return fmt.Errorf("core: app %q: ready: %w", a.Label(), err)
			}
		}
	}
	h, err := p.buildHandler()
	if err != nil {
		return err
	}
	p.handler = h
	return nil
}

// mountURLs fills the root router from Settings.URLs or, without it, from
// every app that has URLs, under "/<label>/".
func (p *Project) mountURLs() (err error) {
	defer func() {
		// Route registration panics on programming errors (duplicate names,
		// conflicting patterns); at start-up that is a clear error.
		if v := recover(); v != nil {
			err = fmt.Errorf("core: urls: %v", v)
		}
	}()
	if p.settings.URLs != nil {
		p.settings.URLs(p.router)
		return nil
	}
	for _, a := range p.apps {
		if up, ok := a.(urls.Provider); ok {
			p.router.Include("/"+a.Label()+"/", a.Label(), urls.Of(up))
		}
	}
	return nil
}

// mustBeSetUp panics when the project is used before Setup succeeded: that
// is a programming error in main or a test.
func (p *Project) mustBeSetUp(method string) {
	if !p.done {
		panic("core: Project." + method + " called before a successful Setup")
	}
}

// Handler returns the project's http.Handler: the middleware stack around
// the router, built once by Setup. It panics if Setup has not succeeded.
func (p *Project) Handler() http.Handler {
	p.mustBeSetUp("Handler")
	return p.handler
}

// Apps returns the installed apps in dependency order.
func (p *Project) Apps() []App { return slices.Clone(p.apps) }

// App returns the installed app with the given label.
func (p *Project) App(label string) (App, bool) {
	for _, a := range p.apps {
		if a.Label() == label {
			return a, true
		}
	}
	return nil, false
}

// AppAs returns the installed app labelled label as a T (usually the
// app package's *App), for the From functions of app packages. The error
// names the app and the constructor to install ("add orm.New()"), or the
// type found when another app took the label.
func AppAs[T App](p *Project, label, constructor string) (T, error) {
	var zero T
	a, ok := p.App(label)
	if !ok {
		return zero, fmt.Errorf("%s: the project has no %q app in InstalledApps (add %s)", label, label, constructor)
	}
	t, ok := a.(T)
	if !ok {
		return zero, fmt.Errorf("%s: the app labelled %q is a %T, not the %T that %s returns", label, label, a, zero, constructor)
	}
	return t, nil
}

// Logger returns the project's logger. Before Setup it is a logger that
// writes to standard error.
func (p *Project) Logger() *slog.Logger {
	if p.logger == nil {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return p.logger
}

// Router returns the root URL router (for Reverse and route listings).
func (p *Project) Router() *urls.Router {
	p.mustBeSetUp("Router")
	return p.router
}

// Reverse returns the path of the named route; see urls.Router.Reverse.
func (p *Project) Reverse(name string, args ...any) (string, error) {
	return p.Router().Reverse(name, args...)
}

// Checks returns the project's system checks followed by every app's.
func (p *Project) Checks() []checks.Check {
	list := p.coreChecks()
	for _, a := range p.apps {
		if cp, ok := a.(CheckProvider); ok {
			list = append(list, cp.Checks()...)
		}
	}
	return list
}

// Probes returns the apps' readiness probes for /readyz.
func (p *Project) Probes() []server.Probe {
	var list []server.Probe
	for _, a := range p.apps {
		if pr, ok := a.(Prober); ok {
			list = append(list, pr.Probes()...)
		}
	}
	return list
}

// Close releases the apps' resources in reverse app order and returns all
// errors joined. It also writes the access log lines still held in memory
// (Logging.AccessLogFlush); lines logged after Close are written at once.
func (p *Project) Close(ctx context.Context) error {
	if p.accessOut != nil {
		defer p.accessOut.Close()
	}
	var errs []error
	for _, a := range slices.Backward(p.apps) {
		if c, ok := a.(Closer); ok {
			if err := c.Close(ctx); err != nil {
				errs = append(errs, fmt.Errorf("core: app %q: close: %w", a.Label(), err))
			}
		}
	}
	return errors.Join(errs...)
}

// orderApps checks labels and dependencies and returns the apps with every
// dependency moved before the apps that need it, otherwise in the given
// order.
func orderApps(apps []App) ([]App, error) {
	var e SettingsError
	byLabel := make(map[string]App, len(apps))
	for i, a := range apps {
		if a == nil {
			e.add(fmt.Sprintf("InstalledApps[%d]", i), "is nil")
			continue
		}
		l := a.Label()
		if !validLabel(l) {
			e.add(fmt.Sprintf("InstalledApps[%d]", i), fmt.Sprintf("label %q is not a valid app label (lowercase letters, digits and underscores, starting with a letter)", l))
		}
		if _, dup := byLabel[l]; dup {
			e.add(fmt.Sprintf("InstalledApps[%d]", i), fmt.Sprintf("label %q is installed twice; labels must be unique", l))
			continue
		}
		byLabel[l] = a
	}
	for i, a := range apps {
		if d, ok := a.(Dependent); ok {
			for _, dep := range d.Dependencies() {
				if _, ok := byLabel[dep]; !ok {
					e.add(fmt.Sprintf("InstalledApps[%d]", i), fmt.Sprintf("app %q needs app %q, which is not installed", a.Label(), dep))
				}
			}
		}
	}
	if len(e.Problems) > 0 {
		return nil, &e
	}

	var ordered []App
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(a App, path []string) error
	visit = func(a App, path []string) error {
		l := a.Label()
		switch state[l] {
		case 2:
			return nil
		case 1:
			return fmt.Errorf("apps depend on each other in a cycle: %s", strings.Join(append(path, l), " -> "))
		}
		state[l] = 1
		if d, ok := a.(Dependent); ok {
			for _, dep := range d.Dependencies() {
				if err := visit(byLabel[dep], append(path, l)); err != nil {
					return err
				}
			}
		}
		state[l] = 2
		ordered = append(ordered, a)
		return nil
	}
	for _, a := range apps {
		if err := visit(a, nil); err != nil {
			e.add("InstalledApps", err.Error())
			return nil, &e
		}
	}
	return ordered, nil
}

func validLabel(l string) bool {
	if l == "" || l[0] < 'a' || l[0] > 'z' {
		return false
	}
	for _, c := range l {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// ownLog is the log output core builds itself when Settings.Logging.Handler
// is nil: slog's text or JSON handler over w with only the level set. The
// access log writes its lines in that format directly (stack.go).
type ownLog struct {
	w     io.Writer
	json  bool
	level slog.Level
}

// newLogger builds the project's logger from its settings, and describes
// its output when core built the handler (nil own with a settings'
// Handler).
func newLogger(ls LoggingSettings) (logger *slog.Logger, own *ownLog, err error) {
	if ls.Handler != nil {
		return slog.New(ls.Handler), nil, nil
	}
	level, err := parseLevel(ls.Level)
	if err != nil {
		return nil, nil, &SettingsError{Problems: []SettingProblem{{Setting: "Logging.Level", Message: err.Error()}}}
	}
	own = &ownLog{w: os.Stderr, json: ls.Format == "json", level: level}
	opts := &slog.HandlerOptions{Level: level}
	if own.json {
		return slog.New(slog.NewJSONHandler(own.w, opts)), own, nil
	}
	return slog.New(slog.NewTextHandler(own.w, opts)), own, nil
}
