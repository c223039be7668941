package auth

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/sessions"
)

const testKey = "test-secret-key-for-auth-0123456789abcdef"

// testIterations keeps pbkdf2 cheap in tests.
const testIterations = 1000

// testProject is a set-up, migrated project with orm, migrations,
// sessions and auth.
type testProject struct {
	*core.Project
	auth *App
}

// newProject returns a set-up project on the database at dbURL, migrated
// (post-migrate steps included), with settings changed by edit. routes,
// when set, are the project's URLs.
func newProject(t testing.TB, dbURL string, edit func(*core.Settings), routes func(*urls.Router), opts ...Option) *testProject {
	t.Helper()
	s := core.Defaults()
	s.Debug = true
	s.SecretKey = testKey
	s.AllowedHosts = []string{"*"}
	s.Logging.Handler = slog.DiscardHandler
	s.Database.URL = dbURL
	s.Auth.PBKDF2Iterations = testIterations
	s.Sessions.Store = "db"
	a := New(opts...)
	s.InstalledApps = []core.App{orm.New(), migrations.New(), sessions.New(), a}
	if routes != nil {
		s.URLs = routes
	} else {
		s.URLs = func(*urls.Router) {}
	}
	if edit != nil {
		edit(&s)
	}
	p := core.New(s)
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Migrate(t.Context(), p, nil); err != nil {
		t.Fatal(err)
	}
	return &testProject{Project: p, auth: a}
}

// runCommand runs a manage command with stdin and returns its exit
// status, stdout and stderr.
func runCommand(t testing.TB, p *core.Project, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := command.Run(t.Context(), p, command.Stdio{In: strings.NewReader(stdin), Out: &out, Err: &errb}, args...)
	return code, out.String(), errb.String()
}

// client is a browser with a cookie jar against a test server.
type client struct {
	t   testing.TB
	srv *httptest.Server
	c   *http.Client
}

func newClient(t testing.TB, p *core.Project) *client {
	t.Helper()
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	jar := newJar()
	return &client{t: t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// get fetches path and returns the status, the body and the response.
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
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.srv.URL+path, body)
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

// sessionCookie returns the client's session cookie value, or "".
func (c *client) sessionCookie() string {
	u, _ := url.Parse(c.srv.URL)
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == sessions.DefaultCookieName {
			return ck.Value
		}
	}
	return ""
}

// setSessionCookie replaces the client's session cookie.
func (c *client) setSessionCookie(v string) {
	u, _ := url.Parse(c.srv.URL)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessions.DefaultCookieName, Value: v, Path: "/"}})
}
