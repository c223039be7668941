package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/admin"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations/migrationstest"
	"github.com/djinn-go/djinn/orm"
)

// TestSeveralSites mounts a second site next to the default one: its own
// URLs, namespace and title, the same models, the shared history, and no
// user admin (users are managed on the default site).
func TestSeveralSites(t *testing.T) {
	lib := &library{admins: map[string]admin.ModelAdmin{"book": bookAdmin}}
	main, staff := admin.New(), admin.New(admin.WithLabel("staff"), admin.WithTitle("Staff desk"))
	s := settings(djinntest.SQLiteURL(t), lib, main)
	s.InstalledApps = append(s.InstalledApps, staff)
	urlsOf := s.URLs
	s.URLs = func(r *urls.Router) {
		urlsOf(r)
		r.Include("/staff/", "staff", urls.Of(staff))
	}
	p := migrationstest.Setup(t, s)
	oa, _ := orm.From(p)
	if err := oa.DB().AutoMigrate(&Author{}, &Book{}); err != nil {
		t.Fatal(err)
	}
	e := &env{p: p, auth: authOf(t, p), srv: newServer(t, p)}
	e.user(t, "boss", true, true)
	c := e.client(t)
	c.login("boss")

	code, body, _ := c.get("/staff/")
	if code != http.StatusOK || !strings.Contains(body, "Staff desk") || !strings.Contains(body, `href="/staff/library/book/"`) {
		t.Fatalf("GET /staff/ = %d; want the second site's index with its own links\n%s", code, body)
	}
	if code, _, _ := c.get("/staff/auth/user/"); code != http.StatusNotFound {
		t.Errorf("GET /staff/auth/user/ = %d; want 404: users are managed on the default site", code)
	}
	if code, _, _ := c.get("/admin/auth/user/"); code != http.StatusOK {
		t.Errorf("GET /admin/auth/user/ = %d; want 200", code)
	}
	code, _, resp := c.post("/staff/library/author/add/", url.Values{"name": {"Ursula"}, "_save": {"Save"}})
	if code != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/staff/") {
		t.Fatalf("add on /staff/ = %d, Location %q; want a redirect within /staff/", code, resp.Header.Get("Location"))
	}
	var n int64
	if err := oa.DB().Model(&admin.LogEntry{}).Where("object_repr = ?", "Ursula").Count(&n).Error; err != nil || n != 1 {
		t.Errorf("history of the add: %d entries, %v; want 1 in the shared table", n, err)
	}

	bad := settings(djinntest.SQLiteURL(t), &library{}, admin.New())
	bad.InstalledApps = append(bad.InstalledApps, admin.New(admin.WithLabel("Bad Label")))
	if err := core.New(bad).Setup(t.Context()); err == nil || !strings.Contains(err.Error(), `label "Bad Label" is not a valid app label`) {
		t.Errorf("Setup with a bad site label: %v; want an error naming it", err)
	}
}

// TestAddFormStartsEmpty: a new object's number inputs are empty (or show
// the field's default), not Go's zero.
func TestAddFormStartsEmpty(t *testing.T) {
	e := newEnv(t, djinntest.SQLiteURL(t), map[string]admin.ModelAdmin{"book": bookAdmin})
	e.user(t, "boss", true, true)
	c := e.client(t)
	c.login("boss")
	code, body, _ := c.get("/admin/library/book/add/")
	if code != http.StatusOK {
		t.Fatalf("GET the add page = %d", code)
	}
	i := strings.Index(body, `name="pages"`)
	if i < 0 {
		t.Fatalf("no pages input:\n%s", body)
	}
	input := body[strings.LastIndex(body[:i], "<input"):]
	input = input[:strings.Index(input, ">")+1]
	if strings.Contains(input, `value="0"`) {
		t.Errorf("the add form's pages input is %s; want no value", input)
	}
}
