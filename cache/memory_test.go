package cache_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/cache/cachetest"
)

func TestMemoryConformance(t *testing.T) {
	cachetest.Run(t, func(t *testing.T) cache.Cache {
		return cache.NewMemory(cache.MemoryOptions{Prefix: t.Name(), Version: 1})
	}, cachetest.Options{})
}

func TestMemoryConformanceBounded(t *testing.T) {
	const entries, bytes = 1000, 8 << 20
	cachetest.Run(t, func(t *testing.T) cache.Cache {
		return cache.NewMemory(cache.MemoryOptions{MaxEntries: entries, MaxBytes: bytes})
	}, cachetest.Options{EvictionBound: entries, EvictionBytes: bytes})
}

// memClock is a settable MemoryOptions.Now.
type memClock struct {
	mu  sync.Mutex
	now time.Time
}

func newMemClock() *memClock { return &memClock{now: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)} }

func (c *memClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *memClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func memGet(t *testing.T, m *cache.Memory, key string) string {
	t.Helper()
	v, err := m.Get(t.Context(), key)
	if errors.Is(err, cache.ErrMiss) {
		return "<miss>"
	}
	if err != nil {
		t.Fatalf("Get(%q) = %v", key, err)
	}
	return string(v)
}

func memSet(t *testing.T, m *cache.Memory, key, value string, ttl time.Duration) {
	t.Helper()
	if err := m.Set(t.Context(), key, []byte(value), ttl); err != nil {
		t.Fatalf("Set(%q) = %v", key, err)
	}
}

func TestMemoryExpiry(t *testing.T) {
	clock := newMemClock()
	m := cache.NewMemory(cache.MemoryOptions{DefaultTTL: 10 * time.Second, Now: clock.Now})
	ctx := t.Context()
	memSet(t, m, "minute", "v", time.Minute)
	memSet(t, m, "default", "v", cache.DefaultTTL)
	memSet(t, m, "forever", "v", cache.Forever)
	if _, err := m.Incr(ctx, "counter", 1); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance time.Duration
		want    map[string]string
	}{
		{9 * time.Second, map[string]string{"minute": "v", "default": "v", "forever": "v", "counter": "1"}},
		{2 * time.Second, map[string]string{"minute": "v", "default": "<miss>", "forever": "v", "counter": "<miss>"}},
		{49 * time.Second, map[string]string{"minute": "<miss>", "forever": "v"}},
		{cache.MaxTTL, map[string]string{"forever": "v"}},
	}
	elapsed := time.Duration(0)
	for _, s := range steps {
		clock.Advance(s.advance)
		elapsed += s.advance
		for k, want := range s.want {
			if got := memGet(t, m, k); got != want {
				t.Errorf("after %v: Get(%q) = %q; want %q", elapsed, k, got, want)
			}
		}
	}
	if st := m.Stats(); st.Expirations != 3 || st.Entries != 1 {
		t.Errorf("Stats() = %+v; want 3 expirations, 1 entry", st)
	}
}

func TestMemoryDefaultTTLNegativeIsForever(t *testing.T) {
	clock := newMemClock()
	m := cache.NewMemory(cache.MemoryOptions{DefaultTTL: -1, Now: clock.Now})
	memSet(t, m, "k", "v", cache.DefaultTTL)
	clock.Advance(cache.MaxTTL * 2)
	if got := memGet(t, m, "k"); got != "v" {
		t.Errorf("Get(%q) after two years with DefaultTTL -1 = %q; want %q", "k", got, "v")
	}
}

func TestMemoryLRU(t *testing.T) {
	// 16 entries make one shard: exact LRU order.
	m := cache.NewMemory(cache.MemoryOptions{MaxEntries: 16})
	for i := range 16 {
		memSet(t, m, fmt.Sprint("k", i), "v", time.Hour)
	}
	memGet(t, m, "k0") // k0 becomes the most recently used; k1 the least
	if _, err := m.Incr(t.Context(), "k2-counter", 1); err != nil {
		t.Fatal(err)
	}
	memSet(t, m, "new", "v", time.Hour)
	for k, want := range map[string]string{"k0": "v", "k1": "<miss>", "k2": "<miss>", "k3": "v", "new": "v", "k2-counter": "1"} {
		if got := memGet(t, m, k); got != want {
			t.Errorf("Get(%q) = %q; want %q", k, got, want)
		}
	}
	if st := m.Stats(); st.Entries != 16 || st.Evictions != 2 {
		t.Errorf("Stats() = %+v; want 16 entries, 2 evictions", st)
	}
}

func TestMemoryEvictsExpiredBeforeLive(t *testing.T) {
	clock := newMemClock()
	m := cache.NewMemory(cache.MemoryOptions{MaxEntries: 16, Now: clock.Now})
	for i := range 8 { // the least recently used entries, but live
		memSet(t, m, fmt.Sprint("live", i), "v", time.Hour)
	}
	for i := range 8 {
		memSet(t, m, fmt.Sprint("short", i), "v", time.Second)
	}
	clock.Advance(2 * time.Second)
	for i := range 8 {
		memSet(t, m, fmt.Sprint("new", i), "v", time.Hour)
	}
	for i := range 8 {
		if got := memGet(t, m, fmt.Sprint("live", i)); got != "v" {
			t.Errorf("Get(live%d) = %q; want %q (expired entries go before live ones)", i, got, "v")
		}
	}
	if st := m.Stats(); st.Evictions != 0 || st.Expirations != 8 {
		t.Errorf("Stats() = %+v; want 0 evictions, 8 expirations", st)
	}
}

func TestMemoryBounds(t *testing.T) {
	const maxEntries, maxBytes = 2000, 8 << 20
	m := cache.NewMemory(cache.MemoryOptions{MaxEntries: maxEntries, MaxBytes: maxBytes})
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				key := fmt.Sprintf("g%d-%d", g, i)
				size := (i * 977) % (64 << 10)
				if err := m.Set(ctx, key, make([]byte, size), time.Hour); err != nil {
					t.Errorf("Set(%q) = %v", key, err)
					return
				}
				if i%3 == 0 {
					m.Incr(ctx, fmt.Sprintf("n%d", i%50), 1)
				}
				if i%7 == 0 {
					m.Delete(ctx, fmt.Sprintf("g%d-%d", g, i/2))
				}
			}
		})
	}
	wg.Wait()
	st := m.Stats()
	if st.Entries > maxEntries || st.Bytes > maxBytes || st.Entries == 0 {
		t.Fatalf("Stats() = %+v; want 1..%d entries and at most %d bytes", st, maxEntries, maxBytes)
	}
	// Bytes is exactly the sum of the keys and values held.
	var sum int64
	n := 0
	for g := range 8 {
		for i := range 2000 {
			for _, key := range []string{fmt.Sprintf("g%d-%d", g, i), fmt.Sprintf("n%d", i)} {
				if v, err := m.Get(ctx, key); err == nil && (g == 0 || key[0] == 'g') {
					sum += int64(len(key) + len(v))
					n++
				}
			}
		}
	}
	if st := m.Stats(); st.Bytes != sum || st.Entries != n {
		t.Errorf("Stats() = %d entries, %d bytes; the values readable are %d entries, %d bytes", st.Entries, st.Bytes, n, sum)
	}
}

func TestMemoryTooLarge(t *testing.T) {
	m := cache.NewMemory(cache.MemoryOptions{MaxBytes: 1 << 20})
	ctx := t.Context()
	big := make([]byte, 1<<20)
	memSet(t, m, "k", "old", time.Hour)
	memSet(t, m, "added", "old", time.Hour)
	memSet(t, m, "other", "kept", time.Hour)

	err := m.Set(ctx, "k", big, time.Hour)
	if !errors.Is(err, cache.ErrTooLarge) || !strings.Contains(err.Error(), `"k"`) {
		t.Errorf("Set(1 MiB in a 1 MiB cache) = %v; want cache.ErrTooLarge naming the key", err)
	}
	if got := memGet(t, m, "k"); got != "<miss>" {
		t.Errorf("Get(%q) after a failed Set = %q; want a miss (the old value is not served)", "k", got)
	}
	if err := m.Add(ctx, "added", big, time.Hour); !errors.Is(err, cache.ErrTooLarge) {
		t.Errorf("Add(too large) = %v; want cache.ErrTooLarge", err)
	}
	if got := memGet(t, m, "added"); got != "old" {
		t.Errorf("Get(%q) after a failed Add = %q; want %q", "added", got, "old")
	}
	err = m.SetMany(ctx, map[string][]byte{"small": []byte("s"), "large": big}, time.Hour)
	if !errors.Is(err, cache.ErrTooLarge) {
		t.Errorf("SetMany(one too large) = %v; want cache.ErrTooLarge", err)
	}
	_, err = m.GetOrSet(ctx, "computed", time.Hour, func(context.Context) ([]byte, error) { return big, nil })
	if !errors.Is(err, cache.ErrTooLarge) {
		t.Errorf("GetOrSet(too large) = %v; want cache.ErrTooLarge", err)
	}
	for k, want := range map[string]string{"small": "<miss>", "large": "<miss>", "computed": "<miss>", "other": "kept"} {
		if got := memGet(t, m, k); got != want {
			t.Errorf("Get(%q) = %q; want %q", k, got, want)
		}
	}
	// Just under the limit fits, evicting the rest.
	if err := m.Set(ctx, "k", big[:1<<20-1], time.Hour); err != nil {
		t.Errorf("Set(1 MiB - 1 byte with a 1-byte key) = %v; want nil", err)
	}
	if st := m.Stats(); st.Entries != 1 || st.Bytes != 1<<20 {
		t.Errorf("Stats() = %+v; want 1 entry of %d bytes", st, 1<<20)
	}
}

func TestMemoryIncr(t *testing.T) {
	m := cache.NewMemory(cache.MemoryOptions{})
	ctx := t.Context()
	if _, err := m.Incr(ctx, "n", 1); err != nil {
		t.Fatal(err)
	}
	held, _ := m.Get(ctx, "n")
	if _, err := m.Incr(ctx, "n", 1); err != nil {
		t.Fatal(err)
	}
	if string(held) != "1" {
		t.Errorf("a slice Get returned before Incr now reads %q; want %q (Incr must not write into it)", held, "1")
	}
	memSet(t, m, "max", fmt.Sprint(int64(1<<63-1)), time.Hour)
	if got, err := m.Incr(ctx, "max", 1); err == nil || !strings.Contains(err.Error(), "overflows") {
		t.Errorf("Incr(MaxInt64, 1) = %d, %v; want an overflow error", got, err)
	}
	if got, err := cache.Decr(ctx, m, "max", -1<<63); err == nil {
		t.Errorf("Decr(MinInt64) = %d, nil; want an error", got)
	}
	if got := memGet(t, m, "max"); got != "9223372036854775807" {
		t.Errorf("Get(%q) after failed Incr = %q; want it unchanged", "max", got)
	}
	memSet(t, m, "float", "1.5", time.Hour)
	if _, err := m.Incr(ctx, "float", 1); err == nil || !strings.Contains(err.Error(), "not a decimal integer") {
		t.Errorf("Incr(%q) = %v; want a not-an-integer error", "1.5", err)
	}
}

func TestMemoryKeyFunc(t *testing.T) {
	m := cache.NewMemory(cache.MemoryOptions{Prefix: "p", Version: 3, KeyFunc: func(prefix string, version int, key string) string {
		return fmt.Sprintf("%s:%d:%s", prefix, version, strings.ToLower(key))
	}})
	if m.Prefix() != "p" || m.Version() != 3 {
		t.Errorf("Prefix(), Version() = %q, %d; want %q, 3", m.Prefix(), m.Version(), "p")
	}
	memSet(t, m, "KEY", "v", time.Hour)
	if got := memGet(t, m, "key"); got != "v" {
		t.Errorf("Get(%q) after Set(%q) with a lower-casing KeyFunc = %q; want %q", "key", "KEY", got, "v")
	}
	many, err := m.GetMany(t.Context(), "Key")
	if err != nil || string(many["Key"]) != "v" {
		t.Errorf("GetMany(%q) = %q, %v; want the value under the caller's key", "Key", many, err)
	}
}

func TestMemoryGetOrSetPanic(t *testing.T) {
	m := cache.NewMemory(cache.MemoryOptions{})
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "kaboom") {
			t.Errorf("GetOrSet with a panicking fn: recovered %v; want the panic carried to the caller", r)
		}
		if got := memGet(t, m, "k"); got != "<miss>" {
			t.Errorf("Get(%q) after a panic = %q; want a miss", "k", got)
		}
	}()
	m.GetOrSet(t.Context(), "k", time.Hour, func(context.Context) ([]byte, error) { panic("kaboom") })
}

func TestMemoryGetOrSetAllCallersGone(t *testing.T) {
	m := cache.NewMemory(cache.MemoryOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	fnCtxDone := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		<-started
		cancel()
	}()
	_, err := m.GetOrSet(ctx, "k", time.Hour, func(ctx context.Context) ([]byte, error) {
		close(started)
		<-ctx.Done()
		fnCtxDone <- ctx.Err()
		return nil, ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("GetOrSet with its context cancelled = %v; want context.Canceled", err)
	}
	select {
	case err := <-fnCtxDone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("fn's context ended with %v; want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("fn's context was not cancelled after its only caller left")
	}
	// The next caller starts afresh.
	v, err := m.GetOrSet(t.Context(), "k", time.Hour, func(context.Context) ([]byte, error) { return []byte("fresh"), nil })
	if err != nil || string(v) != "fresh" {
		t.Errorf("GetOrSet after an abandoned call = %q, %v; want %q, nil", v, err, "fresh")
	}
}

func TestMemoryZeroAllocs(t *testing.T) {
	m := cache.NewMemory(cache.MemoryOptions{})
	ctx := t.Context()
	memSet(t, m, "hit", "value", time.Hour)
	fn := func(context.Context) ([]byte, error) { return nil, errors.New("not called") }
	cases := map[string]func(){
		"Get hit":      func() { m.Get(ctx, "hit") },
		"Get miss":     func() { m.Get(ctx, "miss") },
		"GetOrSet hit": func() { m.GetOrSet(ctx, "hit", time.Hour, fn) },
	}
	for name, f := range cases {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations; want 0", name, n)
		}
	}
}
