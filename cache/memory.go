package cache

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the memory cache, the same as the project settings' defaults
// (core/defaults.go).
const (
	defaultMemoryTTL     = 5 * time.Minute
	defaultMemoryEntries = 100_000
	defaultMemoryBytes   = 64 << 20
)

// Shard sizing: at most maxShards shards, each holding at least
// minShardEntries entries, so that a small cache keeps (nearly) exact LRU
// order.
const (
	maxShards       = 64
	minShardEntries = 16
	// sweepEvery is how often, at most, a full shard scans for expired
	// entries before it evicts live ones.
	sweepEvery = time.Second
)

// ErrTooLarge is wrapped by the error Set, Add, SetMany and GetOrSet of the
// memory cache return for an entry (key and value) larger than the whole
// cache (MemoryOptions.MaxBytes). Set deletes the key's old value, if any,
// so that it is not served stale.
var ErrTooLarge = errors.New("cache: entry too large")

// MemoryOptions configures NewMemory. The zero value is a working cache
// with the project defaults.
type MemoryOptions struct {
	// Prefix and Version are Django's KEY_PREFIX and VERSION. Each Memory
	// is a namespace of its own, so they do not change where a key is
	// stored unless KeyFunc is set; they are reported by Prefix and
	// Version. Bump the version of a memory cache with Clear.
	Prefix  string
	Version int
	// DefaultTTL is the lifetime of entries stored with ttl DefaultTTL (0),
	// and of the entries Incr creates. Zero means 5 minutes; negative means
	// no expiry.
	DefaultTTL time.Duration
	// MaxEntries bounds the number of entries; zero means 100,000.
	MaxEntries int
	// MaxBytes bounds the sum of the lengths of the keys and values held
	// (not counting Go's per-entry overhead of about 100 bytes); zero
	// means 64 MiB.
	MaxBytes int64
	// KeyFunc, when set, maps each key (after ValidateKey) to the key
	// stored, from Prefix, Version and the caller's key. It is called on
	// every operation and usually allocates, so Get then costs an
	// allocation. Nil stores the caller's key as it is.
	KeyFunc KeyFunc
	// Now replaces time.Now for expiry, for tests. Nil means the monotonic
	// clock.
	Now func() time.Time
}

// Memory is an in-process Cache bounded by entries and bytes, with LRU
// eviction and per-entry expiry. Keys are spread over up to 64 shards
// (fewer for a small MaxEntries, at least 16 entries a shard), each with
// its own lock and LRU list, so eviction is LRU per shard, an
// approximation of LRU over the whole cache:
//
//   - each shard holds its share of MaxEntries, so a full cache holds a
//     little fewer entries than MaxEntries (the shards fill unevenly);
//   - MaxBytes bounds the whole cache: when a write goes over it, shards
//     in turn give up their least recently used entry until the cache is
//     within bounds again, so one entry may be as large as MaxBytes.
//
// Expired entries are removed when accessed, and swept from a shard (at
// most once a second) before it evicts a live entry.
//
// Get returns the stored slice itself, without copying, so that a hit
// costs no allocation: callers must not modify it. Set copies the value it
// is given. Incr stores integers as decimal text, as Redis does, so GetAs
// reads them as numbers or strings.
//
// A Memory is safe for concurrent use. Create it with NewMemory.
type Memory struct {
	shards     []shard
	mask       uint64
	seed       maphash.Seed
	defaultTTL time.Duration
	maxEntries int
	maxBytes   int64
	bytes      atomic.Int64  // of all shards
	cursor     atomic.Uint64 // the next shard to shrink
	prefix     string
	version    int
	keyFunc    KeyFunc
	now        func() time.Time
	base       time.Time
	flight     flight
}

var _ Cache = (*Memory)(nil)

// shard is one lock's worth of the cache: a map and an LRU list through a
// sentinel (head.next is the most recently used entry, head.prev the
// least).
type shard struct {
	mu         sync.Mutex
	items      map[string]*memEntry
	head       memEntry
	bytes      int64         // of this shard
	total      *atomic.Int64 // Memory.bytes
	maxEntries int
	lastSweep  int64
	stats      MemoryStats
	_          [64]byte // keep shards' locks on separate cache lines
}

// memEntry is one key's value; expires is on the cache's clock (see
// Memory.clock), 0 for never.
type memEntry struct {
	key        string
	value      []byte
	expires    int64
	prev, next *memEntry
}

// MemoryStats counts what a Memory holds and did since it was made.
type MemoryStats struct {
	// Entries and Bytes are what the cache holds now (Bytes as in
	// MemoryOptions.MaxBytes).
	Entries int
	Bytes   int64
	// Hits and Misses count Get, GetMany and GetOrSet lookups.
	Hits, Misses uint64
	// Evictions counts live entries removed to respect the bounds;
	// Expirations counts expired entries removed.
	Evictions, Expirations uint64
}

// NewMemory returns an empty memory cache configured by opts.
func NewMemory(opts MemoryOptions) *Memory {
	m := &Memory{
		seed:       maphash.MakeSeed(),
		defaultTTL: opts.DefaultTTL,
		maxEntries: opts.MaxEntries,
		maxBytes:   opts.MaxBytes,
		prefix:     opts.Prefix,
		version:    opts.Version,
		keyFunc:    opts.KeyFunc,
		now:        opts.Now,
	}
	if m.defaultTTL == 0 {
		m.defaultTTL = defaultMemoryTTL
	}
	if m.maxEntries <= 0 {
		m.maxEntries = defaultMemoryEntries
	}
	if m.maxBytes <= 0 {
		m.maxBytes = defaultMemoryBytes
	}
	if m.now != nil {
		m.base = m.now()
	} else {
		m.base = time.Now()
	}

	n := 1
	for n < maxShards && m.maxEntries/(2*n) >= minShardEntries {
		n *= 2
	}
	m.shards = make([]shard, n)
	m.mask = uint64(n - 1)
	for i := range m.shards {
		s := &m.shards[i]
		s.items = make(map[string]*memEntry)
		s.head.next, s.head.prev = &s.head, &s.head
		s.maxEntries = m.maxEntries / n
		if i < m.maxEntries%n {
			s.maxEntries++
		}
		s.total = &m.bytes
	}
	return m
}

// Prefix returns the cache's key prefix (MemoryOptions.Prefix).
func (m *Memory) Prefix() string { return m.prefix }

// Version returns the cache's key version (MemoryOptions.Version).
func (m *Memory) Version() int { return m.version }

// Stats returns the counters of the cache, summed over its shards.
func (m *Memory) Stats() MemoryStats {
	var st MemoryStats
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		st.Entries += len(s.items)
		st.Bytes += s.bytes
		st.Hits += s.stats.Hits
		st.Misses += s.stats.Misses
		st.Evictions += s.stats.Evictions
		st.Expirations += s.stats.Expirations
		s.mu.Unlock()
	}
	return st
}

// clock returns the time on the cache's clock: nanoseconds since the cache
// was made, monotonic unless MemoryOptions.Now is set.
func (m *Memory) clock() int64 {
	if m.now != nil {
		return int64(m.now().Sub(m.base))
	}
	return int64(time.Since(m.base))
}

// expiry returns the expiry time on the cache's clock of an entry stored
// now for ttl (already validated), 0 for never.
func (m *Memory) expiry(ttl time.Duration) int64 {
	if ttl == DefaultTTL {
		ttl = m.defaultTTL
	}
	if ttl < 0 {
		return 0
	}
	return m.clock() + int64(ttl)
}

// storeKey returns the map key of a validated caller key.
func (m *Memory) storeKey(key string) string {
	if m.keyFunc != nil {
		return m.keyFunc(m.prefix, m.version, key)
	}
	return key
}

func (m *Memory) shardOf(key string) *shard {
	return &m.shards[maphash.String(m.seed, key)&m.mask]
}

// checkKey validates a key and wraps the error with the operation.
func checkKey(op, key string) error {
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("cache: %s: %w", op, err)
	}
	return nil
}

// checkTTL validates a ttl and wraps the error with the operation and key.
func checkTTL(op, key string, ttl time.Duration) error {
	if err := ValidateTTL(ttl); err != nil {
		return fmt.Errorf("cache: %s %q: %w", op, key, err)
	}
	return nil
}

// checkSize reports ErrTooLarge for an entry over the shard budget.
func (m *Memory) checkSize(op, key string, n int) error {
	if size := int64(len(key) + n); size > m.maxBytes {
		return fmt.Errorf("cache: %s %q: %w: %d bytes of key and value, more than the memory cache's MaxBytes %d",
			op, key, ErrTooLarge, size, m.maxBytes)
	}
	return nil
}

// Get returns the value of key, or ErrMiss itself (not wrapped, so that a
// miss costs no allocation). The slice is the stored one: do not modify
// it.
func (m *Memory) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey("get", key); err != nil {
		return nil, err
	}
	k := m.storeKey(key)
	s := m.shardOf(k)
	s.mu.Lock()
	v, ok := m.lookup(s, k)
	s.mu.Unlock()
	if !ok {
		return nil, ErrMiss
	}
	return v, nil
}

// lookup returns the live value of k in s, moving it to the front and
// counting the hit or miss. s.mu is held.
func (m *Memory) lookup(s *shard, k string) ([]byte, bool) {
	e := s.items[k]
	if e == nil {
		s.stats.Misses++
		return nil, false
	}
	if e.expires != 0 && e.expires <= m.clock() {
		s.remove(e)
		s.stats.Expirations++
		s.stats.Misses++
		return nil, false
	}
	s.stats.Hits++
	s.toFront(e)
	return e.value, true
}

// Set stores a copy of value under key for ttl.
func (m *Memory) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := m.checkWrite("set", key, len(value), ttl); err != nil {
		return err
	}
	m.store(m.storeKey(key), clone(value), m.expiry(ttl), false)
	return nil
}

// checkWrite validates the key, ttl and entry size of a write. An entry
// too large deletes the key's old value.
func (m *Memory) checkWrite(op, key string, n int, ttl time.Duration) error {
	if err := checkKey(op, key); err != nil {
		return err
	}
	if err := checkTTL(op, key, ttl); err != nil {
		return err
	}
	if err := m.checkSize(op, key, n); err != nil {
		m.delete(m.storeKey(key))
		return err
	}
	return nil
}

// store puts value under k (a stored key) and evicts to respect the
// bounds. With onlyNew it stores nothing and reports false when k holds a
// live value.
func (m *Memory) store(k string, value []byte, expires int64, onlyNew bool) bool {
	s := m.shardOf(k)
	s.mu.Lock()
	now := m.clock()
	e := s.items[k]
	if e != nil {
		live := e.expires == 0 || e.expires > now
		if onlyNew && live {
			s.mu.Unlock()
			return false
		}
		if !live {
			s.stats.Expirations++
		}
		s.addBytes(int64(len(value) - len(e.value)))
		e.value, e.expires = value, expires
		s.toFront(e)
	} else {
		e = &memEntry{key: strings.Clone(k), value: value, expires: expires}
		s.insert(e)
	}
	s.evict(now)
	s.mu.Unlock()
	if m.bytes.Load() > m.maxBytes {
		m.shrink(e)
	}
	return true
}

// Add stores a copy of value under key only when key holds no live value;
// otherwise it returns an error wrapping ErrNotStored.
func (m *Memory) Add(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkKey("add", key); err != nil {
		return err
	}
	if err := checkTTL("add", key, ttl); err != nil {
		return err
	}
	if err := m.checkSize("add", key, len(value)); err != nil {
		return err // unlike Set, Add leaves an existing value alone
	}
	if !m.store(m.storeKey(key), clone(value), m.expiry(ttl), true) {
		return fmt.Errorf("cache: add %q: %w", key, ErrNotStored)
	}
	return nil
}

// Delete removes key; an absent key is not an error.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := checkKey("delete", key); err != nil {
		return err
	}
	m.delete(m.storeKey(key))
	return nil
}

func (m *Memory) delete(k string) {
	s := m.shardOf(k)
	s.mu.Lock()
	if e := s.items[k]; e != nil {
		s.remove(e)
	}
	s.mu.Unlock()
}

// GetMany returns the live values of keys (the stored slices: do not
// modify them). A bad key fails the whole call.
func (m *Memory) GetMany(ctx context.Context, keys ...string) (map[string][]byte, error) {
	for _, key := range keys {
		if err := checkKey("get many", key); err != nil {
			return nil, err
		}
	}
	out := make(map[string][]byte, len(keys))
	for _, key := range keys {
		k := m.storeKey(key)
		s := m.shardOf(k)
		s.mu.Lock()
		v, ok := m.lookup(s, k)
		s.mu.Unlock()
		if ok {
			out[key] = v
		}
	}
	return out, nil
}

// SetMany stores a copy of every value for ttl. Every key, the ttl and
// every size are checked first: when one is bad, nothing is stored.
func (m *Memory) SetMany(ctx context.Context, values map[string][]byte, ttl time.Duration) error {
	for key, v := range values {
		if err := checkKey("set many", key); err != nil {
			return err
		}
		if err := checkTTL("set many", key, ttl); err != nil {
			return err
		}
		if err := m.checkSize("set many", key, len(v)); err != nil {
			return err
		}
	}
	expires := m.expiry(ttl)
	for key, v := range values {
		m.store(m.storeKey(key), clone(v), expires, false)
	}
	return nil
}

// Incr adds delta to the decimal integer stored at key and returns the
// result. A missing key starts at 0 and gets the default TTL; an existing
// key keeps its expiry. A value that is not a decimal int64, or a result
// that overflows int64, is an error and leaves the value unchanged.
func (m *Memory) Incr(ctx context.Context, key string, delta int64) (int64, error) {
	if err := checkKey("incr", key); err != nil {
		return 0, err
	}
	k := m.storeKey(key)
	s := m.shardOf(k)
	s.mu.Lock()
	sum, e, err := m.incr(s, k, delta)
	s.mu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("cache: incr %q: %w", key, err)
	}
	if m.bytes.Load() > m.maxBytes {
		m.shrink(e)
	}
	return sum, nil
}

// incr is Incr of the stored key k in s; s.mu is held.
func (m *Memory) incr(s *shard, k string, delta int64) (int64, *memEntry, error) {
	now := m.clock()
	e := s.items[k]
	if e != nil && e.expires != 0 && e.expires <= now {
		s.remove(e)
		s.stats.Expirations++
		e = nil
	}
	var n int64
	if e != nil {
		var err error
		n, err = strconv.ParseInt(string(e.value), 10, 64)
		if err != nil {
			return 0, nil, fmt.Errorf("the value %.20q is not a decimal integer", e.value)
		}
	}
	sum := n + delta
	if (delta > 0 && sum < n) || (delta < 0 && sum > n) {
		return 0, nil, fmt.Errorf("%d%+d overflows int64", n, delta)
	}
	// A new slice each time: earlier Get callers may hold the old one.
	v := strconv.AppendInt(make([]byte, 0, 20), sum, 10)
	if e != nil {
		s.addBytes(int64(len(v) - len(e.value)))
		e.value = v
		s.toFront(e)
	} else {
		expires := int64(0)
		if m.defaultTTL > 0 {
			expires = now + int64(m.defaultTTL)
		}
		e = &memEntry{key: strings.Clone(k), value: v, expires: expires}
		s.insert(e)
	}
	s.evict(now)
	return sum, e, nil
}

// Touch sets a new ttl on key; it returns an error wrapping ErrMiss when
// key holds no live value.
func (m *Memory) Touch(ctx context.Context, key string, ttl time.Duration) error {
	if err := checkKey("touch", key); err != nil {
		return err
	}
	if err := checkTTL("touch", key, ttl); err != nil {
		return err
	}
	k := m.storeKey(key)
	expires := m.expiry(ttl)
	s := m.shardOf(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.items[k]
	if e != nil && e.expires != 0 && e.expires <= m.clock() {
		s.remove(e)
		s.stats.Expirations++
		e = nil
	}
	if e == nil {
		return fmt.Errorf("cache: touch %q: %w", key, ErrMiss)
	}
	e.expires = expires
	s.toFront(e)
	return nil
}

// Clear removes every entry. The counters of Stats other than Entries and
// Bytes keep counting.
func (m *Memory) Clear(ctx context.Context) error {
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		clear(s.items)
		s.head.next, s.head.prev = &s.head, &s.head
		s.addBytes(-s.bytes)
		s.mu.Unlock()
	}
	return nil
}

// GetOrSet returns the value of key, or computes it with fn, stores a copy
// for ttl and returns it. Concurrent callers for one key share one call
// of fn, which runs detached from their cancellation with a deadline of
// one minute (see flight); a caller whose ctx ends stops waiting without
// stopping fn for the others. fn's error is returned unchanged to every
// waiting caller and nothing is stored. The returned slice may be shared
// with other callers: do not modify it.
func (m *Memory) GetOrSet(ctx context.Context, key string, ttl time.Duration, fn func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if err := checkKey("get or set", key); err != nil {
		return nil, err
	}
	if err := checkTTL("get or set", key, ttl); err != nil {
		return nil, err
	}
	k := m.storeKey(key)
	s := m.shardOf(k)
	s.mu.Lock()
	v, ok := m.lookup(s, k)
	s.mu.Unlock()
	if ok {
		return v, nil
	}
	return m.flight.do(ctx, k, func(ctx context.Context) ([]byte, error) {
		// A flight that just finished may have stored the value.
		s.mu.Lock()
		e := s.items[k]
		if e != nil && (e.expires == 0 || e.expires > m.clock()) {
			s.mu.Unlock()
			return e.value, nil
		}
		s.mu.Unlock()
		v, err := fn(ctx)
		if err != nil {
			return nil, err
		}
		if err := m.checkSize("get or set", key, len(v)); err != nil {
			return nil, err
		}
		v = clone(v)
		m.store(k, v, m.expiry(ttl), false)
		return v, nil
	})
}

// evict removes entries until s holds at most its share of MaxEntries:
// expired entries first (a sweep at most once per sweepEvery), then the
// least recently used. s.mu is held.
func (s *shard) evict(now int64) {
	if len(s.items) <= s.maxEntries {
		return
	}
	s.sweep(now)
	for len(s.items) > s.maxEntries && s.head.prev != &s.head {
		s.remove(s.head.prev)
		s.stats.Evictions++
	}
}

// sweep removes the expired entries of s unless it did within sweepEvery.
// s.mu is held.
func (s *shard) sweep(now int64) {
	if now-s.lastSweep < int64(sweepEvery) {
		return
	}
	s.lastSweep = now
	for e := s.head.prev; e != &s.head; {
		prev := e.prev
		if e.expires != 0 && e.expires <= now {
			s.remove(e)
			s.stats.Expirations++
		}
		e = prev
	}
}

// shrink evicts entries until the cache holds at most MaxBytes, taking
// the least recently used entry of each shard in turn (after sweeping
// that shard's expired entries), but not keep, the entry just written.
// It runs with no shard lock held.
func (m *Memory) shrink(keep *memEntry) {
	for idle := 0; m.bytes.Load() > m.maxBytes && idle < len(m.shards); {
		s := &m.shards[m.cursor.Add(1)&m.mask]
		s.mu.Lock()
		s.sweep(m.clock())
		if m.bytes.Load() > m.maxBytes && s.head.prev != &s.head && s.head.prev != keep {
			s.remove(s.head.prev)
			s.stats.Evictions++
			idle = 0
		} else {
			idle++
		}
		s.mu.Unlock()
	}
}

func (s *shard) addBytes(d int64) {
	s.bytes += d
	s.total.Add(d)
}

func (s *shard) insert(e *memEntry) {
	s.items[e.key] = e
	s.addBytes(int64(len(e.key) + len(e.value)))
	s.pushFront(e)
}

func (s *shard) remove(e *memEntry) {
	delete(s.items, e.key)
	s.addBytes(-int64(len(e.key) + len(e.value)))
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (s *shard) pushFront(e *memEntry) {
	e.prev, e.next = &s.head, s.head.next
	s.head.next.prev = e
	s.head.next = e
}

func (s *shard) toFront(e *memEntry) {
	if s.head.next == e {
		return
	}
	e.prev.next, e.next.prev = e.next, e.prev
	s.pushFront(e)
}

// clone copies b into a new slice, never nil, so that Get of an empty
// value returns an empty, non-nil slice.
func clone(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}
