package admin_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/admin"
	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/messages"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/migrations/migrationstest"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/sessions"
	"github.com/djinn-go/djinn/static"
	"github.com/djinn-go/djinn/templates"
)

// Genre is a field type with choices.
type Genre string

// Choices implements forms.Chooser.
func (Genre) Choices() []forms.Choice {
	return []forms.Choice{{Value: "fiction", Label: "Fiction"}, {Value: "poetry", Label: "Poetry"}}
}

// Author has many books.
type Author struct {
	ID    uint
	Name  string `gorm:"size:100;not null"`
	Books []Book
}

func (a *Author) String() string { return a.Name }

// Book is the test app's main model.
type Book struct {
	ID        uint
	Title     string `gorm:"size:50;not null;uniqueIndex"`
	Summary   string
	Pages     int   `gorm:"not null"`
	Published bool  `gorm:"not null"`
	Genre     Genre `gorm:"size:20;not null"`
	AuthorID  uint  `gorm:"not null"`
	Author    *Author
	PubDate   *time.Time
}

func (b *Book) String() string { return b.Title }

// library is the test app.
type library struct {
	admins map[string]admin.ModelAdmin
	extra  []any // registered in RegisterAdmin besides Book and Author
}

func (*library) Label() string { return "library" }
func (*library) Models() []any { return []any{&Author{}, &Book{}} }
func (l *library) RegisterAdmin(site *admin.Site) error {
	errs := []error{
		site.Register(&Author{}, l.admins["author"]),
		site.Register(&Book{}, l.admins["book"]),
	}
	for _, m := range l.extra {
		errs = append(errs, site.Register(m, admin.Auto()))
	}
	return errors.Join(errs...)
}

var bookAdmin = admin.ModelAdmin{
	ListDisplay:  []string{"title", "Author", "pages", "published", "genre"},
	SearchFields: []string{"title", "summary"},
	ListFilter:   []string{"published", "genre", "Author"},
	Ordering:     []string{"title"},
	ListPerPage:  3,
}

const testKey = "admin-test-secret-key-0123456789abcdefghij"

// settings returns the settings of a full project on dbURL with the
// library app.
func settings(dbURL string, lib *library, site *admin.Site) core.Settings {
	s := core.Defaults()
	s.Debug = true
	s.SecretKey = testKey
	s.AllowedHosts = []string{"*"}
	s.Logging.Handler = slog.DiscardHandler
	s.Database.URL = dbURL
	s.Auth.PBKDF2Iterations = 1000
	s.Sessions.Store = "cookie"
	s.Templates.Dirs = nil
	s.Static.Dirs = nil
	authApp := auth.New()
	s.InstalledApps = []core.App{orm.New(), migrations.New(), sessions.New(), authApp,
		templates.New(), static.New(), messages.New(), site, lib}
	s.URLs = func(r *urls.Router) {
		r.Include("/accounts/", "accounts", urls.Of(authApp))
		r.Include("/admin/", "admin", urls.Of(site))
	}
	return s
}

// env is a migrated project with the library app and its tables.
type env struct {
	p    *core.Project
	auth *auth.App
	srv  *httptest.Server
}

func newEnv(t *testing.T, dbURL string, admins map[string]admin.ModelAdmin) *env {
	t.Helper()
	lib := &library{admins: admins}
	p := migrationstest.Setup(t, settings(dbURL, lib, admin.New()))
	oa, err := orm.From(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := oa.DB().AutoMigrate(&Author{}, &Book{}); err != nil {
		t.Fatal(err)
	}
	return &env{p: p, auth: authOf(t, p), srv: newServer(t, p)}
}

func authOf(t *testing.T, p *core.Project) *auth.App {
	t.Helper()
	aa, err := auth.From(p)
	if err != nil {
		t.Fatal(err)
	}
	return aa
}

func newServer(t *testing.T, p *core.Project) *httptest.Server {
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// gorm returns the project's database.
func (e *env) gorm(t *testing.T) *gorm.DB {
	oa, err := orm.From(e.p)
	if err != nil {
		t.Fatal(err)
	}
	return oa.DB()
}

// user creates a user; perms are "library.view_book"-style names.
func (e *env) user(t *testing.T, name string, staff, super bool, perms ...string) *auth.User {
	t.Helper()
	ctx := t.Context()
	var u *auth.User
	var err error
	if super {
		u, err = e.auth.CreateSuperuser(ctx, name, name+"@example.com", "s3cret-Passw0rd!")
	} else {
		u, err = e.auth.CreateUser(ctx, name, name+"@example.com", "s3cret-Passw0rd!")
	}
	if err != nil {
		t.Fatal(err)
	}
	db := e.gorm(t)
	if err := db.Model(u).Update("is_staff", staff).Error; err != nil {
		t.Fatal(err)
	}
	for _, pn := range perms {
		app, code, _ := strings.Cut(pn, ".")
		var perm auth.Permission
		if err := db.Where("app = ? AND codename = ?", app, code).Take(&perm).Error; err != nil {
			t.Fatalf("permission %s: %v", pn, err)
		}
		if err := db.Model(u).Association("Permissions").Append(&perm); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// client is a browser logged in (or not) to the test server.
type client struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func (e *env) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, srv: e.srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// login logs the client in through auth's login view.
func (c *client) login(username string) {
	c.t.Helper()
	code, body, resp := c.post("/accounts/login/", url.Values{"username": {username}, "password": {"s3cret-Passw0rd!"}})
	if code != http.StatusFound {
		c.t.Fatalf("log in %s: status %d, want 302; body:\n%s", username, code, body)
	}
	_ = resp
}

func (c *client) get(path string) (int, string, *http.Response) {
	c.t.Helper()
	return c.do("GET", path, nil)
}

func (c *client) post(path string, form url.Values) (int, string, *http.Response) {
	c.t.Helper()
	return c.do("POST", path, form)
}

func (c *client) do(method, path string, form url.Values) (int, string, *http.Response) {
	c.t.Helper()
	body := ""
	if form != nil {
		body = form.Encode()
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.srv.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String(), resp
}

func strconvUint(n uint) string { return strconv.FormatUint(uint64(n), 10) }
