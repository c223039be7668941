package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djinn-go/djinn/djinntest"
	"github.com/redis/go-redis/v9"
)

// TestAllowSequence: a burst of N is allowed with Remaining counting down,
// the next is denied with a Retry-After of about one emission interval,
// allowed again after it, and back to a full burst after ResetAfter.
func TestAllowSequence(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			l := b.new(t)
			ctx := t.Context()
			lim := Limit{Rate: 5, Period: time.Second} // one every 200ms, burst 5
			for i := range 5 {
				res, err := l.Allow(ctx, "seq", lim)
				if err != nil || !res.Allowed || res.Remaining != 4-i || res.Limit != 5 {
					t.Fatalf("Allow #%d = %+v, %v; want allowed, remaining %d, limit 5", i+1, res, err, 4-i)
				}
			}
			res, err := l.Allow(ctx, "seq", lim)
			if err != nil || res.Allowed || res.Remaining != 0 {
				t.Fatalf("Allow #6 = %+v, %v; want denied", res, err)
			}
			if res.RetryAfter <= 100*time.Millisecond || res.RetryAfter > 200*time.Millisecond {
				t.Errorf("Allow #6 RetryAfter = %v; want about 200ms", res.RetryAfter)
			}
			if res.ResetAfter <= 900*time.Millisecond || res.ResetAfter > time.Second {
				t.Errorf("Allow #6 ResetAfter = %v; want about 1s", res.ResetAfter)
			}
			time.Sleep(res.RetryAfter + 20*time.Millisecond)
			res, err = l.Allow(ctx, "seq", lim)
			if err != nil || !res.Allowed || res.Remaining != 0 {
				t.Fatalf("Allow after RetryAfter = %+v, %v; want allowed with 0 remaining", res, err)
			}
			time.Sleep(res.ResetAfter + 20*time.Millisecond)
			res, err = l.Allow(ctx, "seq", lim)
			if err != nil || !res.Allowed || res.Remaining != 4 {
				t.Fatalf("Allow after ResetAfter = %+v, %v; want allowed with 4 remaining", res, err)
			}
		})
	}
}

// TestConcurrentNeverExceeds: 50 goroutines hammering one key get exactly
// the burst, no more (Redis: the script is atomic; memory: the lock).
func TestConcurrentNeverExceeds(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			l := b.new(t)
			lim := PerHour(100) // no refill during the test
			var allowed atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, 50)
			for range 50 {
				wg.Go(func() {
					for range 10 {
						res, err := l.Allow(t.Context(), "hot", lim)
						if err != nil {
							errs <- err
							return
						}
						if res.Allowed {
							allowed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if got := allowed.Load(); got != 100 {
				t.Errorf("500 concurrent Allow calls allowed %d; want exactly 100", got)
			}
		})
	}
}

// TestKeysIndependent: spending one key's budget leaves another's whole.
func TestKeysIndependent(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			l := b.new(t)
			lim := PerMinute(2)
			for range 3 {
				l.Allow(t.Context(), "a", lim)
			}
			if res, err := l.Allow(t.Context(), "a", lim); err != nil || res.Allowed {
				t.Fatalf("Allow(a) = %+v, %v; want denied", res, err)
			}
			if res, err := l.Allow(t.Context(), "b", lim); err != nil || !res.Allowed || res.Remaining != 1 {
				t.Fatalf("Allow(b) = %+v, %v; want allowed with 1 remaining", res, err)
			}
		})
	}
}

// TestReset: Reset gives a key its full burst back.
func TestReset(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			l := b.new(t)
			lim := PerMinute(1)
			l.Allow(t.Context(), "login:user:ann", lim)
			if res, _ := l.Allow(t.Context(), "login:user:ann", lim); res.Allowed {
				t.Fatal("second Allow allowed; want denied")
			}
			if err := l.(interface {
				Reset(context.Context, string) error
			}).Reset(t.Context(), "login:user:ann"); err != nil {
				t.Fatal(err)
			}
			if res, err := l.Allow(t.Context(), "login:user:ann", lim); err != nil || !res.Allowed {
				t.Fatalf("Allow after Reset = %+v, %v; want allowed", res, err)
			}
		})
	}
}

// TestBadArguments: invalid limits and empty keys are errors, never
// ErrUnavailable (they must not be failed open).
func TestBadArguments(t *testing.T) {
	tests := []struct {
		name string
		key  string
		lim  Limit
		want string
	}{
		{"empty key", "", PerSecond(1), "key is empty"},
		{"zero rate", "k", Limit{Period: time.Second}, "rate must be positive"},
		{"zero period", "k", Limit{Rate: 1}, "period must be positive"},
		{"negative burst", "k", Limit{Rate: 1, Period: time.Second, Burst: -1}, "burst must not be negative"},
		{"absurd rate", "k", Limit{Rate: 10, Period: time.Nanosecond}, "more than one event a nanosecond"},
		{"absurd burst", "k", Limit{Rate: 1, Period: time.Hour, Burst: 1 << 30}, "more than 100 years"},
	}
	for _, b := range backends(t) {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				_, err := b.new(t).Allow(t.Context(), tt.key, tt.lim)
				if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, ErrUnavailable) {
					t.Errorf("Allow(%q, %v) = %v; want an error containing %q", tt.key, tt.lim, err, tt.want)
				}
			})
		}
	}
}

// TestMemoryExact checks the algorithm on a fake clock: exact Remaining,
// RetryAfter and ResetAfter values, and burst 1 spacing events out.
func TestMemoryExact(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	m := NewMemory(MemoryOptions{Now: func() time.Time { return now }})
	ctx := t.Context()
	lim := Limit{Rate: 10, Period: time.Second, Burst: 3} // one every 100ms
	type step struct {
		advance                time.Duration
		allowed                bool
		remaining              int
		retryAfter, resetAfter time.Duration
	}
	steps := []step{
		{0, true, 2, 0, 100 * time.Millisecond},
		{0, true, 1, 0, 200 * time.Millisecond},
		{0, true, 0, 0, 300 * time.Millisecond},
		{0, false, 0, 100 * time.Millisecond, 300 * time.Millisecond},
		{50 * time.Millisecond, false, 0, 50 * time.Millisecond, 250 * time.Millisecond},
		{50 * time.Millisecond, true, 0, 0, 300 * time.Millisecond},
		{time.Hour, true, 2, 0, 100 * time.Millisecond},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		res, err := m.Allow(ctx, "k", lim)
		want := Result{Allowed: s.allowed, Limit: 3, Remaining: s.remaining, RetryAfter: s.retryAfter, ResetAfter: s.resetAfter}
		if err != nil || res != want {
			t.Errorf("step %d: Allow = %+v, %v; want %+v", i, res, err, want)
		}
	}
}

// TestMemoryBounded: a flood of distinct keys never grows the limiter
// past MaxKeys.
func TestMemoryBounded(t *testing.T) {
	m := NewMemory(MemoryOptions{MaxKeys: 64 * 10})
	for i := range 10_000 {
		if _, err := m.Allow(t.Context(), fmt.Sprint("flood-", i), PerSecond(1)); err != nil {
			t.Fatal(err)
		}
	}
	if n := m.Len(); n > 640 {
		t.Errorf("after 10000 distinct keys Len = %d; want at most 640", n)
	}
}

// TestMemorySweep: keys back at their full burst are dropped by the sweep
// of their shard.
func TestMemorySweep(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	m := NewMemory(MemoryOptions{SweepInterval: time.Second, Now: func() time.Time { return now }})
	for i := range 1000 {
		m.Allow(t.Context(), fmt.Sprint("old-", i), PerSecond(1))
	}
	now = now.Add(2 * time.Second) // every key idle, and sweeps are due
	for i := range 100 * memoryShards {
		m.Allow(t.Context(), fmt.Sprint("new-", i), PerSecond(1))
	}
	for i := range m.shards {
		for k := range m.shards[i].tats {
			if strings.HasPrefix(k, "old-") {
				t.Fatalf("idle key %q still tracked after its shard was swept", k)
			}
		}
	}
	if n := m.Len(); n != 100*memoryShards {
		t.Errorf("Len = %d; want %d", n, 100*memoryShards)
	}
}

// TestRedisUnavailable: a closed port and a hung server both give
// ErrUnavailable within about the timeout, and the breaker then answers at
// once without calling Redis.
func TestRedisUnavailable(t *testing.T) {
	for _, tt := range []struct{ name, addr string }{
		{"closed port", djinntest.ClosedAddr(t)},
		{"hung server", djinntest.HungAddr(t)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: tt.addr})
			defer rdb.Close()
			l := NewRedis(rdb, RedisOptions{Timeout: 100 * time.Millisecond, Cooldown: time.Minute})
			start := time.Now()
			_, err := l.Allow(t.Context(), "k", PerSecond(1))
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("Allow = %v; want ErrUnavailable", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("Allow took %v with a 100ms timeout", d)
			}
			_, err = l.Allow(t.Context(), "k", PerSecond(1))
			if !errors.Is(err, ErrUnavailable) || !errors.Is(err, errBreakerOpen) {
				t.Errorf("second Allow = %v; want the breaker open", err)
			}
		})
	}
}

// TestRedisBreakerRecovers: after the cooldown one call probes Redis again,
// and a working Redis closes the breaker.
func TestRedisBreakerRecovers(t *testing.T) {
	rdb, prefix := testRedis(t)
	l := NewRedis(rdb, RedisOptions{Prefix: prefix, Cooldown: 50 * time.Millisecond})
	l.trip() // as if a call had just failed
	if _, err := l.Allow(t.Context(), "k", PerSecond(1)); !errors.Is(err, errBreakerOpen) {
		t.Fatalf("Allow during cooldown = %v; want the breaker open", err)
	}
	time.Sleep(60 * time.Millisecond)
	if res, err := l.Allow(t.Context(), "k", PerSecond(1)); err != nil || !res.Allowed {
		t.Fatalf("Allow after cooldown = %+v, %v; want allowed", res, err)
	}
	if l.downUntil.Load() != 0 {
		t.Error("breaker still open after a successful probe")
	}
}

// TestRedisKeysUnderPrefix: the limiter's state is stored under
// "rate:"+prefix, nowhere else.
func TestRedisKeysUnderPrefix(t *testing.T) {
	rdb, prefix := testRedis(t)
	l := NewRedis(rdb, RedisOptions{Prefix: prefix})
	if _, err := l.Allow(t.Context(), "login:user:ann", PerMinute(5)); err != nil {
		t.Fatal(err)
	}
	ttl, err := rdb.TTL(t.Context(), "rate:"+prefix+"login:user:ann").Result()
	if err != nil || ttl <= 0 || ttl > 12*time.Second {
		t.Errorf("TTL of the key = %v, %v; want about one emission interval (12s)", ttl, err)
	}
}
