package cache_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/djinn-go/djinn/cache"
)

// benchKeys are keys of the length of a typical "app:model:42" key.
func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("polls:question:%d", i)
	}
	return keys
}

// BenchmarkMemoryGet measures a Get hit of a 64-byte []byte value, next to
// a baseline: a map behind one mutex, with no TTL, LRU or key checks.
func BenchmarkMemoryGet(b *testing.B) {
	ctx := context.Background()
	keys := benchKeys(1024)
	value := make([]byte, 64)

	b.Run("memory", func(b *testing.B) {
		m := cache.NewMemory(cache.MemoryOptions{})
		for _, k := range keys {
			m.Set(ctx, k, value, time.Hour)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := m.Get(ctx, keys[i&1023]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-map-mutex", func(b *testing.B) {
		var mu sync.Mutex
		mp := make(map[string][]byte)
		for _, k := range keys {
			mp[k] = value
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			mu.Lock()
			v := mp[keys[i&1023]]
			mu.Unlock()
			if v == nil {
				b.Fatal("miss")
			}
		}
	})
	b.Run("GetAs-bytes", func(b *testing.B) {
		m := cache.NewMemory(cache.MemoryOptions{})
		for _, k := range keys {
			m.Set(ctx, k, value, time.Hour)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := cache.GetAs[[]byte](ctx, m, keys[i&1023]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("miss", func(b *testing.B) {
		m := cache.NewMemory(cache.MemoryOptions{})
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			m.Get(ctx, keys[i&1023])
		}
	})
}

// BenchmarkMemorySet overwrites existing keys with a 64-byte value (one
// allocation: Set keeps a copy).
func BenchmarkMemorySet(b *testing.B) {
	ctx := context.Background()
	keys := benchKeys(1024)
	value := make([]byte, 64)
	m := cache.NewMemory(cache.MemoryOptions{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := m.Set(ctx, keys[i&1023], value, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemorySetEvicting writes new keys into a full cache, so that
// every Set evicts.
func BenchmarkMemorySetEvicting(b *testing.B) {
	ctx := context.Background()
	keys := benchKeys(1 << 16)
	value := make([]byte, 64)
	m := cache.NewMemory(cache.MemoryOptions{MaxEntries: 1 << 12})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Set(ctx, keys[i&(1<<16-1)], value, time.Hour)
	}
}

// BenchmarkMemoryGetOrSetHit measures GetOrSet when the value is cached.
func BenchmarkMemoryGetOrSetHit(b *testing.B) {
	ctx := context.Background()
	keys := benchKeys(1024)
	m := cache.NewMemory(cache.MemoryOptions{})
	fn := func(context.Context) ([]byte, error) { return make([]byte, 64), nil }
	for _, k := range keys {
		m.GetOrSet(ctx, k, time.Hour, fn)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := m.GetOrSet(ctx, keys[i&1023], time.Hour, fn); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryGetParallel measures Get hits from GOMAXPROCS goroutines,
// next to the one-mutex map baseline.
func BenchmarkMemoryGetParallel(b *testing.B) {
	ctx := context.Background()
	keys := benchKeys(1024)
	value := make([]byte, 64)
	b.Run("memory", func(b *testing.B) {
		m := cache.NewMemory(cache.MemoryOptions{})
		for _, k := range keys {
			m.Set(ctx, k, value, time.Hour)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if _, err := m.Get(ctx, keys[i&1023]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("baseline-map-mutex", func(b *testing.B) {
		var mu sync.Mutex
		mp := make(map[string][]byte)
		for _, k := range keys {
			mp[k] = value
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				mu.Lock()
				_ = mp[keys[i&1023]]
				mu.Unlock()
			}
		})
	})
}
