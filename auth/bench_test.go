package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/sessions"
)

// redisCounter counts the round trips of a go-redis client (a pipeline
// is one).
type redisCounter struct{ n atomic.Int64 }

func (c *redisCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *redisCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *redisCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// benchSite is a project with the Redis session store and a logged-in
// session, with counters of its database queries and Redis round trips.
type benchSite struct {
	h       http.Handler
	app     *App
	cookie  *http.Cookie
	queries atomic.Int64
	redis   redisCounter
}

func newBenchSite(tb testing.TB, opts ...Option) *benchSite {
	tb.Helper()
	redisURL := djinntest.RedisURL(tb)
	prefix := djinntest.RedisPrefix(tb) + ":"
	p := newProject(tb, djinntest.SQLiteURL(tb), func(s *core.Settings) {
		s.Sessions.Store = "redis"
		s.Cache.RedisURL = redisURL
		s.Cache.KeyPrefix = prefix
		s.InstalledApps = append([]core.App{cache.New()}, s.InstalledApps...)
	}, testRoutes, opts...)
	if _, err := p.auth.CreateUser(tb.Context(), "ann", "", "right-password"); err != nil {
		tb.Fatal(err)
	}
	site := &benchSite{h: p.Handler(), app: p.auth}
	form := url.Values{"username": {"ann"}, "password": {"right-password"}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	site.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessions.DefaultCookieName {
			site.cookie = c
		}
	}
	if rec.Code != 200 || site.cookie == nil {
		tb.Fatalf("login: %d, cookie %v", rec.Code, site.cookie)
	}
	ca, err := cache.From(p.Project)
	if err != nil {
		tb.Fatal(err)
	}
	ca.Redis().AddHook(&site.redis)
	count := func(*gorm.DB) { site.queries.Add(1) }
	cb := p.auth.db.Callback()
	_ = cb.Query().After("gorm:query").Register("bench:count", count)
	_ = cb.Raw().After("gorm:raw").Register("bench:count", count)
	_ = cb.Row().After("gorm:row").Register("bench:count", count)
	return site
}

// get serves GET /me, with the session cookie when authenticated.
func (s *benchSite) get(authenticated bool) string {
	req := httptest.NewRequest("GET", "/me", nil)
	if authenticated {
		req.AddCookie(&http.Cookie{Name: s.cookie.Name, Value: s.cookie.Value})
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec.Body.String()
}

// BenchmarkAuthenticatedRequest serves GET /me (which calls UserFrom)
// through the whole project stack with the Redis session store: an
// anonymous request without a cookie, a logged-in one, and a logged-in
// one with WithUserCache (Redis cache). It reports the database queries
// and Redis round trips per request.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	plain := newBenchSite(b)
	cached := newBenchSite(b, WithUserCache(time.Minute))
	for _, bc := range []struct {
		name          string
		site          *benchSite
		authenticated bool
		want          string
	}{
		{"anonymous", plain, false, "AnonymousUser"},
		{"authenticated", plain, true, "ann"},
		{"authenticated-usercache", cached, true, "ann"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bc.site.get(bc.authenticated) // warm the user cache
			bc.site.queries.Store(0)
			bc.site.redis.n.Store(0)
			b.ReportAllocs()
			for b.Loop() {
				if got := bc.site.get(bc.authenticated); got != bc.want {
					b.Fatalf("/me = %q; want %q", got, bc.want)
				}
			}
			b.ReportMetric(float64(bc.site.queries.Load())/float64(b.N), "db-queries/op")
			b.ReportMetric(float64(bc.site.redis.n.Load())/float64(b.N), "redis-calls/op")
		})
	}
}

// TestRequestCost pins the benchmark's figures: an anonymous request
// without a cookie costs nothing, a logged-in one one Redis round trip
// (the session) and one query (the user), and with the user cached two
// round trips and no query. Changing the password still ends the
// session with the user cached.
func TestRequestCost(t *testing.T) {
	plain := newBenchSite(t)
	cached := newBenchSite(t, WithUserCache(time.Minute))
	cached.get(true)
	for _, tc := range []struct {
		name             string
		site             *benchSite
		authenticated    bool
		queries, redises int64
	}{
		{"anonymous", plain, false, 0, 0},
		{"authenticated", plain, true, 1, 1},
		{"authenticated, user cached", cached, true, 0, 2},
	} {
		tc.site.queries.Store(0)
		tc.site.redis.n.Store(0)
		tc.site.get(tc.authenticated)
		if q, r := tc.site.queries.Load(), tc.site.redis.n.Load(); q != tc.queries || r != tc.redises {
			t.Errorf("%s: %d queries, %d Redis round trips; want %d, %d", tc.name, q, r, tc.queries, tc.redises)
		}
	}
}

// TestUserCacheForgets: with the user cached, a password change still
// ends the user's sessions at once.
func TestUserCacheForgets(t *testing.T) {
	site := newBenchSite(t, WithUserCache(time.Hour))
	if got := site.get(true); got != "ann" {
		t.Fatalf("/me = %q; want ann", got)
	}
	u, err := site.app.User(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := site.app.SetPassword(t.Context(), u, "another-password"); err != nil {
		t.Fatal(err)
	}
	if got := site.get(true); got != "AnonymousUser" {
		t.Errorf("/me after the password changed, user cached: %q; want AnonymousUser", got)
	}
}
