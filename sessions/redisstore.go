package sessions

import (
	"context"
	"errors"
	"net/http"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"
)

// RedisStore keeps sessions in Redis under KeyPrefix + id (default
// "session:<id>") with a TTL of MaxAge, renewed at every save. The cookie
// holds only the id (32 random bytes, base64url) and its signature.
// Values are encoded compactly (see the package doc for the types a session
// holds).
//
// A session loaded from Redis is saved with SET XX, so a request that
// finishes after another one deleted the session (logout) does not bring
// it back: that save fails with ErrInterrupted. A new session is saved with
// SET NX. Redis errors wrap ErrUnavailable.
//
// It is safe for concurrent use.
type RedisStore struct {
	client redis.UniversalClient
	cfg    Config
	ids    idCookie
}

var _ Store = (*RedisStore)(nil)

// NewRedisStore returns a store on client; it fails without
// cfg.SecretKey. The store does not close the client.
func NewRedisStore(client redis.UniversalClient, cfg Config) (*RedisStore, error) {
	if client == nil {
		return nil, errors.New("sessions: NewRedisStore: the Redis client is nil")
	}
	cfg = cfg.withDefaults()
	ids, err := newIDCookie(cfg)
	if err != nil {
		return nil, err
	}
	return &RedisStore{client: client, cfg: cfg, ids: ids}, nil
}

// Name returns the cookie's name.
func (s *RedisStore) Name() string { return s.cfg.CookieName }

// Get returns the request's session through gorilla's per-request
// registry (see sessions.Store); the middleware uses New.
func (s *RedisStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session whose id r's cookie holds: one GET. Without a
// valid cookie, or when the key is gone (expired, deleted), it returns a
// new empty session; when Redis fails, a new session and an error
// wrapping ErrUnavailable.
func (s *RedisStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := newSession(s, name, s.cfg)
	id, ok := s.ids.read(r, name)
	if !ok {
		return sess, nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	b, err := s.client.Get(ctx, s.cfg.KeyPrefix+id).Bytes()
	if errors.Is(err, redis.Nil) {
		return sess, nil
	}
	if err != nil {
		return sess, unavailable("load", "redis", err)
	}
	values, err := decodeValues(b)
	if err != nil {
		return sess, nil // unreadable data is no session
	}
	sess.ID, sess.Values, sess.IsNew = id, values, false
	return sess, nil
}

// Save stores the session and sets the cookie; with a negative
// Options.MaxAge it deletes the session and expires the cookie. A session
// without an ID gets a new one.
func (s *RedisStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.client.Del(ctx, s.cfg.KeyPrefix+sess.ID).Err(); err != nil {
				return unavailable("delete", "redis", err)
			}
			sess.ID = ""
		}
		return s.ids.write(w, sess)
	}
	b, err := encodeValues(sess.Values)
	if err != nil {
		return err
	}
	args := redis.SetArgs{Mode: "XX", TTL: s.cfg.MaxAge}
	if sess.ID == "" {
		sess.ID, args.Mode = newID(), "NX"
	}
	err = s.client.SetArgs(ctx, s.cfg.KeyPrefix+sess.ID, b, args).Err()
	if errors.Is(err, redis.Nil) {
		if args.Mode == "XX" {
			return &StoreError{Op: "save", Store: "redis", Err: errors.New("the session no longer exists"), kind: ErrInterrupted}
		}
		return unavailable("save", "redis", errors.New("a new session id is already taken"))
	}
	if err != nil {
		return unavailable("save", "redis", err)
	}
	return s.ids.write(w, sess)
}

// Delete removes the session with the id.
func (s *RedisStore) Delete(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.client.Del(ctx, s.cfg.KeyPrefix+id).Err(); err != nil {
		return unavailable("delete", "redis", err)
	}
	return nil
}
