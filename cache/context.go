package cache

import "context"

type ctxKey struct{}

// WithCache returns a copy of ctx carrying c as the request's default
// cache. The cache app puts its default cache in every request's base
// context this way; tests and programs without the app can do the same.
func WithCache(ctx context.Context, c Cache) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// FromContext returns the cache ctx carries (WithCache), or nil.
func FromContext(ctx context.Context) Cache {
	c, _ := ctx.Value(ctxKey{}).(Cache)
	return c
}
