package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// RedisOptions configures a Redis limiter. The zero value works.
type RedisOptions struct {
	// Prefix namespaces the limiter's keys; "" means "djinn:ratelimit:".
	// redis_rate puts "rate:" in front of it, so a key "login:user:ann"
	// is stored as "rate:djinn:ratelimit:login:user:ann".
	Prefix string
	// Timeout bounds each call to Redis; 0 means 250ms (the cache's
	// default). A slower call fails with ErrUnavailable.
	Timeout time.Duration
	// Cooldown is how long the limiter stops calling Redis after a call
	// failed, answering ErrUnavailable at once; then one call probes
	// Redis again. 0 means 5s (the cache's default); negative disables
	// the breaker.
	Cooldown time.Duration
}

// Redis is a GCRA limiter whose state lives in Redis, so that every node
// of a site shares the limits. Each decision is one atomic Lua script
// (github.com/go-redis/redis_rate), so concurrent requests never exceed a
// limit. It works over a single node, Sentinel or Cluster (one key per
// call). It is safe for concurrent use.
type Redis struct {
	rl       *redis_rate.Limiter
	rdb      redis.UniversalClient
	prefix   string
	timeout  time.Duration
	cooldown time.Duration
	// downUntil is when the breaker lets a probe through, unix ns; 0
	// when Redis is believed up.
	downUntil atomic.Int64
}

var _ Limiter = (*Redis)(nil)

// NewRedis returns a limiter over rdb. It does not contact Redis.
func NewRedis(rdb redis.UniversalClient, opts RedisOptions) *Redis {
	if opts.Prefix == "" {
		opts.Prefix = "djinn:ratelimit:"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 250 * time.Millisecond
	}
	if opts.Cooldown == 0 {
		opts.Cooldown = 5 * time.Second
	}
	return &Redis{
		rl:       redis_rate.NewLimiter(rdb),
		rdb:      rdb,
		prefix:   opts.Prefix,
		timeout:  opts.Timeout,
		cooldown: opts.Cooldown,
	}
}

// Allow applies l to key and counts the event when it is allowed. When
// Redis fails, times out or the breaker is open, the error wraps
// ErrUnavailable (and the cause); a cancelled ctx is returned as is and
// does not trip the breaker.
func (rl *Redis) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	if err := check(key, l); err != nil {
		return Result{}, err
	}
	if err := rl.enter(); err != nil {
		return Result{}, err
	}
	r, err := rl.call(ctx, key, l)
	if err != nil {
		if ctx.Err() != nil {
			rl.release()
			return Result{}, ctx.Err()
		}
		rl.trip()
		return Result{}, fmt.Errorf("%w: redis: %w", ErrUnavailable, err)
	}
	rl.downUntil.Store(0)
	res := Result{
		Allowed:    r.Allowed > 0,
		Limit:      l.burst(),
		Remaining:  r.Remaining,
		ResetAfter: max(r.ResetAfter, 0),
	}
	if !res.Allowed {
		res.RetryAfter = max(r.RetryAfter, 0)
	}
	return res, nil
}

// redisReply is the outcome of one script call.
type redisReply struct {
	r   *redis_rate.Result
	err error
}

// call runs the script with rl.timeout. go-redis only honours context
// deadlines on sockets when the client has ContextTimeoutEnabled, so the
// call runs in its own goroutine and is abandoned at the deadline: a hung
// Redis costs a caller at most the timeout whatever the client's
// settings (the abandoned goroutine ends at the client's read timeout,
// and the breaker keeps their number small).
func (rl *Redis) call(ctx context.Context, key string, l Limit) (*redis_rate.Result, error) {
	cctx, cancel := context.WithTimeout(ctx, rl.timeout)
	defer cancel()
	done := make(chan redisReply, 1)
	go func() {
		r, err := rl.rl.Allow(cctx, rl.prefix+key, redis_rate.Limit{Rate: l.Rate, Period: l.Period, Burst: l.burst()})
		done <- redisReply{r, err}
	}()
	select {
	case rep := <-done:
		return rep.r, rep.err
	case <-cctx.Done():
		return nil, cctx.Err()
	}
}

// Reset forgets key, which then starts with its full burst (after a
// successful login, say).
func (rl *Redis) Reset(ctx context.Context, key string) error {
	cctx, cancel := context.WithTimeout(ctx, rl.timeout)
	defer cancel()
	if err := rl.rdb.Del(cctx, "rate:"+rl.prefix+key).Err(); err != nil {
		return fmt.Errorf("%w: redis: reset %q: %w", ErrUnavailable, key, err)
	}
	return nil
}

// errBreakerOpen is the cause while the breaker is open.
var errBreakerOpen = errors.New("circuit breaker open after a failure")

// enter reports whether a call may go to Redis: always while the breaker
// is closed; while open, only once the cooldown has passed, and then for
// a single caller (the probe), which pushes the deadline on for the rest.
func (rl *Redis) enter() error {
	if rl.cooldown < 0 {
		return nil
	}
	until := rl.downUntil.Load()
	if until == 0 {
		return nil
	}
	now := time.Now().UnixNano()
	if now < until || !rl.downUntil.CompareAndSwap(until, now+int64(rl.cooldown)) {
		return fmt.Errorf("%w: redis: %w", ErrUnavailable, errBreakerOpen)
	}
	return nil
}

// trip opens the breaker for a cooldown.
func (rl *Redis) trip() {
	if rl.cooldown > 0 {
		rl.downUntil.Store(time.Now().Add(rl.cooldown).UnixNano())
	}
}

// release lets the next call probe at once after a probe was abandoned
// (its caller gave up); the breaker, when open, stays open.
func (rl *Redis) release() {
	if until := rl.downUntil.Load(); until != 0 {
		rl.downUntil.CompareAndSwap(until, time.Now().UnixNano())
	}
}
