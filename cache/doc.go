// Package cache is Djinn's cache framework, after Django's: one Cache
// interface with in-memory, Redis and dummy backends, keys namespaced by a
// prefix and a version, typed helpers, GetOrSet with stampede protection,
// a per-view page cache, and graceful degradation when Redis is down.
//
// # Backends without a server
//
// NewMemory is an in-process cache bounded by entries and bytes, with LRU
// eviction per shard and per-entry expiry. Each Memory is a namespace of
// its own, so its prefix and version do not change where keys are stored;
// Clear it instead of bumping the version. Its Get returns the stored
// slice without copying (a hit costs no allocation): never modify a slice
// a cache returns. Dummy stores nothing, like Django's DummyCache.
//
// # Typed values
//
// GetAs, SetAs and GetOrSetAs store []byte and string as they are, the
// built-in integer types as decimal text (what Incr writes), and other
// values as MessagePack behind a one-byte format tag (0xC1, never the
// first byte of text), so reading a value of the wrong format is an
// error, never garbage. A value that cannot be encoded is an error and
// nothing is stored.
//
// # Conformance
//
// Package cachetest holds the conformance suite every backend passes:
// cachetest.Run(t, newCache, cachetest.Options{…}).
package cache
