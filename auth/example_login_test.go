package auth_test

import (
	"errors"
	"net/http"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/sessions"
)

// A project with users: the app after orm and sessions, a view that
// needs a permission, and a hand-written login view.
func ExampleRequirePerm() {
	s := core.Defaults()
	a := auth.New()
	s.InstalledApps = []core.App{orm.New(), migrations.New(), sessions.New(), a}
	s.URLs = func(r *urls.Router) {
		edit := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = respond.Text(w, 200, "editing as "+auth.UserFrom(r.Context()).Username)
		})
		// Anonymous users are sent to log in; others without the
		// permission get 403.
		r.Handle("POST /polls/{id}/edit", auth.RequirePerm("polls.change_question")(edit), "edit")

		r.Handle("POST /login", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			u, err := a.Authenticate(r.Context(), r, r.FormValue("username"), r.FormValue("password"))
			if errors.Is(err, auth.ErrInvalidCredentials) || errors.Is(err, auth.ErrInactive) {
				return respond.NewError(http.StatusUnauthorized, "Please enter a correct username and password.")
			}
			if err != nil {
				return err // a *auth.ThrottledError is a 429
			}
			if err := auth.Login(w, r, u); err != nil {
				return err
			}
			respond.Redirect(w, r, "/", http.StatusSeeOther)
			return nil
		}), "login")
	}
	_ = core.New(s)
}
