package auth

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/templates"
)

// PageData is the data (.Data) of the registration templates the account
// views render. A project that overrides a template reads these fields.
type PageData struct {
	// Form is the page's form, with the errors of the last submission;
	// render it with {{.Data.Form.AsDiv}}. Nil on pages without a form.
	Form *forms.Form
	// Action is the URL the form posts to: the page's path.
	Action string
	// Error is a message about the whole submission ("Please enter a
	// correct username and password. …"), empty when there is none.
	Error string
	// Next is the safe page to go to after logging in, "" for the
	// default (the login page also sends it in a hidden form field).
	Next string
	// User is the request's user (the anonymous user when logged out).
	User *User
	// ValidLink tells password_reset_confirm.html whether the reset link
	// works (show the form) or not (say so).
	ValidLink bool
	// Links holds the paths of the other account views by URL name
	// ("login", "password_reset", "password_change"), in the namespace
	// the page is served from; a missing name is a view not mounted.
	Links map[string]string
}

// linkNames are the views PageData.Links points to.
var linkNames = [...]string{"login", "password_reset", "password_change"}

// views serves the account views of one App, mounted on router.
type views struct {
	app    *App
	router *urls.Router
}

// settings returns the project's settings.
func (v *views) settings() *core.Settings { return v.app.project.Settings() }

// handler adapts a view that returns an error; every account page is
// private (Django's never_cache).
func (v *views) handler(f func(http.ResponseWriter, *http.Request) error) http.Handler {
	return respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private")
		return f(w, r)
	})
}

// render renders a registration template with d, filling its Action,
// User and Links.
func (v *views) render(w http.ResponseWriter, r *http.Request, status int, name string, d *PageData) error {
	if d.Action == "" {
		d.Action = r.URL.EscapedPath()
	}
	if d.User == nil {
		d.User = UserFrom(r.Context())
	}
	d.Links = map[string]string{}
	ns := v.namespace(r)
	for _, n := range linkNames {
		if p, err := v.router.Reverse(ns + n); err == nil {
			d.Links[n] = p
		}
	}
	return templates.Render(w, r, status, name, d)
}

// namespace returns the namespace of the route serving r followed by
// ":", or "" at the root, so that links and redirects between the
// account views stay in the mount of the app that serves the request.
func (v *views) namespace(r *http.Request) string {
	if rt, ok := v.router.Resolve(r.Method, r.Host, r.URL.EscapedPath()); ok && rt.Namespace != "" {
		return rt.Namespace + ":"
	}
	return ""
}

// reverse returns the path of the account view called name (a URL name
// of URLs) in the namespace of the route serving r.
func (v *views) reverse(r *http.Request, name string, args ...any) (string, error) {
	return v.router.Reverse(v.namespace(r)+name, args...)
}

// redirectTo redirects to the account view called name (see reverse).
func (v *views) redirectTo(w http.ResponseWriter, r *http.Request, name string, args ...any) error {
	target, err := v.reverse(r, name, args...)
	if err != nil {
		return err
	}
	respond.Redirect(w, r, target, http.StatusFound)
	return nil
}

// safeNext returns next when it is a safe place to send the user to after
// logging in or out, else "". Safe means a path on this site, or an http
// or https URL whose host is the request's or one of
// Settings.AllowedHosts (concrete names only: "*" allows nothing more,
// ".example.com" allows example.com but not its subdomains). On top of SafeNext (and
// respond.IsSafeRedirect) it refuses targets that are neither an
// absolute path nor an absolute URL ("evil", "?x") and targets whose
// path, percent-decoded, is unsafe ("/%2F%2Fevil.com"), in case a proxy
// decodes the Location.
func (v *views) safeNext(r *http.Request, next string) string {
	if next == "" || len(next) > 2048 {
		return ""
	}
	lower := strings.ToLower(next)
	if !strings.HasPrefix(next, "/") && !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return ""
	}
	hosts := append([]string{r.Host}, redirectHosts(v.settings().AllowedHosts)...)
	target, ok := SafeNext(r, next, hosts)
	if !ok {
		return ""
	}
	// The part before the query, decoded once, must be safe too.
	head := target
	if i := strings.IndexAny(head, "?#"); i >= 0 {
		head = head[:i]
	}
	if dec, err := url.PathUnescape(head); err != nil || dec != head && !respond.IsSafeRedirect(dec, hosts...) {
		return ""
	}
	return target
}

// redirectHosts returns the concrete host names of allowed (AllowedHosts
// entries): "*" and patterns are dropped, ".example.com" gives
// "example.com".
func redirectHosts(allowed []string) []string {
	out := make([]string, 0, len(allowed))
	for _, h := range allowed {
		h = strings.TrimPrefix(h, ".")
		if h == "" || strings.ContainsAny(h, "*") {
			continue
		}
		out = append(out, h)
	}
	return out
}

// nextParam returns the "next" of a submitted form, else of the query.
func nextParam(r *http.Request, posted string) string {
	if posted != "" {
		return posted
	}
	return r.URL.Query().Get("next")
}
