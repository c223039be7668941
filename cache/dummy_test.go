package cache_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/cache"
)

func TestDummy(t *testing.T) {
	for name, c := range map[string]cache.Cache{"NewDummy": cache.NewDummy(), "zero value": cache.Dummy{}} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			if err := c.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
				t.Errorf("Set = %v; want nil", err)
			}
			if v, err := c.Get(ctx, "k"); !errors.Is(err, cache.ErrMiss) {
				t.Errorf("Get after Set = %q, %v; want cache.ErrMiss", v, err)
			}
			if err := c.Add(ctx, "k", []byte("v"), time.Hour); err != nil {
				t.Errorf("Add = %v; want nil", err)
			}
			if err := c.Delete(ctx, "k"); err != nil {
				t.Errorf("Delete = %v; want nil", err)
			}
			if err := c.SetMany(ctx, map[string][]byte{"a": nil}, time.Hour); err != nil {
				t.Errorf("SetMany = %v; want nil", err)
			}
			if m, err := c.GetMany(ctx, "a"); err != nil || m == nil || len(m) != 0 {
				t.Errorf("GetMany = %v, %v; want an empty map, nil", m, err)
			}
			n, err := c.Incr(ctx, "n", 1)
			if !errors.Is(err, cache.ErrMiss) || !strings.Contains(err.Error(), "dummy cache: key not found") {
				t.Errorf("Incr = %d, %v; want a key-not-found error wrapping cache.ErrMiss", n, err)
			}
			if err := c.Touch(ctx, "k", time.Hour); !errors.Is(err, cache.ErrMiss) {
				t.Errorf("Touch = %v; want cache.ErrMiss", err)
			}
			if err := c.Clear(ctx); err != nil {
				t.Errorf("Clear = %v; want nil", err)
			}
			calls := 0
			fn := func(context.Context) ([]byte, error) { calls++; return []byte("computed"), nil }
			for range 3 {
				if v, err := c.GetOrSet(ctx, "k", time.Hour, fn); err != nil || string(v) != "computed" {
					t.Errorf("GetOrSet = %q, %v; want %q, nil", v, err, "computed")
				}
			}
			if calls != 3 {
				t.Errorf("3 GetOrSet called fn %d times; want 3 (nothing is stored)", calls)
			}
			boom := errors.New("boom")
			if _, err := c.GetOrSet(ctx, "k", time.Hour, func(context.Context) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
				t.Errorf("GetOrSet(failing fn) = %v; want fn's error", err)
			}
			// Keys and TTLs are validated as on every backend.
			if _, err := c.Get(ctx, "a b"); !errors.Is(err, cache.ErrBadKey) {
				t.Errorf("Get(%q) = %v; want cache.ErrBadKey", "a b", err)
			}
			if err := c.Set(ctx, "", nil, time.Hour); !errors.Is(err, cache.ErrBadKey) {
				t.Errorf("Set(%q) = %v; want cache.ErrBadKey", "", err)
			}
			if err := c.Set(ctx, "k", nil, cache.MaxTTL+1); err == nil {
				t.Errorf("Set(ttl > MaxTTL) = nil; want an error")
			}
			if _, err := c.GetOrSet(ctx, "a\nb", time.Hour, fn); !errors.Is(err, cache.ErrBadKey) || calls != 3 {
				t.Errorf("GetOrSet(bad key) = %v with fn called; want cache.ErrBadKey without calling fn", err)
			}
		})
	}
}
