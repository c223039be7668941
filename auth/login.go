package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/sessions"
)

// Session keys of a logged-in session (Django's).
const (
	// SessionUserIDKey holds the user's id, an int64.
	SessionUserIDKey = "_auth_user_id"
	// SessionHashKey holds the session auth hash (SessionAuthHash).
	SessionHashKey = "_auth_user_hash"
)

// holderKey finds a request's holder in its context.
type holderKey struct{}

// holder is a request's auth state: the user, loaded on first use. It is
// found in the request's context: attached to it in place when it can be
// (middleware.AttachValue, in the default stack), else as the context
// itself (Value answers holderKey), so the middleware costs one allocation
// and at most one request copy.
type holder struct {
	context.Context
	app *App
	r   *http.Request

	loaded bool
	user   *User
	err    error
}

// Value returns the holder for holderKey and asks the parent otherwise.
func (h *holder) Value(key any) any {
	if key == (holderKey{}) {
		return h
	}
	return h.Context.Value(key)
}

func holderFrom(ctx context.Context) *holder {
	h, _ := ctx.Value(holderKey{}).(*holder)
	return h
}

// Middleware returns the auth layer at core.StageAuth (after sessions):
// it attaches the request's user lazily, so a request that never asks for
// it costs no session or database access.
func (a *App) Middleware() []core.Layer {
	return []core.Layer{{Stage: core.StageAuth, Name: "user", Wrap: a.wrap}}
}

func (a *App) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := &holder{Context: r.Context(), app: a}
		if !middleware.AttachValue(r, holderKey{}, h) {
			r = r.WithContext(h)
		}
		h.r = r
		next.ServeHTTP(w, r)
	})
}

// UserFrom returns the user of the request whose context is ctx: the
// logged-in user, loaded on the first call of the request (one query) and
// remembered, or a new AnonymousUser when the session has no user, the
// user no longer exists or is inactive, or the session's auth hash no
// longer matches the password (that session is then flushed).
//
// UserFrom also returns AnonymousUser when the user cannot be loaded (the
// session store or the database is down) or ctx did not go through the
// middleware; views that must not treat an outage as "logged out" use
// CurrentUser, as RequireLogin, RequirePerm and RequireStaff do (503).
func UserFrom(ctx context.Context) *User {
	h := holderFrom(ctx)
	if h == nil {
		return AnonymousUser()
	}
	u, err := h.load()
	if err != nil {
		return AnonymousUser()
	}
	return u
}

// CurrentUser is UserFrom with the error: the request's user, or the
// error of the session store (wrapping sessions.ErrUnavailable, 503) or
// the database that kept it from being loaded, or ErrNoMiddleware.
func CurrentUser(r *http.Request) (*User, error) {
	h := holderFrom(r.Context())
	if h == nil {
		return AnonymousUser(), ErrNoMiddleware
	}
	return h.load()
}

// load finds the request's user once.
func (h *holder) load() (*User, error) {
	if h.loaded {
		return h.user, h.err
	}
	h.loaded = true
	h.user, h.err = h.app.sessionUser(h.r)
	if h.err != nil {
		h.user = AnonymousUser()
	}
	return h.user, h.err
}

// sessionUser loads the user r's session is logged in as.
func (a *App) sessionUser(r *http.Request) (*User, error) {
	s, err := sessions.Get(r)
	if err != nil {
		return nil, err
	}
	id, ok := sessionUserID(s.Get(SessionUserIDKey))
	if !ok {
		return AnonymousUser(), nil
	}
	u, err := a.cachedUser(r.Context(), id)
	if errors.Is(err, ErrUserNotFound) {
		return AnonymousUser(), nil
	}
	if err != nil {
		return nil, err
	}
	switch a.verifyHash(s.GetString(SessionHashKey), u) {
	case hashInvalid:
		// The password changed (or the hash was tampered with): this
		// session is logged out, as in Django.
		s.Flush()
		return AnonymousUser(), nil
	case hashFallback:
		s.Set(SessionHashKey, a.SessionAuthHash(u)) // rotate to the current key
	}
	if !u.IsActive {
		return AnonymousUser(), nil
	}
	return u, nil
}

// sessionUserID reads the id stored by Login (an int64; other integer
// types for sessions written by other code).
func sessionUserID(v any) (uint, bool) {
	var id int64
	switch n := v.(type) {
	case int64:
		id = n
	case int:
		id = int64(n)
	case int32:
		id = int64(n)
	case uint64:
		id = int64(n)
	case uint:
		id = int64(n)
	default:
		return 0, false
	}
	if id <= 0 {
		return 0, false
	}
	return uint(id), true
}

// sessionHashSalt is Django's key salt for get_session_auth_hash.
const sessionHashSalt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

// SessionAuthHash is the session auth hash of u (Django's
// get_session_auth_hash): an HMAC-SHA256 of the password hash keyed by
// SecretKey, stored in the session at login. Changing the password
// changes it, which logs out the user's other sessions.
func (a *App) SessionAuthHash(u *User) string {
	return saltedHMAC(a.secrets[0], u.Password)
}

// saltedHMAC is Django's salted_hmac with sha256, hex-encoded.
func saltedHMAC(secret, value string) string {
	key := sha256.Sum256([]byte(sessionHashSalt + secret))
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

type hashCheck int

const (
	hashInvalid hashCheck = iota
	hashCurrent
	hashFallback
)

// verifyHash compares stored with u's hash under SecretKey and then each
// fallback key, in constant time.
func (a *App) verifyHash(stored string, u *User) hashCheck {
	if stored == "" {
		return hashInvalid
	}
	for i, k := range a.secrets {
		if hmac.Equal([]byte(stored), []byte(saltedHMAC(k, u.Password))) {
			if i == 0 {
				return hashCurrent
			}
			return hashFallback
		}
	}
	return hashInvalid
}

// Login logs u in for r's session (Django's login): it gives the session
// a new id (CycleKey, against session fixation; a session of another
// user is flushed first), stores the user's id and SessionAuthHash, sets
// u.LastLogin in the database, and makes u the request's user for the
// rest of the request. The session is saved when the response starts. u
// is usually the result of App.Authenticate.
func Login(w http.ResponseWriter, r *http.Request, u *User) error {
	h := holderFrom(r.Context())
	if h == nil {
		return ErrNoMiddleware
	}
	if !u.IsAuthenticated() {
		return errors.New("auth: login: the user is anonymous")
	}
	s, err := sessions.Get(r)
	if err != nil {
		return err
	}
	a := h.app
	hash := a.SessionAuthHash(u)
	if id, ok := sessionUserID(s.Get(SessionUserIDKey)); ok && (id != u.ID || a.verifyHash(s.GetString(SessionHashKey), u) == hashInvalid) {
		// Someone else's session, or a stale one: start afresh.
		s.Flush()
	} else {
		s.CycleKey()
	}
	s.Set(SessionUserIDKey, int64(u.ID))
	s.Set(SessionHashKey, hash)
	now := time.Now().UTC()
	if err := a.dbFor(r.Context()).Model(&User{ID: u.ID}).Update("last_login", now).Error; err != nil {
		return fmt.Errorf("auth: login: set last_login of user %d: %w", u.ID, err)
	}
	u.LastLogin = &now
	if err := a.ForgetUser(r.Context(), u.ID); err != nil {
		return fmt.Errorf("auth: login: %w", err)
	}
	h.loaded, h.user, h.err = true, u, nil
	return nil
}

// UpdateSessionAuthHash stores u's new SessionAuthHash in r's session
// after u changed password, so that this session stays logged in while
// the others end (Django's update_session_auth_hash). It also cycles the
// session id.
func UpdateSessionAuthHash(w http.ResponseWriter, r *http.Request, u *User) error {
	h := holderFrom(r.Context())
	if h == nil {
		return ErrNoMiddleware
	}
	s, err := sessions.Get(r)
	if err != nil {
		return err
	}
	s.CycleKey()
	if id, ok := sessionUserID(s.Get(SessionUserIDKey)); ok && id == u.ID {
		s.Set(SessionHashKey, h.app.SessionAuthHash(u))
	}
	return nil
}

// Logout logs r's session out (Django's logout): the session is flushed
// (its data deleted from the store and the cookie expired) and the rest
// of the request sees the anonymous user.
func Logout(w http.ResponseWriter, r *http.Request) error {
	h := holderFrom(r.Context())
	if h == nil {
		return ErrNoMiddleware
	}
	s, err := sessions.Get(r)
	if err != nil {
		return err
	}
	s.Flush()
	h.loaded, h.user, h.err = true, AnonymousUser(), nil
	return nil
}
