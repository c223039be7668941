package auth

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/djinn-go/djinn/cache"
)

// WithUserCache keeps the users of logged-in sessions in the cache app's
// default cache for ttl, so that a request with the user cached costs no
// database query (with the Redis session store and a Redis cache: two
// Redis round trips instead of one round trip and one query). It needs
// the "cache" app; without it users are loaded from the database.
//
// The cache is cleared for a user by SetPassword, by Login and by
// ForgetUser. Changes made to auth_user by other means (deactivating a
// user, changing a password with SQL) reach logged-in sessions only when
// the entry expires, up to ttl later, on every node with a per-process
// (memory) cache: keep ttl short, and call ForgetUser after changing a
// user.
func WithUserCache(ttl time.Duration) Option {
	return func(a *App) { a.userTTL = ttl }
}

// userCache returns the cache for users, or nil when caching is off.
func (a *App) userCache() cache.Cache {
	if a.userTTL <= 0 || a.project == nil {
		return nil
	}
	a.userCacheOnce.Do(func() {
		if ca, err := cache.From(a.project); err == nil {
			a.users = ca.Default()
		}
	})
	return a.users
}

func userCacheKey(id uint) string { return "djinn:auth:user:" + strconv.FormatUint(uint64(id), 10) }

// cachedUser loads the user with id through the user cache.
func (a *App) cachedUser(ctx context.Context, id uint) (*User, error) {
	c := a.userCache()
	if c == nil {
		return a.User(ctx, id)
	}
	if u, err := cache.GetAs[User](ctx, c, userCacheKey(id)); err == nil && u.ID == id {
		return &u, nil
	}
	u, err := a.User(ctx, id)
	if err != nil {
		return nil, err
	}
	_ = cache.SetAs(ctx, c, userCacheKey(id), *u, a.userTTL) // a cache failure only costs the next query
	return u, nil
}

// ForgetUser drops the user with id from the user cache (WithUserCache),
// so that the next request loads it from the database. Call it after
// changing a user other than with this package's functions. Without a
// user cache it does nothing.
func (a *App) ForgetUser(ctx context.Context, id uint) error {
	c := a.userCache()
	if c == nil {
		return nil
	}
	if err := c.Delete(ctx, userCacheKey(id)); err != nil && !errors.Is(err, cache.ErrMiss) {
		return err
	}
	return nil
}
