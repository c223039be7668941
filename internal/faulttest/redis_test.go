package faulttest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestRedisDownUnderLoad stops the Redis that holds a site's cache and
// sessions for 16 s while 8 clients load a cached page (the polls results
// page, cache.GetOrSetAs), then starts it again. Meanwhile:
//
//   - the cached page keeps answering 200, from the database, and its p99
//     once the breaker is open stays within 2× of normal (medians of 2 s
//     windows);
//   - Djinn logs the outage once per back-off period at most (the breaker
//     logs when it opens, not per failed call);
//   - a view that needs the session answers 503 instead of logging the
//     user out, and logging in answers 503 (the login throttle, a Redis
//     rate limiter, fails closed);
//   - when Redis returns, the cache and the sessions work again within a
//     few seconds, without a restart.
func TestRedisDownUnderLoad(t *testing.T) {
	Enabled(t)
	const (
		conc     = 8
		normal   = 8 * time.Second  // load before the outage
		outage   = 16 * time.Second // Redis stopped
		after    = 3 * time.Second  // load after recovery
		winSize  = 2 * time.Second
		cooldown = 5 * time.Second // Settings.Cache.BreakerCooldown's default
		private  = "/accounts/password_change/"
		results  = "/polls/1/results/"
		user     = "admin"
		password = "correct-horse-battery-staple"
	)
	rds := StartRedis(t)
	b := sqliteSite(t,
		"REDIS_URL="+rds.URL,
		"DJINN_SESSION_STORE=redis",
		"DJINN_CACHE_KEY_PREFIX=ft:",
		"DJINN_LOG_ACCESS=false",
	)
	b.With("DJINN_SUPERUSER_USERNAME="+user, "DJINN_SUPERUSER_PASSWORD="+password).
		Run(t, "createsuperuser", "--noinput", "--email", "admin@example.com")
	s := b.Serve(t)
	ctx := t.Context()
	client := Client()

	login := func() (int, *http.Cookie, error) {
		resp, _, err := doForm(ctx, client, http.MethodPost, s.URL+"/accounts/login/",
			url.Values{"username": {user}, "password": {password}}, nil)
		if err != nil {
			return 0, nil, err
		}
		return resp.StatusCode, sessionCookie(resp), nil
	}
	getStatus := func(path string, cookie *http.Cookie) int {
		t.Helper()
		resp, _, err := doForm(ctx, client, http.MethodGet, s.URL+path, nil, cookie)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return resp.StatusCode
	}

	status, cookie, err := login()
	if err != nil || status != http.StatusFound || cookie == nil {
		t.Fatalf("POST /accounts/login/ = %d, cookie %v, %v; want 302 with a session cookie", status, cookie, err)
	}
	if got := getStatus(private, cookie); got != http.StatusOK {
		t.Fatalf("GET %s logged in = %d; want 200", private, got)
	}

	l := startLoad(t, conc, normal+outage+after+30*time.Second, get(s.URL+results))
	time.Sleep(normal)

	tStop := l.since()
	rds.Stop(t)

	// During the outage: the session view fails closed, login fails
	// closed, a page without a session still works, and /readyz keeps the
	// node in the balancer (the cache is an optional dependency).
	time.Sleep(time.Second)
	for i := range 3 {
		if got := getStatus(private, cookie); got != http.StatusServiceUnavailable {
			t.Errorf("GET %s with a session while Redis is down (try %d) = %d; want 503, not a logout (302) or a page", private, i, got)
		}
		time.Sleep(500 * time.Millisecond)
	}
	status, _, err = login()
	if err != nil || status != http.StatusServiceUnavailable {
		t.Errorf("POST /accounts/login/ while Redis is down = %d, %v; want 503 (the login throttle fails closed)", status, err)
	}
	if got := getStatus("/polls/1/", nil); got != http.StatusOK {
		t.Errorf("GET /polls/1/ without a session while Redis is down = %d; want 200", got)
	}
	if got := getStatus("/readyz", nil); got != http.StatusOK {
		t.Errorf("GET /readyz while Redis is down = %d; want 200 (degraded)", got)
	}
	time.Sleep(tStop + outage - l.since())

	tStart := l.since()
	rds.Start(t)
	started := time.Now()
	// Sessions: the session store answers again (the old session is gone
	// with this Redis, which keeps no data, so the view redirects to the
	// login page instead of 503).
	sessionBack, err := waitFor(15*time.Second, 100*time.Millisecond, func() error {
		return wantStatus("GET "+private, getStatus(private, cookie), http.StatusFound)
	})
	if err != nil {
		t.Errorf("sessions after Redis returned: %v", err)
	}
	// Cache: the breaker closes at its next probe, within a cooldown.
	_, err = waitFor(cooldown+5*time.Second, 100*time.Millisecond, func() error {
		recs, _ := parseLogs(s.Logs())
		if countMsg(recs, "cache: redis reachable again") == 0 {
			return fmt.Errorf("no %q in the log", "cache: redis reachable again")
		}
		return nil
	})
	cacheBack := time.Since(started)
	if err != nil {
		t.Errorf("cache after Redis returned: %v", err)
	}
	time.Sleep(after)
	ss := l.stop()
	end := l.since()

	// Logging in works again (the throttle's own breaker may need its
	// cooldown), and the new session is served.
	var cookie2 *http.Cookie
	loginBack, err := waitFor(cooldown+5*time.Second, 250*time.Millisecond, func() error {
		status, c, err := login()
		if err != nil {
			return err
		}
		if err := wantStatus("POST /accounts/login/", status, http.StatusFound); err != nil {
			return err
		}
		cookie2 = c
		return nil
	})
	if err != nil {
		t.Errorf("login after Redis returned: %v", err)
	} else if got := getStatus(private, cookie2); got != http.StatusOK {
		t.Errorf("GET %s with a new session after recovery = %d; want 200", private, got)
	}
	// The results page is cached in Redis again.
	rc := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", rds.Port)})
	defer rc.Close()
	if got := getStatus(results, nil); got != http.StatusOK {
		t.Errorf("GET %s after recovery = %d; want 200", results, got)
	}
	keys, err := rc.Keys(context.Background(), "ft:*polls:results:1*").Result()
	if err != nil || len(keys) == 0 {
		t.Errorf("Redis keys ft:*polls:results:1* after recovery = %v, %v; want the cached tally", keys, err)
	}

	// The cached page: all 200, p99 during the outage against normal.
	base := windows(ss, time.Second, tStop, winSize, http.StatusOK)
	down := windows(ss, tStop+time.Second, tStart, winSize, http.StatusOK)
	all := stats(ss, 0, end, http.StatusOK)
	outageAll := stats(ss, tStop, tStart, http.StatusOK)
	for _, w := range base {
		t.Logf("normal  %v", w)
	}
	for _, w := range down {
		t.Logf("outage  %v", w)
	}
	t.Logf("after   %v", stats(ss, tStart, end, http.StatusOK))
	if all.fails != 0 {
		t.Errorf("%d of %d requests for the cached page did not answer 200", all.fails, all.n)
		for _, x := range ss {
			if !x.ok(http.StatusOK) {
				t.Logf("first failure at %.2fs: status %d, %v", x.at.Seconds(), x.status, x.err)
				break
			}
		}
	}
	baseP99, downP99 := medianP99(base), medianP99(down)
	if downP99 > 2*baseP99 {
		t.Errorf("cached page p99 with Redis down (median of %d windows) = %s; want ≤ 2 × normal %s", len(down), ms(downP99), ms(baseP99))
	}

	// The log: Djinn's own records, told apart from go-redis's plain-text
	// dial errors.
	recs, other := parseLogs(s.Logs())
	opened := countMsg(recs, "cache: redis unreachable")
	still := countMsg(recs, "cache: redis still unreachable")
	closed := countMsg(recs, "cache: redis reachable again")
	periods := int((outage + cooldown - 1) / cooldown)
	// One warning when the breaker opens, then one per back-off period
	// while its probes fail: about one line per period in all.
	if opened != 1 || opened+still < periods-1 || opened+still > periods+1 {
		t.Errorf("log has %d %q and %d %q records for a %s outage; want 1 and about one per %s back-off period (%d in all, ±1)",
			opened, "cache: redis unreachable", still, "cache: redis still unreachable", outage, cooldown, periods)
	}
	if closed != 1 {
		t.Errorf("log has %d %q records; want 1", closed, "cache: redis reachable again")
	}
	resultErrors := 0
	for _, r := range recs {
		if r.Msg == "server error" && r.Fields["path"] == results {
			resultErrors++
		}
	}
	if resultErrors != 0 {
		t.Errorf("log has %d server errors for %s; want 0", resultErrors, results)
	}
	probeLines := countMsg(recs, "readiness probe failing")
	goRedis := countLines(other, "redis: ")
	sessionErrors := 0
	for _, r := range recs {
		if e, _ := r.Fields["error"].(string); r.Msg == "server error" && strings.Contains(e, "sessions:") {
			sessionErrors++
		}
	}

	t.Logf("cached page: %d requests, %d failed, %.0f req/s; outage %s from %.1fs", all.n, all.fails, float64(all.n)/end.Seconds(), outage, tStop.Seconds())
	t.Logf("outage: %d requests, %d failed", outageAll.n, outageAll.fails)
	t.Logf("recovery after Redis started: sessions %s, cache breaker closed %s, login %s (after the load)", sessionBack.Round(time.Millisecond), cacheBack.Round(time.Millisecond), loginBack.Round(time.Millisecond))
	t.Logf("log: %d breaker-open, %d breaker-closed, %d readiness-failing records, %d session-store 503 records; %d plain-text go-redis lines", opened, closed, probeLines, sessionErrors, goRedis)
	t.Logf("FIGURES: redis-down: requests=%d failed=%d p99_normal=%s p99_outage=%s ratio=%.2f breaker_log_lines=%d/%d periods go_redis_lines=%d session_view=503 login=503 (fail-closed) recovery_sessions=%s recovery_cache=%s",
		all.n, all.fails, ms(baseP99), ms(downP99), float64(downP99)/float64(max(baseP99, 1)), opened+still, periods, goRedis,
		sessionBack.Round(time.Millisecond), cacheBack.Round(time.Millisecond))
}
