package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/djinn-go/djinn/core"
)

// tokenKeySalt is the HMAC key salt of password reset tokens, Django's, so
// that a token made by a Django site with the same SECRET_KEY checks here.
const tokenKeySalt = "django.contrib.auth.tokens.PasswordResetTokenGenerator"

// tokenEpoch is where token timestamps count seconds from (Django's
// 2001-01-01).
var tokenEpoch = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

// maxTokenLen bounds the tokens CheckToken looks at: a base36 timestamp
// (at most 13 digits, as Django), "-", 32 hex digits.
const maxTokenLen = 13 + 1 + 32

// Tokens makes and checks password reset tokens, Django's
// PasswordResetTokenGenerator: "<timestamp>-<hash>", the timestamp the
// seconds since 2001-01-01 in base 36, the hash every other hex digit of
// an HMAC-SHA256 keyed with the secret key over the user's id, password
// hash, last login (to the second), the timestamp and e-mail address.
//
// A token therefore stops working when the password changes (reset
// links are single use), when the user logs in, when the e-mail address
// changes and after Timeout. It is the same token Django makes for the
// same user and secret key.
//
// The zero Tokens has no key and accepts no token. A Tokens is safe for
// concurrent use; do not change its fields while it is in use.
type Tokens struct {
	// Secret signs new tokens; Fallbacks are older keys whose tokens are
	// still accepted (SECRET_KEY_FALLBACKS).
	Secret    core.Secret
	Fallbacks []core.Secret
	// Timeout is how long a token works (PASSWORD_RESET_TIMEOUT); zero or
	// negative means no token works.
	Timeout time.Duration
}

// NewTokens returns the token maker of a project's settings: SecretKey,
// SecretKeyFallbacks and Auth.PasswordResetTimeout.
func NewTokens(s *core.Settings) *Tokens {
	return &Tokens{Secret: s.SecretKey, Fallbacks: s.SecretKeyFallbacks, Timeout: s.Auth.PasswordResetTimeout}
}

// MakeToken returns a reset token for u made at now.
func (t *Tokens) MakeToken(u *User, now time.Time) string {
	return t.make(u, t.Secret, now.Unix()-tokenEpoch)
}

// CheckToken reports whether token is a token of u made less than Timeout
// before now, signed with Secret or one of Fallbacks. It compares in
// constant time.
func (t *Tokens) CheckToken(u *User, token string, now time.Time) bool {
	if u == nil || token == "" || len(token) > maxTokenLen || t.Timeout <= 0 {
		return false
	}
	tsPart, _, ok := strings.Cut(token, "-")
	if !ok || tsPart == "" || len(tsPart) > 13 {
		return false
	}
	ts, err := strconv.ParseInt(tsPart, 36, 64)
	if err != nil || ts < 0 || strconv.FormatInt(ts, 36) != tsPart {
		return false
	}
	valid := false
	for _, key := range append([]core.Secret{t.Secret}, t.Fallbacks...) {
		if key == "" {
			continue
		}
		if hmac.Equal([]byte(t.make(u, key, ts)), []byte(token)) {
			valid = true
		}
	}
	if !valid {
		return false
	}
	age := now.Unix() - tokenEpoch - ts
	return age <= int64(t.Timeout/time.Second)
}

// make returns the token of u at ts (seconds since tokenEpoch) under key.
func (t *Tokens) make(u *User, key core.Secret, ts int64) string {
	tsPart := strconv.FormatInt(ts, 36)
	// Django's salted_hmac: the HMAC key is sha256(key_salt + secret).
	k := sha256.Sum256([]byte(tokenKeySalt + string(key)))
	mac := hmac.New(sha256.New, k[:])
	mac.Write([]byte(tokenValue(u, ts)))
	full := hex.EncodeToString(mac.Sum(nil))
	short := make([]byte, 0, len(full)/2)
	for i := 0; i < len(full); i += 2 {
		short = append(short, full[i])
	}
	return tsPart + "-" + string(short)
}

// tokenValue is what the hash covers, in Django's format (_make_hash_value):
// pk, password hash, last login as "YYYY-MM-DD HH:MM:SS" in UTC (empty
// when never), the timestamp and the e-mail address.
func tokenValue(u *User, ts int64) string {
	login := ""
	if u.LastLogin != nil && !u.LastLogin.IsZero() {
		login = u.LastLogin.UTC().Truncate(time.Second).Format(time.DateTime)
	}
	return strconv.FormatUint(uint64(u.ID), 10) + u.Password + login + strconv.FormatInt(ts, 10) + u.Email
}

// EncodeUID encodes a user id for a reset link, as Django's
// urlsafe_base64_encode(force_bytes(pk)): URL-safe base64 of the decimal
// id, without padding ("1" → "MQ").
func EncodeUID(id uint) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatUint(uint64(id), 10)))
}

// DecodeUID reverses EncodeUID; ok is false for anything EncodeUID does
// not produce.
func DecodeUID(s string) (id uint, ok bool) {
	if s == "" || len(s) > 32 {
		return 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) == 0 || (len(b) > 1 && b[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b), 10, strconv.IntSize)
	if err != nil || n == 0 {
		return 0, false
	}
	return uint(n), true
}
