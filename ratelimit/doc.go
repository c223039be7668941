// Package ratelimit limits how often a key (a client address, a user, an
// API token, a username being logged into) may do something, with the
// generic cell rate algorithm (GCRA): a limit of Rate events per Period
// with bursts of up to Burst events, exact to the nanosecond, with no
// fixed windows to game.
//
// Two limiters implement the one-method Limiter interface: Redis, shared by
// every node of a site (an atomic Lua script, github.com/go-redis/redis_rate),
// and Memory, for a single process. Code calls Allow directly:
//
//	res, err := lim.Allow(ctx, "login:user:"+username, ratelimit.PerMinute(5))
//
// and views are limited per route with Middleware, which answers 429 Too
// Many Requests with Retry-After and the RateLimit-* headers of the IETF
// draft (draft-ietf-httpapi-ratelimit-headers).
//
// When Redis is unreachable or slow, each call gives up after a short
// timeout and a circuit breaker stops trying for a cooldown; Allow then
// returns an error wrapping ErrUnavailable. The middleware fails open by
// default (the request is served, and the outage is logged once per
// interval, not once per request) or closed with Options.FailClosed (503).
package ratelimit
