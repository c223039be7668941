package djinntest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/core/respond"
)

// DefaultRedisURL is the server RedisURL uses when DJINN_TEST_REDIS is
// unset.
const DefaultRedisURL = "redis://127.0.0.1:6379/0"

// redisTimeout bounds the reachability check and each cleanup call.
const redisTimeout = 5 * time.Second

// RedisURL returns the REDIS_URL of the test server: DJINN_TEST_REDIS, or
// DefaultRedisURL. When the server does not answer a PING it calls t.Skip,
// or t.Fatal when the CI environment variable is "true" so that CI never
// passes by skipping. Tests share the server's database: give every test
// its own keys with RedisPrefix, and never flush the database.
func RedisURL(t testing.TB) string {
	t.Helper()
	raw := os.Getenv("DJINN_TEST_REDIS")
	if raw == "" {
		raw = DefaultRedisURL
	}
	c := redisClient(t, raw)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		msg := "djinntest: Redis at DJINN_TEST_REDIS=%s is unreachable (%v); start it or point DJINN_TEST_REDIS at a server"
		if os.Getenv("CI") == "true" {
			t.Fatalf(msg, respond.MaskString(raw), err)
		}
		t.Skipf(msg+"; skipping", respond.MaskString(raw), err)
	}
	return raw
}

// RedisPrefix returns a key prefix of the test's own, "djinntest:<random>",
// on the server of RedisURL (skipping the test as RedisURL does when the
// server is absent). When the test ends, every key starting with the
// prefix is deleted (SCAN and UNLINK; nothing else is touched). Use it as
// the cache's KeyPrefix, the rate limiter's prefix, and so on.
func RedisPrefix(t testing.TB) string {
	t.Helper()
	raw := RedisURL(t)
	prefix := "djinntest:" + randomHex(8)
	t.Cleanup(func() {
		c := redisClient(t, raw)
		defer c.Close()
		if err := deleteRedisKeys(c, prefix); err != nil {
			t.Errorf("djinntest: delete the Redis keys of prefix %s: %v", prefix, err)
		}
	})
	return prefix
}

// redisClient opens a client for one server's URL.
func redisClient(t testing.TB, raw string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("djinntest: DJINN_TEST_REDIS %s is not a Redis URL: %s", respond.MaskString(raw), respond.MaskString(err.Error()))
	}
	opt.ContextTimeoutEnabled = true
	opt.MaxRetries = -1   // a test server answers at once or not at all
	opt.DialerRetries = 1 // idem
	return redis.NewClient(opt)
}

// deleteRedisKeys unlinks every key that starts with prefix.
func deleteRedisKeys(c *redis.Client, prefix string) error {
	// The prefix is "djinntest:" and hex digits: no glob characters.
	var cursor uint64
	for {
		ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err == nil && len(keys) > 0 {
			err = c.Unlink(ctx, keys...).Err()
		}
		cancel()
		if err != nil {
			return err
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}
