package admin

import (
	"net/http"
	"net/url"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/templates"
)

// URLs registers the admin's views, relative to where the project
// includes the site (r.Include("/admin/", "admin", urls.Of(site))):
//
//	{$}                              index
//	{app}/{model}/                   changelist     GET list, POST bulk action or list edit
//	{app}/{model}/add/               add            GET form, POST save
//	{app}/{model}/{id}/change/       change         GET form, POST save
//	{app}/{model}/{id}/delete/       delete         GET confirmation, POST delete
//	{app}/{model}/{id}/history/      history
//	auth/user/{id}/password/         password       GET form, POST set (user admin)
//
// Every view needs an active staff user: anonymous users are redirected
// to Settings.Auth.LoginURL with next, others get 403.
func (s *Site) URLs(r *urls.Router) {
	s.router = r
	r.Handle("GET /{$}", s.view(s.index), "index")
	r.Handle("GET /{app}/{model}/{$}", s.view(s.changelist), "changelist")
	r.Handle("POST /{app}/{model}/{$}", s.view(s.changelistPost), "")
	add := s.view(s.addView)
	r.Handle("GET /{app}/{model}/add/{$}", add, "add")
	r.Handle("POST /{app}/{model}/add/{$}", add, "")
	change := s.view(s.changeView)
	r.Handle("GET /{app}/{model}/{id}/change/{$}", change, "change")
	r.Handle("POST /{app}/{model}/{id}/change/{$}", change, "")
	del := s.view(s.deleteView)
	r.Handle("GET /{app}/{model}/{id}/delete/{$}", del, "delete")
	r.Handle("POST /{app}/{model}/{id}/delete/{$}", del, "")
	r.Handle("GET /{app}/{model}/{id}/history/{$}", s.view(s.historyView), "history")
	password := s.view(s.passwordView)
	r.Handle("GET /{app}/{model}/{id}/password/{$}", password, "password")
	r.Handle("POST /{app}/{model}/{id}/password/{$}", password, "")
}

// errForbidden is the 403 of a missing permission.
var errForbidden = &respond.HTTPError{Status: http.StatusForbidden, Message: "You do not have permission to view this page."}

// view wraps an admin view: active staff only, private caching.
func (s *Site) view(f func(http.ResponseWriter, *http.Request, *auth.User) error) http.Handler {
	return auth.RequireStaff(respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private")
		u := auth.UserFrom(r.Context())
		if !u.IsActive || !u.IsStaff {
			return errForbidden
		}
		return f(w, r, u)
	}))
}

// can reports whether u has the entry's permission for action.
func (s *Site) can(r *http.Request, u *auth.User, e *entry, action string) (bool, error) {
	return s.auth.HasPerm(r.Context(), u, e.perm(action))
}

// require returns errForbidden unless u has one of the actions'
// permissions on e.
func (s *Site) require(r *http.Request, u *auth.User, e *entry, actions ...string) error {
	for _, a := range actions {
		ok, err := s.can(r, u, e, a)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	return errForbidden
}

// entryFor returns the entry of the request's {app}/{model}, or a 404.
func (s *Site) entryFor(r *http.Request) (*entry, error) {
	e, ok := s.byKey[r.PathValue("app")+"/"+r.PathValue("model")]
	if !ok {
		return nil, respond.NewError(http.StatusNotFound, "No such model in the admin.")
	}
	return e, nil
}

// base returns the path of the site's index for the request ("/admin/").
func (s *Site) base(r *http.Request) string {
	ns := ""
	if rt, ok := s.router.Resolve(r.Method, r.Host, r.URL.EscapedPath()); ok && rt.Namespace != "" {
		ns = rt.Namespace + ":"
	}
	p, err := s.router.Reverse(ns + "index")
	if err != nil {
		return "/"
	}
	return p
}

// Links are the paths of the admin pages of one model.
type Links struct {
	base, key string
}

// Changelist returns the model's changelist path.
func (l Links) Changelist() string { return l.base + l.key + "/" }

// Add returns the model's add page path.
func (l Links) Add() string { return l.base + l.key + "/add/" }

// Change returns the change page path of the object with key pk.
func (l Links) Change(pk string) string {
	return l.base + l.key + "/" + url.PathEscape(pk) + "/change/"
}

// Delete returns the delete page path of the object with key pk.
func (l Links) Delete(pk string) string {
	return l.base + l.key + "/" + url.PathEscape(pk) + "/delete/"
}

// History returns the history page path of the object with key pk.
func (l Links) History(pk string) string {
	return l.base + l.key + "/" + url.PathEscape(pk) + "/history/"
}

func (s *Site) links(r *http.Request, e *entry) Links { return Links{base: s.base(r), key: e.key()} }

// Page is the data (.Data) of every admin template; the page-specific
// part is in Page.
type Page struct {
	// Title is the page's title; SiteHeader the site's name.
	Title, SiteHeader, SiteTitle string
	// Index is the site index's path, LogoutURL the path of auth's logout
	// view ("" when not mounted).
	Index, LogoutURL string
	// User is the staff user.
	User *auth.User
	// Crumbs are the breadcrumbs after "Home".
	Crumbs []Crumb
	// Body is the page's own data: *IndexPage, *ChangeList, *ChangeForm,
	// *DeletePage or *HistoryPage.
	Body any
}

// Crumb is one breadcrumb; URL "" for the current page.
type Crumb struct{ Label, URL string }

// render renders the admin template name.
func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, name, title string, u *auth.User, crumbs []Crumb, body any) error {
	p := &Page{
		Title: title, SiteHeader: s.header, SiteTitle: s.title,
		Index: s.base(r), User: u, Crumbs: crumbs, Body: body,
	}
	for _, n := range []string{"accounts:logout", "logout"} {
		if path, err := s.router.Reverse(n); err == nil {
			p.LogoutURL = path
			break
		}
	}
	return templates.Render(w, r, status, name, p)
}

// notFound is the 404 of a missing object.
func notFound(e *entry, id string) error {
	return respond.NewError(http.StatusNotFound, capFirst(e.model.VerboseName)+" with ID “"+id+"” doesn’t exist. Perhaps it was deleted?")
}
