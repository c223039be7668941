package main

import (
	"fmt"
	"net/http"

	"github.com/djinn-go/djinn/admin"
	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/templates"

	"mysite/polls"
)

// urlpatterns returns the project's URL configuration (Django's
// ROOT_URLCONF): the home page, the accounts and admin pages, and each
// app's views under a prefix, in the app's namespace ("polls:index"). `go run . startapp NAME` adds its
// app above the marker comment.
func urlpatterns(apps []core.App) func(*urls.Router) {
	return func(r *urls.Router) {
		r.Handle("GET /{$}", respond.HandlerFunc(home), "home")
		// Log in, log out, password change and reset ("accounts:login").
		r.Include("/accounts/", "accounts", urls.Of(installed[*auth.App](apps)))
		// The admin site for staff users (go run . createsuperuser).
		r.Include("/admin/", admin.Label, urls.Of(installed[*admin.Site](apps)))
		r.Include("/polls/", polls.Label, urls.Of(installed[*polls.App](apps)))
		// djinn:urls
	}
}

// home renders the project's home page, templates/home.html.
func home(w http.ResponseWriter, r *http.Request) error {
	return templates.Render(w, r, http.StatusOK, "home.html", nil)
}

// installed returns the app of type T in apps: the very instance the
// project sets up, whose views use what its Ready hook prepared.
func installed[T core.App](apps []core.App) T {
	for _, a := range apps {
		if t, ok := a.(T); ok {
			return t
		}
	}
	var zero T
	panic(fmt.Sprintf("urls.go: no %T in InstalledApps (settings.go)", zero))
}
