package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"gorm.io/gorm/clause"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/orm"
)

// permsQuery selects the "app.codename" of every permission a user has,
// directly or through a group, in one query.
const permsQuery = `SELECT p.app, p.codename FROM auth_permission p
 JOIN auth_user_user_permissions up ON up.permission_id = p.id WHERE up.user_id = ?
UNION
SELECT p.app, p.codename FROM auth_permission p
 JOIN auth_group_permissions gp ON gp.permission_id = p.id
 JOIN auth_user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = ?`

// HasPerm reports whether u has the permission perm ("polls.change_question"):
// an active superuser has every permission, an inactive or anonymous user
// none, anyone else those given to them or to one of their groups. The
// user's permissions are loaded with one query on the first call and
// cached in u (so once per request for the request's user).
func (a *App) HasPerm(ctx context.Context, u *User, perm string) (bool, error) {
	if !u.IsAuthenticated() || !u.IsActive {
		return false, nil
	}
	if u.IsSuperuser {
		return true, nil
	}
	if err := a.loadPerms(ctx, u); err != nil {
		return false, err
	}
	_, ok := u.perms[perm]
	return ok, nil
}

// HasPerms reports whether u has every one of perms.
func (a *App) HasPerms(ctx context.Context, u *User, perms ...string) (bool, error) {
	for _, p := range perms {
		ok, err := a.HasPerm(ctx, u, p)
		if !ok || err != nil {
			return false, err
		}
	}
	return true, nil
}

// HasAppPerms reports whether u has any permission of the app label
// (Django's has_module_perms): the admin shows the app when it does.
func (a *App) HasAppPerms(ctx context.Context, u *User, label string) (bool, error) {
	if !u.IsAuthenticated() || !u.IsActive {
		return false, nil
	}
	if u.IsSuperuser {
		return true, nil
	}
	if err := a.loadPerms(ctx, u); err != nil {
		return false, err
	}
	for p := range u.perms {
		if strings.HasPrefix(p, label+".") {
			return true, nil
		}
	}
	return false, nil
}

// AllPerms returns the names of u's permissions, from the user and their
// groups, sorted ("polls.add_question", …). A superuser's list is what is
// in the database, like Django's get_all_permissions.
func (a *App) AllPerms(ctx context.Context, u *User) ([]string, error) {
	if !u.IsAuthenticated() || !u.IsActive {
		return nil, nil
	}
	if err := a.loadPerms(ctx, u); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(u.perms))
	for p := range u.perms {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}

func (a *App) loadPerms(ctx context.Context, u *User) error {
	if u.perms != nil {
		return nil
	}
	rows, err := a.dbFor(ctx).Raw(permsQuery, u.ID, u.ID).Rows()
	if err != nil {
		return fmt.Errorf("auth: load permissions of user %d: %w", u.ID, err)
	}
	defer rows.Close()
	perms := map[string]struct{}{}
	for rows.Next() {
		var app, code string
		if err := rows.Scan(&app, &code); err != nil {
			return fmt.Errorf("auth: load permissions of user %d: %w", u.ID, err)
		}
		perms[app+"."+code] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("auth: load permissions of user %d: %w", u.ID, err)
	}
	u.perms = perms
	return nil
}

// RequireLogin wraps h so that only logged-in users reach it; anonymous
// users are redirected (302) to Settings.Auth.LoginURL with ?next= the
// path and query they asked for (Django's login_required). When the
// session store or database is down the answer is the outage's error
// (503), never the view nor a redirect to log in again.
func RequireLogin(h http.Handler) http.Handler {
	return require(h, nil)
}

// RequirePerm returns a wrapper that lets through users with the
// permission perm ("polls.change_question"); anonymous users are
// redirected to log in and logged-in users without it get 403 Forbidden
// (ErrPermission).
func RequirePerm(perm string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return require(h, func(r *http.Request, a *App, u *User) error {
			ok, err := a.HasPerm(r.Context(), u, perm)
			if err != nil {
				return err
			}
			if !ok {
				return forbidden(fmt.Errorf("%w: user %d lacks %q", ErrPermission, u.ID, perm))
			}
			return nil
		})
	}
}

// RequireStaff wraps h so that only active staff users (IsStaff) reach
// it; anonymous users are redirected to log in and other users get 403
// Forbidden.
func RequireStaff(h http.Handler) http.Handler {
	return require(h, func(r *http.Request, _ *App, u *User) error {
		if !u.IsStaff {
			return forbidden(fmt.Errorf("%w: user %d is not staff", ErrPermission, u.ID))
		}
		return nil
	})
}

// require serves h to logged-in users for which test passes.
func require(h http.Handler, test func(*http.Request, *App, *User) error) http.Handler {
	return respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		u, err := CurrentUser(r)
		if err != nil {
			return err
		}
		hd := holderFrom(r.Context())
		if !u.IsAuthenticated() {
			redirectToLogin(w, r, hd.app.settings.LoginURL)
			return nil
		}
		if test != nil {
			if err := test(r, hd.app, u); err != nil {
				return err
			}
		}
		h.ServeHTTP(w, r)
		return nil
	})
}

// forbidden is a 403 with a message for the user; err (ErrPermission in
// its chain) is logged, not shown.
func forbidden(err error) error {
	return &respond.HTTPError{Status: http.StatusForbidden, Message: "You do not have permission to view this page.", Err: err}
}

// redirectToLogin sends r to loginURL?next=<path and query>.
func redirectToLogin(w http.ResponseWriter, r *http.Request, loginURL string) {
	if loginURL == "" {
		loginURL = core.Defaults().Auth.LoginURL
	}
	sep := "?"
	if strings.Contains(loginURL, "?") {
		sep = "&"
	}
	respond.Redirect(w, r, loginURL+sep+"next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
}

// SafeNext returns next when it is a safe place to redirect to after
// login or logout: a path on this site, or an absolute URL on one of
// allowedHosts (and on r's scheme's, https only when r was https); ok
// is false otherwise (//evil.com, https:evil.com, \\evil.com, …).
func SafeNext(r *http.Request, next string, allowedHosts []string) (string, bool) {
	if !respond.IsSafeRedirect(next, allowedHosts...) {
		return "", false
	}
	if r != nil && r.TLS != nil && strings.HasPrefix(strings.ToLower(next), "http:") {
		return "", false // do not downgrade an https login to http
	}
	return next, true
}

// defaultActions are the permissions created for every model, Django's
// default_permissions.
var defaultActions = [...]string{"add", "change", "delete", "view"}

// PostMigrate creates the add_, change_, delete_ and view_ permissions of
// every registered model ("Can change question"), for the app that
// registers it. It runs after every migrate and creates only the missing
// ones, so running it again changes nothing; permissions of models that
// went away are kept (delete them by hand).
func (a *App) PostMigrate(ctx context.Context, p *core.Project) error {
	oa, err := orm.From(p)
	if err != nil {
		return err
	}
	var want []Permission
	for _, m := range oa.Registry().Models() {
		name := strings.ToLower(m.Name)
		for _, act := range defaultActions {
			want = append(want, Permission{App: m.App, Codename: act + "_" + name, Name: "Can " + act + " " + m.VerboseName})
		}
	}
	db := oa.DB().WithContext(ctx)
	var have []Permission
	if err := db.Select("app", "codename").Find(&have).Error; err != nil {
		return fmt.Errorf("auth: create permissions: read auth_permission: %w", err)
	}
	exists := make(map[string]bool, len(have))
	for _, h := range have {
		exists[h.FullName()] = true
	}
	var missing []Permission
	for _, w := range want {
		if !exists[w.FullName()] {
			missing = append(missing, w)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	// DO NOTHING: another node migrating at the same time may insert the
	// same rows first.
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&missing, 200).Error; err != nil {
		return fmt.Errorf("auth: create %d permissions in auth_permission: %w", len(missing), err)
	}
	return nil
}
