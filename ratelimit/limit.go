package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Limit is a rate: Rate events per Period, with bursts of up to Burst
// events at once. The zero Burst means Burst = Rate. A Limit is a plain
// value, safe to share.
//
// With GCRA one event is allowed every Period/Rate, and a key that has
// been idle may spend Burst events at once; Burst 1 spaces events out
// evenly, Burst = Rate allows a whole period's worth in one go.
type Limit struct {
	// Rate is how many events a Period allows; it must be positive.
	Rate int
	// Period is the window Rate is counted over; it must be positive.
	Period time.Duration
	// Burst is how many events may happen at once; 0 means Rate.
	Burst int
}

// PerSecond returns a limit of n events a second, all of which may happen
// at once.
func PerSecond(n int) Limit { return Limit{Rate: n, Period: time.Second, Burst: n} }

// PerMinute returns a limit of n events a minute, all of which may happen
// at once.
func PerMinute(n int) Limit { return Limit{Rate: n, Period: time.Minute, Burst: n} }

// PerHour returns a limit of n events an hour, all of which may happen at
// once.
func PerHour(n int) Limit { return Limit{Rate: n, Period: time.Hour, Burst: n} }

// String returns "5/1m0s (burst 5)".
func (l Limit) String() string {
	return fmt.Sprintf("%d/%v (burst %d)", l.Rate, l.Period, l.burst())
}

func (l Limit) burst() int {
	if l.Burst == 0 {
		return l.Rate
	}
	return l.Burst
}

// maxWindow bounds Burst × Period/Rate, the longest a key's state spans.
const maxWindow = int64(100 * 365 * 24 * time.Hour)

// validate reports a limit no limiter can apply.
func (l Limit) validate() error {
	switch {
	case l.Rate <= 0:
		return fmt.Errorf("ratelimit: limit %v: the rate must be positive", l)
	case l.Period <= 0:
		return fmt.Errorf("ratelimit: limit %v: the period must be positive", l)
	case l.Burst < 0:
		return fmt.Errorf("ratelimit: limit %v: the burst must not be negative", l)
	case l.Period/time.Duration(l.Rate) <= 0:
		return fmt.Errorf("ratelimit: limit %v: more than one event a nanosecond", l)
	case int64(l.burst()) > maxWindow/int64(l.Period/time.Duration(l.Rate)):
		return fmt.Errorf("ratelimit: limit %v: a burst spanning more than 100 years", l)
	}
	return nil
}

// Result is a limiter's decision for one event.
type Result struct {
	// Allowed reports whether the event may happen.
	Allowed bool
	// Limit is the most events the key may spend at once (the limit's
	// burst); the RateLimit-Limit header.
	Limit int
	// Remaining is how many more events are allowed right now.
	Remaining int
	// RetryAfter is how long to wait before the next event is allowed;
	// 0 when this one was.
	RetryAfter time.Duration
	// ResetAfter is how long until the key is back to its full burst
	// (Remaining = Limit) if nothing else happens.
	ResetAfter time.Duration
}

// Limiter decides whether the event identified by key may happen under
// limit l, and counts it when it does. Implementations are safe for
// concurrent use. A key should always be used with the same Limit.
//
// Allow returns an error for an invalid limit or an empty key, and one
// wrapping ErrUnavailable when the limiter's store cannot be reached; the
// caller decides whether to fail open or closed.
type Limiter interface {
	Allow(ctx context.Context, key string, l Limit) (Result, error)
}

// ErrUnavailable is wrapped by the error a limiter returns when its store
// (Redis) is unreachable, slow or in its breaker's cooldown.
var ErrUnavailable = errors.New("ratelimit: limiter unavailable")

// gcra applies the generic cell rate algorithm to a key whose theoretical
// arrival time is tat (0 for a new key), at now, all in nanoseconds. It
// returns the decision and the new tat to store (unchanged when denied).
// It is the algorithm of redis_rate's script, so both limiters agree.
func gcra(tat, now int64, l Limit) (Result, int64) {
	emission := int64(l.Period) / int64(l.Rate)
	burst := l.burst()
	tat = max(tat, now)
	newTAT := tat + emission
	allowAt := newTAT - emission*int64(burst)
	diff := now - allowAt
	if diff < 0 {
		return Result{
			Limit:      burst,
			RetryAfter: time.Duration(-diff),
			ResetAfter: time.Duration(tat - now),
		}, tat
	}
	return Result{
		Allowed:    true,
		Limit:      burst,
		Remaining:  int(diff / emission),
		ResetAfter: time.Duration(newTAT - now),
	}, newTAT
}
