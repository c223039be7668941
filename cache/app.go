package cache

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/checks"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/server"
)

// Label is the label of the cache app in a project's InstalledApps. Apps
// that use the cache (sessions, the rate limiter) list it in their
// Dependencies.
const Label = "cache"

// DefaultName is the name of the default cache (the Cache settings
// section itself) for App.Cache.
const DefaultName = "default"

// App installs the caches of Settings.Cache in a project: the default
// cache and the named caches of Cache.Caches, each on its Backend ("" is
// redis when RedisURL is set, memory otherwise; "dummy" stores nothing).
// Caches on the same RedisURL share one go-redis client and one circuit
// breaker. A named cache's keys are namespaced by its name too (prefix
// "<KeyPrefix>:<name>", or "<name>" without a KeyPrefix), so that
// caches inheriting the default's KeyPrefix do not share keys, nor clear
// each other's.
//
// The default cache is in every request's context (FromContext). A
// Redis that is down at start-up does not stop the project: the caches
// degrade (see Redis) and a warning is logged. A malformed RedisURL does.
//
// Its zero value is not usable; use New. After Ready it is safe for
// concurrent use.
type App struct {
	def     Cache
	caches  map[string]Cache // every cache, the default under DefaultName
	redis   redis.UniversalClient
	clients []redis.UniversalClient // one per distinct URL, closed by Close
	probes  []server.Probe
	memory  []string // settings paths of the memory caches, for the deploy check
	debug   bool
}

// New returns the cache app.
func New() *App { return &App{} }

var (
	_ core.Readier         = (*App)(nil)
	_ core.Prober          = (*App)(nil)
	_ core.CheckProvider   = (*App)(nil)
	_ core.Closer          = (*App)(nil)
	_ core.ContextProvider = (*App)(nil)
)

// Label returns "cache".
func (a *App) Label() string { return Label }

// redisConn is one distinct Redis URL: its client and breaker, and the
// first cache using it (for the start-up ping and the probe).
type redisConn struct {
	client redis.UniversalClient
	br     *breaker
	first  *Redis
	name   string // of the first cache, for the probe's name
}

// Ready builds the caches from p.Settings().Cache. It pings each Redis
// once, bounded by Cache.Timeout, so that an outage is logged at start-up;
// an unreachable Redis is not an error.
func (a *App) Ready(ctx context.Context, p *core.Project) error {
	s := p.Settings().Cache
	a.debug = p.Settings().Debug
	logger := p.Logger()
	conns := map[string]*redisConn{}
	var order []string // URLs in the order of first use
	connFor := func(where string, c core.CacheSettings) (*redisConn, error) {
		if rc, ok := conns[c.RedisURL]; ok {
			return rc, nil
		}
		client, err := RedisClient(c.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("cache: settings %s.RedisURL: %s", where, strings.TrimPrefix(err.Error(), "cache: "))
		}
		cooldown := c.BreakerCooldown
		if cooldown <= 0 {
			cooldown = defaultRedisCooldown
		}
		rc := &redisConn{client: client, br: newBreaker(cooldown, logger.With("redis_url", respond.MaskString(c.RedisURL)))}
		conns[c.RedisURL] = rc
		order = append(order, c.RedisURL)
		a.clients = append(a.clients, client)
		return rc, nil
	}
	build := func(name, where string, c core.CacheSettings) (Cache, error) {
		prefix := c.KeyPrefix
		if name != DefaultName {
			prefix = joinPrefix(prefix, name)
		}
		backend := c.Backend
		if backend == "" {
			backend = "memory"
			if c.RedisURL != "" {
				backend = "redis"
			}
		}
		switch backend {
		case "memory":
			a.memory = append(a.memory, where)
			return NewMemory(MemoryOptions{Prefix: prefix, Version: c.Version, DefaultTTL: c.DefaultTTL, MaxEntries: c.MaxEntries, MaxBytes: c.MaxBytes}), nil
		case "dummy":
			return NewDummy(), nil
		case "redis":
			if c.RedisURL == "" {
				return nil, fmt.Errorf(`cache: settings %s.Backend is "redis" but no RedisURL is set (REDIS_URL)`, where)
			}
			rc, err := connFor(where, c)
			if err != nil {
				return nil, err
			}
			r := newRedis(rc.client, RedisOptions{
				Prefix: prefix, Version: c.Version, DefaultTTL: c.DefaultTTL,
				Timeout: c.Timeout, BreakerCooldown: c.BreakerCooldown,
			}, rc.br)
			if rc.first == nil {
				rc.first, rc.name = r, name
			}
			return r, nil
		}
		return nil, fmt.Errorf(`cache: settings %s.Backend is %q; use "memory", "redis", "dummy" or empty`, where, backend)
	}

	a.caches = make(map[string]Cache, 1+len(s.Caches))
	def, err := build(DefaultName, "Cache", s)
	if err != nil {
		a.closeClients()
		return err
	}
	a.def, a.caches[DefaultName] = def, def
	for _, name := range slices.Sorted(maps.Keys(s.Caches)) {
		c, err := build(name, fmt.Sprintf("Cache.Caches[%q]", name), s.Caches[name])
		if err != nil {
			a.closeClients()
			return err
		}
		a.caches[name] = c
	}
	if s.RedisURL != "" {
		// Sessions and the rate limiter use Redis whenever RedisURL is
		// set, whatever the cache backend.
		rc, err := connFor("Cache", s)
		if err != nil {
			a.closeClients()
			return err
		}
		a.redis = rc.client
	}

	for _, u := range order {
		rc := conns[u]
		if rc.first == nil {
			continue // only a client for other apps; they will find out
		}
		r := rc.first
		_ = r.Ping(ctx) // a failure opens the breaker, which logs it
		name := "cache"
		if len(a.probes) > 0 {
			name = "cache:" + rc.name
		}
		// Optional: the site serves without its cache, so a Redis outage
		// shows as "degraded" in /readyz without taking the node out.
		a.probes = append(a.probes, server.Probe{Name: name, Check: r.Ping, Optional: true})
	}
	return nil
}

// joinPrefix namespaces a named cache's prefix by its name.
func joinPrefix(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + ":" + name
}

// Default returns the default cache. It panics before Ready: using the
// cache before the project is set up is a programming error.
func (a *App) Default() Cache {
	if a.def == nil {
		panic("cache: App.Default called before the project was set up")
	}
	return a.def
}

// Cache returns the cache called name: DefaultName ("default") or a key
// of Settings.Cache.Caches. An unknown name is an error that lists the
// configured ones.
func (a *App) Cache(name string) (Cache, error) {
	if c, ok := a.caches[name]; ok {
		return c, nil
	}
	names := slices.Sorted(maps.Keys(a.caches))
	return nil, fmt.Errorf("cache: no cache named %q; the configured caches are %s (Settings.Cache.Caches)", name, quoteList(names))
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// Redis returns the go-redis client of Settings.Cache.RedisURL, shared
// with the caches on that URL, for the apps that keep their own data in
// Redis (sessions, the rate limiter). It is nil when RedisURL is empty.
// The app closes it when the project stops.
func (a *App) Redis() redis.UniversalClient { return a.redis }

// BaseContext returns ctx carrying the default cache (see FromContext).
func (a *App) BaseContext(ctx context.Context) context.Context {
	if a.def == nil {
		return ctx
	}
	return WithCache(ctx, a.def)
}

// Probes returns one readiness probe per Redis server the caches use,
// "cache" for the first ("cache:<name>" for a named cache on another
// server). A probe pings Redis through the breaker, so that /readyz finds
// an outage before requests do, and notices the recovery even without
// traffic; but it does not fail while Redis is unreachable: the site
// keeps serving without its cache, and a load balancer must not take
// every node out because Redis is down. The outage is in the log (a
// warning when it starts, info when it ends) and in Redis.Healthy. A site
// that cannot work without Redis can add Redis.Probe, which fails.
func (a *App) Probes() []server.Probe { return a.probes }

// Checks returns the cache's deployment check: cache.W001 (warning, with
// check --deploy and Debug off) for each cache in memory, which each node
// of a deployment keeps on its own.
func (a *App) Checks() []checks.Check {
	return []checks.Check{{
		Name:   "cache",
		Deploy: true,
		Run: func(context.Context) []checks.Message {
			if a.debug {
				return nil
			}
			var msgs []checks.Message
			for _, where := range a.memory {
				msgs = append(msgs, checks.Message{
					Level: checks.Warning, ID: "cache.W001", Object: where,
					Msg:  "the cache is in memory: each node has its own, so nodes serve different cached data and per-node limits",
					Hint: "Set REDIS_URL to share one cache between nodes; ignore this on a single node.",
				})
			}
			return msgs
		},
	}}
}

// Close closes the Redis clients.
func (a *App) Close(context.Context) error {
	return a.closeClients()
}

func (a *App) closeClients() error {
	var errs []error
	for _, c := range a.clients {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("cache: close the Redis client: %w", err))
		}
	}
	a.clients = nil
	return errors.Join(errs...)
}

// From returns the cache app of a project, for apps and views that need a
// named cache or the Redis client.
func From(p *core.Project) (*App, error) {
	return core.AppAs[*App](p, Label, "cache.New()")
}
