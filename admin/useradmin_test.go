package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/djinntest"
)

// canLogIn reports whether username logs in with password through auth's
// login view.
func canLogIn(t *testing.T, e *env, username, password string) bool {
	t.Helper()
	code, _, _ := e.client(t).post("/accounts/login/", url.Values{"username": {username}, "password": {password}})
	return code == http.StatusFound
}

func TestUserAdmin(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, admins())
		db := e.gorm(t)
		e.user(t, "boss", true, true)
		c := e.client(t)
		c.login("boss")

		_, body, _ := c.get("/admin/")
		mustContain(t, "index", body, `href="/admin/auth/user/"`, `href="/admin/auth/group/"`)

		// Add form: username and the password twice.
		code, body, _ := c.get("/admin/auth/user/add/")
		if code != http.StatusOK {
			t.Fatalf("user add form = %d", code)
		}
		mustContain(t, "add user form", body, `name="username"`, `type="password" name="password1"`, `type="password" name="password2"`)
		mustNotContain(t, "add user form", body, `name="is_superuser"`)
		for _, tc := range []struct {
			name   string
			form   url.Values
			errMsg string
		}{
			{"mismatch", url.Values{"username": {"ann"}, "password1": {"Tr1cky-Horse-42"}, "password2": {"Tr1cky-Horse-43"}}, "The two password fields didn’t match."},
			{"weak", url.Values{"username": {"ann"}, "password1": {"password"}, "password2": {"password"}}, "This password is too common."},
			{"taken", url.Values{"username": {"boss"}, "password1": {"Tr1cky-Horse-42"}, "password2": {"Tr1cky-Horse-42"}}, "A user with that username already exists."},
			{"bad name", url.Values{"username": {"a b"}, "password1": {"Tr1cky-Horse-42"}, "password2": {"Tr1cky-Horse-42"}}, "Enter a valid username."},
		} {
			code, body, _ := c.post("/admin/auth/user/add/", tc.form)
			if code != http.StatusBadRequest {
				t.Errorf("%s: add user = %d, want 400", tc.name, code)
			}
			mustContain(t, tc.name, body, tc.errMsg)
		}
		var n int64
		db.Model(&auth.User{}).Where("username = ?", "ann").Count(&n)
		if n != 0 {
			t.Fatalf("invalid add created the user")
		}
		code, _, resp := c.post("/admin/auth/user/add/", url.Values{"username": {"ann"}, "password1": {"Tr1cky-Horse-42"}, "password2": {"Tr1cky-Horse-42"}})
		if code != http.StatusFound {
			t.Fatalf("add user = %d", code)
		}
		var ann auth.User
		if err := db.Where("username = ?", "ann").Take(&ann).Error; err != nil {
			t.Fatalf("user not created: %v", err)
		}
		change := "/admin/auth/user/" + itoa(ann.ID) + "/change/"
		if loc := resp.Header.Get("Location"); loc != change {
			t.Errorf("after add → %q, want %q", loc, change)
		}
		if strings.Contains(ann.Password, "Tr1cky") || !strings.HasPrefix(ann.Password, "pbkdf2_sha256$") || !ann.IsActive {
			t.Errorf("stored user: password %q, active %v; want a pbkdf2 hash, active", ann.Password, ann.IsActive)
		}
		if !canLogIn(t, e, "ann", "Tr1cky-Horse-42") {
			t.Errorf("ann cannot log in with the password set in the admin")
		}

		// Change form: hash summary, link, m2m selects, flags.
		var group auth.Group
		group.Name = "editors"
		if err := db.Create(&group).Error; err != nil {
			t.Fatal(err)
		}
		var perm auth.Permission
		if err := db.Where("app = ? AND codename = ?", "library", "change_book").Take(&perm).Error; err != nil {
			t.Fatal(err)
		}
		_, body, _ = c.get(change)
		mustContain(t, "user change form", body, "algorithm: pbkdf2_sha256", `href="/admin/auth/user/`+itoa(ann.ID)+`/password/">Change password</a>`,
			`<select name="groups" multiple`, `>editors</option>`, `<select name="user_permissions" multiple`, "library | book | Can change book",
			`type="checkbox" name="is_staff"`, `type="checkbox" name="is_superuser"`, `type="checkbox" name="is_active" checked`,
			"<h2>Personal info</h2>", "<summary>Important dates</summary>")
		mustNotContain(t, "user change form", body, `name="password"`)

		// Make ann staff, in the group, with a permission; the password stays.
		code, body, _ = c.post(change, url.Values{"username": {"ann"}, "email": {"ann@example.com"}, "is_active": {"on"}, "is_staff": {"on"},
			"groups": {itoa(group.ID)}, "user_permissions": {itoa(perm.ID)}, "password": {"raw-injected"}})
		if code != http.StatusFound {
			t.Fatalf("change user = %d:\n%s", code, body)
		}
		var got auth.User
		db.Preload("Groups").Preload("Permissions").Take(&got, ann.ID)
		if !got.IsStaff || got.IsSuperuser || got.Email != "ann@example.com" || len(got.Groups) != 1 || len(got.Permissions) != 1 || got.Password != ann.Password {
			t.Errorf("changed user = staff %v super %v email %q groups %d perms %d password kept %v",
				got.IsStaff, got.IsSuperuser, got.Email, len(got.Groups), len(got.Permissions), got.Password == ann.Password)
		}
		if ok, _ := e.auth.HasPerm(t.Context(), &got, "library.change_book"); !ok {
			t.Errorf("ann lacks the permission granted in the admin")
		}

		// Change password page.
		pwURL := "/admin/auth/user/" + itoa(ann.ID) + "/password/"
		_, body, _ = c.get(pwURL)
		mustContain(t, "password page", body, "Enter a new password for the user <strong>ann</strong>.", `name="password1"`)
		code, body, _ = c.post(pwURL, url.Values{"password1": {"Brand-New-Pass-9"}, "password2": {"Brand-New-Pass-8"}})
		if code != http.StatusBadRequest {
			t.Errorf("mismatched new password = %d, want 400", code)
		}
		mustContain(t, "password mismatch", body, "The two password fields didn’t match.")
		code, _, resp = c.post(pwURL, url.Values{"password1": {"Brand-New-Pass-9"}, "password2": {"Brand-New-Pass-9"}})
		if code != http.StatusFound || resp.Header.Get("Location") != change {
			t.Fatalf("change password = %d → %q", code, resp.Header.Get("Location"))
		}
		if !canLogIn(t, e, "ann", "Brand-New-Pass-9") || canLogIn(t, e, "ann", "Tr1cky-Horse-42") {
			t.Errorf("after the password change: new password must work, the old one not")
		}
		if got := lastLog(t, e); got != "Changed password." {
			t.Errorf("log = %q", got)
		}
		_, body, _ = c.get(change)
		mustContain(t, "after password change", body, "Password changed successfully.")

		// Groups: name and permissions.
		code, _, _ = c.post("/admin/auth/group/add/", url.Values{"name": {"reviewers"}, "permissions": {itoa(perm.ID)}})
		if code != http.StatusFound {
			t.Fatalf("add group = %d", code)
		}
		var rev auth.Group
		db.Preload("Permissions").Where("name = ?", "reviewers").Take(&rev)
		if len(rev.Permissions) != 1 || rev.Permissions[0].Codename != "change_book" {
			t.Errorf("group permissions = %+v", rev.Permissions)
		}
	})
}

func TestUserAdminNeedsChangeUser(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, admins())
		target := e.user(t, "target", false, false)
		e.user(t, "staffer", true, false, "auth.view_user")
		before := target.Password
		c := e.client(t)
		c.login("staffer")
		pwURL := "/admin/auth/user/" + itoa(target.ID) + "/password/"
		change := "/admin/auth/user/" + itoa(target.ID) + "/change/"
		for _, r := range []struct {
			method, path string
			form         url.Values
		}{
			{"GET", pwURL, nil},
			{"POST", pwURL, url.Values{"password1": {"Brand-New-Pass-9"}, "password2": {"Brand-New-Pass-9"}}},
			{"POST", change, url.Values{"username": {"target"}, "is_superuser": {"on"}, "is_staff": {"on"}, "is_active": {"on"}}},
			{"GET", "/admin/auth/user/add/", nil},
			{"POST", "/admin/auth/user/add/", url.Values{"username": {"x"}, "password1": {"Brand-New-Pass-9"}, "password2": {"Brand-New-Pass-9"}}},
		} {
			if code, _, _ := c.do(r.method, r.path, r.form); code != http.StatusForbidden {
				t.Errorf("%s %s = %d, want 403", r.method, r.path, code)
			}
		}
		// Viewing is allowed, read-only and without the password link.
		code, body, _ := c.get(change)
		if code != http.StatusOK {
			t.Fatalf("view user = %d", code)
		}
		mustContain(t, "view user", body, "View user", "algorithm: pbkdf2_sha256")
		mustNotContain(t, "view user", body, "/password/", `name="username"`)
		var got auth.User
		e.gorm(t).Take(&got, target.ID)
		if got.Password != before || got.IsSuperuser || got.IsStaff {
			t.Errorf("target changed by a user without auth.change_user: %+v", got)
		}
		var n int64
		e.gorm(t).Model(&auth.User{}).Where("username = ?", "x").Count(&n)
		if n != 0 {
			t.Errorf("user without auth.add_user created a user")
		}
	})
}
