package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/server"
)

// Defaults of RedisOptions' zero fields (the same as core's Settings.Cache
// defaults).
const (
	defaultRedisTTL      = 5 * time.Minute
	defaultRedisTimeout  = 250 * time.Millisecond
	defaultRedisCooldown = 5 * time.Second
	defaultRedisLockTTL  = 5 * time.Second
)

// GetOrSet's wait for another node's value polls with a back-off between
// these bounds.
const (
	lockPollMin = 5 * time.Millisecond
	lockPollMax = 50 * time.Millisecond
)

// clearBatch is how many keys Clear asks SCAN for and unlinks at a time.
const clearBatch = 1000

// lockSuffix turns a stored key into its GetOrSet lock key. The space
// cannot occur in a caller's key (ValidateKey), so a lock key never
// collides with a value key, and it stays under the cache's prefix, so
// Clear removes stale locks too.
const lockSuffix = " lock"

// RedisOptions configures a Redis cache. The zero value works: no prefix,
// version 0, the default timings below and a logger that discards.
type RedisOptions struct {
	// Prefix and Version namespace the keys (Django's KEY_PREFIX and
	// VERSION): the stored key is KeyFunc(Prefix, Version, key).
	Prefix  string
	Version int
	// DefaultTTL is the lifetime of values set with DefaultTTL (0).
	// Zero means 5 minutes; negative means forever.
	DefaultTTL time.Duration
	// KeyFunc builds the stored key; nil means DefaultKeyFunc. Clear
	// needs one that puts the caller's key last (as DefaultKeyFunc does).
	KeyFunc KeyFunc
	// Timeout bounds each Redis call: a slower call counts as Redis being
	// unreachable. Zero means 250 ms. The client must have
	// ContextTimeoutEnabled (RedisClient's do) for the bound to cover the
	// network reads; otherwise only the wait for a connection honours it.
	Timeout time.Duration
	// BreakerCooldown is how long the cache stops calling Redis after a
	// call found it unreachable, before it lets one call through to see
	// whether Redis is back. Zero means 5 s.
	BreakerCooldown time.Duration
	// LockTTL is the lifetime of GetOrSet's lock key, and so the longest
	// a node waits for another node's value before computing it itself.
	// Zero means 5 s.
	LockTTL time.Duration
	// Logger receives the breaker's records: a warning when Redis becomes
	// unreachable, an info record when it is back. Nil discards them.
	Logger *slog.Logger
}

// Redis is a Cache on a Redis server, Sentinel set or Cluster, through a
// go-redis UniversalClient. Values are stored as they are, as Redis
// strings. It is safe for concurrent use; create it with NewRedis.
//
// Each call is bounded by Timeout. When Redis is unreachable or slower
// than that, the cache degrades rather than fail the request: Get and
// GetMany report misses, Set, SetMany, Add, Delete and Touch do nothing
// and return nil, GetOrSet calls fn and returns its value without storing
// it, and Incr, Clear and Ping return errors wrapping ErrUnavailable. A
// circuit breaker then skips Redis for BreakerCooldown, so that a dead
// server costs nothing per request, and lets one call through after it to
// detect the recovery; it logs once when Redis goes and once when it comes
// back. Errors that Redis answers (a wrong type, a value that is not an
// integer) and bad keys or TTLs are returned as errors, never degraded.
//
// Add reports success while Redis is unreachable: do not use it as a lock
// whose safety matters.
type Redis struct {
	client     redis.UniversalClient
	cluster    bool
	prefix     string
	version    int
	keyFunc    KeyFunc
	pattern    string // SCAN pattern of this cache's keys; "" if KeyFunc does not allow one
	defaultTTL time.Duration
	timeout    time.Duration
	lockTTL    time.Duration
	br         *breaker
	flight     flight
}

var _ Cache = (*Redis)(nil)

// NewRedis returns a cache storing its values through client. It does not
// connect; the first call does. Closing the client is the caller's job.
func NewRedis(client redis.UniversalClient, opts RedisOptions) *Redis {
	return newRedis(client, opts, nil)
}

// newRedis is NewRedis with a breaker that may be shared with the other
// caches on the same client (nil: a breaker of its own).
func newRedis(client redis.UniversalClient, opts RedisOptions, br *breaker) *Redis {
	r := &Redis{
		client:     client,
		prefix:     opts.Prefix,
		version:    opts.Version,
		keyFunc:    opts.KeyFunc,
		defaultTTL: opts.DefaultTTL,
		timeout:    opts.Timeout,
		lockTTL:    opts.LockTTL,
		br:         br,
	}
	_, r.cluster = client.(*redis.ClusterClient)
	if r.keyFunc == nil {
		r.keyFunc = DefaultKeyFunc
	}
	if r.defaultTTL == 0 {
		r.defaultTTL = defaultRedisTTL
	}
	if r.timeout <= 0 {
		r.timeout = defaultRedisTimeout
	}
	if r.lockTTL <= 0 {
		r.lockTTL = defaultRedisLockTTL
	}
	if r.br == nil {
		cooldown := opts.BreakerCooldown
		if cooldown <= 0 {
			cooldown = defaultRedisCooldown
		}
		logger := opts.Logger
		if logger == nil {
			logger = slog.New(slog.DiscardHandler)
		}
		r.br = newBreaker(cooldown, logger)
	}
	const marker = "\x00"
	if k := r.keyFunc(r.prefix, r.version, marker); strings.HasSuffix(k, marker) {
		r.pattern = globEscape(strings.TrimSuffix(k, marker)) + "*"
	}
	return r
}

// Prefix returns the cache's key prefix (RedisOptions.Prefix).
func (r *Redis) Prefix() string { return r.prefix }

// Version returns the cache's key version (RedisOptions.Version).
func (r *Redis) Version() int { return r.version }

// Client returns the go-redis client the cache uses.
func (r *Redis) Client() redis.UniversalClient { return r.client }

// Healthy returns nil while the cache is using Redis, and an error
// wrapping ErrUnavailable, with the cause and since when, while the
// breaker keeps Redis out. It does no I/O; Ping asks Redis.
func (r *Redis) Healthy() error { return r.br.healthy() }

// Ping asks Redis whether it is there, through the breaker: while the
// breaker is open and not due for a probe it returns Healthy's error
// without I/O; otherwise a PING, which, as the probe, closes the breaker
// when Redis answers.
func (r *Redis) Ping(ctx context.Context) error {
	if !r.br.allow() {
		return r.br.healthy()
	}
	cctx, cancel := r.callCtx(ctx)
	err := r.client.Ping(cctx).Err()
	cancel()
	if r.done(ctx, err) {
		return fmt.Errorf("cache: ping: %w: %s", ErrUnavailable, respond.MaskString(err.Error()))
	}
	if err != nil {
		return fmt.Errorf("cache: ping: %w", err)
	}
	return nil
}

// Probe returns a readiness probe named name for core/server's /readyz
// whose Check is Ping: it fails while Redis is unreachable. Use it when
// the site cannot work without Redis; the cache app's own probe does not
// fail (see App.Probes).
func (r *Redis) Probe(name string) server.Probe {
	return server.Probe{Name: name, Check: r.Ping}
}

// Get returns the value of key, or ErrMiss (also while Redis is
// unreachable).
func (r *Redis) Get(ctx context.Context, key string) ([]byte, error) {
	k, err := r.key("get", key)
	if err != nil {
		return nil, err
	}
	return r.get(ctx, key, k)
}

func (r *Redis) get(ctx context.Context, key, k string) ([]byte, error) {
	if !r.br.allow() {
		return nil, ErrMiss
	}
	cctx, cancel := r.callCtx(ctx)
	v, err := r.client.Get(cctx, k).Bytes()
	cancel()
	if err == nil {
		r.br.success()
		return v, nil
	}
	if r.done(ctx, err) || errors.Is(err, redis.Nil) {
		return nil, ErrMiss
	}
	return nil, fmt.Errorf("cache: get %q: %w", key, err)
}

// Set stores value under key for ttl.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	k, err := r.key("set", key)
	if err != nil {
		return err
	}
	exp, err := r.expiry("set", key, ttl)
	if err != nil {
		return err
	}
	return r.set(ctx, key, k, value, exp)
}

func (r *Redis) set(ctx context.Context, key, k string, value []byte, exp time.Duration) error {
	if !r.br.allow() {
		return nil
	}
	cctx, cancel := r.callCtx(ctx)
	err := r.client.Set(cctx, k, value, exp).Err()
	cancel()
	if r.done(ctx, err) || err == nil {
		return nil
	}
	return fmt.Errorf("cache: set %q: %w", key, err)
}

// Add stores value under key only when key is absent (SET NX); it returns
// ErrNotStored when key exists.
func (r *Redis) Add(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	k, err := r.key("add", key)
	if err != nil {
		return err
	}
	exp, err := r.expiry("add", key, ttl)
	if err != nil {
		return err
	}
	if !r.br.allow() {
		return nil
	}
	cctx, cancel := r.callCtx(ctx)
	ok, err := r.client.SetNX(cctx, k, value, exp).Result()
	cancel()
	switch {
	case r.done(ctx, err):
		return nil
	case err != nil:
		return fmt.Errorf("cache: add %q: %w", key, err)
	case !ok:
		return ErrNotStored
	}
	return nil
}

// Delete removes key.
func (r *Redis) Delete(ctx context.Context, key string) error {
	k, err := r.key("delete", key)
	if err != nil {
		return err
	}
	if !r.br.allow() {
		return nil
	}
	cctx, cancel := r.callCtx(ctx)
	err = r.client.Del(cctx, k).Err()
	cancel()
	if r.done(ctx, err) || err == nil {
		return nil
	}
	return fmt.Errorf("cache: delete %q: %w", key, err)
}

// GetMany returns the values of the present keys, in one MGET (one
// pipeline of GETs on a Cluster, whose MGET cannot span slots).
func (r *Redis) GetMany(ctx context.Context, keys ...string) (map[string][]byte, error) {
	ks, err := r.keys("get many", keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(keys))
	if len(keys) == 0 || !r.br.allow() {
		return out, nil
	}
	cctx, cancel := r.callCtx(ctx)
	defer cancel()
	if r.cluster {
		cmds, err := r.client.Pipelined(cctx, func(p redis.Pipeliner) error {
			for _, k := range ks {
				p.Get(cctx, k)
			}
			return nil
		})
		if r.done(ctx, err) {
			return out, nil
		}
		var errs []error
		for i, cmd := range cmds {
			v, err := cmd.(*redis.StringCmd).Bytes()
			switch {
			case err == nil:
				out[keys[i]] = v
			case !errors.Is(err, redis.Nil):
				errs = append(errs, fmt.Errorf("cache: get many: key %q: %w", keys[i], err))
			}
		}
		return out, errors.Join(errs...)
	}
	vals, err := r.client.MGet(cctx, ks...).Result()
	if r.done(ctx, err) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cache: get many (%d keys, first %q): %w", len(keys), keys[0], err)
	}
	for i, v := range vals {
		if s, ok := v.(string); ok {
			out[keys[i]] = []byte(s)
		}
	}
	return out, nil
}

// SetMany stores every pair with one ttl, in one MULTI/EXEC transaction.
// Every key and the ttl are checked before anything is sent. An error
// Redis returns for a command names its key. A command Redis refuses
// while queueing (no permission, out of memory) makes it discard the
// whole batch, and the error says that nothing was stored; Redis does not
// roll back a command failing at execution, so then the batch's other
// keys are stored. No key outside the batch is touched.
func (r *Redis) SetMany(ctx context.Context, values map[string][]byte, ttl time.Duration) error {
	if err := ValidateTTL(ttl); err != nil {
		return fmt.Errorf("cache: set many: %w", err)
	}
	exp, _ := r.expiry("set many", "", ttl)
	keys := make([]string, 0, len(values))
	ks := make([]string, 0, len(values))
	for key := range values {
		k, err := r.key("set many", key)
		if err != nil {
			return err
		}
		keys = append(keys, key)
		ks = append(ks, k)
	}
	if len(keys) == 0 || !r.br.allow() {
		return nil
	}
	cctx, cancel := r.callCtx(ctx)
	defer cancel()
	cmds, err := r.client.TxPipelined(cctx, func(p redis.Pipeliner) error {
		for i, k := range ks {
			p.Set(cctx, k, values[keys[i]], exp)
		}
		return nil
	})
	if r.done(ctx, err) || err == nil {
		return nil
	}
	var errs []error
	for i, cmd := range cmds {
		if e := cmd.Err(); i < len(keys) && e != nil && !redis.HasErrorPrefix(e, "EXECABORT") {
			errs = append(errs, fmt.Errorf("cache: set many: key %q: %w", keys[i], e))
		}
	}
	switch {
	case len(errs) == 0:
		return fmt.Errorf("cache: set many (%d keys): %w", len(keys), err)
	case redis.HasErrorPrefix(err, "EXECABORT"):
		errs = append(errs, fmt.Errorf("cache: set many: Redis discarded the batch, none of its %d keys was stored", len(keys)))
	}
	return errors.Join(errs...)
}

// Incr adds delta to the integer at key and returns the new value. A
// missing key starts at 0 and gets the default TTL; the creation and the
// increment are one MULTI/EXEC (SET NX, INCRBY), so that concurrent
// callers never lose an increment or leave a key without expiry. While
// Redis is unreachable it returns an error wrapping ErrUnavailable.
func (r *Redis) Incr(ctx context.Context, key string, delta int64) (int64, error) {
	k, err := r.key("incr", key)
	if err != nil {
		return 0, err
	}
	if !r.br.allow() {
		return 0, fmt.Errorf("cache: incr %q: %w", key, ErrUnavailable)
	}
	exp, _ := r.expiry("incr", key, DefaultTTL)
	cctx, cancel := r.callCtx(ctx)
	var incr *redis.IntCmd
	_, err = r.client.TxPipelined(cctx, func(p redis.Pipeliner) error {
		p.SetNX(cctx, k, "0", exp)
		incr = p.IncrBy(cctx, k, delta)
		return nil
	})
	cancel()
	if r.done(ctx, err) {
		return 0, fmt.Errorf("cache: incr %q: %w: %s", key, ErrUnavailable, respond.MaskString(err.Error()))
	}
	if err != nil {
		if ierr := incr.Err(); ierr != nil {
			err = ierr
		}
		return 0, fmt.Errorf("cache: incr %q: %w", key, err)
	}
	return incr.Val(), nil
}

// Touch sets a new ttl on key; it returns ErrMiss for an absent key.
func (r *Redis) Touch(ctx context.Context, key string, ttl time.Duration) error {
	k, err := r.key("touch", key)
	if err != nil {
		return err
	}
	exp, err := r.expiry("touch", key, ttl)
	if err != nil {
		return err
	}
	if !r.br.allow() {
		return nil
	}
	cctx, cancel := r.callCtx(ctx)
	var found bool
	if exp == 0 {
		var exists *redis.IntCmd
		_, err = r.client.TxPipelined(cctx, func(p redis.Pipeliner) error {
			exists = p.Exists(cctx, k)
			p.Persist(cctx, k)
			return nil
		})
		found = err == nil && exists.Val() == 1
	} else {
		found, err = r.client.PExpire(cctx, k, exp).Result()
	}
	cancel()
	switch {
	case r.done(ctx, err):
		return nil
	case err != nil:
		return fmt.Errorf("cache: touch %q: %w", key, err)
	case !found:
		return ErrMiss
	}
	return nil
}

// Clear removes every key of this cache, and only those: it SCANs for
// the keys under its prefix and version (every master of a Cluster) and
// UNLINKs them in batches; it never flushes the database. Each SCAN and
// UNLINK is bounded by Timeout, not the whole. Unlike the other writes,
// Clear reports an unreachable Redis (an error wrapping ErrUnavailable):
// an operator asked for it and must know that it did not happen.
func (r *Redis) Clear(ctx context.Context) error {
	if r.pattern == "" {
		return errors.New("cache: clear: the cache's KeyFunc does not end with the key, so its keys cannot be found by prefix")
	}
	if !r.br.allow() {
		return fmt.Errorf("cache: clear: %w", ErrUnavailable)
	}
	var err error
	switch c := r.client.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return r.clearNode(ctx, node, true)
		})
	case *redis.Ring:
		err = c.ForEachShard(ctx, func(ctx context.Context, node *redis.Client) error {
			return r.clearNode(ctx, node, false)
		})
	default:
		err = r.clearNode(ctx, c, false)
	}
	if r.done(ctx, err) {
		return fmt.Errorf("cache: clear: %w: %s", ErrUnavailable, respond.MaskString(err.Error()))
	}
	if err != nil {
		return fmt.Errorf("cache: clear: %w", err)
	}
	return nil
}

// clearNode unlinks the cache's keys on one server. On a Cluster node the
// keys of a batch may hash to different slots, so each gets an UNLINK of
// its own (in one pipeline).
func (r *Redis) clearNode(ctx context.Context, node redis.Cmdable, perKey bool) error {
	var cursor uint64
	for {
		cctx, cancel := r.callCtx(ctx)
		keys, next, err := node.Scan(cctx, cursor, r.pattern, clearBatch).Result()
		if err == nil && len(keys) > 0 {
			if perKey {
				_, err = node.Pipelined(cctx, func(p redis.Pipeliner) error {
					for _, k := range keys {
						p.Unlink(cctx, k)
					}
					return nil
				})
			} else {
				err = node.Unlink(cctx, keys...).Err()
			}
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

// GetOrSet returns the value of key, computing it with fn and storing it
// for ttl when missing.
//
// Callers in this process share one computation per key (singleflight).
// Across nodes, the computing node holds a lock key (SET NX PX LockTTL)
// while fn runs; the other nodes poll for the value, with a back-off from
// 5 to 50 ms, and compute it themselves when LockTTL passes without one
// (the holder is slow or gone) rather than fail. So fn runs once across
// the nodes, and more than once only when it outlasts LockTTL or the
// holder's node loses Redis meanwhile. The holder checks for the value
// again once it has the lock, so that a node arriving just after another
// finished does not recompute.
//
// fn receives ctx without its cancellation (its values remain) and with a
// deadline of one minute: it fills the cache for every waiting caller, so
// one caller leaving must not abort it; a caller whose ctx ends stops
// waiting and gets ctx's error (see the memory cache, which shares this
// behaviour). An error from fn is returned to the callers sharing the call
// and is not cached. While Redis is unreachable fn's value is returned
// unstored. The returned slice may be shared with other callers: do not
// modify it.
func (r *Redis) GetOrSet(ctx context.Context, key string, ttl time.Duration, fn func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	k, err := r.key("get or set", key)
	if err != nil {
		return nil, err
	}
	exp, err := r.expiry("get or set", key, ttl)
	if err != nil {
		return nil, err
	}
	v, err := r.get(ctx, key, k)
	if err == nil || !errors.Is(err, ErrMiss) {
		return v, err
	}
	return r.flight.do(ctx, k, func(ctx context.Context) ([]byte, error) {
		return r.fill(ctx, key, k, exp, fn)
	})
}

// fill is the computation GetOrSet shares in the process: take the lock
// key or wait for the node that has it.
func (r *Redis) fill(ctx context.Context, key, k string, exp time.Duration, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	lock := k + lockSuffix
	token := lockToken()
	deadline := time.Now().Add(r.lockTTL)
	wait := lockPollMin
	for {
		held, err := r.lock(ctx, lock, token)
		if err != nil {
			break // Redis is unreachable or refuses the lock: compute without it
		}
		if held {
			defer r.unlock(ctx, lock, token)
			if v, err := r.get(ctx, key, k); err == nil {
				return v, nil // another node finished just before we locked
			}
			return r.compute(ctx, key, k, exp, fn)
		}
		if !time.Now().Add(wait).Before(deadline) {
			break
		}
		select {
		case <-ctx.Done(): // every caller has gone
			return nil, context.Cause(ctx)
		case <-time.After(wait):
		}
		wait = min(2*wait, lockPollMax)
		v, err := r.get(ctx, key, k)
		if err == nil {
			return v, nil
		}
		if r.br.healthy() != nil {
			break // Redis went away while we waited
		}
	}
	return r.compute(ctx, key, k, exp, fn)
}

// compute calls fn and stores its value. A failure to store is not the
// caller's problem: the value is returned anyway.
func (r *Redis) compute(ctx context.Context, key, k string, exp time.Duration, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	v, err := fn(ctx)
	if err != nil {
		return nil, err
	}
	_ = r.set(ctx, key, k, v, exp)
	return v, nil
}

// lock tries to take GetOrSet's lock key. It returns an error when Redis
// cannot be asked.
func (r *Redis) lock(ctx context.Context, lock, token string) (bool, error) {
	if !r.br.allow() {
		return false, ErrUnavailable
	}
	cctx, cancel := r.callCtx(ctx)
	ok, err := r.client.SetNX(cctx, lock, token, r.lockTTL).Result()
	cancel()
	r.done(ctx, err)
	return ok, err
}

// unlockScript deletes the lock key only if it still holds our token: a
// lock that expired and was taken by another node is not ours to delete.
var unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

func (r *Redis) unlock(ctx context.Context, lock, token string) {
	if !r.br.allow() {
		return // the lock expires by itself
	}
	cctx, cancel := r.callCtx(ctx)
	err := unlockScript.Run(cctx, r.client, []string{lock}, token).Err()
	cancel()
	r.done(ctx, err)
}

// lockToken returns a random value identifying one holder of a lock.
func lockToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// key validates key and returns the stored key.
func (r *Redis) key(op, key string) (string, error) {
	if err := checkKey(op, key); err != nil {
		return "", err
	}
	return r.keyFunc(r.prefix, r.version, key), nil
}

// keys validates keys and returns the stored keys, in order.
func (r *Redis) keys(op string, keys []string) ([]string, error) {
	ks := make([]string, len(keys))
	for i, key := range keys {
		k, err := r.key(op, key)
		if err != nil {
			return nil, err
		}
		ks[i] = k
	}
	return ks, nil
}

// expiry validates ttl and turns it into go-redis's expiration: zero for
// no expiry (go-redis reads -1 as KEEPTTL, so Forever must not get
// through), at least a millisecond otherwise.
func (r *Redis) expiry(op, key string, ttl time.Duration) (time.Duration, error) {
	if err := checkTTL(op, key, ttl); err != nil {
		return 0, err
	}
	if ttl == DefaultTTL {
		ttl = r.defaultTTL
	}
	switch {
	case ttl < 0:
		return 0, nil
	case ttl < time.Millisecond:
		return time.Millisecond, nil
	}
	return ttl, nil
}

// callCtx bounds one Redis call by the cache's Timeout, unless ctx ends
// sooner anyway (then it spares the timer).
func (r *Redis) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= r.timeout {
		return ctx, nop
	}
	return context.WithTimeout(ctx, r.timeout)
}

func nop() {}

// done reports a finished call to the breaker and whether it degraded:
// Redis was unreachable or too slow. ctx is the caller's context: a call
// abandoned by its caller says nothing about Redis.
func (r *Redis) done(ctx context.Context, err error) bool {
	switch {
	case err == nil || errors.Is(err, redis.Nil):
		r.br.success()
	case ctx.Err() != nil:
	case unreachable(ctx, err):
		r.br.failure(err)
		return true
	default:
		r.br.success() // Redis answered, with an error about the command
	}
	return false
}

// globEscape escapes the glob characters of a SCAN MATCH pattern.
func globEscape(s string) string {
	if !strings.ContainsAny(s, `*?[]\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
