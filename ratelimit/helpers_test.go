package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/djinntest"
	"github.com/redis/go-redis/v9"
)

// testRedis returns a client of the test Redis (djinntest.RedisURL) and a
// key prefix of the test's own; the test's keys ("rate:"+prefix…) are
// deleted when it ends.
func testRedis(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	opts, err := redis.ParseURL(djinntest.RedisURL(t)) // skips (or fails in CI) without Redis
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("test Redis at %s: %v", opts.Addr, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := strings.NewReplacer("/", ":", " ", "_").Replace(t.Name())
	prefix := "djinntest:" + name + ":" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, "rate:"+prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	return rdb, prefix
}

// backends returns the limiters every behaviour test runs against.
func backends(t *testing.T) []struct {
	name string
	new  func(t *testing.T) Limiter
} {
	return []struct {
		name string
		new  func(t *testing.T) Limiter
	}{
		{"memory", func(t *testing.T) Limiter { return NewMemory(MemoryOptions{}) }},
		{"redis", func(t *testing.T) Limiter {
			rdb, prefix := testRedis(t)
			return NewRedis(rdb, RedisOptions{Prefix: prefix})
		}},
	}
}
