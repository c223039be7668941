package sessions

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// Store is a session store the middleware can use: a gorilla/sessions
// Store that also names its cookie and deletes sessions by id (for
// Session.CycleKey and Session.Flush). CookieStore, RedisStore and
// DBStore implement it.
//
// New must return a non-nil session. For a request without a valid cookie
// (none, tampered, expired, signed with an unknown key) it returns a new
// empty session and a nil error; when the store cannot be reached it
// returns a new session and an error wrapping ErrUnavailable.
type Store interface {
	sessions.Store
	// Name returns the name of the session cookie.
	Name() string
	// Delete removes the session with the id from the store. The cookie
	// store keeps nothing on the server and returns nil.
	Delete(ctx context.Context, id string) error
}

// Defaults of Config.
const (
	DefaultCookieName = "sessionid"
	DefaultMaxAge     = 14 * 24 * time.Hour
	// DefaultKeyPrefix is the prefix of the Redis store's keys.
	DefaultKeyPrefix = "session:"
	// DefaultTimeout bounds each call of the Redis and database stores.
	DefaultTimeout = 3 * time.Second
)

// Config is what every store needs: the keys that sign (and, for the cookie
// store, encrypt) the cookie and the cookie's attributes. The zero Config
// except SecretKey works: cookie "sessionid", 14 days, HttpOnly,
// SameSite=Lax, not Secure.
type Config struct {
	// SecretKey is the project's SECRET_KEY; the stores derive their keys
	// from it with HKDF-SHA256. Required.
	SecretKey string
	// SecretKeyFallbacks are older keys: cookies made with them are still
	// read, but new cookies always use SecretKey.
	SecretKeyFallbacks []string
	// CookieName is the cookie's name; "" means DefaultCookieName.
	CookieName string
	// MaxAge is how long a session lives after its last save: the cookie's
	// Max-Age, the Redis TTL, the database row's expiry and the longest
	// age of a signed cookie the stores accept. 0 means DefaultMaxAge. It is
	// rounded up to whole seconds.
	MaxAge time.Duration
	// Secure sends the cookie over HTTPS only.
	Secure bool
	// ScriptAccess leaves out HttpOnly, so that JavaScript can read the
	// cookie (Django's SESSION_COOKIE_HTTPONLY = False). Leave it off.
	ScriptAccess bool
	// SameSite is the cookie's SameSite attribute; 0 means Lax.
	SameSite http.SameSite
	// Domain is the cookie's Domain; "" means the host only.
	Domain string
	// KeyPrefix is the Redis store's key prefix; "" means DefaultKeyPrefix.
	KeyPrefix string
	// Timeout bounds each store call (Redis, database); 0 means
	// DefaultTimeout.
	Timeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.CookieName == "" {
		c.CookieName = DefaultCookieName
	}
	if c.MaxAge <= 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.SameSite == 0 {
		c.SameSite = http.SameSiteLaxMode
	}
	if c.KeyPrefix == "" {
		c.KeyPrefix = DefaultKeyPrefix
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// maxAgeSeconds is MaxAge in whole seconds, rounded up.
func (c Config) maxAgeSeconds() int {
	return int((c.MaxAge + time.Second - 1) / time.Second)
}

// options returns the cookie options of a session.
func (c Config) options() sessions.Options {
	return sessions.Options{
		Path:     "/",
		Domain:   c.Domain,
		MaxAge:   c.maxAgeSeconds(),
		Secure:   c.Secure,
		HttpOnly: !c.ScriptAccess,
		SameSite: c.SameSite,
	}
}

var errNoSecretKey = errors.New("sessions: SecretKey is empty; the session cookie cannot be signed (set SECRET_KEY)")

// Key purposes: each use of SECRET_KEY gets its own derived key.
const (
	purposeCookieHash  = "djinn sessions: cookie store hash key"
	purposeCookieBlock = "djinn sessions: cookie store block key"
	purposeIDHash      = "djinn sessions: session id hash key"
)

// deriveKey derives a 32-byte key for purpose from secret with HKDF-SHA256.
func deriveKey(secret, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, []byte(secret), nil, purpose, 32)
	if err != nil {
		// HKDF-SHA256 fails only for lengths above 255*32 bytes.
		panic(fmt.Sprintf("sessions: derive key: %v", err))
	}
	return k
}

// codecs returns one securecookie codec per key, SecretKey first, that
// signs with a key derived for hashPurpose and, when blockPurpose is not
// empty, encrypts (AES-256) with a key derived for blockPurpose. Only the
// first codec encodes; all of them decode.
func (c Config) codecs(hashPurpose, blockPurpose string, sz securecookie.Serializer) ([]securecookie.Codec, error) {
	if c.SecretKey == "" {
		return nil, errNoSecretKey
	}
	keys := append([]string{c.SecretKey}, c.SecretKeyFallbacks...)
	out := make([]securecookie.Codec, 0, len(keys))
	for i, k := range keys {
		if k == "" {
			return nil, fmt.Errorf("sessions: SecretKeyFallbacks[%d] is empty", i-1)
		}
		var block []byte
		if blockPurpose != "" {
			block = deriveKey(k, blockPurpose)
		}
		sc := securecookie.New(deriveKey(k, hashPurpose), block)
		sc.MaxAge(c.maxAgeSeconds())
		sc.SetSerializer(sz)
		out = append(out, sc)
	}
	return out, nil
}

// decodeCookie decodes the cookie of r named name into dst with codecs;
// false when there is none or it does not decode (tampered, expired,
// signed with an unknown key).
func decodeCookie(r *http.Request, name string, dst any, codecs []securecookie.Codec) bool {
	ck, err := r.Cookie(name)
	if err != nil {
		return false
	}
	return securecookie.DecodeMulti(name, ck.Value, dst, codecs...) == nil
}
