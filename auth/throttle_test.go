package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/ratelimit"
)

// fromAddr returns a request from the client address addr.
func fromAddr(addr string) *http.Request {
	r := httptest.NewRequest("POST", "/login", nil)
	r.RemoteAddr = addr
	return r
}

// throttleScenario runs the throttling rules against p (LoginAttempts 3).
func throttleScenario(t *testing.T, p *testProject) {
	ctx := t.Context()
	for _, name := range []string{"ann", "bob", "carl", "dave", "erin"} {
		if _, err := p.auth.CreateUser(ctx, name, "", "right-password"); err != nil {
			t.Fatal(err)
		}
	}
	attempt := func(addr, user, pw string) error {
		_, err := p.auth.Authenticate(ctx, fromAddr(addr), user, pw)
		return err
	}

	// Per username: 3 failures from 3 addresses block ann everywhere,
	// even with the right password; others are not affected.
	for i := range 3 {
		if err := attempt("10.0.0."+strconv.Itoa(i+1)+":1234", "ann", "wrong"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("failure %d: %v; want ErrInvalidCredentials", i+1, err)
		}
	}
	err := attempt("10.0.0.9:1234", "ann", "right-password")
	var te *ThrottledError
	if !errors.As(err, &te) || !errors.Is(err, ErrThrottled) || respond.Status(err) != http.StatusTooManyRequests {
		t.Fatalf("4th attempt for ann: %v; want a *ThrottledError (429)", err)
	}
	if te.RetryAfter <= 0 || te.RetryAfter > time.Hour {
		t.Errorf("RetryAfter = %v; want (0, 1h] (window/attempts = 20m)", te.RetryAfter)
	}
	if err := attempt("10.0.0.9:1234", "bob", "right-password"); err != nil {
		t.Errorf("bob from another address while ann is blocked: %v", err)
	}

	// Per address: failures for different users from one address block
	// the address; an IPv6 client is counted by its /64.
	for i, user := range []string{"carl", "dave", "nobody"} {
		addr := "[2001:db8:1:2::" + strconv.Itoa(i+1) + "]:443"
		if err := attempt(addr, user, "wrong"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("address failure %d: %v", i+1, err)
		}
	}
	if err := attempt("[2001:db8:1:2:ffff::1]:443", "erin", "right-password"); !errors.Is(err, ErrThrottled) {
		t.Errorf("erin from the blocked /64: %v; want ErrThrottled", err)
	}
	if err := attempt("[2001:db8:1:3::1]:443", "erin", "right-password"); err != nil {
		t.Errorf("erin from another /64: %v", err)
	}

	// A success forgets the username's failures.
	for round := range 2 {
		for i := range 2 {
			addr := "10.1." + strconv.Itoa(round) + "." + strconv.Itoa(i+1) + ":1"
			if err := attempt(addr, "bob", "wrong"); !errors.Is(err, ErrInvalidCredentials) {
				t.Fatalf("bob round %d failure %d: %v", round, i+1, err)
			}
		}
		if err := attempt("10.1.9."+strconv.Itoa(round)+":1", "bob", "right-password"); err != nil {
			t.Fatalf("bob round %d success: %v", round, err)
		}
	}
}

func lowAttempts(s *core.Settings) {
	s.Auth.LoginAttempts = 3
	s.Auth.LoginWindow = time.Hour
}

func TestThrottleMemory(t *testing.T) {
	p := newProject(t, djinntest.SQLiteURL(t), lowAttempts, nil)
	throttleScenario(t, p)
	if _, ok := p.auth.throttler().lim.(*ratelimit.Memory); !ok {
		t.Errorf("limiter is %T; want *ratelimit.Memory without the cache app", p.auth.throttler().lim)
	}
}

// TestThrottleRedis runs the scenario with the cache app's Redis: the
// counts are in Redis, so a second node (another project) sees them.
func TestThrottleRedis(t *testing.T) {
	redisURL := djinntest.RedisURL(t)
	prefix := djinntest.RedisPrefix(t) + ":"
	o, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(o)
	t.Cleanup(func() {
		keys, _ := rc.Keys(t.Context(), "rate:"+prefix+"*").Result()
		if len(keys) > 0 {
			rc.Del(t.Context(), keys...)
		}
		_ = rc.Close()
	})
	dbURL := djinntest.SQLiteURL(t)
	withRedis := func(s *core.Settings) {
		lowAttempts(s)
		s.Cache.RedisURL = redisURL
		s.Cache.KeyPrefix = prefix
		s.InstalledApps = append([]core.App{cache.New()}, s.InstalledApps...)
	}
	p := newProject(t, dbURL, withRedis, nil)
	throttleScenario(t, p)
	if _, ok := p.auth.throttler().lim.(*ratelimit.Redis); !ok {
		t.Fatalf("limiter is %T; want *ratelimit.Redis with the cache app's Redis", p.auth.throttler().lim)
	}
	if n, err := rc.Exists(t.Context(), "rate:"+prefix+"djinn:auth:login:user:ann").Result(); err != nil || n != 1 {
		t.Errorf("Redis key of ann's failures: exists %d, %v; want 1", n, err)
	}
	node2 := newProject(t, dbURL, withRedis, nil)
	if _, err := node2.auth.Authenticate(t.Context(), fromAddr("10.9.9.9:1"), "ann", "right-password"); !errors.Is(err, ErrThrottled) {
		t.Errorf("ann on a second node: %v; want ErrThrottled (counts shared in Redis)", err)
	}
}

// TestThrottleUnavailable: with the limiter's Redis down, logins fail
// with 503 rather than going unthrottled.
func TestThrottleUnavailable(t *testing.T) {
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = down.Close() })
	p := newProject(t, djinntest.SQLiteURL(t), nil, nil, WithLimiter(ratelimit.NewRedis(down, ratelimit.RedisOptions{})))
	if _, err := p.auth.CreateUser(t.Context(), "ann", "", "right-password"); err != nil {
		t.Fatal(err)
	}
	_, err := p.auth.Authenticate(t.Context(), fromAddr("10.0.0.1:1"), "ann", "right-password")
	if respond.Status(err) != http.StatusServiceUnavailable || !errors.Is(err, ratelimit.ErrUnavailable) {
		t.Errorf("login with the limiter down: %v (status %d); want 503 wrapping ratelimit.ErrUnavailable", err, respond.Status(err))
	}
}

// TestThrottleThroughStack: the client address the limiter sees is the
// request's, through the whole middleware stack.
func TestThrottleThroughStack(t *testing.T) {
	p := newProject(t, djinntest.SQLiteURL(t), lowAttempts, testRoutes)
	if _, err := p.auth.CreateUser(t.Context(), "ann", "", "right-password"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, p.Project)
	for i := range 3 {
		if code, _, _ := c.post("/login", url.Values{"username": {"ann"}, "password": {"wrong"}}); code != 401 {
			t.Fatalf("failure %d: status %d; want 401", i+1, code)
		}
	}
	if code, _, _ := c.post("/login", url.Values{"username": {"ann"}, "password": {"right-password"}}); code != http.StatusTooManyRequests {
		t.Errorf("4th login: status %d; want 429", code)
	}
}
