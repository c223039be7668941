package auth_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/mail"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/sessions"
	"github.com/djinn-go/djinn/templates"
)

const (
	viewsSecret   = "views-test-secret-key-0123456789abcdefghijkl"
	viewsPassword = "correct horse battery"
	viewsSiteURL  = "https://site.example"
)

// viewsEnv is a project with the account views under /accounts/, on
// its own database, with a memory outbox and captured logs.
type viewsEnv struct {
	t      *testing.T
	p      *core.Project
	app    *auth.App
	outbox *mail.Outbox
	logs   *djinntest.Logs
}

// newViewsEnv sets up and migrates the project on the database at
// dbURL, with settings changed by edit.
func newViewsEnv(t *testing.T, dbURL string, edit func(*core.Settings)) *viewsEnv {
	t.Helper()
	logs := &djinntest.Logs{}
	a := auth.New()
	s := core.Defaults()
	s.SecretKey = viewsSecret
	s.AllowedHosts = []string{"example.com"}
	s.SiteURL = viewsSiteURL
	s.Database.URL = dbURL
	s.Auth.PBKDF2Iterations = 1000
	s.Mail.Backend = "memory"
	s.Templates.Dirs = []string{filepath.Join(t.TempDir(), "templates")}
	s.Logging.Handler = logs.Handler()
	s.InstalledApps = []core.App{orm.New(), migrations.New(), sessions.New(), templates.New(), mail.New(), a}
	s.URLs = func(r *urls.Router) {
		r.Include("/accounts/", "accounts", urls.Of(a))
		// whoami shows who the request is logged in as.
		r.HandleFunc("GET /whoami/{$}", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, auth.UserFrom(r.Context()).String())
		}, "whoami")
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
	ma, err := mail.From(p)
	if err != nil {
		t.Fatal(err)
	}
	outbox, ok := ma.Outbox()
	if !ok {
		t.Fatal("the mail app has no outbox with Mail.Backend memory")
	}
	return &viewsEnv{t: t, p: p, app: a, outbox: outbox, logs: logs}
}

// user creates an active user with viewsPassword.
func (e *viewsEnv) user(username, email string) *auth.User {
	e.t.Helper()
	u, err := e.app.CreateUser(e.t.Context(), username, email, viewsPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// db returns the project's database.
func (e *viewsEnv) db() *orm.App {
	e.t.Helper()
	oa, err := orm.From(e.p)
	if err != nil {
		e.t.Fatal(err)
	}
	return oa
}

// reload returns u as stored now.
func (e *viewsEnv) reload(u *auth.User) *auth.User {
	e.t.Helper()
	var got auth.User
	if err := e.db().DB().First(&got, u.ID).Error; err != nil {
		e.t.Fatal(err)
	}
	return &got
}

// browser returns a client with a cookie jar of its own, sending Host
// example.com.
func (e *viewsEnv) browser() *viewsBrowser {
	return &viewsBrowser{t: e.t, h: e.p.Handler(), cookies: map[string]string{}, host: "example.com"}
}

// viewsBrowser serves requests through the project's handler, keeping
// cookies like a browser.
type viewsBrowser struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]string
	host    string
	header  http.Header // extra request headers
}

// viewsResponse is a served response with its body read.
type viewsResponse struct {
	*http.Response
	body string
}

func (b *viewsBrowser) do(method, target string, form url.Values) *viewsResponse {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	req.Host = b.host
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range b.header {
		req.Header[k] = vs
	}
	for name, value := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	resp := rec.Result()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	data, _ := io.ReadAll(resp.Body)
	return &viewsResponse{Response: resp, body: string(data)}
}

func (b *viewsBrowser) get(target string) *viewsResponse { return b.do("GET", target, nil) }

func (b *viewsBrowser) post(target string, form url.Values) *viewsResponse {
	if form == nil {
		form = url.Values{}
	}
	return b.do("POST", target, form)
}

// whoami returns who b is logged in as ("AnonymousUser" when not).
func (b *viewsBrowser) whoami() string {
	b.t.Helper()
	resp := b.get("/whoami/")
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET /whoami/ = %d; want 200: %s", resp.StatusCode, resp.body)
	}
	return resp.body
}

// login logs b in with username and password and fails the test unless
// that redirects.
func (b *viewsBrowser) login(username, password string) {
	b.t.Helper()
	resp := b.post("/accounts/login/", url.Values{"username": {username}, "password": {password}})
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("log in as %q = %d; want 302: %s", username, resp.StatusCode, resp.body)
	}
}

// wantStatus fails the test unless resp has the status.
func wantStatus(t *testing.T, what string, resp *viewsResponse, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s = %d; want %d; Location %q; body:\n%s", what, resp.StatusCode, status, resp.Header.Get("Location"), resp.body)
	}
}

// wantRedirect fails the test unless resp is a 302 to location.
func wantRedirect(t *testing.T, what string, resp *viewsResponse, location string) {
	t.Helper()
	wantStatus(t, what, resp, http.StatusFound)
	if got := resp.Header.Get("Location"); got != location {
		t.Fatalf("%s: Location = %q; want %q", what, got, location)
	}
}

// wantBody fails the test unless resp's body contains each of parts.
func wantBody(t *testing.T, what string, resp *viewsResponse, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(resp.body, p) {
			t.Errorf("%s: body does not contain %q:\n%s", what, p, resp.body)
		}
	}
}

const msgInvalidLogin = "Please enter a correct username and password. Note that both fields may be case-sensitive."

func TestLoginView(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		e := newViewsEnv(t, dbURL, nil)
		u := e.user("ann", "ann@example.com")
		b := e.browser()

		resp := b.get("/accounts/login/?next=/polls/")
		wantStatus(t, "GET login", resp, http.StatusOK)
		wantBody(t, "GET login", resp, `name="username"`, `type="password" name="password"`, `name="next" value="/polls/"`,
			`href="/accounts/password_reset/"`)
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("GET login: Cache-Control = %q; want no-store", cc)
		}

		resp = b.post("/accounts/login/", url.Values{"username": {"ann"}, "password": {"wrong"}, "next": {"/polls/"}})
		wantStatus(t, "log in with a wrong password", resp, http.StatusOK)
		wantBody(t, "log in with a wrong password", resp, msgInvalidLogin, `value="ann"`, `name="next" value="/polls/"`)
		if strings.Contains(resp.body, `value="wrong"`) {
			t.Errorf("the login page shows the password typed back")
		}
		resp = b.post("/accounts/login/", url.Values{"username": {"Ann"}, "password": {viewsPassword}})
		wantBody(t, "log in with the username in another case", resp, msgInvalidLogin)
		resp = b.post("/accounts/login/", url.Values{"username": {"nobody"}, "password": {viewsPassword}})
		wantBody(t, "log in as an unknown user", resp, msgInvalidLogin)
		resp = b.post("/accounts/login/", url.Values{"username": {""}, "password": {""}})
		wantBody(t, "log in with empty fields", resp, "This field is required.")
		if got := b.whoami(); got != "AnonymousUser" {
			t.Fatalf("after failed logins whoami = %q; want AnonymousUser", got)
		}

		before, hadSession := b.cookies["sessionid"]
		resp = b.post("/accounts/login/", url.Values{"username": {"ann"}, "password": {viewsPassword}, "next": {"/polls/"}})
		wantRedirect(t, "log in", resp, "/polls/")
		if hadSession && b.cookies["sessionid"] == before {
			t.Errorf("the session id did not change at login (session fixation)")
		}
		if got := b.whoami(); got != "ann" {
			t.Errorf("after login whoami = %q; want ann", got)
		}
		if u := e.reload(u); u.LastLogin == nil {
			t.Errorf("last_login not set at login")
		}

		// The query's next is used when the form has none; without any,
		// Settings.Auth.LoginRedirectURL.
		resp = e.browser().post("/accounts/login/?next=/from-query/", url.Values{"username": {"ann"}, "password": {viewsPassword}})
		wantRedirect(t, "log in with ?next", resp, "/from-query/")
		resp = e.browser().post("/accounts/login/", url.Values{"username": {"ann"}, "password": {viewsPassword}})
		wantRedirect(t, "log in without next", resp, "/")

		resp = b.do("PUT", "/accounts/login/", url.Values{})
		wantStatus(t, "PUT login", resp, http.StatusMethodNotAllowed)
	})
}

func TestLoginViewInactive(t *testing.T) {
	e := newViewsEnv(t, djinntest.SQLiteURL(t), nil)
	u := e.user("ann", "ann@example.com")
	if err := e.db().DB().Model(u).Update("is_active", false).Error; err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	resp := b.post("/accounts/login/", url.Values{"username": {"ann"}, "password": {viewsPassword}})
	wantStatus(t, "log in as an inactive user", resp, http.StatusOK)
	wantBody(t, "log in as an inactive user", resp, "This account is inactive.")
	if got := b.whoami(); got != "AnonymousUser" {
		t.Errorf("whoami = %q; want AnonymousUser", got)
	}
	// A wrong password does not reveal that the account exists.
	resp = b.post("/accounts/login/", url.Values{"username": {"ann"}, "password": {"wrong"}})
	wantBody(t, "inactive user, wrong password", resp, msgInvalidLogin)
}

func TestLoginViewThrottled(t *testing.T) {
	e := newViewsEnv(t, djinntest.SQLiteURL(t), func(s *core.Settings) {
		s.Auth.LoginAttempts = 3
		s.Auth.LoginWindow = 10 * time.Minute
	})
	e.user("ann", "ann@example.com")
	b := e.browser()
	for i := range 3 {
		resp := b.post("/accounts/login/", url.Values{"username": {"ann"}, "password": {"wrong"}})
		wantStatus(t, fmt.Sprintf("failed login %d", i+1), resp, http.StatusOK)
	}
	for _, pw := range []string{"wrong", viewsPassword} {
		resp := b.post("/accounts/login/", url.Values{"username": {"ann"}, "password": {pw}})
		what := "login after 3 failures with password " + pw
		wantStatus(t, what, resp, http.StatusTooManyRequests)
		ra := resp.Header.Get("Retry-After")
		var secs int
		if _, err := fmt.Sscanf(ra, "%d", &secs); err != nil || secs < 1 || secs > 600 {
			t.Errorf("%s: Retry-After = %q; want seconds in 1..600", what, ra)
		}
		wantBody(t, what, resp, "Too many failed login attempts. Please try again in ", `name="username"`)
	}
	if got := b.whoami(); got != "AnonymousUser" {
		t.Errorf("a throttled login logged in: whoami = %q", got)
	}
}

func TestLoginViewNext(t *testing.T) {
	e := newViewsEnv(t, djinntest.SQLiteURL(t), func(s *core.Settings) {
		s.AllowedHosts = []string{"example.com", "app.example.com", ".example.net", "*"}
	})
	e.user("ann", "ann@example.com")
	tests := []struct {
		next string
		want string // "/" is the default
	}{
		{"/polls/7/?page=2#results", "/polls/7/?page=2#results"},
		{"/files/a%2Fb", "/files/a%2Fb"},
		{"https://example.com/after", "https://example.com/after"},
		{"https://app.example.com/after", "https://app.example.com/after"},
		{"https://example.net/", "https://example.net/"},
		// Attacks fall back to the default.
		{"//evil.com", "/"},
		{"///evil.com", "/"},
		{"https:evil.com", "/"},
		{"https:/evil.com", "/"},
		{`\\evil.com`, "/"},
		{`/\evil.com`, "/"},
		{`\/evil.com`, "/"},
		{"http://evil.com", "/"},
		{"https://evil.com/https://example.com/", "/"},
		{"https://example.com@evil.com/", "/"},
		{"https://example.com.evil.com/", "/"},
		{"https://sub.example.net/", "/"}, // ".example.net" allows the host, not redirects to every subdomain
		{"%2F%2Fevil.com", "/"},
		{"/%2F%2Fevil.com", "/"},
		{"/%5Cevil.com", "/"},
		{"javascript:alert(1)", "/"},
		{"JavaScript:alert(1)", "/"},
		{"data:text/html,<script>alert(1)</script>", "/"},
		{" //evil.com", "/"},
		{"\t//evil.com", "/"},
		{"/\t/evil.com", "/"},
		{"/\n/evil.com", "/"},
		{"/\r\n/evil.com", "/"},
		{"//evil.com\t", "/"},
		{"\u200b//evil.com", "/"},
		{"evil.com", "/"},
		{"ftp://example.com/", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			resp := e.browser().post("/accounts/login/", url.Values{"username": {"ann"}, "password": {viewsPassword}, "next": {tt.next}})
			wantRedirect(t, fmt.Sprintf("log in with next %q", tt.next), resp, tt.want)
			// The same next in the query string.
			resp = e.browser().post("/accounts/login/?next="+url.QueryEscape(tt.next), url.Values{"username": {"ann"}, "password": {viewsPassword}})
			wantRedirect(t, fmt.Sprintf("log in with ?next=%q", tt.next), resp, tt.want)
			// The form does not carry an unsafe next.
			page := e.browser().get("/accounts/login/?next=" + url.QueryEscape(tt.next))
			if tt.want == "/" && strings.Contains(page.body, `name="next"`) && strings.Contains(page.body, "evil") {
				t.Errorf("GET login?next=%q puts it in the form:\n%s", tt.next, page.body)
			}
		})
	}
	// The raw query "%2F%2Fevil.com" decodes to //evil.com.
	resp := e.browser().post("/accounts/login/?next=%2F%2Fevil.com", url.Values{"username": {"ann"}, "password": {viewsPassword}})
	wantRedirect(t, "log in with ?next=%2F%2Fevil.com", resp, "/")
	// Another allowed host of the request (Host header) is fine.
	b := e.browser()
	b.host = "app.example.com"
	resp = b.post("/accounts/login/", url.Values{"username": {"ann"}, "password": {viewsPassword}, "next": {"https://app.example.com/x"}})
	wantRedirect(t, "log in on app.example.com", resp, "https://app.example.com/x")
}

func TestLogoutView(t *testing.T) {
	e := newViewsEnv(t, djinntest.SQLiteURL(t), nil)
	e.user("ann", "ann@example.com")
	b := e.browser()
	b.login("ann", viewsPassword)

	resp := b.get("/accounts/logout/")
	wantStatus(t, "GET logout", resp, http.StatusMethodNotAllowed)
	if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "POST") || strings.Contains(allow, "GET") {
		t.Errorf("GET logout: Allow = %q; want POST only", allow)
	}
	if got := b.whoami(); got != "ann" {
		t.Fatalf("GET logout logged out: whoami = %q", got)
	}

	resp = b.post("/accounts/logout/", nil)
	// No LogoutRedirectURL (the default, as in Django): the logged-out page.
	wantStatus(t, "POST logout", resp, http.StatusOK)
	if !strings.Contains(resp.body, "<h1>Logged out</h1>") || !strings.Contains(resp.body, `href="/accounts/login/"`) {
		t.Errorf("POST logout page = %q; want registration/logged_out.html with a login link", resp.body)
	}
	if got := b.whoami(); got != "AnonymousUser" {
		t.Errorf("after logout whoami = %q; want AnonymousUser", got)
	}

	b.login("ann", viewsPassword)
	resp = b.post("/accounts/logout/", url.Values{"next": {"/bye/"}})
	wantRedirect(t, "POST logout with next", resp, "/bye/")
	b.login("ann", viewsPassword)
	resp = b.post("/accounts/logout/", url.Values{"next": {"//evil.com"}})
	wantStatus(t, "POST logout with an unsafe next", resp, http.StatusOK)
	if strings.Contains(resp.body, "evil.com") || resp.Header.Get("Location") != "" {
		t.Errorf("POST logout with an unsafe next went or linked there: Location %q body %q", resp.Header.Get("Location"), resp.body)
	}
	if got := b.whoami(); got != "AnonymousUser" {
		t.Errorf("after logout whoami = %q; want AnonymousUser", got)
	}
}

func TestPasswordChangeView(t *testing.T) {
	e := newViewsEnv(t, djinntest.SQLiteURL(t), nil)
	u := e.user("ann", "ann@example.com")

	anon := e.browser()
	resp := anon.get("/accounts/password_change/")
	wantStatus(t, "anonymous GET password_change", resp, http.StatusFound)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/accounts/login/?next=") {
		t.Errorf("anonymous GET password_change: Location = %q; want the login page", loc)
	}
	resp = anon.post("/accounts/password_change/", url.Values{"old_password": {viewsPassword}, "new_password1": {"x"}, "new_password2": {"x"}})
	if resp.StatusCode == http.StatusOK || e.reload(u).Password != u.Password {
		t.Fatalf("anonymous POST password_change = %d and changed the password", resp.StatusCode)
	}

	this, other := e.browser(), e.browser()
	this.login("ann", viewsPassword)
	other.login("ann", viewsPassword)

	resp = this.get("/accounts/password_change/")
	wantStatus(t, "GET password_change", resp, http.StatusOK)
	wantBody(t, "GET password_change", resp, `name="old_password"`, `name="new_password1"`, `name="new_password2"`,
		"Your password can’t be too similar to your other personal information.")

	const newPassword = "tangerine submarine 42"
	bad := []struct {
		name        string
		old, p1, p2 string
		want        string
	}{
		{"wrong old password", "wrong", newPassword, newPassword, "Your old password was entered incorrectly. Please enter it again."},
		{"mismatch", viewsPassword, newPassword, newPassword + "!", "The two password fields didn’t match."},
		{"too common", viewsPassword, "password123", "password123", "This password is too common."},
		{"too short and numeric", viewsPassword, "1234", "1234", "This password is too short. It must contain at least 8 characters."},
		{"missing", viewsPassword, "", "", "This field is required."},
	}
	for _, tt := range bad {
		resp := this.post("/accounts/password_change/", url.Values{"old_password": {tt.old}, "new_password1": {tt.p1}, "new_password2": {tt.p2}})
		wantStatus(t, "password change: "+tt.name, resp, http.StatusOK)
		wantBody(t, "password change: "+tt.name, resp, tt.want)
		if strings.Contains(resp.body, `value="`+viewsPassword) || (tt.p1 != "" && strings.Contains(resp.body, `value="`+tt.p1)) {
			t.Errorf("password change: %s: the page shows a password typed back", tt.name)
		}
	}
	if e.reload(u).Password != u.Password {
		t.Fatal("a refused password change changed the password")
	}

	resp = this.post("/accounts/password_change/", url.Values{"old_password": {viewsPassword}, "new_password1": {newPassword}, "new_password2": {newPassword}})
	wantRedirect(t, "password change", resp, "/accounts/password_change/done/")
	resp = this.get("/accounts/password_change/done/")
	wantStatus(t, "GET password_change_done", resp, http.StatusOK)
	wantBody(t, "GET password_change_done", resp, "Your password was changed.")

	// This session stays logged in, the other one is logged out.
	if got := this.whoami(); got != "ann" {
		t.Errorf("after the change this session's whoami = %q; want ann", got)
	}
	if got := other.whoami(); got != "AnonymousUser" {
		t.Errorf("after the change the other session's whoami = %q; want AnonymousUser", got)
	}
	// The new password works, the old one does not.
	resp = e.browser().post("/accounts/login/", url.Values{"username": {"ann"}, "password": {viewsPassword}})
	wantBody(t, "log in with the old password", resp, msgInvalidLogin)
	e.browser().login("ann", newPassword)
}

// resetLink matches the reset link of a mail and captures its path.
var resetLink = regexp.MustCompile(`https?://[^/\s]+(/accounts/reset/([^/\s]+)/([^/\s]+)/)`)

// requestReset posts the reset form for email with b and returns the
// response.
func requestReset(t *testing.T, b *viewsBrowser, email string) *viewsResponse {
	t.Helper()
	return b.post("/accounts/password_reset/", url.Values{"email": {email}})
}

// lastLink returns the link of the only message in the outbox (and
// empties it).
func (e *viewsEnv) lastLink() (full, path string) {
	e.t.Helper()
	msgs := e.outbox.Messages()
	if len(msgs) != 1 {
		e.t.Fatalf("outbox has %d messages; want 1", len(msgs))
	}
	e.outbox.Reset()
	m := resetLink.FindStringSubmatch(msgs[0].Body)
	if m == nil {
		e.t.Fatalf("no reset link in the mail:\n%s", msgs[0].Body)
	}
	return m[0], m[1]
}

func TestPasswordResetFlow(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		e := newViewsEnv(t, dbURL, nil)
		u := e.user("ann", "ann@example.com")
		b := e.browser()

		resp := b.get("/accounts/password_reset/")
		wantStatus(t, "GET password_reset", resp, http.StatusOK)
		wantBody(t, "GET password_reset", resp, `type="email" name="email"`)

		resp = requestReset(t, b, "ANN@example.com")
		wantRedirect(t, "POST password_reset", resp, "/accounts/password_reset/done/")
		resp = b.get("/accounts/password_reset/done/")
		wantBody(t, "GET password_reset_done", resp, "We’ve emailed you instructions for setting your password")

		msgs := e.outbox.Messages()
		if len(msgs) != 1 {
			t.Fatalf("outbox has %d messages; want 1", len(msgs))
		}
		m := msgs[0]
		if len(m.To) != 1 || m.To[0] != "ann@example.com" || m.Subject != "Password reset on site.example" || m.From != "webmaster@localhost" {
			t.Errorf("mail To %q, From %q, Subject %q; want ann@example.com, webmaster@localhost, Password reset on site.example", m.To, m.From, m.Subject)
		}
		if !strings.Contains(m.Body, "Your username, in case you’ve forgotten: ann") {
			t.Errorf("mail body lacks the username:\n%s", m.Body)
		}
		full, path := e.lastLink()
		wantURL := viewsSiteURL + "/accounts/reset/" + auth.EncodeUID(u.ID) + "/"
		if !strings.HasPrefix(full, wantURL) {
			t.Fatalf("reset link %q; want it under %q", full, wantURL)
		}

		// The link moves the token into the session.
		setPath := "/accounts/reset/" + auth.EncodeUID(u.ID) + "/set-password/"
		resp = b.get(path)
		wantRedirect(t, "GET the reset link", resp, setPath)
		resp = b.get(setPath)
		wantStatus(t, "GET set-password", resp, http.StatusOK)
		wantBody(t, "GET set-password", resp, `name="new_password1"`, `name="new_password2"`)
		token := strings.Split(strings.TrimSuffix(path, "/"), "/")[4]
		if strings.Contains(resp.body, token) {
			t.Errorf("the set-password page contains the token")
		}
		// Another browser cannot use set-password without the token.
		resp = e.browser().get(setPath)
		wantBody(t, "set-password without the session", resp, "The password reset link was invalid")

		resp = b.post(setPath, url.Values{"new_password1": {"tangerine submarine 42"}, "new_password2": {"tangerine submarine"}})
		wantStatus(t, "set-password mismatch", resp, http.StatusOK)
		wantBody(t, "set-password mismatch", resp, "The two password fields didn’t match.")
		resp = b.post(setPath, url.Values{"new_password1": {"password"}, "new_password2": {"password"}})
		wantBody(t, "set-password common", resp, "This password is too common.")

		resp = b.post(setPath, url.Values{"new_password1": {"tangerine submarine 42"}, "new_password2": {"tangerine submarine 42"}})
		wantRedirect(t, "set-password", resp, "/accounts/reset/done/")
		resp = b.get("/accounts/reset/done/")
		wantBody(t, "GET password_reset_complete", resp, "Your password has been set.", `href="/accounts/login/"`)
		if got := b.whoami(); got != "AnonymousUser" {
			t.Errorf("a reset logged in: whoami = %q", got)
		}
		e.browser().login("ann", "tangerine submarine 42")

		// The link is single use, with its session or without.
		for name, c := range map[string]*viewsBrowser{"same browser": b, "new browser": e.browser()} {
			resp = c.get(path)
			wantStatus(t, "reuse of the link, "+name, resp, http.StatusOK)
			wantBody(t, "reuse of the link, "+name, resp, "The password reset link was invalid")
			resp = c.post(setPath, url.Values{"new_password1": {"another password 77"}, "new_password2": {"another password 77"}})
			wantBody(t, "reuse of set-password, "+name, resp, "The password reset link was invalid")
		}
		if ok, _, _ := e.app.Passwords().Check("tangerine submarine 42", e.reload(u).Password); !ok {
			t.Errorf("the password is not the one set through the link")
		}
	})
}

func TestPasswordResetLinkExpiresAndDiesAtLogin(t *testing.T) {
	e := newViewsEnv(t, djinntest.SQLiteURL(t), func(s *core.Settings) { s.Auth.PasswordResetTimeout = time.Hour })
	u := e.user("ann", "ann@example.com")
	tokens := auth.NewTokens(e.p.Settings())
	uid := auth.EncodeUID(u.ID)
	now := time.Now()
	tests := []struct {
		name  string
		made  time.Time
		valid bool
	}{
		{"made now", now, true},
		{"made 59 minutes ago", now.Add(-59 * time.Minute), true},
		{"made 61 minutes ago", now.Add(-61 * time.Minute), false},
		{"made a week ago", now.Add(-7 * 24 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.browser().get("/accounts/reset/" + uid + "/" + tokens.MakeToken(u, tt.made) + "/")
			if tt.valid {
				wantRedirect(t, "GET link", resp, "/accounts/reset/"+uid+"/set-password/")
			} else {
				wantStatus(t, "GET link", resp, http.StatusOK)
				wantBody(t, "GET link", resp, "The password reset link was invalid")
			}
		})
	}

	// Logging in changes last_login (ann never logged in), which kills the
	// links sent before.
	requestReset(t, e.browser(), "ann@example.com")
	_, path := e.lastLink()
	e.browser().login("ann", viewsPassword)
	resp := e.browser().get(path)
	wantBody(t, "GET a link after a login", resp, "The password reset link was invalid")

	// Links with a wrong uid or token.
	for _, p := range []string{
		"/accounts/reset/" + auth.EncodeUID(u.ID+1) + "/" + tokens.MakeToken(u, now) + "/",
		"/accounts/reset/!!/" + tokens.MakeToken(u, now) + "/",
		"/accounts/reset/" + uid + "/1-2/",
		"/accounts/reset/" + uid + "/set-password/",
	} {
		resp := e.browser().get(p)
		wantStatus(t, "GET "+p, resp, http.StatusOK)
		wantBody(t, "GET "+p, resp, "The password reset link was invalid")
	}
}

func TestPasswordResetNoEnumeration(t *testing.T) {
	e := newViewsEnv(t, djinntest.SQLiteURL(t), nil)
	e.user("ann", "ann@example.com")
	inactive := e.user("ivan", "ivan@example.com")
	if err := e.db().DB().Model(inactive).Update("is_active", false).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.CreateUser(t.Context(), "una", "una@example.com", ""); err != nil { // unusable password
		t.Fatal(err)
	}

	known := requestReset(t, e.browser(), "ann@example.com")
	if n := len(e.outbox.Messages()); n != 1 {
		t.Fatalf("reset for a known address sent %d mails; want 1", n)
	}
	e.outbox.Reset()
	for _, email := range []string{"nobody@example.com", "ivan@example.com", "una@example.com"} {
		resp := requestReset(t, e.browser(), email)
		if resp.StatusCode != known.StatusCode || resp.Header.Get("Location") != known.Header.Get("Location") || resp.body != known.body {
			t.Errorf("reset for %s = %d %q; want the same answer as for a known address, %d %q", email,
				resp.StatusCode, resp.Header.Get("Location"), known.StatusCode, known.Header.Get("Location"))
		}
		if msgs := e.outbox.Messages(); len(msgs) != 0 {
			t.Errorf("reset for %s sent %d mails (to %q); want none", email, len(msgs), msgs[0].To)
		}
	}
	resp := requestReset(t, e.browser(), "not an address")
	wantStatus(t, "reset for a malformed address", resp, http.StatusOK)
	wantBody(t, "reset for a malformed address", resp, "Enter a valid email address.")
}

func TestPasswordResetHostHeader(t *testing.T) {
	tests := []struct {
		name     string
		siteURL  string
		allowed  []string
		wantLink string // "" means no mail
	}{
		{"SiteURL", viewsSiteURL, []string{"*"}, viewsSiteURL + "/accounts/reset/"},
		{"SiteURL with a port", "http://localhost:8000", []string{"*"}, "http://localhost:8000/accounts/reset/"},
		{"first allowed host", "", []string{".example.org", "*"}, "https://example.org/accounts/reset/"},
		{"no origin", "", []string{"*"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newViewsEnv(t, djinntest.SQLiteURL(t), func(s *core.Settings) {
				s.SiteURL = tt.siteURL
				s.AllowedHosts = tt.allowed
			})
			e.user("ann", "ann@example.com")
			b := e.browser()
			b.host = "evil.com"
			b.header = http.Header{"X-Forwarded-Host": {"evil.com"}, "Origin": {"http://evil.com"}, "Sec-Fetch-Site": {"same-origin"}}
			resp := requestReset(t, b, "ann@example.com")
			wantRedirect(t, "POST password_reset with Host evil.com", resp, "/accounts/password_reset/done/")
			msgs := e.outbox.Messages()
			if tt.wantLink == "" {
				if len(msgs) != 0 {
					t.Fatalf("sent %d mails without a site origin; want none", len(msgs))
				}
				rec := e.logs.Find(t, "password reset e-mail not sent")
				if rec == nil || !strings.Contains(fmt.Sprint(rec["error"]), "set SiteURL") {
					t.Errorf("no error log naming SiteURL; logs:\n%s", e.logs.String())
				}
				return
			}
			if len(msgs) != 1 {
				t.Fatalf("outbox has %d messages; want 1", len(msgs))
			}
			if strings.Contains(msgs[0].Body, "evil.com") {
				t.Errorf("the mail uses the request's host:\n%s", msgs[0].Body)
			}
			if !strings.Contains(msgs[0].Body, tt.wantLink) {
				t.Errorf("the mail has no link under %q:\n%s", tt.wantLink, msgs[0].Body)
			}
		})
	}
}

func TestRegistrationTemplatesOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "registration"), 0o755); err != nil {
		t.Fatal(err)
	}
	layout := `<!doctype html><title>{{block "title" .}}{{end}}</title><p>Project layout</p>{{block "content" .}}{{end}}`
	if err := os.WriteFile(filepath.Join(dir, "registration", "base.html"), []byte(layout), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newViewsEnv(t, djinntest.SQLiteURL(t), func(s *core.Settings) { s.Templates.Dirs = []string{dir} })
	resp := e.browser().get("/accounts/login/")
	wantStatus(t, "GET login", resp, http.StatusOK)
	wantBody(t, "GET login", resp, "<p>Project layout</p>", `name="username"`)
}

// TestViewsDefaultMount serves the views where the project mounts apps
// without Settings.URLs, "/auth/" in namespace "auth": redirects and
// links follow the mount.
func TestViewsDefaultMount(t *testing.T) {
	e := newViewsEnv(t, djinntest.SQLiteURL(t), func(s *core.Settings) { s.URLs = nil })
	e.user("ann", "ann@example.com")
	b := e.browser()
	resp := b.get("/auth/login/")
	wantStatus(t, "GET /auth/login/", resp, http.StatusOK)
	wantBody(t, "GET /auth/login/", resp, `href="/auth/password_reset/"`, `action="/auth/login/"`)
	resp = b.post("/auth/password_reset/", url.Values{"email": {"ann@example.com"}})
	wantRedirect(t, "POST /auth/password_reset/", resp, "/auth/password_reset/done/")
	msgs := e.outbox.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Body, viewsSiteURL+"/auth/reset/"+auth.EncodeUID(1)+"/") {
		t.Fatalf("mails %d; want 1 with a link under /auth/reset/", len(msgs))
	}
}
