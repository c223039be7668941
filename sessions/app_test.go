package sessions

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations/migrationstest"
	"github.com/djinn-go/djinn/orm"
)

func TestMigrationsUpToDate(t *testing.T) {
	p := newProject(t, djinntest.SQLiteURL(t), nil)
	migrationstest.UpToDate(t, p)
}

func TestAppChoosesStore(t *testing.T) {
	redisURL := djinntest.RedisURL(t)
	tests := []struct {
		name string
		edit func(*core.Settings)
		apps []core.App
		want string
	}{
		{"default without Redis is db", nil, nil, "*sessions.DBStore"},
		{"cookie", func(s *core.Settings) { s.Sessions.Store = "cookie" }, nil, "*sessions.CookieStore"},
		{"default with REDIS_URL is redis", func(s *core.Settings) { s.Cache.RedisURL = redisURL }, nil, "*sessions.RedisStore"},
		{"redis through the cache app", func(s *core.Settings) { s.Cache.RedisURL = redisURL; s.Sessions.Store = "redis" }, []core.App{cache.New()}, "*sessions.RedisStore"},
		{"db even with Redis", func(s *core.Settings) { s.Cache.RedisURL = redisURL; s.Sessions.Store = "db" }, nil, "*sessions.DBStore"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t, djinntest.SQLiteURL(t), tc.edit, tc.apps...)
			a, err := From(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := typeName(a.Store()); got != tc.want {
				t.Errorf("store = %s; want %s", got, tc.want)
			}
			if !contains(p.Stack(), "sessions.sessions") {
				t.Errorf("stack %v has no sessions.sessions layer", p.Stack())
			}
		})
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestAppSharesCacheRedisClient(t *testing.T) {
	redisURL := djinntest.RedisURL(t)
	p := newProject(t, djinntest.SQLiteURL(t), func(s *core.Settings) {
		s.Cache.RedisURL = redisURL
		s.Cache.KeyPrefix = djinntest.RedisPrefix(t) + ":"
	}, cache.New())
	a, _ := From(p)
	ca, err := cache.From(p)
	if err != nil {
		t.Fatal(err)
	}
	if a.ownClient != nil || ca.Redis() == nil || a.Store().(*RedisStore).client != ca.Redis() {
		t.Errorf("the redis store does not use the cache app's client")
	}
}

// TestSiteCookieFlags goes through the project's whole stack: the cookie
// carries the settings' flags, the session is saved before a streamed
// response's headers go out, and the key prefix includes Cache.KeyPrefix.
func TestSiteCookieFlags(t *testing.T) {
	client, _ := testRedis(t)
	prefix := djinntest.RedisPrefix(t) + ":"
	p := newProject(t, djinntest.SQLiteURL(t), func(s *core.Settings) {
		s.Cache.RedisURL = djinntest.RedisURL(t)
		s.Cache.KeyPrefix = prefix
		s.Security.SessionCookieSecure = true
		s.Security.SessionCookieSameSite = "Strict"
		s.Security.SessionCookieName = "sid"
		s.Security.SessionCookieAge = time.Hour
		s.Middleware = []func(http.Handler) http.Handler{func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, err := Get(r)
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				s.Set("user", "ada")
				w.Header().Set("Content-Type", "text/plain")
				w.(http.Flusher).Flush() // headers go out here
				w.Write([]byte("streamed"))
				s.Set("late", "too late")
			})
		}}
	})
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c := sessionCookie(resp, "sid")
	if c == nil {
		t.Fatalf("no sid cookie; Set-Cookie %q", setCookieHeader(resp))
	}
	if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.MaxAge != 3600 || c.Path != "/" {
		t.Errorf("Set-Cookie %q; want Secure, HttpOnly, SameSite=Strict, Max-Age=3600, Path=/", setCookieHeader(resp))
	}
	keys, err := client.Keys(t.Context(), prefix+"session:*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("Redis keys %s* = %v, %v; want one session", prefix+"session:", keys, err)
	}
	ttl, _ := client.TTL(t.Context(), keys[0]).Result()
	if ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %v; want the cookie age, 1h", ttl)
	}
	st, _ := From(p)
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: "sid", Value: c.Value})
	sess, err := st.Store().New(req, "sid")
	if err != nil || sess.Values["user"] != "ada" || sess.Values["late"] != nil {
		t.Errorf("stored session = %v, %v; want user=ada and nothing set after the response started", sess.Values, err)
	}
}

func TestClearSessions(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		p := newProject(t, url, nil)
		a, _ := From(p)
		st := a.Store().(*DBStore)
		oa, err := orm.From(p)
		if err != nil {
			t.Fatal(err)
		}
		db := oa.DB()
		now := time.Now().UTC()
		rows := []Record{
			{Key: strings.Repeat("a", idLen), Data: []byte{}, ExpireDate: now.Add(-time.Hour)},
			{Key: strings.Repeat("b", idLen), Data: []byte{}, ExpireDate: now.Add(-time.Minute)},
			{Key: strings.Repeat("c", idLen), Data: []byte{}, ExpireDate: now.Add(time.Hour)},
		}
		if err := db.Create(&rows).Error; err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCommand(t, p, "clearsessions")
		if code != 0 || out != "Deleted 2 expired session(s).\n" {
			t.Errorf("clearsessions = %d %q %q; want Deleted 2", code, out, errs)
		}
		var left []string
		db.Model(&Record{}).Order("session_key").Pluck("session_key", &left)
		if len(left) != 1 || left[0] != rows[2].Key {
			t.Errorf("rows left %v; want only the unexpired one", left)
		}
		// An expired row is ignored when read, before clearsessions runs.
		db.Create(&Record{Key: strings.Repeat("d", idLen), Data: mustEncode(t, map[any]any{"user": "ada"}), ExpireDate: now.Add(-time.Second)})
		sig := signedIDFor(t, strings.Repeat("d", idLen))
		b := &browser{t: t, cookie: sig}
		if got, isNew := b.read(st); len(got) != 0 || !isNew {
			t.Errorf("expired row read as %v; want a new empty session", got)
		}
	})
	t.Run("cookie store", func(t *testing.T) {
		p := newProject(t, djinntest.SQLiteURL(t), func(s *core.Settings) { s.Sessions.Store = "cookie" })
		if code, out, _ := runCommand(t, p, "clearsessions"); code != 0 || !strings.Contains(out, "nothing") {
			t.Errorf("clearsessions = %d %q; want a note that there is nothing to clear", code, out)
		}
	})
}

func mustEncode(t *testing.T, m map[any]any) []byte {
	b, err := encodeValues(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func signedIDFor(t *testing.T, id string) *http.Cookie {
	ids, err := newIDCookie(Config{SecretKey: testKey}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	sess := newSession(nil, "sessionid", Config{}.withDefaults())
	sess.ID = id
	if err := ids.write(rec, sess); err != nil {
		t.Fatal(err)
	}
	return sessionCookie(rec.Result(), "sessionid")
}

func TestGetWithoutMiddleware(t *testing.T) {
	_, err := Get(httptest.NewRequest("GET", "/", nil))
	if !errors.Is(err, ErrNoMiddleware) {
		t.Errorf("Get without the middleware = %v; want ErrNoMiddleware", err)
	}
}

// TestWriterWrapping: the session middleware's writer works with
// http.ResponseController and Hijack, and saves before the first byte.
func TestWriterWrapping(t *testing.T) {
	st, _ := NewCookieStore(Config{SecretKey: testKey})
	h := Middleware(st, Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := Get(r)
		s.Set("k", "v")
		if r.URL.Path == "/hijack" {
			c, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("Hijack through the session writer: %v", err)
				return
			}
			rw.WriteString("HTTP/1.1 204 No Content\r\n\r\n")
			rw.Flush()
			c.Close()
			return
		}
		if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline through the session writer: %v", err)
		}
		w.WriteHeader(http.StatusEarlyHints) // 1xx: not the start of the response
		w.Write([]byte("body"))
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || sessionCookie(resp, "sessionid") == nil {
		t.Errorf("GET / = %d, Set-Cookie %q; want 200 with the cookie", resp.StatusCode, setCookieHeader(resp))
	}
	resp, err = http.Get(srv.URL + "/hijack")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Errorf("hijacked response = %d; want 204", resp.StatusCode)
	}
}
