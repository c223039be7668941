package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/ratelimit"
)

// throttle counts failed logins per username and per client address in a
// ratelimit.Limiter, with the GCRA limit Settings.Auth.LoginAttempts per
// Settings.Auth.LoginWindow: after LoginAttempts failures in a row, one
// more attempt is allowed every LoginWindow/LoginAttempts.
//
// Only failures are counted, yet a blocked key must refuse even the right
// password, so every attempt first asks whether the key is blocked
// without counting anything. The Limiter interface has only Allow, which
// counts; check asks with the limit peek instead: one event per
// nanosecond, with the burst that makes it allowed exactly when one more
// failure would be. It then moves the key's state by 1ns, which is
// nothing against a window of minutes (and below the Redis script's
// float precision).
type throttle struct {
	lim   ratelimit.Limiter
	limit ratelimit.Limit
	peek  ratelimit.Limit
	app   *App
}

// resetter is implemented by ratelimit.Memory and ratelimit.Redis.
type resetter interface {
	Reset(ctx context.Context, key string) error
}

// throttleKeyPrefix is put before the limiter keys, after the cache's
// KeyPrefix: Redis stores "rate:<KeyPrefix>djinn:auth:login:user:ann".
const throttleKeyPrefix = "djinn:auth:"

// throttler returns the app's throttle, built on first use so that a
// cache app installed after auth is still found.
func (a *App) throttler() *throttle {
	a.throttleOnce.Do(func() { a.throttle = a.newThrottle() })
	return a.throttle
}

func (a *App) newThrottle() *throttle {
	n, w := a.settings.LoginAttempts, a.settings.LoginWindow
	if n <= 0 {
		return &throttle{app: a} // throttling off
	}
	t := &throttle{app: a, lim: a.limiter}
	t.limit = ratelimit.Limit{Rate: n, Period: w, Burst: n}
	emission := w / time.Duration(n)
	t.peek = ratelimit.Limit{Rate: 1, Period: time.Nanosecond, Burst: int(emission*time.Duration(n-1)) + 1}
	if t.lim == nil {
		if c := a.cacheRedis(); c != nil {
			t.lim = ratelimit.NewRedis(c, ratelimit.RedisOptions{Prefix: a.project.Settings().Cache.KeyPrefix + throttleKeyPrefix})
		} else {
			t.lim = ratelimit.NewMemory(ratelimit.MemoryOptions{})
		}
	}
	return t
}

// cacheRedis returns the cache app's Redis client, or nil.
func (a *App) cacheRedis() redis.UniversalClient {
	if a.project == nil {
		return nil
	}
	c, ok := a.project.App("cache")
	if !ok {
		return nil
	}
	rp, ok := c.(interface{ Redis() redis.UniversalClient })
	if !ok {
		return nil
	}
	return rp.Redis()
}

// throttleKeys are the limiter keys of one login attempt.
type throttleKeys struct {
	user, ip string // ip "" when r has no address
}

// keys returns the keys of a login as username from r's client address
// (its /64 for IPv6).
func (t *throttle) keys(r *http.Request, username string) throttleKeys {
	if t.lim == nil {
		return throttleKeys{}
	}
	k := throttleKeys{user: "login:user:" + username}
	if len(username) > 64 {
		sum := sha256.Sum256([]byte(username))
		k.user = "login:user:sha256:" + hex.EncodeToString(sum[:])
	}
	if r != nil {
		if ip, err := ratelimit.KeyByIP(r); err == nil {
			k.ip = "login:" + ip
		}
	}
	return k
}

func (k throttleKeys) list() []string {
	if k.ip == "" {
		return []string{k.user}
	}
	return []string{k.user, k.ip}
}

// check returns a *ThrottledError when a key is blocked, without counting.
func (t *throttle) check(ctx context.Context, k throttleKeys) error {
	if t.lim == nil {
		return nil
	}
	var wait time.Duration
	for _, key := range k.list() {
		res, err := t.lim.Allow(ctx, key, t.peek)
		if err != nil {
			return unavailable(err)
		}
		if !res.Allowed {
			wait = max(wait, res.RetryAfter, time.Nanosecond)
		}
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}

// failed counts a failed login against every key.
func (t *throttle) failed(ctx context.Context, k throttleKeys) error {
	if t.lim == nil {
		return nil
	}
	for _, key := range k.list() {
		if _, err := t.lim.Allow(ctx, key, t.limit); err != nil {
			return unavailable(err)
		}
	}
	return nil
}

// succeeded forgets the username's failures (not the address's: one
// success must not reopen an address that is guessing other accounts).
func (t *throttle) succeeded(ctx context.Context, k throttleKeys) error {
	if t.lim == nil {
		return nil
	}
	if rs, ok := t.lim.(resetter); ok {
		if err := rs.Reset(ctx, k.user); err != nil {
			t.app.logger.Warn("auth: reset the failed-login count", "error", err)
		}
	}
	return nil
}

// unavailable is the error of a login whose throttle cannot count: the
// login fails closed with 503 rather than going unthrottled.
func unavailable(err error) error {
	return &respond.HTTPError{
		Status:  http.StatusServiceUnavailable,
		Message: "Logging in is unavailable right now. Please try again in a moment.",
		Err:     err,
	}
}
