package cache

import (
	"context"
	"fmt"
	"time"
)

// Dummy is a Cache that stores nothing, like Django's DummyCache: every
// Get misses, Set, Add, Delete, SetMany and Clear succeed without effect,
// Incr and Touch report ErrMiss, and GetOrSet calls fn every time. Use it
// to turn caching off while keeping the code that uses a cache. Keys and
// TTLs are still validated, so that code that works with Dummy works with
// the other backends.
//
// The zero value is ready to use and it is safe for concurrent use.
type Dummy struct{}

var _ Cache = Dummy{}

// NewDummy returns a dummy cache.
func NewDummy() *Dummy { return &Dummy{} }

// Get validates key and returns ErrMiss.
func (Dummy) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey("get", key); err != nil {
		return nil, err
	}
	return nil, ErrMiss
}

// Set validates key and ttl and stores nothing.
func (Dummy) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkKey("set", key); err != nil {
		return err
	}
	return checkTTL("set", key, ttl)
}

// Add validates key and ttl, stores nothing and reports success, as
// Django's DummyCache does.
func (Dummy) Add(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkKey("add", key); err != nil {
		return err
	}
	return checkTTL("add", key, ttl)
}

// Delete validates key and does nothing.
func (Dummy) Delete(ctx context.Context, key string) error {
	return checkKey("delete", key)
}

// GetMany validates the keys and returns an empty map.
func (Dummy) GetMany(ctx context.Context, keys ...string) (map[string][]byte, error) {
	for _, key := range keys {
		if err := checkKey("get many", key); err != nil {
			return nil, err
		}
	}
	return map[string][]byte{}, nil
}

// SetMany validates the keys and ttl and stores nothing.
func (Dummy) SetMany(ctx context.Context, values map[string][]byte, ttl time.Duration) error {
	for key := range values {
		if err := checkKey("set many", key); err != nil {
			return err
		}
		if err := checkTTL("set many", key, ttl); err != nil {
			return err
		}
	}
	return nil
}

// Incr returns an error wrapping ErrMiss: the key is never found (Django's
// DummyCache raises ValueError the same way).
func (Dummy) Incr(ctx context.Context, key string, delta int64) (int64, error) {
	if err := checkKey("incr", key); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("cache: incr %q on the dummy cache: key not found: %w", key, ErrMiss)
}

// Touch returns an error wrapping ErrMiss: the key is never found.
func (Dummy) Touch(ctx context.Context, key string, ttl time.Duration) error {
	if err := checkKey("touch", key); err != nil {
		return err
	}
	if err := checkTTL("touch", key, ttl); err != nil {
		return err
	}
	return fmt.Errorf("cache: touch %q on the dummy cache: %w", key, ErrMiss)
}

// Clear does nothing.
func (Dummy) Clear(ctx context.Context) error { return nil }

// GetOrSet validates key and ttl and returns what fn returns, calling fn on
// every call.
func (Dummy) GetOrSet(ctx context.Context, key string, ttl time.Duration, fn func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if err := checkKey("get or set", key); err != nil {
		return nil, err
	}
	if err := checkTTL("get or set", key, ttl); err != nil {
		return nil, err
	}
	return fn(ctx)
}
