package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/core/respond"
)

// ErrUnavailable is wrapped by the errors of calls that cannot degrade
// quietly while the cache server is unreachable: Incr (a counter cannot
// pretend), Clear (an operator asked for it) and Healthy.
var ErrUnavailable = errors.New("cache: server unavailable")

// breaker is the circuit breaker of a Redis server. It is closed while the
// server answers. The first connection error or timeout opens it for the
// cooldown: callers then skip the server (reads miss, writes do nothing).
// When the cooldown has passed, one call is let through as a probe (the
// half-open state); its success closes the breaker, its failure opens it
// for another cooldown. A probe that never reports (its caller gave up)
// does not wedge the breaker: another probe is let through one cooldown
// later.
//
// It logs a warning when it opens, one more warning per back-off period
// while probes keep failing (so a long outage stays visible in the logs
// without a line per failed call), and an info record when it closes.
//
// The closed path is one atomic load. It is safe for concurrent use.
type breaker struct {
	cooldown time.Duration
	logger   *slog.Logger
	now      func() time.Time

	open  atomic.Bool
	until atomic.Int64 // UnixNano before which no probe is let through

	mu      sync.Mutex // serialises transitions and guards the fields below
	since   time.Time  // when the breaker last opened
	logged  time.Time  // when the last warning was written
	lastErr error      // the error that opened it or the last failed probe
}

func newBreaker(cooldown time.Duration, logger *slog.Logger) *breaker {
	return &breaker{cooldown: cooldown, logger: logger, now: time.Now}
}

// allow reports whether a call may go to the server now: always while
// the breaker is closed; once per cooldown (the probe) while it is open.
func (b *breaker) allow() bool {
	if !b.open.Load() {
		return true
	}
	u := b.until.Load()
	now := b.now().UnixNano()
	if now < u {
		return false
	}
	return b.until.CompareAndSwap(u, now+int64(b.cooldown))
}

// success records a call the server answered. It closes an open breaker.
func (b *breaker) success() {
	if !b.open.Load() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open.Load() {
		return
	}
	b.open.Store(false)
	b.logger.Info("cache: redis reachable again", "down_ms", b.now().Sub(b.since).Milliseconds())
}

// failure records a call that failed for want of the server and opens the
// breaker for the cooldown.
func (b *breaker) failure(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.until.Store(now.Add(b.cooldown).UnixNano())
	b.lastErr = err
	if b.open.Load() {
		// A failed probe, or a call that was in flight when the breaker
		// opened: one line per back-off period at most.
		if now.Sub(b.logged) >= b.cooldown {
			b.logged = now
			b.logger.Warn("cache: redis still unreachable; serving without it",
				"error", respond.MaskString(err.Error()), "down_ms", now.Sub(b.since).Milliseconds(),
				"cooldown", b.cooldown.String())
		}
		return
	}
	b.since, b.logged = now, now
	b.open.Store(true)
	b.logger.Warn("cache: redis unreachable; serving without it",
		"error", respond.MaskString(err.Error()), "cooldown", b.cooldown.String())
}

// healthy returns nil while the breaker is closed, else an error wrapping
// ErrUnavailable with the cause.
func (b *breaker) healthy() error {
	if !b.open.Load() {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open.Load() {
		return nil
	}
	return fmt.Errorf("%w since %s: %s", ErrUnavailable,
		b.since.UTC().Format(time.RFC3339), respond.MaskString(b.lastErr.Error()))
}

// unreachable reports whether err, returned by a Redis call made with ctx
// (the caller's context, before the per-call timeout), means the server is
// unreachable or too slow: a network error, a timeout of our own deadline,
// a pool with no connection to give, or a server that says it cannot serve (loading its data,
// no master, cluster down). A miss (redis.Nil), an error reply about the
// command (a wrong type), a client closed by its owner and the caller's
// own cancellation are not.
func unreachable(ctx context.Context, err error) bool {
	switch {
	case err == nil, errors.Is(err, redis.Nil):
		return false
	case ctx.Err() != nil:
		// The caller gave up (or its own deadline passed): not Redis's fault.
		return false
	case errors.Is(err, context.DeadlineExceeded):
		return true // our per-call timeout
	case redis.HasErrorPrefix(err, "LOADING"), redis.HasErrorPrefix(err, "MASTERDOWN"),
		redis.HasErrorPrefix(err, "CLUSTERDOWN"), redis.HasErrorPrefix(err, "TRYAGAIN"):
		return true
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return false // the server answered
	}
	var nerr net.Error
	return errors.As(err, &nerr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrPoolExhausted)
}
