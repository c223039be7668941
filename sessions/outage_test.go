package sessions

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/djinntest"
)

// outageSite serves views on a project whose sessions are in the Redis at
// redisURL: /whoami reads the session (503 when it cannot), /login sets
// it, /public never touches it.
func outageSite(t *testing.T, redisURL string) *httptest.Server {
	t.Helper()
	p := newProject(t, djinntest.SQLiteURL(t), func(s *core.Settings) {
		s.Debug = false
		s.AllowedHosts = []string{"127.0.0.1"}
		s.Cache.RedisURL = redisURL
		s.Cache.KeyPrefix = djinntest.RedisPrefix(t) + ":"
		s.URLs = func(r *urls.Router) {
			r.Handle("/whoami/", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				s, err := Get(r)
				if err != nil {
					return err
				}
				if u := s.GetString("user"); u != "" {
					return respond.Text(w, 200, "you are "+u)
				}
				return respond.Text(w, 200, "anonymous")
			}), "whoami")
			r.Handle("/login/", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				s, err := Get(r)
				if err != nil {
					return err
				}
				s.CycleKey()
				s.Set("user", "ada")
				return respond.Text(w, 200, "logged in")
			}), "login")
			r.Handle("/public/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "public")
			}), "public")
		}
	})
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	return srv
}

type siteClient struct {
	t      *testing.T
	base   string
	cookie string // the session cookie's value
}

func (c *siteClient) get(path string) (int, string, *http.Response) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "sessionid", Value: c.cookie})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ck := sessionCookie(resp, "sessionid"); ck != nil {
		c.cookie = ck.Value
		if ck.MaxAge < 0 {
			c.cookie = ""
		}
	}
	return resp.StatusCode, string(b), resp
}

// TestRedisDownClosedPort: with Redis at a closed port, a view that needs
// the session answers 503, the cookie is kept (no logout), and views that
// do not use the session work.
func TestRedisDownClosedPort(t *testing.T) {
	srv := outageSite(t, "redis://"+djinntest.ClosedAddr(t)+"/0")
	// A cookie signed with the project's key, as a logged-in user has.
	ids, err := newIDCookie(Config{SecretKey: testKey}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	sess := newSession(nil, "sessionid", Config{}.withDefaults())
	sess.ID = newID()
	if err := ids.write(rec, sess); err != nil {
		t.Fatal(err)
	}
	c := &siteClient{t: t, base: srv.URL, cookie: sessionCookie(rec.Result(), "sessionid").Value}
	cookie := c.cookie

	status, body, resp := c.get("/whoami/")
	if status != 503 || strings.Contains(body, "anonymous") {
		t.Errorf("GET /whoami/ with Redis down = %d %q; want 503, not an anonymous page", status, body)
	}
	if h := setCookieHeader(resp); h != "" || c.cookie != cookie {
		t.Errorf("GET /whoami/ with Redis down: Set-Cookie %q; want the cookie left alone", h)
	}
	if status, body, _ := c.get("/public/"); status != 200 || body != "public" {
		t.Errorf("GET /public/ with Redis down = %d %q; want 200 public", status, body)
	}
	// A new visitor logging in: the save fails, so the response is a 503,
	// not a "logged in" page without a session.
	nc := &siteClient{t: t, base: srv.URL}
	if status, body, resp := nc.get("/login/"); status != 503 || strings.Contains(body, "logged in") || sessionCookie(resp, "sessionid") != nil {
		t.Errorf("GET /login/ with Redis down = %d %q, Set-Cookie %q; want 503 and no cookie", status, body, setCookieHeader(resp))
	}
}

// TestGetUnavailable checks the error Get returns when Redis is down.
func TestGetUnavailable(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: djinntest.ClosedAddr(t), MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	st, err := NewRedisStore(client, Config{SecretKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, cookie: signedID(t, Config{SecretKey: testKey})}
	var got error
	resp := b.do(st, Options{}, func(w http.ResponseWriter, r *http.Request) {
		_, got = Get(r)
		_, again := Get(r)
		if again != got {
			t.Errorf("second Get = %v; want the first error again", again)
		}
	})
	if !errors.Is(got, ErrUnavailable) || respond.Status(got) != 503 {
		t.Fatalf("Get = %v (status %d); want ErrUnavailable, 503", got, respond.Status(got))
	}
	if !strings.Contains(got.Error(), "redis") || !strings.Contains(got.Error(), "load") {
		t.Errorf("error %q; want it to say load and redis", got)
	}
	if h := setCookieHeader(resp); h != "" {
		t.Errorf("failed load: Set-Cookie %q; want none", h)
	}
}

func signedID(t testing.TB, cfg Config) *http.Cookie {
	t.Helper()
	ids, err := newIDCookie(cfg.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	sess := newSession(nil, "sessionid", cfg.withDefaults())
	sess.ID = newID()
	if err := ids.write(rec, sess); err != nil {
		t.Fatal(err)
	}
	return sessionCookie(rec.Result(), "sessionid")
}

// TestRedisDownRealServer stops a TCP proxy in front of the real Redis:
// the logged-in user gets 503 while it is down, and is still logged in
// when it is back.
func TestRedisDownRealServer(t *testing.T) {
	target := djinntest.RedisURL(t)
	o, err := redis.ParseURL(target)
	if err != nil {
		t.Fatal(err)
	}
	px := djinntest.NewProxy(t, o.Addr)
	addr := px.Addr
	srv := outageSite(t, "redis://"+addr+"/"+strings.TrimPrefix(target[strings.LastIndex(target, "/"):], "/"))
	c := &siteClient{t: t, base: srv.URL}
	if status, body, _ := c.get("/login/"); status != 200 || body != "logged in" || c.cookie == "" {
		t.Fatalf("GET /login/ = %d %q, cookie %q; want 200 and a session cookie", status, body, c.cookie)
	}
	if status, body, _ := c.get("/whoami/"); status != 200 || body != "you are ada" {
		t.Fatalf("GET /whoami/ = %d %q; want you are ada", status, body)
	}
	cookie := c.cookie

	px.Cut()
	if status, body, _ := c.get("/whoami/"); status != 503 {
		t.Errorf("GET /whoami/ with Redis gone = %d %q; want 503", status, body)
	}
	if status, _, _ := c.get("/public/"); status != 200 {
		t.Errorf("GET /public/ with Redis gone = %d; want 200", status)
	}
	if c.cookie != cookie {
		t.Errorf("the session cookie changed during the outage")
	}

	px.Restore()
	if status, body, _ := c.get("/whoami/"); status != 200 || body != "you are ada" {
		t.Errorf("GET /whoami/ after Redis came back = %d %q; want you are ada (no logout)", status, body)
	}
}
