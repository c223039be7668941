package main

import (
	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/examples/bench/techempower"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/sessions"
	"github.com/djinn-go/djinn/templates"
)

// settings returns the project's settings: Djinn's defaults, the
// techempower app mounted at the root, then the environment (DEBUG,
// SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, DJINN_*), which has
// the last word.
func settings() (core.Settings, error) {
	s := core.Defaults()
	s.SecretKey = "djinn-insecure-bench-example-0123456789abcdefghijklmnopqrstuvwxyz"
	s.AllowedHosts = []string{"localhost", "127.0.0.1", "[::1]"}
	s.Templates.Dirs, s.Static.Dirs = nil, nil
	// /cached reads worlds from the in-process cache (TechEmpower's cached
	// queries). Sessions go to Redis when REDIS_URL is set (the empty
	// Sessions.Store), to the database otherwise; scripts/bench sets both
	// REDIS_URL and DJINN_SESSION_STORE=redis.
	s.Cache.Backend = "memory"
	app := techempower.New()
	s.InstalledApps = []core.App{orm.New(), migrations.New(), cache.New(), sessions.New(), templates.New(), app}
	s.URLs = func(r *urls.Router) {
		r.Include("/", techempower.Label, urls.Of(app))
	}
	err := s.FromEnv()
	return s, err
}
