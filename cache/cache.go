package cache

import (
	"context"
	"errors"
	"time"
)

// ErrMiss is the error Get and GetMany-style calls return for a key that is
// absent or expired. Backends never leak their own miss value (redis.Nil).
var ErrMiss = errors.New("cache: miss")

// ErrNotStored is returned by Add when the key already holds a value.
var ErrNotStored = errors.New("cache: not stored: key exists")

// TTL conventions shared by every backend and method that takes one.
const (
	// DefaultTTL as a ttl argument means the cache's configured default
	// (Settings.Cache.DefaultTTL).
	DefaultTTL time.Duration = 0
	// Forever as a ttl argument (any negative value) stores without expiry.
	Forever time.Duration = -1
)

// MaxTTL is the longest expiry a cache accepts (Django caps timeouts at 30
// days for memcached; we allow a year). Longer ttl values are an error,
// not silently truncated: they are usually a unit mistake.
const MaxTTL = 365 * 24 * time.Hour

// Cache is a key-value cache. Every method takes a context first and is
// safe for concurrent use. Keys are strings of at most MaxKeyLen bytes
// without control characters or spaces (see ValidateKey); values are
// bytes, and the typed helpers (GetAs, SetAs, GetOrSetAs) encode other
// values with the package codec.
//
// A backend that cannot reach its server (Redis down or slow) degrades: Get
// reports a miss, Set and Delete are no-ops, and the error is reported
// through the backend's health (Prober), not to every caller; see the
// redis backend for the details. Programming errors (a bad key, a bad TTL)
// are always returned.
type Cache interface {
	// Get returns the value of key, or ErrMiss.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl (DefaultTTL, Forever or a
	// positive duration up to MaxTTL).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Add stores value only when key is absent; it returns ErrNotStored
	// when the key exists.
	Add(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes key; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// GetMany returns the values of the keys that are present; absent keys
	// are left out of the map.
	GetMany(ctx context.Context, keys ...string) (map[string][]byte, error)
	// SetMany stores every pair with one ttl.
	SetMany(ctx context.Context, values map[string][]byte, ttl time.Duration) error
	// Incr adds delta (which may be negative: Decr) to the integer stored
	// at key and returns the new value. A missing key starts at 0 and is
	// stored with the default TTL; a value that is not an integer is an
	// error.
	Incr(ctx context.Context, key string, delta int64) (int64, error)
	// Touch sets a new ttl on key; it returns ErrMiss for an absent key.
	Touch(ctx context.Context, key string, ttl time.Duration) error
	// Clear removes every key of this cache (its prefix and version), not
	// the keys of other caches sharing the server.
	Clear(ctx context.Context) error
	// GetOrSet returns the value of key, computing it with fn and storing
	// it for ttl when missing. Concurrent callers for one key share a
	// single call of fn in the process; backends shared by several nodes
	// also take a short lock so that the nodes do not all recompute.
	GetOrSet(ctx context.Context, key string, ttl time.Duration, fn func(ctx context.Context) ([]byte, error)) ([]byte, error)
}
