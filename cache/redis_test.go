package cache_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/cache/cachetest"
	"github.com/djinn-go/djinn/core/server"
	"github.com/djinn-go/djinn/djinntest"
)

// Log messages of the breaker.
const (
	msgDown = "cache: redis unreachable; serving without it"
	msgUp   = "cache: redis reachable again"
)

// waitLimit bounds every wait of these tests; nothing should come near it.
const waitLimit = 10 * time.Second

// newRedis returns a Redis cache on the test server under a prefix of the
// test's own (unless opts has one), with a client of its own closed at the
// end of the test, and a Timeout of 2 s unless opts has one.
func newRedis(t *testing.T, opts cache.RedisOptions) *cache.Redis {
	t.Helper()
	client, err := cache.RedisClient(djinntest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	if opts.Prefix == "" {
		opts.Prefix = djinntest.RedisPrefix(t)
	}
	if opts.Version == 0 {
		opts.Version = 1
	}
	if opts.Timeout == 0 {
		// A busy test machine must not pass for a sick Redis.
		opts.Timeout = 2 * time.Second
	}
	return cache.NewRedis(client, opts)
}

// rawClient returns a plain go-redis client on the test server.
func rawClient(t *testing.T) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(djinntest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRedisConformance(t *testing.T) {
	cachetest.Run(t, func(t *testing.T) cache.Cache {
		return newRedis(t, cache.RedisOptions{})
	}, cachetest.Options{})
}

// newProxy returns a cuttable proxy to the test Redis and its REDIS_URL.
func newProxy(t *testing.T) (*djinntest.Proxy, string) {
	t.Helper()
	opt, err := redis.ParseURL(djinntest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	px := djinntest.NewProxy(t, opt.Addr)
	return px, fmt.Sprintf("redis://%s/%d", px.Addr, opt.DB)
}

// countMsg returns how many log records have message msg.
func countMsg(t *testing.T, logs *djinntest.Logs, msg string) int {
	t.Helper()
	n := 0
	for _, rec := range logs.Records(t) {
		if rec["msg"] == msg {
			n++
		}
	}
	return n
}

func TestRedisDegradesWhenUnreachable(t *testing.T) {
	const timeout = 100 * time.Millisecond
	for _, tt := range []struct {
		name string
		addr func(t testing.TB) string
	}{
		{"closed port", djinntest.ClosedAddr},
		{"server that never answers", djinntest.HungAddr},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logger, logs := djinntest.NewLogs()
			client, err := cache.RedisClient("redis://:hunter2@" + tt.addr(t) + "/0")
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			r := cache.NewRedis(client, cache.RedisOptions{Prefix: "p", Version: 1, Timeout: timeout, BreakerCooldown: time.Minute, Logger: logger})
			ctx := t.Context()

			// go-redis alone would wait for its 3 s ReadTimeout (5 s to dial).
			start := time.Now()
			if _, err := r.Get(ctx, "k"); !errors.Is(err, cache.ErrMiss) {
				t.Fatalf("Get = %v; want ErrMiss", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("the first Get took %v; want it bounded by the cache's Timeout (%v), not go-redis's", d, timeout)
			}
			fn := func(context.Context) ([]byte, error) { return []byte("from the database"), nil }
			for i := range 100 {
				key := fmt.Sprintf("k%d", i%7)
				if _, err := r.Get(ctx, key); !errors.Is(err, cache.ErrMiss) {
					t.Fatalf("Get = %v; want ErrMiss", err)
				}
				if m, err := r.GetMany(ctx, key, "other"); err != nil || len(m) != 0 {
					t.Fatalf("GetMany = %v, %v; want an empty map", m, err)
				}
				for name, err := range map[string]error{
					"Set":     r.Set(ctx, key, []byte("v"), 0),
					"Add":     r.Add(ctx, key, []byte("v"), 0),
					"Delete":  r.Delete(ctx, key),
					"SetMany": r.SetMany(ctx, map[string][]byte{key: []byte("v")}, 0),
					"Touch":   r.Touch(ctx, key, time.Minute),
				} {
					if err != nil {
						t.Fatalf("%s = %v; want nil (a no-op)", name, err)
					}
				}
				if _, err := r.Incr(ctx, key, 1); !errors.Is(err, cache.ErrUnavailable) {
					t.Fatalf("Incr = %v; want an error wrapping ErrUnavailable", err)
				}
				if v, err := r.GetOrSet(ctx, key, 0, fn); err != nil || string(v) != "from the database" {
					t.Fatalf("GetOrSet = %q, %v; want fn's value", v, err)
				}
			}
			if err := r.Clear(ctx); !errors.Is(err, cache.ErrUnavailable) {
				t.Errorf("Clear = %v; want an error wrapping ErrUnavailable", err)
			}
			if err := r.Set(ctx, "bad key", nil, 0); !errors.Is(err, cache.ErrBadKey) {
				t.Errorf("Set(bad key) = %v; want ErrBadKey even while Redis is down", err)
			}
			if err := r.Healthy(); !errors.Is(err, cache.ErrUnavailable) {
				t.Errorf("Healthy() = %v; want an error wrapping ErrUnavailable", err)
			}
			if err := r.Ping(ctx); !errors.Is(err, cache.ErrUnavailable) {
				t.Errorf("Ping() = %v; want an error wrapping ErrUnavailable", err)
			}

			if n := countMsg(t, logs, msgDown); n != 1 {
				t.Errorf("%d records %q over 800 calls; want exactly 1\n%s", n, msgDown, logs)
			}
			rec := logs.Find(t, msgDown)
			if rec == nil || rec["level"] != "WARN" || rec["cooldown"] != "1m0s" || rec["error"] == "" {
				t.Errorf("record = %v; want level WARN, cooldown 1m0s and the error", rec)
			}
			if strings.Contains(logs.String(), "hunter2") {
				t.Errorf("the log shows the password:\n%s", logs)
			}
		})
	}
}

func TestRedisReadyzProbe(t *testing.T) {
	client, err := cache.RedisClient("redis://" + djinntest.ClosedAddr(t) + "/0")
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	down := cache.NewRedis(client, cache.RedisOptions{Timeout: 100 * time.Millisecond})
	up := newRedis(t, cache.RedisOptions{})
	for _, tt := range []struct {
		name     string
		r        *cache.Redis
		status   int
		wantBody string
	}{
		{"redis down", down, http.StatusServiceUnavailable, `{"name":"cache","status":"failed"`},
		{"redis up", up, http.StatusOK, `{"name":"cache","status":"ok"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logger, _ := djinntest.NewLogs()
			srv, err := server.New(server.Config{Addr: "127.0.0.1:0", NoSignals: true, ReadyProbes: []server.Probe{tt.r.Probe("cache")}},
				http.NotFoundHandler(), logger)
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("GET /readyz = %d %s; want %d with %s", rec.Code, rec.Body, tt.status, tt.wantBody)
			}
		})
	}
}

func TestRedisRecoversAfterCooldown(t *testing.T) {
	const cooldown = 200 * time.Millisecond
	px, pxURL := newProxy(t)
	logger, logs := djinntest.NewLogs()
	client, err := cache.RedisClient(pxURL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	r := cache.NewRedis(client, cache.RedisOptions{Prefix: djinntest.RedisPrefix(t), Version: 1,
		Timeout: time.Second, BreakerCooldown: cooldown, Logger: logger})
	ctx := t.Context()

	if err := r.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	px.Cut()
	for range 50 {
		if _, err := r.Get(ctx, "k"); !errors.Is(err, cache.ErrMiss) {
			t.Fatalf("Get with Redis cut off = %v; want ErrMiss", err)
		}
	}
	if r.Healthy() == nil || countMsg(t, logs, msgDown) != 1 {
		t.Fatalf("after the cut: Healthy() = %v, %d records %q; want an error and 1 record", r.Healthy(), countMsg(t, logs, msgDown), msgDown)
	}
	// Still down after a cooldown: the probe fails, the breaker reopens,
	// and nothing more is logged.
	time.Sleep(cooldown + 50*time.Millisecond)
	r.Get(ctx, "k")
	if r.Healthy() == nil {
		t.Fatal("Healthy() = nil while Redis is still cut off")
	}

	px.Restore()
	deadline := time.Now().Add(waitLimit)
	for {
		v, err := r.Get(ctx, "k")
		if err == nil {
			if string(v) != "v" {
				t.Fatalf("Get after recovery = %q; want %q", v, "v")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Get still %v %v after Redis came back", err, waitLimit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := r.Healthy(); err != nil {
		t.Errorf("Healthy() after recovery = %v; want nil", err)
	}
	if n, m := countMsg(t, logs, msgDown), countMsg(t, logs, msgUp); n != 1 || m != 1 {
		t.Errorf("%d %q and %d %q records; want 1 of each\n%s", n, msgDown, m, msgUp, logs)
	}
}

func TestRedisGetOrSetAcrossNodes(t *testing.T) {
	prefix := djinntest.RedisPrefix(t)
	nodes := []*cache.Redis{
		newRedis(t, cache.RedisOptions{Prefix: prefix}),
		newRedis(t, cache.RedisOptions{Prefix: prefix}),
	}
	var calls atomic.Int32
	fn := func(context.Context) ([]byte, error) {
		calls.Add(1)
		time.Sleep(100 * time.Millisecond) // a slow query
		return []byte("computed"), nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			v, err := nodes[i%2].GetOrSet(t.Context(), "hot", time.Minute, fn)
			if err != nil || string(v) != "computed" {
				errs <- fmt.Errorf("GetOrSet = %q, %v; want %q", v, err, "computed")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// fn would run twice if a Redis call timed out (then a node computes
	// without the lock) or fn outlasted LockTTL; neither happens here.
	if n := calls.Load(); n != 1 {
		t.Errorf("fn ran %d times for 50 callers on two nodes; want once", n)
	}
}

func TestRedisGetOrSetLockHolderTooSlow(t *testing.T) {
	prefix := djinntest.RedisPrefix(t)
	opts := cache.RedisOptions{Prefix: prefix, LockTTL: 200 * time.Millisecond}
	a, b := newRedis(t, opts), newRedis(t, opts)
	release := make(chan struct{})
	started := make(chan struct{})
	aDone := make(chan []byte)
	go func() {
		v, _ := a.GetOrSet(context.Background(), "slow", time.Minute, func(context.Context) ([]byte, error) {
			close(started)
			<-release
			return []byte("from a"), nil
		})
		aDone <- v
	}()
	<-started
	// a holds the lock and does not finish: b waits LockTTL, then computes.
	v, err := b.GetOrSet(t.Context(), "slow", time.Minute, func(context.Context) ([]byte, error) {
		return []byte("from b"), nil
	})
	close(release)
	if err != nil || string(v) != "from b" {
		t.Errorf("b.GetOrSet while a's fn hangs = %q, %v; want b's own value", v, err)
	}
	if v := <-aDone; string(v) != "from a" {
		t.Errorf("a.GetOrSet = %q; want %q", v, "from a")
	}
}

func TestRedisIncrErrors(t *testing.T) {
	r := newRedis(t, cache.RedisOptions{})
	ctx := t.Context()
	for k, v := range map[string]string{"word": "abc", "n": "5"} {
		if err := r.Set(ctx, k, []byte(v), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	_, err := r.Incr(ctx, "word", 1)
	if err == nil || !strings.Contains(err.Error(), `"word"`) || !strings.Contains(err.Error(), "not an integer") {
		t.Errorf("Incr(word) = %v; want an error naming the key and saying it is not an integer", err)
	}
	if errors.Is(err, cache.ErrUnavailable) || r.Healthy() != nil {
		t.Errorf("Incr(word) = %v, Healthy() = %v; an error reply must not count as Redis being down", err, r.Healthy())
	}
	for k, want := range map[string]string{"word": "abc", "n": "5"} {
		if v, err := r.Get(ctx, k); err != nil || string(v) != want {
			t.Errorf("Get(%s) = %q, %v; want %q", k, v, err, want)
		}
	}
	if n, err := r.Incr(ctx, "n", 2); err != nil || n != 7 {
		t.Errorf("Incr(n, 2) = %d, %v; want 7", n, err)
	}
}

func TestRedisIncrNewKeyGetsDefaultTTL(t *testing.T) {
	prefix := djinntest.RedisPrefix(t)
	r := newRedis(t, cache.RedisOptions{Prefix: prefix, DefaultTTL: time.Hour})
	if _, err := r.Incr(t.Context(), "hits", 1); err != nil {
		t.Fatal(err)
	}
	ttl, err := rawClient(t).PTTL(t.Context(), prefix+":1:hits").Result()
	if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("PTTL of a key Incr created = %v, %v; want about the default TTL of 1h", ttl, err)
	}
}

// TestRedisSetManyRefused makes Redis refuse one key of a batch: a user
// whose ACL allows only keys under prefix:1:ok.
func TestRedisSetManyRefused(t *testing.T) {
	raw := rawClient(t)
	prefix := djinntest.RedisPrefix(t)
	user := strings.ReplaceAll(prefix, ":", "_")
	if err := raw.Do(t.Context(), "ACL", "SETUSER", user, "on", ">pw", "~"+prefix+":1:ok*", "+@all").Err(); err != nil {
		t.Skipf("cannot create an ACL user: %v", err)
	}
	t.Cleanup(func() { raw.Do(context.Background(), "ACL", "DELUSER", user) })
	opt, _ := redis.ParseURL(djinntest.RedisURL(t))
	opt.Username, opt.Password = user, "pw"
	limited := redis.NewClient(opt)
	defer limited.Close()
	r := cache.NewRedis(limited, cache.RedisOptions{Prefix: prefix, Version: 1})
	ctx := t.Context()
	if err := r.Set(ctx, "ok1", []byte("old"), time.Minute); err != nil {
		t.Fatal(err)
	}

	err := r.SetMany(ctx, map[string][]byte{"ok1": []byte("new"), "forbidden": []byte("x"), "ok2": []byte("new")}, time.Minute)
	if err == nil || !strings.Contains(err.Error(), `key "forbidden"`) || strings.Contains(err.Error(), `"ok1"`) ||
		!strings.Contains(err.Error(), "none of its 3 keys was stored") {
		t.Errorf("SetMany with a refused key = %v; want an error naming that key only, saying nothing was stored", err)
	}
	if v, err := r.Get(ctx, "ok1"); err != nil || string(v) != "old" {
		t.Errorf("Get(ok1) = %q, %v; want the old value, untouched", v, err)
	}
	if _, err := r.Get(ctx, "ok2"); !errors.Is(err, cache.ErrMiss) {
		t.Errorf("Get(ok2) = %v; want a miss", err)
	}
	if _, err := r.GetMany(ctx, "ok1", "forbidden"); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Errorf("GetMany with a refused key = %v; want Redis's NOPERM error", err)
	}
	if r.Healthy() != nil {
		t.Errorf("Healthy() = %v; a refusal is not an outage", r.Healthy())
	}
}

func TestRedisClearOnlyItsKeys(t *testing.T) {
	base := djinntest.RedisPrefix(t)
	ctx := t.Context()
	// "[a]*" would match "a" and anything after it if Clear did not escape
	// the prefix in its SCAN pattern.
	target := newRedis(t, cache.RedisOptions{Prefix: base + "[a]*"})
	others := []*cache.Redis{
		newRedis(t, cache.RedisOptions{Prefix: base + "a"}),
		newRedis(t, cache.RedisOptions{Prefix: base + "[a]*", Version: 2}),
		newRedis(t, cache.RedisOptions{Prefix: base + "[a]*x"}),
	}
	for i := range 2500 { // several SCAN batches
		if err := target.Set(ctx, fmt.Sprintf("k%d", i), []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range others {
		if err := o.Set(ctx, "k1", []byte("keep"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := target.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k0", "k1", "k2499"} {
		if _, err := target.Get(ctx, k); !errors.Is(err, cache.ErrMiss) {
			t.Errorf("Get(%s) after Clear = %v; want a miss", k, err)
		}
	}
	for i, o := range others {
		if v, err := o.Get(ctx, "k1"); err != nil || string(v) != "keep" {
			t.Errorf("other cache %d: Get(k1) after Clear = %q, %v; want it untouched", i, v, err)
		}
	}
}

func TestRedisClearNeedsKeyLast(t *testing.T) {
	r := newRedis(t, cache.RedisOptions{KeyFunc: func(prefix string, version int, key string) string {
		return key + "@" + prefix
	}})
	if err := r.Set(t.Context(), "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := r.Clear(t.Context()); err == nil || !strings.Contains(err.Error(), "KeyFunc") {
		t.Errorf("Clear with a KeyFunc that puts the key first = %v; want an error about KeyFunc", err)
	}
	r.Delete(t.Context(), "k")
}

func TestRedisClientURLs(t *testing.T) {
	for _, tt := range []struct {
		url     string
		wantErr string
	}{
		{url: "redis://127.0.0.1:6379/0"},
		{url: "rediss://:pw@cache.example.com:6380/2"},
		{url: "unix:///run/redis.sock?db=3"},
		{url: "redis-sentinel://:pw@s1:26379,s2:26379/0?master=mymaster"},
		{url: "redis-cluster://n1:6379,n2:6379"},
		{url: "redis-sentinel://s1,s2/0", wantErr: "needs ?master="},
		{url: "redis-cluster://:hunter2@n1,n2/3", wantErr: "only database 0"},
		{url: "redis-cluster://:hunter2@n1,,n2", wantErr: "empty host"},
		{url: "redis-cluster://:hunter2@n1:99999", wantErr: "bad port"},
		{url: "redis-cluster://:hunter2@n1?master=x", wantErr: "for redis-sentinel URLs"},
		{url: "redis-sentinel://:hunter2@s1?master=m&bogus=1", wantErr: `unknown option "bogus"`},
		{url: "redis://:hunter2@host:6379/abc", wantErr: "invalid database number"},
		{url: "redis://:hunter2@host:bad/0", wantErr: "redis://:********@host:bad/0"},
		{url: "memcached://:hunter2@host", wantErr: `unsupported scheme "memcached"`},
		{url: ":hunter2@host", wantErr: "is not a URL"},
	} {
		t.Run(tt.url, func(t *testing.T) {
			c, err := cache.RedisClient(tt.url)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("RedisClient(%q) = %v", tt.url, err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatalf("RedisClient(%q) = nil error; want %q", tt.url, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("RedisClient(%q) = %v; want an error with %q and no password", tt.url, err, tt.wantErr)
			}
		})
	}
}

// A Redis cache from REDIS_URL, degrading to misses when Redis is down.
func ExampleNewRedis() {
	client, err := cache.RedisClient("redis://127.0.0.1:6379/0")
	if err != nil {
		panic(err) // a malformed URL; the password is masked in err
	}
	defer client.Close()
	c := cache.NewRedis(client, cache.RedisOptions{Prefix: "shop", Version: 1, Timeout: 100 * time.Millisecond})
	v, err := c.GetOrSet(context.Background(), "front-page", time.Minute, func(ctx context.Context) ([]byte, error) {
		return []byte("rendered page"), nil // the expensive part
	})
	_, _ = v, err
}

// The URL forms of Sentinel and Cluster deployments.
func ExampleRedisClient() {
	for _, u := range []string{
		"redis-sentinel://:secret@10.0.0.1:26379,10.0.0.2:26379/0?master=mymaster",
		"redis-cluster://10.0.1.1:6379,10.0.1.2:6379",
	} {
		c, err := cache.RedisClient(u)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%T\n", c)
		c.Close()
	}
	// Output:
	// *redis.Client
	// *redis.ClusterClient
}
