package sessions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// CookieStore keeps the whole session in the cookie, signed (HMAC-SHA256)
// and encrypted (AES-256-CTR) by gorilla/securecookie with keys derived
// from SecretKey; cookies made with a SecretKeyFallbacks key are still
// read. Nothing is kept on the server, so a session cannot be revoked
// before its cookie expires (Django's signed_cookies has the same limit):
// Flush and CycleKey replace the client's cookie, but a copy of the old one
// stays valid until MaxAge. A session must fit in a 4096-byte cookie.
//
// It is safe for concurrent use.
type CookieStore struct {
	cfg    Config
	codecs []securecookie.Codec
}

var _ Store = (*CookieStore)(nil)

// NewCookieStore returns a cookie store; it fails without cfg.SecretKey.
func NewCookieStore(cfg Config) (*CookieStore, error) {
	cfg = cfg.withDefaults()
	codecs, err := cfg.codecs(purposeCookieHash, purposeCookieBlock, valueCodec{})
	if err != nil {
		return nil, err
	}
	return &CookieStore{cfg: cfg, codecs: codecs}, nil
}

// Name returns the cookie's name.
func (s *CookieStore) Name() string { return s.cfg.CookieName }

// Get returns the request's session through gorilla's per-request
// registry (see sessions.Store); the middleware uses New.
func (s *CookieStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New decodes the session from r's cookie, or returns a new empty session
// when there is no valid cookie. The error is always nil.
func (s *CookieStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := newSession(s, name, s.cfg)
	var values map[any]any
	if decodeCookie(r, name, &values, s.codecs) {
		sess.Values = values
		sess.IsNew = false
	}
	return sess, nil
}

// Save writes the session into the response's cookie, or expires the
// cookie when the session's Options.MaxAge is negative.
func (s *CookieStore) Save(_ *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.Options.MaxAge < 0 {
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	encoded, err := s.codecs[0].Encode(sess.Name(), sess.Values)
	if err != nil {
		var ce securecookie.Error
		if errors.As(err, &ce) && ce.Cause() != nil {
			return ce.Cause() // the codec's error names the key and type
		}
		if strings.HasPrefix(err.Error(), "securecookie: the value is too long") {
			return fmt.Errorf("sessions: cookie store: the session is too large for a cookie (%s bytes encoded, 4096 allowed); keep less in it or use the redis or db store",
				strings.TrimPrefix(err.Error(), "securecookie: the value is too long: "))
		}
		return fmt.Errorf("sessions: cookie store: save: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	return nil
}

// Delete does nothing: the cookie store keeps nothing on the server.
func (s *CookieStore) Delete(context.Context, string) error { return nil }

// newSession returns a new empty session of store with cfg's cookie options.
func newSession(store sessions.Store, name string, cfg Config) *sessions.Session {
	sess := sessions.NewSession(store, name)
	opts := cfg.options()
	sess.Options = &opts
	sess.IsNew = true
	return sess
}
