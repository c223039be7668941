package main

import (
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/examples/hello/greetings"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/static"
	"github.com/djinn-go/djinn/templates"
)

// settings returns the project's settings: Djinn's defaults, this
// project's apps and URLs, then the environment (DEBUG, SECRET_KEY,
// ALLOWED_HOSTS, DJINN_*), which has the last word.
func settings() (core.Settings, error) {
	s := core.Defaults()
	app := greetings.New()
	// The templates and static files are the greetings app's own; the
	// project has no directories of its own (the defaults, "templates" and
	// "static", would be the framework's packages in this repository).
	s.Templates.Dirs, s.Static.Dirs = nil, nil
	s.InstalledApps = []core.App{orm.New(), migrations.New(), templates.New(), static.New(), app}
	s.URLs = func(r *urls.Router) {
		r.Include("/", "greetings", urls.Of(app))
	}
	err := s.FromEnv()
	return s, err
}
