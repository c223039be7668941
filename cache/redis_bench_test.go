package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/djinntest"
)

// benchRedis returns a cache and the raw go-redis client under it, and
// the stored key of the cache's key "bench" (holding a 1 KiB value).
func benchRedis(b *testing.B) (*cache.Redis, redis.UniversalClient, string) {
	b.Helper()
	client, err := cache.RedisClient(djinntest.RedisURL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { client.Close() })
	prefix := djinntest.RedisPrefix(b)
	r := cache.NewRedis(client, cache.RedisOptions{Prefix: prefix, Version: 1})
	if err := r.Set(context.Background(), "bench", make([]byte, 1024), time.Hour); err != nil {
		b.Fatal(err)
	}
	return r, client, prefix + ":1:bench"
}

// BenchmarkRedisGet compares the cache's Get (key check, key building,
// breaker, per-call timeout) with go-redis's GET of the same key on the
// same client. Goal: cache ≤ 1.1× raw.
func BenchmarkRedisGet(b *testing.B) {
	r, client, stored := benchRedis(b)
	ctx := context.Background()
	b.Run("cache", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Get(ctx, "bench"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.Get(ctx, stored).Bytes(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cache-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := r.Get(ctx, "bench"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("raw-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := client.Get(ctx, stored).Bytes(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkRedisGetPaired alternates the cache's Get and the raw GET in
// one loop, so that both see the same machine state, and reports the
// ratio of their summed times (goal ≤ 1.1).
func BenchmarkRedisGetPaired(b *testing.B) {
	r, client, stored := benchRedis(b)
	ctx := context.Background()
	var ours, raw time.Duration
	for i := 0; b.Loop(); i++ {
		// Alternate which goes first, so neither always gets a warm path.
		for j := range 2 {
			start := time.Now()
			if (i+j)%2 == 0 {
				if _, err := r.Get(ctx, "bench"); err != nil {
					b.Fatal(err)
				}
				ours += time.Since(start)
			} else {
				if _, err := client.Get(ctx, stored).Bytes(); err != nil {
					b.Fatal(err)
				}
				raw += time.Since(start)
			}
		}
	}
	b.ReportMetric(float64(ours)/float64(raw), "cache/raw")
}

// BenchmarkRedisSet compares the cache's Set with go-redis's SET (with
// the same expiry) of a 1 KiB value.
func BenchmarkRedisSet(b *testing.B) {
	r, client, stored := benchRedis(b)
	ctx := context.Background()
	value := make([]byte, 1024)
	b.Run("cache", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := r.Set(ctx, "bench", value, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := client.Set(ctx, stored, value, time.Hour).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRedisGetOrSetHit is GetOrSet when the value is there: one GET.
func BenchmarkRedisGetOrSetHit(b *testing.B) {
	r, _, _ := benchRedis(b)
	ctx := context.Background()
	fn := func(context.Context) ([]byte, error) {
		b.Fatal("fn called on a hit")
		return nil, nil
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.GetOrSet(ctx, "bench", time.Hour, fn); err != nil {
			b.Fatal(err)
		}
	}
}

// stubHook answers every GET with a value without any I/O, so that a
// benchmark measures the client side alone.
type stubHook struct{ val string }

func (stubHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h stubHook) ProcessHook(redis.ProcessHook) redis.ProcessHook {
	return func(_ context.Context, cmd redis.Cmder) error {
		if c, ok := cmd.(*redis.StringCmd); ok {
			c.SetVal(h.val)
		}
		return nil
	}
}
func (stubHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// BenchmarkRedisGetOverhead is BenchmarkRedisGet without the network (a
// hook answers): the difference between cache and raw is the cost the
// cache adds to every Get, to compare with a round trip to Redis (tens of
// microseconds on loopback), which the wall-clock benchmarks above show
// only through their noise.
func BenchmarkRedisGetOverhead(b *testing.B) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	client.AddHook(stubHook{val: string(make([]byte, 1024))})
	r := cache.NewRedis(client, cache.RedisOptions{Prefix: "bench", Version: 1})
	ctx := context.Background()
	b.Run("cache", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Get(ctx, "bench"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.Get(ctx, "bench:1:bench").Bytes(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
