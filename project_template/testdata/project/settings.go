package main

import (
	"github.com/djinn-go/djinn/admin"
	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/mail"
	"github.com/djinn-go/djinn/messages"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/sessions"
	"github.com/djinn-go/djinn/static"
	"github.com/djinn-go/djinn/templates"
)

// settings returns the project's settings: Djinn's defaults, this
// project's apps and URLs, then the environment (DEBUG, SECRET_KEY,
// ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, DJINN_*), which has the last
// word.
func settings() (core.Settings, error) {
	s := core.Defaults()

	// A development key, made for this project by startproject. SECRET_KEY
	// in the environment overrides it: set one in production (check --deploy
	// reports this one as insecure), and never publish the one you use.
	s.SecretKey = "djinn-insecure-0123456789abcdefghijklmnopqrstuvwxyz!@#$%^&*(-_=+)"
	// The host names the site answers to; ALLOWED_HOSTS in the environment
	// (comma-separated) overrides them with the production domain.
	s.AllowedHosts = []string{"localhost", "127.0.0.1", "[::1]"}

	// The apps, in order: an app's templates and static files win over those
	// of the apps after it, so the project's own (site.go) come first.
	// `go run . startapp NAME` adds its app above the marker comment.
	s.InstalledApps = []core.App{
		newSite(),
		orm.New(),
		migrations.New(),
		cache.New(),
		sessions.New(),
		auth.New(),
		messages.New(),
		mail.New(),
		templates.New(),
		static.New(),
		admin.New(),
		// djinn:apps
	}
	s.URLs = urlpatterns(s.InstalledApps)
	// The collectstatic output compiled into the binary, if any (site.go);
	// production serves it, DEBUG reads the apps' files instead.
	s.Static.Collected = collected()

	err := s.FromEnv()
	return s, err
}
