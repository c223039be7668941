package sessions

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// idLen is the length of a session id: 32 random bytes, base64url
// without padding.
const idLen = 43

// newID returns a new random session id.
func newID() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// idCookie signs the session ids of the server-side stores: the cookie
// holds the id and an HMAC of it (securecookie without encryption), so
// that a guessed or altered id is rejected before the store is asked.
type idCookie struct {
	codecs []securecookie.Codec
}

func newIDCookie(cfg Config) (idCookie, error) {
	codecs, err := cfg.codecs(purposeIDHash, "", securecookie.NopEncoder{})
	return idCookie{codecs: codecs}, err
}

// read returns the id in r's cookie named name; false without a valid one.
func (c idCookie) read(r *http.Request, name string) (string, bool) {
	var b []byte
	if !decodeCookie(r, name, &b, c.codecs) || !validID(b) {
		return "", false
	}
	return string(b), true
}

// write sets the cookie for the session's id, or expires it when the
// session's Options.MaxAge is negative.
func (c idCookie) write(w http.ResponseWriter, sess *sessions.Session) error {
	if sess.Options.MaxAge < 0 {
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	v, err := c.codecs[0].Encode(sess.Name(), []byte(sess.ID))
	if err != nil {
		return fmt.Errorf("sessions: sign the session id: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), v, sess.Options))
	return nil
}

func validID(b []byte) bool {
	if len(b) != idLen {
		return false
	}
	for _, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
