package cache_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/checks"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/core/server"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/djinntest"
)

// itemApp serves GET /items/item/, read through the request's cache from a
// "database" that counts its queries.
type itemApp struct{ queries atomic.Int32 }

func (*itemApp) Label() string { return "items" }

func (a *itemApp) URLs(r *urls.Router) {
	r.HandleFunc("GET /item/{$}", func(w http.ResponseWriter, r *http.Request) {
		c := cache.FromContext(r.Context())
		if c == nil {
			http.Error(w, "no cache in the context", http.StatusInternalServerError)
			return
		}
		v, err := c.GetOrSet(r.Context(), "item", time.Minute, func(context.Context) ([]byte, error) {
			a.queries.Add(1)
			return []byte("item 1"), nil
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(v)
	}, "item")
}

// setupApp returns a set-up project with the cache app, itemApp and the
// settings edit makes, logging into the returned Logs.
func setupApp(t *testing.T, edit func(*core.Settings)) (*core.Project, *itemApp, *djinntest.Logs) {
	t.Helper()
	p, items, logs, err := trySetupApp(t, edit)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return p, items, logs
}

func trySetupApp(t *testing.T, edit func(*core.Settings)) (*core.Project, *itemApp, *djinntest.Logs, error) {
	t.Helper()
	logs := &djinntest.Logs{}
	items := &itemApp{}
	s := core.Defaults()
	s.Debug = true
	s.AllowedHosts = []string{"*"}
	s.Logging.Handler = logs.Handler()
	s.InstalledApps = []core.App{cache.New(), items}
	if edit != nil {
		edit(&s)
	}
	p := core.New(s)
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p, items, logs, p.Setup(t.Context())
}

func appOf(t *testing.T, p *core.Project) *cache.App {
	t.Helper()
	a, err := cache.From(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// getItem requests the item view (the app's URLs are under /items/) from
// the project's handler; a long error page is cut short.
func getItem(t *testing.T, h http.Handler) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/items/item/", nil))
	body := rec.Body.String()
	if len(body) > 300 {
		body = body[:300] + "…"
	}
	return rec.Code, body
}

// readyzOf requests /readyz from the gateway server the serve command would
// build for p.
func readyzOf(t *testing.T, p *core.Project) (int, string) {
	t.Helper()
	logger, _ := djinntest.NewLogs()
	cfg := command.ServerConfig(p)
	cfg.Addr, cfg.NoSignals = "127.0.0.1:0", true
	srv, err := server.New(cfg, p.Handler(), logger)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	return rec.Code, rec.Body.String()
}

func TestAppCaches(t *testing.T) {
	prefix := djinntest.RedisPrefix(t)
	p, _, _ := setupApp(t, func(s *core.Settings) {
		s.Cache.RedisURL = djinntest.RedisURL(t)
		s.Cache.KeyPrefix = prefix
		s.Cache.Timeout = 2 * time.Second
		s.Cache.Caches = map[string]core.CacheSettings{
			"sessions": {},
			"local":    {Backend: "memory"},
			"off":      {Backend: "dummy"},
		}
	})
	a := appOf(t, p)
	ctx := t.Context()

	def, ok := a.Default().(*cache.Redis)
	if !ok {
		t.Fatalf("Default() is a %T; want *cache.Redis with RedisURL set", a.Default())
	}
	kinds := map[string]string{"default": "*cache.Redis", "sessions": "*cache.Redis", "local": "*cache.Memory", "off": "*cache.Dummy"}
	for name, want := range kinds {
		c, err := a.Cache(name)
		if err != nil || fmt.Sprintf("%T", c) != want {
			t.Errorf("Cache(%q) = %T, %v; want a %s", name, c, err, want)
		}
	}
	_, err := a.Cache("pages")
	if err == nil || !strings.Contains(err.Error(), `"pages"`) || !strings.Contains(err.Error(), `"default", "local", "off", "sessions"`) {
		t.Errorf("Cache(pages) = %v; want an error naming it and listing the configured caches", err)
	}

	// One client for the URL, shared by the caches and given to other apps.
	sessions, _ := a.Cache("sessions")
	if a.Redis() == nil || a.Redis() != def.Client() || a.Redis() != sessions.(*cache.Redis).Client() {
		t.Errorf("Redis() = %p, default's client %p, sessions' %p; want one shared client", a.Redis(), def.Client(), sessions.(*cache.Redis).Client())
	}

	// The named cache has keys of its own, which the default's Clear keeps.
	if err := def.Set(ctx, "k", []byte("default's"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := sessions.Set(ctx, "k", []byte("sessions'"), time.Minute); err != nil {
		t.Fatal(err)
	}
	raw := rawClient(t)
	for key, want := range map[string]string{prefix + ":1:k": "default's", prefix + ":sessions:1:k": "sessions'"} {
		if v, err := raw.Get(ctx, key).Result(); err != nil || v != want {
			t.Errorf("Redis GET %s = %q, %v; want %q", key, v, err, want)
		}
	}
	if err := def.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := sessions.Get(ctx, "k"); err != nil || string(v) != "sessions'" {
		t.Errorf("sessions Get(k) after the default's Clear = %q, %v; want it kept", v, err)
	}

	// Views find the default cache in their context.
	h := p.Handler()
	for range 2 {
		if code, body := getItem(t, h); code != http.StatusOK || body != "item 1" {
			t.Fatalf("GET /items/item/ = %d %q; want 200 item 1", code, body)
		}
	}
	if v, err := def.Get(ctx, "item"); err != nil || string(v) != "item 1" {
		t.Errorf("default Get(item) after the view = %q, %v; want the view's value", v, err)
	}
	if code, body := readyzOf(t, p); code != http.StatusOK || !strings.Contains(body, `{"name":"cache","status":"ok"`) {
		t.Errorf("GET /readyz = %d %s; want 200 with the cache probe ok", code, body)
	}

	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Redis().Ping(ctx).Err(); err == nil {
		t.Error("Ping after Close succeeded; want the client closed")
	}
}

func TestAppMemoryDeployCheck(t *testing.T) {
	for _, debug := range []bool{false, true} {
		t.Run(fmt.Sprintf("debug=%v", debug), func(t *testing.T) {
			p, _, _ := setupApp(t, func(s *core.Settings) {
				s.Debug = debug
				s.SecretKey = core.Secret(strings.Repeat("k3y-", 20))
				s.Cache.Caches = map[string]core.CacheSettings{"pages": {}}
			})
			a := appOf(t, p)
			if _, ok := a.Default().(*cache.Memory); !ok || a.Redis() != nil {
				t.Fatalf("without RedisURL: Default() %T, Redis() %v; want *cache.Memory and nil", a.Default(), a.Redis())
			}
			res := checks.Run(t.Context(), a.Checks(), checks.Options{Deploy: true})
			var got []string
			for _, m := range res.Messages {
				got = append(got, m.ID+" "+m.Object)
			}
			want := `[cache.W001 Cache cache.W001 Cache.Caches["pages"]]`
			if debug {
				want = "[]"
			}
			if fmt.Sprint(got) != want {
				t.Errorf("check --deploy = %v; want %s", got, want)
			}
		})
	}
}

func TestAppRedisDownAtStartup(t *testing.T) {
	p, items, logs := setupApp(t, func(s *core.Settings) {
		s.Cache.RedisURL = "redis://:hunter2@" + djinntest.ClosedAddr(t) + "/0"
		s.Cache.Timeout = 100 * time.Millisecond
	})
	rec := logs.Find(t, msgDown)
	if rec == nil || !strings.Contains(fmt.Sprint(rec["redis_url"]), "********") {
		t.Errorf("start-up log record %v; want a warning naming the masked URL\n%s", rec, logs)
	}
	h := p.Handler()
	for i := range 3 {
		if code, body := getItem(t, h); code != http.StatusOK || body != "item 1" {
			t.Fatalf("GET /items/item/ #%d with Redis down = %d %q; want 200 from the database", i, code, body)
		}
	}
	if n := items.queries.Load(); n != 3 {
		t.Errorf("%d database queries for 3 requests with Redis down; want 3 (nothing cached)", n)
	}
	if code, body := readyzOf(t, p); code != http.StatusOK || !strings.Contains(body, `"status":"degraded"`) || !strings.Contains(body, `{"name":"cache","status":"failed"`) {
		t.Errorf("GET /readyz with Redis down = %d %s; want 200, degraded, the cache probe failed: the site serves without its cache", code, body)
	}
	if strings.Contains(logs.String(), "hunter2") {
		t.Errorf("the log shows the password:\n%s", logs)
	}
}

func TestAppServesThroughRedisOutage(t *testing.T) {
	px, pxURL := newProxy(t)
	p, items, logs := setupApp(t, func(s *core.Settings) {
		s.Cache.RedisURL = pxURL
		s.Cache.KeyPrefix = djinntest.RedisPrefix(t)
		s.Cache.Timeout = time.Second // the cut is detected at once (closed connections)
		s.Cache.BreakerCooldown = 200 * time.Millisecond
	})
	h := p.Handler()
	request := func(when string) {
		t.Helper()
		if code, body := getItem(t, h); code != http.StatusOK || body != "item 1" {
			t.Fatalf("GET /items/item/ %s = %d %q; want 200 item 1", when, code, body)
		}
	}
	request("before the outage")
	request("before the outage")
	if n := items.queries.Load(); n != 1 {
		t.Fatalf("%d queries before the outage; want 1 (then cached)", n)
	}

	px.Cut()
	for range 20 {
		request("during the outage")
	}
	if n := items.queries.Load(); n != 21 {
		t.Errorf("%d queries after 20 requests during the outage; want 21 (served from the database)", n)
	}
	if code, body := readyzOf(t, p); code != http.StatusOK || !strings.Contains(body, `"status":"degraded"`) {
		t.Errorf("GET /readyz during the outage = %d %s; want 200 degraded", code, body)
	}

	px.Restore()
	deadline := time.Now().Add(waitLimit)
	for {
		request("after the outage")
		before := items.queries.Load()
		request("after the outage")
		if items.queries.Load() == before {
			break // a hit: the cache is in use again
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cache was not used again %v after Redis came back", waitLimit)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n, m := countMsg(t, logs, msgDown), countMsg(t, logs, msgUp); n != 1 || m != 1 {
		t.Errorf("%d %q and %d %q records; want 1 of each\n%s", n, msgDown, m, msgUp, logs)
	}
}

func TestAppBadRedisURL(t *testing.T) {
	_, _, _, err := trySetupApp(t, func(s *core.Settings) {
		s.Cache.RedisURL = "redis://:hunter2@cache.internal:6379/x"
	})
	if err == nil || !strings.Contains(err.Error(), "Cache.RedisURL") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Setup with a malformed RedisURL = %v; want an error naming Cache.RedisURL without the password", err)
	}
}

func TestFromWithoutApp(t *testing.T) {
	p := core.New(core.Settings{Debug: true})
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.From(p); err == nil || !strings.Contains(err.Error(), "cache.New()") {
		t.Errorf("From(project without the app) = %v; want an error saying to add cache.New()", err)
	}
}

// The cache app in a project: the default cache in every request's
// context, named caches from Settings.Cache.Caches.
func ExampleApp() {
	s := core.Defaults()
	s.Debug = true
	s.Cache.Caches = map[string]core.CacheSettings{"pages": {DefaultTTL: time.Hour}}
	s.InstalledApps = []core.App{cache.New()}
	p := core.New(s)
	if err := p.Setup(context.Background()); err != nil {
		panic(err)
	}
	defer p.Close(context.Background())
	a, _ := cache.From(p)
	pages, _ := a.Cache("pages")
	fmt.Printf("%T %T %v\n", a.Default(), pages, a.Redis() == nil)
	_, err := a.Cache("sessions")
	fmt.Println(err)
	// Output:
	// *cache.Memory *cache.Memory true
	// cache: no cache named "sessions"; the configured caches are "default", "pages" (Settings.Cache.Caches)
}
