package auth

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/templates"
)

// pollsApp is an app with a model, for the permissions it gets.
type pollsApp struct{}

// Question is pollsApp's model.
type Question struct {
	ID           uint
	QuestionText string
}

func (pollsApp) Label() string   { return "polls" }
func (pollsApp) Models() []any   { return []any{&Question{}} }
func withPolls(s *core.Settings) { s.InstalledApps = append(s.InstalledApps, pollsApp{}) }

func permCount(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Model(&Permission{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPostMigrateCreatesPermissions(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		p := newProject(t, dbURL, withPolls, nil)
		var perms []Permission
		p.auth.db.Order("app, codename").Find(&perms)
		got := map[string]string{}
		for _, pm := range perms {
			got[pm.FullName()] = pm.Name
		}
		for full, name := range map[string]string{
			"polls.add_question":     "Can add question",
			"polls.change_question":  "Can change question",
			"polls.delete_question":  "Can delete question",
			"polls.view_question":    "Can view question",
			"auth.change_user":       "Can change user",
			"auth.view_group":        "Can view group",
			"auth.delete_permission": "Can delete permission",
		} {
			if got[full] != name {
				t.Errorf("permission %s: name %q; want %q", full, got[full], name)
			}
		}
		before := permCount(t, p.auth.db)
		if _, err := migrations.Migrate(t.Context(), p.Project, nil); err != nil {
			t.Fatal(err)
		}
		if err := p.auth.PostMigrate(t.Context(), p.Project); err != nil {
			t.Fatal(err)
		}
		if after := permCount(t, p.auth.db); after != before {
			t.Errorf("%d permissions after migrating again; want %d (no duplicates)", after, before)
		}
	})
}

// queryCounter counts the queries a gorm handle runs.
func queryCounter(t *testing.T, db *gorm.DB) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	count := func(*gorm.DB) { n.Add(1) }
	name := "test:count:" + strings.ReplaceAll(t.Name(), "/", ":")
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register(name, count),
		cb.Raw().After("gorm:raw").Register(name, count),
		cb.Row().After("gorm:row").Register(name, count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return &n
}

// permFixture makes ann (polls.change_question directly), bob (through
// the group editors), carl (nothing), root (superuser) and oldroot (an
// inactive superuser).
func permFixture(t *testing.T, p *testProject) map[string]*User {
	t.Helper()
	ctx := t.Context()
	users := map[string]*User{}
	for _, name := range []string{"ann", "bob", "carl", "staff"} {
		u, err := p.auth.CreateUser(ctx, name, "", "right-password")
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	p.auth.db.Model(users["staff"]).Update("is_staff", true)
	users["staff"].IsStaff = true
	for _, name := range []string{"root", "oldroot"} {
		u, err := p.auth.CreateSuperuser(ctx, name, "", "right-password")
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	p.auth.db.Model(users["oldroot"]).Update("is_active", false)
	users["oldroot"].IsActive = false
	var change, view Permission
	p.auth.db.Where("app = ? AND codename = ?", "polls", "change_question").Take(&change)
	p.auth.db.Where("app = ? AND codename = ?", "polls", "view_question").Take(&view)
	if change.ID == 0 || view.ID == 0 {
		t.Fatal("polls permissions missing")
	}
	if err := p.auth.db.Model(users["ann"]).Association("Permissions").Append(&change); err != nil {
		t.Fatal(err)
	}
	g := Group{Name: "editors", Permissions: []Permission{change, view}}
	if err := p.auth.db.Create(&g).Error; err != nil {
		t.Fatal(err)
	}
	if err := p.auth.db.Model(users["bob"]).Association("Groups").Append(&g); err != nil {
		t.Fatal(err)
	}
	return users
}

func TestHasPerm(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		p := newProject(t, dbURL, withPolls, nil)
		users := permFixture(t, p)
		ctx := t.Context()
		for _, tc := range []struct {
			user, perm string
			want       bool
		}{
			{"ann", "polls.change_question", true},
			{"ann", "polls.view_question", false},
			{"bob", "polls.change_question", true},
			{"bob", "polls.view_question", true},
			{"bob", "polls.delete_question", false},
			{"carl", "polls.change_question", false},
			{"root", "polls.delete_question", true},
			{"root", "anything.at_all", true},
			{"oldroot", "polls.view_question", false},
			{"anonymous", "polls.view_question", false},
		} {
			u := users[tc.user]
			if u == nil {
				u = AnonymousUser()
			}
			got, err := p.auth.HasPerm(ctx, u, tc.perm)
			if err != nil || got != tc.want {
				t.Errorf("HasPerm(%s, %q) = %v, %v; want %v", tc.user, tc.perm, got, err, tc.want)
			}
		}
		all, err := p.auth.AllPerms(ctx, users["bob"])
		if err != nil || strings.Join(all, " ") != "polls.change_question polls.view_question" {
			t.Errorf("AllPerms(bob) = %v, %v", all, err)
		}

		// One query for all of a user's checks.
		fresh := &User{ID: users["bob"].ID, IsActive: true}
		n := queryCounter(t, p.auth.db)
		for _, perm := range []string{"polls.change_question", "polls.view_question", "polls.add_question"} {
			if _, err := p.auth.HasPerm(ctx, fresh, perm); err != nil {
				t.Fatal(err)
			}
		}
		if ok, _ := p.auth.HasAppPerms(ctx, fresh, "polls"); !ok {
			t.Error("HasAppPerms(bob, polls) = false")
		}
		if got := n.Load(); got != 1 {
			t.Errorf("%d queries for 3 HasPerm calls; want 1", got)
		}
	})
}

func login(t *testing.T, c *client, username string) {
	t.Helper()
	if code, body, _ := c.post("/login", url.Values{"username": {username}, "password": {"right-password"}}); code != 200 {
		t.Fatalf("login as %s: %d %q", username, code, body)
	}
}

func groupCount(t *testing.T, p *testProject) int64 {
	t.Helper()
	var n int64
	p.auth.db.Model(&Group{}).Count(&n)
	return n
}

func TestRequire(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		p := newProject(t, dbURL, withPolls, testRoutes)
		permFixture(t, p)

		anon := newClient(t, p.Project)
		code, _, resp := anon.get("/private?page=2&x=%2F")
		if want := "/accounts/login/?next=" + url.QueryEscape("/private?page=2&x=%2F"); code != 302 || resp.Header.Get("Location") != want {
			t.Errorf("anonymous /private: %d Location %q; want 302 to %q", code, resp.Header.Get("Location"), want)
		}
		for _, path := range []string{"/edit", "/staff"} {
			code, _, resp := anon.post(path, nil)
			if code != 302 || !strings.HasPrefix(resp.Header.Get("Location"), "/accounts/login/?next=") {
				t.Errorf("anonymous POST %s: %d Location %q; want a redirect to login", path, code, resp.Header.Get("Location"))
			}
		}

		for _, tc := range []struct {
			user, path string
			want       int
		}{
			{"carl", "/edit", 403},
			{"staff", "/edit", 403},
			{"carl", "/staff", 403},
			{"ann", "/edit", 200},
			{"bob", "/edit", 200},
			{"root", "/edit", 200},
			{"staff", "/staff", 200},
		} {
			c := newClient(t, p.Project)
			login(t, c, tc.user)
			before := groupCount(t, p)
			code, body, _ := c.post(tc.path, nil)
			after := groupCount(t, p)
			if code != tc.want {
				t.Errorf("%s POST %s: %d %q; want %d", tc.user, tc.path, code, body, tc.want)
			}
			if changed := after != before; changed != (tc.want == 200) {
				t.Errorf("%s POST %s: groups %d → %d; the view must run only when allowed", tc.user, tc.path, before, after)
			}
		}
		c := newClient(t, p.Project)
		login(t, c, "carl")
		if code, body, _ := c.get("/private"); code != 200 || body != "private page of carl" {
			t.Errorf("carl /private: %d %q", code, body)
		}
	})
}

// TestTemplateContext: "user" and "perms" work in templates and load
// nothing until a template uses them.
func TestTemplateContext(t *testing.T) {
	const (
		none  = `static page`
		user  = `{{with .Vars.user}}{{if .IsAuthenticated}}Hi {{.Username}}{{else}}Log in{{end}}{{end}}`
		perms = `{{if .Vars.perms.Has "polls.change_question"}}edit{{else}}no edit{{end}}` +
			`{{if .Vars.perms.HasApp "polls"}} polls{{end}}`
	)
	routes := func(r *urls.Router) {
		testRoutes(r)
		r.HandleFunc("GET /tpl", func(w http.ResponseWriter, r *http.Request) {
			tpl := template.Must(template.New("t").Parse(r.URL.Query().Get("src")))
			a := holderFrom(r.Context()).app
			if err := tpl.Execute(w, &templates.Context{Request: r, Vars: a.TemplateContext(r)}); err != nil {
				t.Errorf("execute %q: %v", r.URL.Query().Get("src"), err)
			}
		}, "tpl")
	}
	p := newProject(t, djinntest.SQLiteURL(t), func(s *core.Settings) {
		withPolls(s)
		s.Sessions.Store = "cookie" // no session queries: count the user's only
	}, routes)
	permFixture(t, p)
	n := queryCounter(t, p.auth.db)
	for _, tc := range []struct {
		user, src, want string
		queries         int64
	}{
		{"", none, "static page", 0},
		{"", user, "Log in", 0},
		{"", perms, "no edit", 0},
		{"ann", none, "static page", 0},
		{"ann", user, "Hi ann", 1},
		{"ann", perms, "edit polls", 2},
		{"ann", user + " " + perms, "Hi ann edit polls", 2},
		{"carl", perms, "no edit", 2},
	} {
		c := newClient(t, p.Project)
		if tc.user != "" {
			login(t, c, tc.user)
		}
		n.Store(0)
		_, body, _ := c.get("/tpl?src=" + url.QueryEscape(tc.src))
		if body != tc.want || n.Load() != tc.queries {
			t.Errorf("user %q, template %q: %q with %d queries; want %q with %d", tc.user, tc.src, body, n.Load(), tc.want, tc.queries)
		}
	}
}
