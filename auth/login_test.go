package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/sessions"
)

// testRoutes are the views of the end-to-end tests.
func testRoutes(r *urls.Router) {
	r.Handle("POST /login", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		a := holderFrom(r.Context()).app
		u, err := a.Authenticate(r.Context(), r, r.FormValue("username"), r.FormValue("password"))
		if errors.Is(err, ErrInvalidCredentials) || errors.Is(err, ErrInactive) {
			return respond.NewError(http.StatusUnauthorized, "invalid")
		}
		if err != nil {
			return err
		}
		if err := Login(w, r, u); err != nil {
			return err
		}
		return respond.Text(w, 200, "logged in as "+UserFrom(r.Context()).Username)
	}), "login")
	r.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		_ = respond.Text(w, 200, UserFrom(r.Context()).String())
	}, "me")
	r.Handle("POST /logout", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if err := Logout(w, r); err != nil {
			return err
		}
		return respond.Text(w, 200, "bye "+UserFrom(r.Context()).String())
	}), "logout")
	r.Handle("GET /visit", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		s, err := sessions.Get(r)
		if err != nil {
			return err
		}
		s.Set("cart", "3 apples")
		return respond.Text(w, 200, "visited")
	}), "visit")
	r.Handle("GET /private", RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = respond.Text(w, 200, "private page of "+UserFrom(r.Context()).Username)
	})), "private")
	edit := func(w http.ResponseWriter, r *http.Request) {
		a := holderFrom(r.Context()).app
		if err := a.dbFor(r.Context()).Create(&Group{Name: "made by " + UserFrom(r.Context()).Username}).Error; err != nil {
			respond.Error(w, r, err)
			return
		}
		_ = respond.Text(w, 200, "edited")
	}
	r.Handle("POST /edit", RequirePerm("polls.change_question")(http.HandlerFunc(edit)), "edit")
	r.Handle("POST /staff", RequireStaff(http.HandlerFunc(edit)), "staff")
}

func TestAuthenticate(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		p := newProject(t, dbURL, func(s *core.Settings) { s.Auth.LoginAttempts = 0 }, nil)
		ctx := t.Context()
		if _, err := p.auth.CreateUser(ctx, "ann", "", "right-password"); err != nil {
			t.Fatal(err)
		}
		off, err := p.auth.CreateUser(ctx, "off", "", "right-password")
		if err != nil {
			t.Fatal(err)
		}
		p.auth.db.Model(off).Update("is_active", false)

		for _, tc := range []struct {
			name, username, password string
			want                     error // nil: logs in
		}{
			{"right password", "ann", "right-password", nil},
			{"wrong password", "ann", "wrong-password", ErrInvalidCredentials},
			{"unknown user", "bob", "right-password", ErrInvalidCredentials},
			{"username in other case", "Ann", "right-password", ErrInvalidCredentials},
			{"empty password", "ann", "", ErrInvalidCredentials},
			{"inactive, right password", "off", "right-password", ErrInactive},
			{"inactive, wrong password", "off", "wrong-password", ErrInvalidCredentials},
		} {
			u, err := p.auth.Authenticate(ctx, nil, tc.username, tc.password)
			switch {
			case tc.want == nil && (err != nil || u.Username != tc.username):
				t.Errorf("%s: Authenticate(%q) = %v, %v; want the user", tc.name, tc.username, u, err)
			case tc.want != nil && (!errors.Is(err, tc.want) || u != nil):
				t.Errorf("%s: Authenticate(%q) = %v, %v; want %v", tc.name, tc.username, u, err, tc.want)
			}
		}
	})
}

// spyHasher counts the hashings and verifications of a Hasher.
type spyHasher struct {
	Hasher
	encodes, verifies atomic.Int32
}

func (c *spyHasher) Encode(pw, salt string) (string, error) {
	c.encodes.Add(1)
	return c.Hasher.Encode(pw, salt)
}

func (c *spyHasher) Verify(pw, enc string) (bool, error) {
	c.verifies.Add(1)
	return c.Hasher.Verify(pw, enc)
}

// TestAuthenticateSpendsHashingOnUnknownUser checks that a login with an
// unknown username hashes the password like a wrong password does, so
// that response times do not reveal which usernames exist.
func TestAuthenticateSpendsHashingOnUnknownUser(t *testing.T) {
	ch := &spyHasher{Hasher: NewPBKDF2SHA256(testIterations)}
	pw, err := NewPasswordsWith(ch)
	if err != nil {
		t.Fatal(err)
	}
	p := newProject(t, djinntest.SQLiteURL(t), nil, nil, WithPasswords(pw))
	ctx := t.Context()
	if _, err := p.auth.CreateUser(ctx, "ann", "", "right-password"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, username string }{
		{"unknown user", "nobody"},
		{"known user, wrong password", "ann"},
	} {
		ch.encodes.Store(0)
		ch.verifies.Store(0)
		if _, err := p.auth.Authenticate(ctx, nil, tc.username, "wrong-password"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("%s: err = %v", tc.name, err)
		}
		if n := ch.encodes.Load() + ch.verifies.Load(); n != 1 {
			t.Errorf("%s: %d hashings (Encode %d, Verify %d); want exactly 1", tc.name, n, ch.encodes.Load(), ch.verifies.Load())
		}
	}
}

type djangoVector struct {
	Note, Algorithm, Password, Encoded string
}

// TestDjangoHashLogsInAndIsUpgraded: a user carried over from Django with
// a Django-made pbkdf2 hash logs in, and the stored hash is replaced by
// one with the project's iterations.
func TestDjangoHashLogsInAndIsUpgraded(t *testing.T) {
	b, err := os.ReadFile("testdata/django_hashes.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Vectors []djangoVector }
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	var v djangoVector
	for _, x := range file.Vectors {
		if x.Algorithm == PBKDF2SHA256 && strings.HasPrefix(x.Encoded, "pbkdf2_sha256$260000$") {
			v = x
		}
	}
	if v.Encoded == "" {
		t.Fatal("testdata has no Django 3.2 pbkdf2_sha256 vector")
	}
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		p := newProject(t, dbURL, nil, nil)
		ctx := t.Context()
		u, err := p.auth.CreateUser(ctx, "django", "", "")
		if err != nil {
			t.Fatal(err)
		}
		p.auth.db.Model(u).Update("password", v.Encoded) // as imported from Django's auth_user

		if _, err := p.auth.Authenticate(ctx, nil, "django", v.Password+"x"); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("wrong password against the Django hash: %v; want ErrInvalidCredentials", err)
		}
		var stored User
		p.auth.db.Take(&stored, u.ID)
		if stored.Password != v.Encoded {
			t.Errorf("a failed login changed the stored hash")
		}

		got, err := p.auth.Authenticate(ctx, nil, "django", v.Password)
		if err != nil {
			t.Fatalf("Authenticate with the Django hash's password: %v", err)
		}
		p.auth.db.Take(&stored, u.ID)
		if !strings.HasPrefix(stored.Password, fmt.Sprintf("pbkdf2_sha256$%d$", testIterations)) || got.Password != stored.Password {
			t.Errorf("stored hash after login = %.25q…; want it upgraded to pbkdf2_sha256$%d$", stored.Password, testIterations)
		}
		if _, err := p.auth.Authenticate(ctx, nil, "django", v.Password); err != nil {
			t.Errorf("login with the upgraded hash: %v", err)
		}
	})
}

func TestLoginLogout(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		p := newProject(t, dbURL, nil, testRoutes)
		if _, err := p.auth.CreateUser(t.Context(), "ann", "", "right-password"); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, p.Project)
		if _, body, _ := c.get("/me"); body != "AnonymousUser" {
			t.Errorf("before login /me = %q; want AnonymousUser", body)
		}
		if c.sessionCookie() != "" {
			t.Error("an anonymous /me set a session cookie")
		}
		if code, _, _ := c.post("/login", url.Values{"username": {"ann"}, "password": {"nope"}}); code != 401 {
			t.Errorf("wrong password: status %d; want 401", code)
		}
		if code, body, _ := c.post("/login", url.Values{"username": {"ann"}, "password": {"right-password"}}); code != 200 || body != "logged in as ann" {
			t.Fatalf("login: %d %q", code, body)
		}
		if _, body, _ := c.get("/me"); body != "ann" {
			t.Errorf("after login /me = %q; want ann", body)
		}
		var u User
		p.auth.db.Where("username = ?", "ann").Take(&u)
		if u.LastLogin == nil {
			t.Error("last_login not set by Login")
		}
		if code, body, _ := c.post("/logout", nil); code != 200 || body != "bye AnonymousUser" {
			t.Errorf("logout: %d %q", code, body)
		}
		if _, body, _ := c.get("/me"); body != "AnonymousUser" {
			t.Errorf("after logout /me = %q; want AnonymousUser", body)
		}
		var n int64
		p.auth.db.Table("sessions_session").Count(&n)
		if n != 0 {
			t.Errorf("%d sessions left in the store after logout; want 0", n)
		}
	})
}

// TestSessionFixation: a session id planted before login does not carry
// the login.
func TestSessionFixation(t *testing.T) {
	p := newProject(t, djinntest.SQLiteURL(t), nil, testRoutes)
	if _, err := p.auth.CreateUser(t.Context(), "ann", "", "right-password"); err != nil {
		t.Fatal(err)
	}
	victim := newClient(t, p.Project)
	victim.get("/visit")
	planted := victim.sessionCookie()
	if planted == "" {
		t.Fatal("/visit set no session cookie")
	}
	if code, _, _ := victim.post("/login", url.Values{"username": {"ann"}, "password": {"right-password"}}); code != 200 {
		t.Fatalf("login: %d", code)
	}
	if victim.sessionCookie() == planted {
		t.Fatal("login kept the session id from before login")
	}
	attacker := newClient(t, p.Project)
	attacker.setSessionCookie(planted)
	if _, body, _ := attacker.get("/me"); body != "AnonymousUser" {
		t.Errorf("the pre-login session id gives user %q; want AnonymousUser", body)
	}
	if _, body, _ := victim.get("/me"); body != "ann" {
		t.Errorf("victim after login: %q; want ann", body)
	}
}

// TestPasswordChangeEndsOtherSessions: changing the password logs out
// every session made with the old one; an inactive user is anonymous.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		p := newProject(t, dbURL, nil, testRoutes)
		u, err := p.auth.CreateUser(t.Context(), "ann", "", "right-password")
		if err != nil {
			t.Fatal(err)
		}
		laptop, phone := newClient(t, p.Project), newClient(t, p.Project)
		for _, c := range []*client{laptop, phone} {
			if code, _, _ := c.post("/login", url.Values{"username": {"ann"}, "password": {"right-password"}}); code != 200 {
				t.Fatalf("login: %d", code)
			}
		}
		if err := p.auth.SetPassword(t.Context(), u, "new-password"); err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]*client{"laptop": laptop, "phone": phone} {
			if _, body, _ := c.get("/me"); body != "AnonymousUser" {
				t.Errorf("%s after the password changed: %q; want AnonymousUser", name, body)
			}
		}
		if code, _, _ := phone.post("/login", url.Values{"username": {"ann"}, "password": {"new-password"}}); code != 200 {
			t.Fatalf("login with the new password: %d", code)
		}
		p.auth.db.Model(u).Update("is_active", false)
		if _, body, _ := phone.get("/me"); body != "AnonymousUser" {
			t.Errorf("deactivated user: %q; want AnonymousUser", body)
		}
	})
}

// TestSecretKeyRotation: sessions made with a key moved to
// SecretKeyFallbacks stay logged in.
func TestSecretKeyRotation(t *testing.T) {
	dbURL := djinntest.SQLiteURL(t)
	p := newProject(t, dbURL, nil, testRoutes)
	if _, err := p.auth.CreateUser(t.Context(), "ann", "", "right-password"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, p.Project)
	if code, _, _ := c.post("/login", url.Values{"username": {"ann"}, "password": {"right-password"}}); code != 200 {
		t.Fatalf("login: %d", code)
	}
	cookie := c.sessionCookie()
	for _, tc := range []struct {
		name      string
		fallbacks []core.Secret
		want      string
	}{
		{"old key in fallbacks", []core.Secret{testKey}, "ann"},
		{"old key dropped", nil, "AnonymousUser"},
	} {
		p2 := newProject(t, dbURL, func(s *core.Settings) {
			s.SecretKey = "another-secret-key-for-auth-0123456789abcdef"
			s.SecretKeyFallbacks = tc.fallbacks
		}, testRoutes)
		c2 := newClient(t, p2.Project)
		c2.setSessionCookie(cookie)
		if _, body, _ := c2.get("/me"); body != tc.want {
			t.Errorf("%s: /me = %q; want %q", tc.name, body, tc.want)
		}
	}
}

// TestSessionStoreDown: with the Redis session store unreachable, pages
// that need the user answer 503 instead of treating the user as logged
// out; UserFrom alone answers AnonymousUser.
func TestSessionStoreDown(t *testing.T) {
	redisURL := djinntest.RedisURL(t)
	prefix := djinntest.RedisPrefix(t)
	dbURL := djinntest.SQLiteURL(t)
	edit := func(url string) func(*core.Settings) {
		return func(s *core.Settings) {
			s.Sessions.Store = "redis"
			s.Cache.RedisURL = url
			s.Cache.KeyPrefix = prefix + ":"
		}
	}
	p := newProject(t, dbURL, edit(redisURL), testRoutes)
	if _, err := p.auth.CreateUser(t.Context(), "ann", "", "right-password"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, p.Project)
	if code, _, _ := c.post("/login", url.Values{"username": {"ann"}, "password": {"right-password"}}); code != 200 {
		t.Fatalf("login: %d", code)
	}
	if code, body, _ := c.get("/private"); code != 200 || body != "private page of ann" {
		t.Fatalf("/private with Redis up: %d %q", code, body)
	}
	cookie := c.sessionCookie()

	down := newProject(t, dbURL, edit("redis://127.0.0.1:1/0"), testRoutes)
	c2 := newClient(t, down.Project)
	c2.setSessionCookie(cookie)
	if code, _, resp := c2.get("/private"); code != http.StatusServiceUnavailable {
		t.Errorf("/private with Redis down: %d (Location %q); want 503", code, resp.Header.Get("Location"))
	}
	if _, body, _ := c2.get("/me"); body != "AnonymousUser" {
		t.Errorf("/me with Redis down: %q; want AnonymousUser", body)
	}
}

func TestSafeNext(t *testing.T) {
	hosts := []string{"example.com"}
	plain := httptest.NewRequest("GET", "http://example.com/login", nil)
	secure := httptest.NewRequest("GET", "https://example.com/login", nil)
	for _, tc := range []struct {
		r    *http.Request
		next string
		ok   bool
	}{
		{plain, "/polls/?page=2", true},
		{plain, "https://example.com/polls/", true},
		{plain, "http://example.com/polls/", true},
		{secure, "http://example.com/polls/", false},
		{plain, "//evil.com", false},
		{plain, "///evil.com", false},
		{plain, "https:evil.com", false},
		{plain, `\\evil.com`, false},
		{plain, `/\evil.com`, false},
		{plain, "https://evil.com/", false},
		{plain, "javascript:alert(1)", false},
		{plain, "/%2F%2Fevil.com", true}, // a path on this site
		{plain, "", false},
	} {
		got, ok := SafeNext(tc.r, tc.next, hosts)
		if ok != tc.ok || (ok && got != tc.next) {
			t.Errorf("SafeNext(%s, %q) = %q, %v; want ok %v", tc.r.URL.Scheme, tc.next, got, ok, tc.ok)
		}
	}
}
