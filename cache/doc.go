// Package cache is Djinn's cache framework, after Django's: one Cache
// interface with in-memory, Redis and dummy backends, keys namespaced by a
// prefix and a version, typed helpers, GetOrSet with stampede protection,
// a per-view page cache, and graceful degradation when Redis is down.
package cache
