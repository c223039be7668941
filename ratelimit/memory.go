package ratelimit

import (
	"context"
	"errors"
	"hash/maphash"
	"sync"
	"time"
)

// MemoryOptions configures a Memory limiter. The zero value works.
type MemoryOptions struct {
	// MaxKeys bounds how many keys are tracked; 0 means 1<<20 (roughly
	// 100 bytes a key plus the key's length, so about 100 MiB at most). Keys idle long enough to be back at their full
	// burst are dropped first; when every tracked key is still busy, an
	// arbitrary one is forgotten (it then starts afresh): memory stays
	// bounded even under a flood of distinct keys.
	MaxKeys int
	// SweepInterval is how often each shard drops its idle keys; 0 means
	// one minute.
	SweepInterval time.Duration
	// Now returns the current time; nil means time.Now. For tests.
	Now func() time.Time
}

// memoryShards is the number of independently locked parts of a Memory
// limiter's key space.
const memoryShards = 64

// Memory is an in-process GCRA limiter for a single node: limits are not
// shared with other processes. It is safe for concurrent use; its memory
// is bounded by MemoryOptions.MaxKeys.
type Memory struct {
	seed     maphash.Seed
	now      func() time.Time
	maxShard int
	sweep    int64
	shards   [memoryShards]memoryShard
}

type memoryShard struct {
	mu        sync.Mutex
	tats      map[string]int64 // key → theoretical arrival time, unix ns
	nextSweep int64
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns an in-memory limiter.
func NewMemory(opts MemoryOptions) *Memory {
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = 1 << 20
	}
	if opts.SweepInterval <= 0 {
		opts.SweepInterval = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := &Memory{
		seed:     maphash.MakeSeed(),
		now:      opts.Now,
		maxShard: max(1, opts.MaxKeys/memoryShards),
		sweep:    int64(opts.SweepInterval),
	}
	for i := range m.shards {
		m.shards[i].tats = make(map[string]int64)
	}
	return m
}

// Allow applies l to key and counts the event when it is allowed.
func (m *Memory) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	if err := check(key, l); err != nil {
		return Result{}, err
	}
	now := m.now().UnixNano()
	s := &m.shards[maphash.String(m.seed, key)%memoryShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if now >= s.nextSweep {
		s.dropIdle(now)
		s.nextSweep = now + m.sweep
	}
	tat, known := s.tats[key]
	res, newTAT := gcra(tat, now, l)
	if res.Allowed {
		if !known && len(s.tats) >= m.maxShard {
			s.dropIdle(now)
			for k := range s.tats { // still full: forget an arbitrary key
				if len(s.tats) < m.maxShard {
					break
				}
				delete(s.tats, k)
			}
		}
		s.tats[key] = newTAT
	}
	return res, nil
}

// Reset forgets key, which then starts with its full burst (after a
// successful login, say).
func (m *Memory) Reset(ctx context.Context, key string) error {
	s := &m.shards[maphash.String(m.seed, key)%memoryShards]
	s.mu.Lock()
	delete(s.tats, key)
	s.mu.Unlock()
	return nil
}

// Len reports how many keys are tracked, idle ones not yet dropped
// included.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.tats)
		s.mu.Unlock()
	}
	return n
}

// dropIdle deletes the keys whose theoretical arrival time has passed:
// they are back at their full burst, exactly as if never seen.
func (s *memoryShard) dropIdle(now int64) {
	for k, tat := range s.tats {
		if tat <= now {
			delete(s.tats, k)
		}
	}
}

// check validates the arguments every limiter takes.
func check(key string, l Limit) error {
	if key == "" {
		return errors.New("ratelimit: the key is empty")
	}
	return l.validate()
}
