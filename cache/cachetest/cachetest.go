// Package cachetest is the conformance suite of cache backends: every
// implementation of cache.Cache runs Run from its tests, so that the
// memory and Redis backends (and a project's own) behave alike.
package cachetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djinn-go/djinn/cache"
)

// Options declares what a backend bounds, for the checks that depend on
// it. The zero value runs every check that holds for any storing backend.
type Options struct {
	// EvictionBound, when positive, is the most entries the cache holds
	// (the memory cache's MaxEntries): the suite writes three times as
	// many and checks that at most EvictionBound remain readable and that
	// the last one written is among them.
	EvictionBound int
	// EvictionBytes, when positive, is the most bytes of keys and values
	// the cache holds (the memory cache's MaxBytes): the suite writes
	// three times as much and checks the bound the same way.
	EvictionBytes int64
}

// timeout bounds each wait of the suite for an expiry or a goroutine.
const timeout = 10 * time.Second

// Run runs the conformance suite on the caches newCache returns. newCache
// is called once or twice per subtest and must return an empty cache
// with a key prefix of its own (for a shared server: a fresh prefix each
// call, removed in t.Cleanup), so that Clear of one cache leaves the
// other's keys alone. The subtests run in parallel.
//
// The suite covers Get, Set, Add, Delete, GetMany, SetMany, Incr, Decr,
// Touch, Clear, expiry (with TTLs of tens of milliseconds and waits of up
// to 10 seconds, so that a clock with millisecond resolution passes),
// Forever, values of several MiB, binary keys and values, bad keys and
// TTLs, GetOrSet computing once for 100 concurrent callers, errors and
// cancellation in GetOrSet, the typed helpers and values that cannot be
// encoded, and the eviction bounds declared in opts.
func Run(t *testing.T, newCache func(t *testing.T) cache.Cache, opts Options) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, newCache func(t *testing.T) cache.Cache)
	}{
		{"GetSet", testGetSet},
		{"Add", testAdd},
		{"Delete", testDelete},
		{"GetManySetMany", testGetManySetMany},
		{"Incr", testIncr},
		{"IncrConcurrent", testIncrConcurrent},
		{"Touch", testTouch},
		{"Clear", testClear},
		{"Expiry", testExpiry},
		{"Forever", testForever},
		{"LargeValues", testLargeValues},
		{"BinaryKeysAndValues", testBinary},
		{"BadKeys", testBadKeys},
		{"BadTTL", testBadTTL},
		{"GetOrSetOnce", testGetOrSetOnce},
		{"GetOrSetError", testGetOrSetError},
		{"GetOrSetCancel", testGetOrSetCancel},
		{"Typed", testTyped},
		{"TypedMismatch", testTypedMismatch},
		{"Unencodable", testUnencodable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newCache)
		})
	}
	if opts.EvictionBound > 0 {
		t.Run("EvictionBound", func(t *testing.T) {
			t.Parallel()
			testEvictionEntries(t, newCache(t), opts.EvictionBound)
		})
	}
	if opts.EvictionBytes > 0 {
		t.Run("EvictionBytes", func(t *testing.T) {
			t.Parallel()
			testEvictionBytes(t, newCache(t), opts.EvictionBytes)
		})
	}
}

// mustSet stores value under key or fails the test.
func mustSet(t *testing.T, c cache.Cache, key string, value []byte, ttl time.Duration) {
	t.Helper()
	if err := c.Set(t.Context(), key, value, ttl); err != nil {
		t.Fatalf("Set(%q, %d bytes, %v) = %v; want nil", key, len(value), ttl, err)
	}
}

// wantValue fails the test unless key holds want.
func wantValue(t *testing.T, c cache.Cache, key string, want []byte) {
	t.Helper()
	got, err := c.Get(t.Context(), key)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %.60q, %v; want %.60q, nil", key, got, err, want)
	}
}

// wantMiss fails the test unless Get(key) reports ErrMiss.
func wantMiss(t *testing.T, c cache.Cache, key string) {
	t.Helper()
	got, err := c.Get(t.Context(), key)
	if !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Get(%q) = %.60q, %v; want a miss (cache.ErrMiss)", key, got, err)
	}
}

// waitMiss polls key until it misses, failing the test after timeout.
func waitMiss(t *testing.T, c cache.Cache, key string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		_, err := c.Get(t.Context(), key)
		if errors.Is(err, cache.ErrMiss) {
			return
		}
		if err != nil {
			t.Fatalf("Get(%q) = %v while waiting for it to expire", key, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("Get(%q) still hits %v after it should have expired", key, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testGetSet(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	ctx := t.Context()
	wantMiss(t, c, "absent")
	mustSet(t, c, "k", []byte("v1"), cache.DefaultTTL)
	wantValue(t, c, "k", []byte("v1"))
	mustSet(t, c, "k", []byte("v2"), time.Hour)
	wantValue(t, c, "k", []byte("v2"))

	// The cache keeps its own copy of what Set was given.
	buf := []byte("original")
	mustSet(t, c, "copy", buf, time.Hour)
	copy(buf, "XXXXXXXX")
	wantValue(t, c, "copy", []byte("original"))

	// An empty value is a value, not a miss.
	mustSet(t, c, "empty", []byte{}, time.Hour)
	got, err := c.Get(ctx, "empty")
	if err != nil || len(got) != 0 {
		t.Fatalf("Get(%q) = %q, %v; want an empty value, nil", "empty", got, err)
	}
}

func testAdd(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	ctx := t.Context()
	if err := c.Add(ctx, "k", []byte("first"), time.Hour); err != nil {
		t.Fatalf("Add(absent key) = %v; want nil", err)
	}
	err := c.Add(ctx, "k", []byte("second"), time.Hour)
	if !errors.Is(err, cache.ErrNotStored) {
		t.Fatalf("Add(present key) = %v; want cache.ErrNotStored", err)
	}
	wantValue(t, c, "k", []byte("first"))
	if err := c.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if err := c.Add(ctx, "k", []byte("third"), time.Hour); err != nil {
		t.Fatalf("Add(deleted key) = %v; want nil", err)
	}
	wantValue(t, c, "k", []byte("third"))

	// An expired key is absent for Add.
	if err := c.Add(ctx, "short", []byte("a"), 30*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waitMiss(t, c, "short")
	if err := c.Add(ctx, "short", []byte("b"), time.Hour); err != nil {
		t.Fatalf("Add(expired key) = %v; want nil", err)
	}
	wantValue(t, c, "short", []byte("b"))
}

func testDelete(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	ctx := t.Context()
	mustSet(t, c, "k", []byte("v"), time.Hour)
	mustSet(t, c, "other", []byte("o"), time.Hour)
	if err := c.Delete(ctx, "k"); err != nil {
		t.Fatalf("Delete(present key) = %v; want nil", err)
	}
	wantMiss(t, c, "k")
	wantValue(t, c, "other", []byte("o"))
	if err := c.Delete(ctx, "k"); err != nil {
		t.Fatalf("Delete(absent key) = %v; want nil", err)
	}
}

func testGetManySetMany(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	ctx := t.Context()
	values := map[string][]byte{"a": []byte("1"), "b": []byte("2"), "c": {0, 255}}
	if err := c.SetMany(ctx, values, time.Hour); err != nil {
		t.Fatalf("SetMany = %v; want nil", err)
	}
	got, err := c.GetMany(ctx, "a", "b", "c", "absent")
	if err != nil {
		t.Fatalf("GetMany = %v; want nil", err)
	}
	if len(got) != len(values) {
		t.Errorf("GetMany returned %d keys %q; want %d (absent keys left out)", len(got), keysOf(got), len(values))
	}
	for k, want := range values {
		if !bytes.Equal(got[k], want) {
			t.Errorf("GetMany[%q] = %q; want %q", k, got[k], want)
		}
	}
	for k := range values {
		wantValue(t, c, k, values[k])
	}
	got, err = c.GetMany(ctx)
	if err != nil || len(got) != 0 {
		t.Errorf("GetMany() = %v, %v; want an empty map, nil", got, err)
	}
	if err := c.SetMany(ctx, map[string][]byte{}, time.Hour); err != nil {
		t.Errorf("SetMany(empty map) = %v; want nil", err)
	}
	// Expired keys are left out too.
	if err := c.SetMany(ctx, map[string][]byte{"short": []byte("s")}, 30*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waitMiss(t, c, "short")
	got, err = c.GetMany(ctx, "short", "a")
	if _, ok := got["short"]; err != nil || ok || len(got) != 1 {
		t.Errorf("GetMany(expired, present) = %q, %v; want only %q", keysOf(got), err, "a")
	}
}

func keysOf(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

func testIncr(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	ctx := t.Context()
	steps := []struct {
		name  string
		delta int64
		want  int64
	}{
		{"missing key starts at 0", 5, 5},
		{"add", 3, 8},
		{"negative delta", -10, -2},
		{"zero", 0, -2},
	}
	for _, s := range steps {
		got, err := c.Incr(ctx, "n", s.delta)
		if err != nil || got != s.want {
			t.Fatalf("%s: Incr(%q, %d) = %d, %v; want %d, nil", s.name, "n", s.delta, got, err, s.want)
		}
	}
	got, err := cache.Decr(ctx, c, "n", 3)
	if err != nil || got != -5 {
		t.Fatalf("Decr(%q, 3) = %d, %v; want -5, nil", "n", got, err)
	}
	// Integers are stored as decimal text, readable by every typed helper.
	wantValue(t, c, "n", []byte("-5"))
	if n, err := cache.GetAs[int](ctx, c, "n"); err != nil || n != -5 {
		t.Errorf("GetAs[int](%q) = %d, %v; want -5, nil", "n", n, err)
	}
	if s, err := cache.GetAs[string](ctx, c, "n"); err != nil || s != "-5" {
		t.Errorf("GetAs[string](%q) = %q, %v; want %q, nil", "n", s, err, "-5")
	}
	// A value set as text or by SetAs of an integer increments.
	mustSet(t, c, "text", []byte("41"), time.Hour)
	if got, err := c.Incr(ctx, "text", 1); err != nil || got != 42 {
		t.Errorf("Incr(%q holding \"41\", 1) = %d, %v; want 42, nil", "text", got, err)
	}
	if err := cache.SetAs(ctx, c, "typed", int64(99), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Incr(ctx, "typed", 1); err != nil || got != 100 {
		t.Errorf("Incr(%q set by SetAs(int64(99)), 1) = %d, %v; want 100, nil", "typed", got, err)
	}
	// A value that is not an integer is an error and stays as it was.
	mustSet(t, c, "word", []byte("abc"), time.Hour)
	if got, err := c.Incr(ctx, "word", 1); err == nil {
		t.Errorf("Incr(%q holding \"abc\", 1) = %d, nil; want an error", "word", got)
	}
	wantValue(t, c, "word", []byte("abc"))
	// Incr keeps the key's expiry (it does not make it permanent).
	mustSet(t, c, "shortn", []byte("1"), 50*time.Millisecond)
	if _, err := c.Incr(ctx, "shortn", 1); err != nil {
		t.Fatal(err)
	}
	waitMiss(t, c, "shortn")
	if got, err := c.Incr(ctx, "shortn", 1); err != nil || got != 1 {
		t.Errorf("Incr(expired key, 1) = %d, %v; want 1, nil (starts again at 0)", got, err)
	}
}

func testIncrConcurrent(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	const goroutines, each = 50, 20
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for range goroutines {
		wg.Go(func() {
			for range each {
				if _, err := c.Incr(t.Context(), "counter", 1); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Incr = %v", err)
	}
	if n, err := cache.GetAs[int](t.Context(), c, "counter"); err != nil || n != goroutines*each {
		t.Fatalf("after %d×%d concurrent Incr(1): value %d, %v; want %d", goroutines, each, n, err, goroutines*each)
	}
}

func testTouch(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	ctx := t.Context()
	if err := c.Touch(ctx, "absent", time.Hour); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Touch(absent key) = %v; want cache.ErrMiss", err)
	}
	// Extending: a short-lived key touched to an hour (or Forever) stays.
	mustSet(t, c, "long", []byte("v"), 80*time.Millisecond)
	mustSet(t, c, "forever", []byte("v"), 80*time.Millisecond)
	if err := c.Touch(ctx, "long", time.Hour); err != nil {
		t.Fatalf("Touch(%q, 1h) = %v; want nil", "long", err)
	}
	if err := c.Touch(ctx, "forever", cache.Forever); err != nil {
		t.Fatalf("Touch(%q, Forever) = %v; want nil", "forever", err)
	}
	// Shortening: a key touched to a short TTL expires.
	mustSet(t, c, "short", []byte("v"), time.Hour)
	if err := c.Touch(ctx, "short", 30*time.Millisecond); err != nil {
		t.Fatalf("Touch(%q, 30ms) = %v; want nil", "short", err)
	}
	waitMiss(t, c, "short")
	time.Sleep(200 * time.Millisecond) // well past the original 80ms
	wantValue(t, c, "long", []byte("v"))
	wantValue(t, c, "forever", []byte("v"))
	if err := c.Touch(ctx, "short", time.Hour); !errors.Is(err, cache.ErrMiss) {
		t.Errorf("Touch(expired key) = %v; want cache.ErrMiss", err)
	}
}

func testClear(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	a, b := newCache(t), newCache(t)
	ctx := t.Context()
	for _, k := range []string{"x", "y"} {
		mustSet(t, a, k, []byte("a-"+k), time.Hour)
		mustSet(t, b, k, []byte("b-"+k), time.Hour)
	}
	if _, err := a.Incr(ctx, "n", 1); err != nil {
		t.Fatal(err)
	}
	if err := a.Clear(ctx); err != nil {
		t.Fatalf("Clear = %v; want nil", err)
	}
	for _, k := range []string{"x", "y", "n"} {
		wantMiss(t, a, k)
	}
	for _, k := range []string{"x", "y"} {
		wantValue(t, b, k, []byte("b-"+k))
	}
	// The cleared cache still works.
	mustSet(t, a, "x", []byte("again"), time.Hour)
	wantValue(t, a, "x", []byte("again"))
}

func testExpiry(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	mustSet(t, c, "short", []byte("v"), 50*time.Millisecond)
	mustSet(t, c, "long", []byte("v"), time.Hour)
	mustSet(t, c, "default", []byte("v"), cache.DefaultTTL)
	waitMiss(t, c, "short")
	wantValue(t, c, "long", []byte("v"))
	wantValue(t, c, "default", []byte("v"))
	// An expired key can be set again.
	mustSet(t, c, "short", []byte("w"), time.Hour)
	wantValue(t, c, "short", []byte("w"))
	// Overwriting replaces the expiry as well as the value.
	mustSet(t, c, "over", []byte("v"), time.Hour)
	mustSet(t, c, "over", []byte("w"), 30*time.Millisecond)
	waitMiss(t, c, "over")
}

func testForever(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	mustSet(t, c, "k", []byte("v"), cache.Forever)
	mustSet(t, c, "neg", []byte("v"), -time.Hour) // any negative TTL
	mustSet(t, c, "max", []byte("v"), cache.MaxTTL)
	time.Sleep(50 * time.Millisecond)
	wantValue(t, c, "k", []byte("v"))
	wantValue(t, c, "neg", []byte("v"))
	wantValue(t, c, "max", []byte("v"))
	// Forever replaces an earlier expiry.
	mustSet(t, c, "was-short", []byte("v"), 30*time.Millisecond)
	mustSet(t, c, "was-short", []byte("w"), cache.Forever)
	time.Sleep(100 * time.Millisecond)
	wantValue(t, c, "was-short", []byte("w"))
}

func testLargeValues(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	ctx := t.Context()
	for _, size := range []int{1<<20 + 1, 3 << 20} {
		v := make([]byte, size)
		for i := range v {
			v[i] = byte(i*7 + i>>8)
		}
		key := fmt.Sprintf("large-%d", size)
		mustSet(t, c, key, v, time.Hour)
		got, err := c.Get(ctx, key)
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("Get(%q) = %d bytes, %v; want the %d bytes set", key, len(got), err, size)
		}
	}
	many, err := c.GetMany(ctx, "large-1048577", "large-3145728")
	if err != nil || len(many["large-1048577"]) != 1<<20+1 || len(many["large-3145728"]) != 3<<20 {
		t.Fatalf("GetMany(large keys) = %d keys, %v; want both values whole", len(many), err)
	}
}

func testBinary(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	keys := []string{
		"\xff\xfe\x80", // not UTF-8
		"\xff\xfe\x81", // differs from the previous one in one byte
		"clé-été",      // UTF-8
		"{tag}:a",      // Redis Cluster hash tag
		"a:b:c",        // the separator of prefixes and versions
		"*?[]",         // glob characters (Redis SCAN MATCH patterns)
		"\\x00",        // a backslash, not a NUL
		strings.Repeat("k", cache.MaxKeyLen),
	}
	for i, k := range keys {
		v := append([]byte{byte(i)}, all...)
		mustSet(t, c, k, v, time.Hour)
	}
	for i, k := range keys {
		wantValue(t, c, k, append([]byte{byte(i)}, all...))
	}
	// A glob-like key matches itself only: deleting it leaves the others.
	if err := c.Delete(t.Context(), "*?[]"); err != nil {
		t.Fatal(err)
	}
	wantMiss(t, c, "*?[]")
	wantValue(t, c, "a:b:c", append([]byte{4}, all...))
}

// badKeys are the keys every backend rejects with cache.ErrBadKey.
var badKeys = map[string]string{
	"empty":     "",
	"too long":  strings.Repeat("k", cache.MaxKeyLen+1),
	"newline":   "a\nb",
	"space":     "a b",
	"NUL":       "a\x00b",
	"tab":       "\t",
	"DEL":       "a\x7f",
	"only \\r":  "\r",
	"long 1000": strings.Repeat("x", 1000),
}

func testBadKeys(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	ctx := t.Context()
	mustSet(t, c, "good", []byte("kept"), time.Hour)
	for name, key := range badKeys {
		t.Run(name, func(t *testing.T) {
			calls := 0
			fn := func(context.Context) ([]byte, error) { calls++; return []byte("v"), nil }
			_, getErr := c.Get(ctx, key)
			_, getManyErr := c.GetMany(ctx, "good", key)
			_, incrErr := c.Incr(ctx, key, 1)
			_, getOrSetErr := c.GetOrSet(ctx, key, time.Hour, fn)
			_, getAsErr := cache.GetAs[string](ctx, c, key)
			errs := map[string]error{
				"Get":      getErr,
				"Set":      c.Set(ctx, key, []byte("v"), time.Hour),
				"Add":      c.Add(ctx, key, []byte("v"), time.Hour),
				"Delete":   c.Delete(ctx, key),
				"GetMany":  getManyErr,
				"SetMany":  c.SetMany(ctx, map[string][]byte{"other": []byte("v"), key: []byte("v")}, time.Hour),
				"Incr":     incrErr,
				"Touch":    c.Touch(ctx, key, time.Hour),
				"GetOrSet": getOrSetErr,
				"GetAs":    getAsErr,
				"SetAs":    cache.SetAs(ctx, c, key, 1, time.Hour),
			}
			for op, err := range errs {
				if !errors.Is(err, cache.ErrBadKey) {
					t.Errorf("%s(%.20q…) = %v; want cache.ErrBadKey", op, key, err)
				}
			}
			if calls != 0 {
				t.Errorf("GetOrSet(%.20q…) called fn %d times; want 0", key, calls)
			}
			// SetMany stored nothing, not even its good key.
			wantMiss(t, c, "other")
		})
	}
	wantValue(t, c, "good", []byte("kept"))
}

func testBadTTL(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	ctx := t.Context()
	bad := cache.MaxTTL + time.Second
	mustSet(t, c, "present", []byte("v"), time.Hour)
	calls := 0
	fn := func(context.Context) ([]byte, error) { calls++; return []byte("v"), nil }
	_, getOrSetErr := c.GetOrSet(ctx, "k", bad, fn)
	errs := map[string]error{
		"Set":      c.Set(ctx, "k", []byte("v"), bad),
		"Add":      c.Add(ctx, "k", []byte("v"), bad),
		"SetMany":  c.SetMany(ctx, map[string][]byte{"k": []byte("v")}, bad),
		"Touch":    c.Touch(ctx, "present", bad),
		"GetOrSet": getOrSetErr,
		"SetAs":    cache.SetAs(ctx, c, "k", "v", bad),
	}
	for op, err := range errs {
		if err == nil || errors.Is(err, cache.ErrBadKey) {
			t.Errorf("%s(ttl %v) = %v; want a TTL error", op, bad, err)
		} else if !strings.Contains(err.Error(), "ttl") {
			t.Errorf("%s(ttl %v) = %q; want the error to mention the ttl", op, bad, err)
		}
	}
	if calls != 0 {
		t.Errorf("GetOrSet(ttl %v) called fn %d times; want 0", bad, calls)
	}
	wantMiss(t, c, "k")
	wantValue(t, c, "present", []byte("v"))
}

func testGetOrSetOnce(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	const callers = 100
	var calls atomic.Int32
	fn := func(ctx context.Context) ([]byte, error) {
		calls.Add(1)
		time.Sleep(100 * time.Millisecond)
		return []byte("computed"), nil
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() {
			<-start
			v, err := c.GetOrSet(t.Context(), "k", time.Hour, fn)
			results[i], errs[i] = string(v), err
		})
	}
	close(start)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("%d concurrent GetOrSet called fn %d times; want 1", callers, n)
	}
	for i := range callers {
		if errs[i] != nil || results[i] != "computed" {
			t.Fatalf("GetOrSet caller %d = %q, %v; want %q, nil", i, results[i], errs[i], "computed")
		}
	}
	wantValue(t, c, "k", []byte("computed"))
	v, err := c.GetOrSet(t.Context(), "k", time.Hour, fn)
	if err != nil || string(v) != "computed" || calls.Load() != 1 {
		t.Errorf("GetOrSet(hit) = %q, %v with %d calls of fn; want %q, nil, 1 call", v, err, calls.Load(), "computed")
	}
}

func testGetOrSetError(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	boom := errors.New("boom")
	var calls atomic.Int32
	failing := func(ctx context.Context) ([]byte, error) {
		calls.Add(1)
		time.Sleep(50 * time.Millisecond)
		return nil, boom
	}
	const callers = 10
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() {
			_, errs[i] = c.GetOrSet(t.Context(), "k", time.Hour, failing)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, boom) {
			t.Errorf("GetOrSet caller %d = %v; want fn's error", i, err)
		}
	}
	wantMiss(t, c, "k")
	// The error was not cached: the next call runs fn again.
	before := calls.Load()
	v, err := c.GetOrSet(t.Context(), "k", time.Hour, func(context.Context) ([]byte, error) {
		calls.Add(1)
		return []byte("ok"), nil
	})
	if err != nil || string(v) != "ok" || calls.Load() != before+1 {
		t.Errorf("GetOrSet after an error = %q, %v; want %q, nil from a new call of fn", v, err, "ok")
	}
	wantValue(t, c, "k", []byte("ok"))
}

func testGetOrSetCancel(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	release := make(chan struct{})
	var calls atomic.Int32
	fn := func(ctx context.Context) ([]byte, error) {
		calls.Add(1)
		select {
		case <-release:
			return []byte("done"), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	// The first caller starts fn, then gives up.
	ctx, cancel := context.WithCancel(t.Context())
	firstErr := make(chan error, 1)
	go func() {
		_, err := c.GetOrSet(ctx, "k", time.Hour, fn)
		firstErr <- err
	}()
	deadline := time.Now().Add(timeout)
	for calls.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("GetOrSet did not call fn")
		}
		time.Sleep(time.Millisecond)
	}
	// A second caller waits for the same computation.
	second := make(chan string, 1)
	go func() {
		v, err := c.GetOrSet(t.Context(), "k", time.Hour, fn)
		if err != nil {
			second <- "error: " + err.Error()
			return
		}
		second <- string(v)
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-firstErr:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("GetOrSet with a cancelled context = %v; want context.Canceled", err)
		}
	case <-time.After(timeout):
		t.Fatal("GetOrSet did not return after its context was cancelled")
	}
	close(release)
	select {
	case got := <-second:
		if got != "done" {
			t.Errorf("the other caller's GetOrSet = %s; want %q (one caller's cancellation must not fail the others)", got, "done")
		}
	case <-time.After(timeout):
		t.Fatal("the other caller's GetOrSet did not return")
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("fn called %d times; want 1", n)
	}
	wantValue(t, c, "k", []byte("done"))
}

// record is a struct for the typed round trips.
type record struct {
	ID      int64             `json:"id"`
	Name    string            `json:"name"`
	Tags    []string          `json:"tags"`
	Attrs   map[string]string `json:"attrs"`
	Created time.Time         `json:"created"`
	Score   float64
	Nested  *record
	private int
}

func testTyped(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	ctx := t.Context()
	when := time.Date(2026, 11, 26, 10, 30, 0, 123456789, time.UTC)

	in := record{ID: 7, Name: "é\x00ok", Tags: []string{"a", "b"}, Attrs: map[string]string{"k": "v"}, Created: when, Score: 0.5, Nested: &record{ID: 8}, private: 3}
	if err := cache.SetAs(ctx, c, "struct", in, time.Hour); err != nil {
		t.Fatalf("SetAs(struct) = %v", err)
	}
	out, err := cache.GetAs[record](ctx, c, "struct")
	if err != nil {
		t.Fatalf("GetAs[record] = %v", err)
	}
	if out.ID != in.ID || out.Name != in.Name || strings.Join(out.Tags, ",") != "a,b" || out.Attrs["k"] != "v" ||
		!out.Created.Equal(when) || out.Score != 0.5 || out.Nested == nil || out.Nested.ID != 8 || out.private != 0 {
		t.Errorf("GetAs[record] = %+v; want %+v (without the unexported field)", out, in)
	}
	ptr, err := cache.GetAs[*record](ctx, c, "struct")
	if err != nil || ptr == nil || ptr.ID != 7 {
		t.Errorf("GetAs[*record] = %+v, %v; want the record", ptr, err)
	}

	check := func(name string, err error, ok bool) {
		t.Helper()
		if err != nil || !ok {
			t.Errorf("%s: round trip failed: %v", name, err)
		}
	}
	err = cache.SetAs(ctx, c, "int", -42, time.Hour)
	n, err2 := cache.GetAs[int](ctx, c, "int")
	check("int", errors.Join(err, err2), n == -42)
	wantValue(t, c, "int", []byte("-42"))

	err = cache.SetAs(ctx, c, "uint64", uint64(1<<63), time.Hour)
	u, err2 := cache.GetAs[uint64](ctx, c, "uint64")
	check("uint64", errors.Join(err, err2), u == 1<<63)

	err = cache.SetAs(ctx, c, "string", "héllo", time.Hour)
	s, err2 := cache.GetAs[string](ctx, c, "string")
	check("string", errors.Join(err, err2), s == "héllo")
	wantValue(t, c, "string", []byte("héllo"))

	raw := []byte{0xC1, 0, 1, 0xff}
	err = cache.SetAs(ctx, c, "bytes", raw, time.Hour)
	b, err2 := cache.GetAs[[]byte](ctx, c, "bytes")
	check("[]byte", errors.Join(err, err2), bytes.Equal(b, raw))

	err = cache.SetAs(ctx, c, "time", when, time.Hour)
	tm, err2 := cache.GetAs[time.Time](ctx, c, "time")
	check("time.Time", errors.Join(err, err2), tm.Equal(when))

	err = cache.SetAs(ctx, c, "bool", true, time.Hour)
	bl, err2 := cache.GetAs[bool](ctx, c, "bool")
	check("bool", errors.Join(err, err2), bl)

	err = cache.SetAs(ctx, c, "slice", []int{1, 2, 3}, time.Hour)
	sl, err2 := cache.GetAs[[]int](ctx, c, "slice")
	check("[]int", errors.Join(err, err2), len(sl) == 3 && sl[2] == 3)

	if _, err := cache.GetAs[record](ctx, c, "absent"); !errors.Is(err, cache.ErrMiss) {
		t.Errorf("GetAs[record](absent) = %v; want cache.ErrMiss", err)
	}

	var calls atomic.Int32
	compute := func(context.Context) (record, error) {
		calls.Add(1)
		return record{ID: 99, Name: "computed"}, nil
	}
	for range 2 {
		r, err := cache.GetOrSetAs(ctx, c, "computed", time.Hour, compute)
		if err != nil || r.ID != 99 || r.Name != "computed" {
			t.Errorf("GetOrSetAs = %+v, %v; want the computed record", r, err)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("GetOrSetAs called fn %d times for a miss then a hit; want 1", calls.Load())
	}
	if r, err := cache.GetAs[record](ctx, c, "computed"); err != nil || r.ID != 99 {
		t.Errorf("GetAs[record] after GetOrSetAs = %+v, %v; want the computed record", r, err)
	}
}

func testTypedMismatch(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	ctx := t.Context()
	mustSet(t, c, "text", []byte("hello"), time.Hour)
	if err := cache.SetAs(ctx, c, "struct", record{ID: 1}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := cache.SetAs(ctx, c, "number", 3, time.Hour); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		get  func() (any, error)
	}{
		{"record from raw text", func() (any, error) { return cache.GetAs[record](ctx, c, "text") }},
		{"record from decimal text", func() (any, error) { return cache.GetAs[record](ctx, c, "number") }},
		{"int from raw text", func() (any, error) { return cache.GetAs[int](ctx, c, "text") }},
		{"int from a record", func() (any, error) { return cache.GetAs[int](ctx, c, "struct") }},
		{"float64 from a record", func() (any, error) { return cache.GetAs[float64](ctx, c, "struct") }},
		{"time from a record", func() (any, error) { return cache.GetAs[time.Time](ctx, c, "struct") }},
		{"int8 overflow", func() (any, error) {
			if err := cache.SetAs(ctx, c, "big", 1000, time.Hour); err != nil {
				return nil, nil
			}
			return cache.GetAs[int8](ctx, c, "big")
		}},
	}
	for _, tc := range cases {
		v, err := tc.get()
		if err == nil {
			t.Errorf("%s: GetAs = %+v, nil; want a decoding error", tc.name, v)
			continue
		}
		if errors.Is(err, cache.ErrMiss) || !strings.Contains(err.Error(), "decode") {
			t.Errorf("%s: GetAs error %q; want a decoding error naming the key and type", tc.name, err)
		}
	}
}

func testUnencodable(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	c := newCache(t)
	ctx := t.Context()
	mustSet(t, c, "other", []byte("kept"), time.Hour)
	mustSet(t, c, "k", []byte("old"), time.Hour)
	type holder struct{ F func() }
	cases := []struct {
		name, typ string
		set       func() error
	}{
		{"func", "func()", func() error { return cache.SetAs(ctx, c, "k", func() {}, time.Hour) }},
		{"chan", "chan int", func() error { return cache.SetAs(ctx, c, "k", make(chan int), time.Hour) }},
		{"struct with a func", "holder", func() error { return cache.SetAs(ctx, c, "k", holder{F: func() {}}, time.Hour) }},
		{"any holding a chan", "chan", func() error { return cache.SetAs[any](ctx, c, "k", make(chan int), time.Hour) }},
	}
	for _, tc := range cases {
		err := tc.set()
		if err == nil {
			t.Errorf("SetAs(%s) = nil; want an error", tc.name)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, `"k"`) || !strings.Contains(msg, tc.typ) {
			t.Errorf("SetAs(%s) = %q; want the key %q and the type %q in the error", tc.name, msg, "k", tc.typ)
		}
		wantValue(t, c, "k", []byte("old"))
	}
	_, err := cache.GetOrSetAs(ctx, c, "computed", time.Hour, func(context.Context) (chan int, error) {
		return make(chan int), nil
	})
	if err == nil || !strings.Contains(err.Error(), "chan int") {
		t.Errorf("GetOrSetAs(chan) = %v; want an error naming the type", err)
	}
	wantMiss(t, c, "computed")
	wantValue(t, c, "other", []byte("kept"))
}

// countPresent returns how many of keys Get finds.
func countPresent(t *testing.T, c cache.Cache, keys []string) int {
	t.Helper()
	n := 0
	for _, k := range keys {
		_, err := c.Get(t.Context(), k)
		switch {
		case err == nil:
			n++
		case !errors.Is(err, cache.ErrMiss):
			t.Fatalf("Get(%q) = %v", k, err)
		}
	}
	return n
}

func testEvictionEntries(t *testing.T, c cache.Cache, bound int) {
	keys := make([]string, 3*bound)
	for i := range keys {
		keys[i] = fmt.Sprintf("evict-%d", i)
		mustSet(t, c, keys[i], []byte("v"), time.Hour)
	}
	last := keys[len(keys)-1]
	wantValue(t, c, last, []byte("v"))
	if n := countPresent(t, c, keys); n > bound || n == 0 {
		t.Errorf("after writing %d keys, %d are present; want 1..%d (the eviction bound)", len(keys), n, bound)
	}
}

func testEvictionBytes(t *testing.T, c cache.Cache, bound int64) {
	size := max(int(bound/64), 1)
	value := bytes.Repeat([]byte("b"), size)
	var keys []string
	for written := int64(0); written < 3*bound; {
		k := fmt.Sprintf("bytes-%d", len(keys))
		mustSet(t, c, k, value, time.Hour)
		keys = append(keys, k)
		written += int64(len(k) + size)
	}
	wantValue(t, c, keys[len(keys)-1], value)
	n := countPresent(t, c, keys)
	if held := int64(n) * int64(size+len(keys[0])); held > bound || n == 0 {
		t.Errorf("after writing %d values of %d bytes, %d are present (≥ %d bytes); want 1..%d bytes (the bound)", len(keys), size, n, held, bound)
	}
}
