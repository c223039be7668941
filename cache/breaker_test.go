package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/djinntest"
)

// fakeClock is a settable clock for the breaker.
type fakeClock struct{ t atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.t.Add(int64(d)) }

func newTestBreaker(t *testing.T) (*breaker, *fakeClock, *djinntest.Logs) {
	logger, logs := djinntest.NewLogs()
	clock := &fakeClock{}
	clock.t.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	b := newBreaker(time.Second, logger)
	b.now = clock.now
	return b, clock, logs
}

func count(t *testing.T, logs *djinntest.Logs, msg string) int {
	n := 0
	for _, r := range logs.Records(t) {
		if r["msg"] == msg {
			n++
		}
	}
	return n
}

func TestBreaker(t *testing.T) {
	b, clock, logs := newTestBreaker(t)
	cause := errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

	if !b.allow() || b.healthy() != nil {
		t.Fatal("a new breaker must be closed")
	}
	b.success() // no-op while closed
	b.failure(cause)
	if b.allow() {
		t.Error("allow() right after a failure = true; want false (open)")
	}
	if err := b.healthy(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("healthy() = %v; want ErrUnavailable", err)
	}
	for range 100 {
		b.failure(cause) // in-flight calls failing too: no more records
	}
	clock.advance(999 * time.Millisecond)
	if b.allow() {
		t.Error("allow() before the cooldown = true; want false")
	}

	// After the cooldown: one probe, not two.
	clock.advance(10 * time.Millisecond)
	if !b.allow() {
		t.Fatal("allow() after the cooldown = false; want one probe")
	}
	if b.allow() {
		t.Error("a second allow() after the cooldown = true; want one probe only")
	}
	b.failure(cause) // the probe failed: open for another cooldown
	clock.advance(500 * time.Millisecond)
	if b.allow() {
		t.Error("allow() half a cooldown after a failed probe = true; want false")
	}
	clock.advance(600 * time.Millisecond)
	if !b.allow() {
		t.Fatal("allow() a cooldown after the failed probe = false; want a probe")
	}
	// A probe that never reports does not wedge the breaker.
	clock.advance(1100 * time.Millisecond)
	if !b.allow() {
		t.Fatal("allow() a cooldown after a probe that never reported = false; want another probe")
	}
	b.success()
	if !b.allow() || b.healthy() != nil {
		t.Errorf("after a successful probe: allow()=%v healthy()=%v; want closed", b.allow(), b.healthy())
	}
	b.success()

	if n := count(t, logs, "cache: redis unreachable; serving without it"); n != 1 {
		t.Errorf("%d warnings for one outage; want 1\n%s", n, logs)
	}
	// The 100 in-flight failures wrote nothing; the failed probe one
	// cooldown later wrote one line for its back-off period.
	if n := count(t, logs, "cache: redis still unreachable; serving without it"); n != 1 {
		t.Errorf("%d still-unreachable warnings for one failed probe; want 1 (one per back-off period)\n%s", n, logs)
	}
	if n := count(t, logs, "cache: redis reachable again"); n != 1 {
		t.Errorf("%d recovery records; want 1\n%s", n, logs)
	}
	rec := logs.Find(t, "cache: redis reachable again")
	if rec["down_ms"] != float64(3209) {
		t.Errorf("recovery record %v; want down_ms 3209 (since the first failure)", rec)
	}

	// A second outage is logged again.
	b.failure(cause)
	if n := count(t, logs, "cache: redis unreachable; serving without it"); n != 2 {
		t.Errorf("%d warnings after a second outage; want 2", n)
	}
}

func TestBreakerConcurrentProbe(t *testing.T) {
	b, clock, _ := newTestBreaker(t)
	b.failure(errors.New("down"))
	clock.advance(2 * time.Second)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if b.allow() {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 1 {
		t.Errorf("%d of 100 concurrent callers let through after the cooldown; want 1", n)
	}
}

func TestUnreachable(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	live := context.Background()
	opErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, tt := range []struct {
		name string
		ctx  context.Context
		err  error
		want bool
	}{
		{"nil", live, nil, false},
		{"miss", live, redis.Nil, false},
		{"network error", live, opErr, true},
		{"wrapped network error", live, fmt.Errorf("x: %w", opErr), true},
		{"our timeout", live, context.DeadlineExceeded, true},
		{"EOF", live, io.EOF, true},
		{"pool timeout", live, redis.ErrPoolTimeout, true},
		{"loading", live, proto("LOADING Redis is loading the dataset in memory"), true},
		{"wrong type", live, proto("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{"not an integer", live, proto("ERR value is not an integer or out of range"), false},
		{"client closed by its owner", live, redis.ErrClosed, false},
		{"caller gave up", canceled, opErr, false},
	} {
		if got := unreachable(tt.ctx, tt.err); got != tt.want {
			t.Errorf("%s: unreachable(%v) = %v; want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// proto is an error reply of the server, as go-redis returns them.
type proto string

func (e proto) Error() string { return string(e) }
func (proto) RedisError()     {}
