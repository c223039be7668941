package ratelimit

import (
	"strconv"
	"testing"
)

// BenchmarkAllow measures one decision on each backend, for one hot key
// and for keys spread over 1000 clients.
func BenchmarkAllow(b *testing.B) {
	lim := PerSecond(1_000_000_000 / 1000) // never denies during the run
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "ip:192.0.2." + strconv.Itoa(i)
	}
	rdb, prefix := testRedis(b)
	for _, bk := range []struct {
		name string
		l    Limiter
	}{
		{"memory", NewMemory(MemoryOptions{})},
		{"redis", NewRedis(rdb, RedisOptions{Prefix: prefix})},
	} {
		b.Run(bk.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := bk.l.Allow(b.Context(), keys[i%len(keys)], lim); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(bk.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := bk.l.Allow(b.Context(), keys[i%len(keys)], lim); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}
