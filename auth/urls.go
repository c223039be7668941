package auth

import (
	"embed"
	"io/fs"

	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/templates"
)

//go:embed templates
var templateFiles embed.FS

var (
	_ urls.Provider      = (*App)(nil)
	_ templates.Provider = (*App)(nil)
)

// Templates returns the default templates of the account views,
// "registration/login.html" and the others (see URLs), all extending
// "registration/base.html". A project overrides any of them, the layout
// too, with a file of the same name in its templates directory.
func (a *App) Templates() fs.FS {
	sub, err := fs.Sub(templateFiles, "templates")
	if err != nil {
		panic("auth: embedded templates: " + err.Error()) // cannot happen: the directory is embedded
	}
	return sub
}

// URLs registers the account views with Django's URL names
// (django.contrib.auth.urls). Include them under "/accounts/" with
// namespace "accounts" (Settings.Auth.LoginURL's default is
// "/accounts/login/"):
//
//	root.Include("/accounts/", "accounts", urls.Of(authApp))
//
//	login/                      login                     GET form, POST log in
//	logout/                     logout                    POST only (GET is 405, as in Django 5)
//	password_change/            password_change           logged-in users
//	password_change/done/       password_change_done
//	password_reset/             password_reset            asks for an e-mail address
//	password_reset/done/        password_reset_done
//	reset/{uidb64}/{token}/     password_reset_confirm    the link of the e-mail
//	reset/done/                 password_reset_complete
//
// The views render the templates of Templates (registration/*.html);
// each gets a *PageData. Redirects between the views are reversed by
// name in the namespace the views are served from, so the app can be
// included anywhere, more than once.
func (a *App) URLs(r *urls.Router) {
	v := &views{app: a, router: r}
	login := v.handler(v.login)
	r.Handle("GET /login/{$}", login, "login")
	r.Handle("POST /login/{$}", login, "")
	r.Handle("POST /logout/{$}", v.handler(v.logout), "logout")
	change := RequireLogin(v.handler(v.passwordChange))
	r.Handle("GET /password_change/{$}", change, "password_change")
	r.Handle("POST /password_change/{$}", change, "")
	r.Handle("GET /password_change/done/{$}", RequireLogin(v.handler(v.passwordChangeDone)), "password_change_done")
	reset := v.handler(v.passwordReset)
	r.Handle("GET /password_reset/{$}", reset, "password_reset")
	r.Handle("POST /password_reset/{$}", reset, "")
	r.Handle("GET /password_reset/done/{$}", v.handler(v.passwordResetDone), "password_reset_done")
	confirm := v.handler(v.passwordResetConfirm)
	r.Handle("GET /reset/{uidb64}/{token}/{$}", confirm, "password_reset_confirm")
	r.Handle("POST /reset/{uidb64}/{token}/{$}", confirm, "")
	r.Handle("GET /reset/done/{$}", v.handler(v.passwordResetComplete), "password_reset_complete")
}
