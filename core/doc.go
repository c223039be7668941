// Package core holds what every Djinn project is made of: Settings (one
// typed struct, defaults in defaults.go, overrides from the environment,
// validated all at once), App and the optional capability interfaces apps
// implement, and Project, which orders the apps, runs their Ready hooks and
// builds the one http.Handler — the default middleware stack around the
// URL router — once at start-up.
//
// A project's main.go:
//
//	s := core.Defaults()
//	s.InstalledApps = []core.App{polls.New()}
//	s.URLs = func(r *urls.Router) { r.Include("/polls/", "polls", urls.Of(pollsApp)) }
//	if err := s.FromEnv(); err != nil { … }
//	command.Main(core.New(s))
//
// The subpackages are usable on their own: core/urls (router), core/middleware,
// core/respond (views and errors), core/server (the gateway server),
// core/command (manage commands) and core/checks (system checks).
package core
