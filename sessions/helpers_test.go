package sessions

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
)

const testKey = "test-secret-key-for-sessions-0123456789"

// newProject returns a set-up project with orm, migrations and sessions
// on the database at url, migrated, with settings changed by edit.
func newProject(t testing.TB, url string, edit func(*core.Settings), apps ...core.App) *core.Project {
	t.Helper()
	s := core.Defaults()
	s.Debug = true
	s.SecretKey = testKey
	s.Logging.Handler = slog.DiscardHandler
	s.Database.URL = url
	s.InstalledApps = append([]core.App{orm.New(), migrations.New()}, apps...)
	s.InstalledApps = append(s.InstalledApps, New())
	if edit != nil {
		edit(&s)
	}
	p := core.New(s)
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	r, err := migrations.RunnerFor(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return p
}

// runCommand runs a manage command and returns its exit status, stdout
// and stderr.
func runCommand(t testing.TB, p *core.Project, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := command.Run(t.Context(), p, command.Stdio{Out: &out, Err: &errb}, args...)
	return code, out.String(), errb.String()
}

// testRedis returns a client of the test Redis server and a key prefix of
// the test's own (deleted when it ends).
func testRedis(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	url := djinntest.RedisURL(t)
	prefix := djinntest.RedisPrefix(t) + ":session:"
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { _ = c.Close() })
	return c, prefix
}

// browser keeps the session cookie between requests of a test, like a
// browser's cookie jar for one site.
type browser struct {
	t      testing.TB
	cookie *http.Cookie // nil: none
}

// do serves one request with view behind Middleware(store, opts) and
// applies the response's session cookie to the jar.
func (b *browser) do(store Store, opts Options, view http.HandlerFunc) *http.Response {
	b.t.Helper()
	req := httptest.NewRequest("GET", "/", nil)
	if b.cookie != nil {
		req.AddCookie(&http.Cookie{Name: b.cookie.Name, Value: b.cookie.Value})
	}
	rec := httptest.NewRecorder()
	Middleware(store, opts)(view).ServeHTTP(rec, req)
	resp := rec.Result()
	for _, c := range resp.Cookies() {
		if c.Name != store.Name() {
			continue
		}
		if c.MaxAge < 0 {
			b.cookie = nil
		} else {
			b.cookie = c
		}
	}
	return resp
}

// read returns the session's values as a view sees them, and IsNew.
func (b *browser) read(store Store) (map[string]any, bool) {
	b.t.Helper()
	var got map[string]any
	var isNew bool
	resp := b.do(store, Options{}, func(w http.ResponseWriter, r *http.Request) {
		s, err := Get(r)
		if err != nil {
			b.t.Errorf("Get: %v", err)
			return
		}
		got = map[string]any{}
		for _, k := range s.Keys() {
			got[k] = s.Get(k)
		}
		isNew = s.IsNew()
	})
	if resp.StatusCode != 200 {
		b.t.Errorf("read: status %d; want 200", resp.StatusCode)
	}
	return got, isNew
}

// set sets key=value in the browser's session.
func (b *browser) set(store Store, kv ...any) *http.Response {
	b.t.Helper()
	return b.do(store, Options{}, func(w http.ResponseWriter, r *http.Request) {
		s, err := Get(r)
		if err != nil {
			b.t.Errorf("Get: %v", err)
			return
		}
		for i := 0; i+1 < len(kv); i += 2 {
			s.Set(kv[i].(string), kv[i+1])
		}
	})
}

func sessionCookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func setCookieHeader(resp *http.Response) string {
	return strings.Join(resp.Header.Values("Set-Cookie"), "\n")
}
