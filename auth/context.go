package auth

import (
	"net/http"
	"time"
)

// TemplateContext gives templates "user", a *LazyUser, and "perms", a
// *LazyPerms (Django's auth context processor). Both load nothing until
// the template uses them:
//
//	{{with .Vars.user}}{{if .IsAuthenticated}}Hi {{.Username}}{{end}}{{end}}
//	{{if .Vars.perms.Has "polls.change_question"}}<a href="…">Edit</a>{{end}}
func (a *App) TemplateContext(r *http.Request) map[string]any {
	return map[string]any{"user": &LazyUser{r: r}, "perms": &LazyPerms{r: r, app: a}}
}

// LazyUser is the request's user for templates: each method loads the
// user on first use (UserFrom) and answers for it. Use .User for the
// *User itself. It belongs to one request.
type LazyUser struct {
	r *http.Request
	u *User
}

// User returns the request's user (AnonymousUser when none).
func (l *LazyUser) User() *User {
	if l.u == nil {
		l.u = UserFrom(l.r.Context())
	}
	return l.u
}

// IsAuthenticated reports whether the request has a logged-in user.
func (l *LazyUser) IsAuthenticated() bool { return l.User().IsAuthenticated() }

// IsAnonymous is the opposite of IsAuthenticated.
func (l *LazyUser) IsAnonymous() bool { return l.User().IsAnonymous() }

// ID is the user's id (0 for the anonymous user).
func (l *LazyUser) ID() uint { return l.User().ID }

// Username is the user's username ("" for the anonymous user).
func (l *LazyUser) Username() string { return l.User().Username }

// Email is the user's email address.
func (l *LazyUser) Email() string { return l.User().Email }

// FirstName is the user's first name.
func (l *LazyUser) FirstName() string { return l.User().FirstName }

// LastName is the user's last name.
func (l *LazyUser) LastName() string { return l.User().LastName }

// FullName is the user's first and last names.
func (l *LazyUser) FullName() string { return l.User().FullName() }

// ShortName is the user's first name.
func (l *LazyUser) ShortName() string { return l.User().ShortName() }

// IsStaff reports whether the user may use the admin site.
func (l *LazyUser) IsStaff() bool { return l.User().IsStaff }

// IsSuperuser reports whether the user has every permission.
func (l *LazyUser) IsSuperuser() bool { return l.User().IsSuperuser }

// IsActive reports whether the account is active.
func (l *LazyUser) IsActive() bool { return l.User().IsActive }

// LastLogin is when the user last logged in (nil if never).
func (l *LazyUser) LastLogin() *time.Time { return l.User().LastLogin }

// DateJoined is when the account was created.
func (l *LazyUser) DateJoined() time.Time { return l.User().DateJoined }

// String returns the username, or "AnonymousUser".
func (l *LazyUser) String() string { return l.User().String() }

// LazyPerms answers permission questions about the request's user in
// templates (Django's PermWrapper). It belongs to one request. A failure
// to load the permissions answers false.
type LazyPerms struct {
	r   *http.Request
	app *App
}

// Has reports whether the user has perm ("polls.change_question").
func (p *LazyPerms) Has(perm string) bool {
	ok, err := p.app.HasPerm(p.r.Context(), UserFrom(p.r.Context()), perm)
	return ok && err == nil
}

// HasApp reports whether the user has any permission of the app label.
func (p *LazyPerms) HasApp(label string) bool {
	ok, err := p.app.HasAppPerms(p.r.Context(), UserFrom(p.r.Context()), label)
	return ok && err == nil
}
