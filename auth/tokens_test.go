package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core"
)

const tokenTimeout = 3 * 24 * time.Hour

func tokenUser() *auth.User {
	last := time.Date(2024, 5, 1, 10, 11, 12, 345_000_000, time.UTC)
	return &auth.User{ID: 42, Password: "pbkdf2_sha256$1000000$salt$hash", Email: "ann@example.com", LastLogin: &last}
}

// TestTokensDjangoVectors checks tokens against ones computed with
// Django's algorithm (PasswordResetTokenGenerator with SECRET_KEY
// "django-insecure-test-key" at 2024-05-06 07:08:09 UTC).
func TestTokensDjangoVectors(t *testing.T) {
	tk := &auth.Tokens{Secret: "django-insecure-test-key", Timeout: tokenTimeout}
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	never := tokenUser()
	never.LastLogin = nil
	tests := []struct {
		name string
		u    *auth.User
		want string
	}{
		{"never logged in", never, "c6lftl-b7c0385ee4f8a7e19dadf05b3483ef5b"},
		{"logged in", tokenUser(), "c6lftl-9a04b924b3992c5b04231690f5092a7f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tk.MakeToken(tt.u, now); got != tt.want {
				t.Errorf("MakeToken = %q; want Django's %q", got, tt.want)
			}
			if !tk.CheckToken(tt.u, tt.want, now) {
				t.Errorf("CheckToken(Django's %q) = false; want true", tt.want)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	tk := &auth.Tokens{Secret: "new-key", Fallbacks: []core.Secret{"old-key"}, Timeout: tokenTimeout}
	made := time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)
	token := tk.MakeToken(tokenUser(), made)
	later := func(d time.Duration) time.Time { return made.Add(d) }

	tests := []struct {
		name  string
		tk    *auth.Tokens
		u     func(u *auth.User)
		token string
		now   time.Time
		want  bool
	}{
		{name: "valid at once", token: token, now: made, want: true},
		{name: "valid an hour later", token: token, now: later(time.Hour), want: true},
		{name: "valid at the timeout", token: token, now: later(tokenTimeout), want: true},
		{name: "expired", token: token, now: later(tokenTimeout + time.Second), want: false},
		{name: "shorter timeout", tk: &auth.Tokens{Secret: "new-key", Timeout: time.Hour}, token: token, now: later(time.Hour + time.Second), want: false},
		{name: "zero timeout", tk: &auth.Tokens{Secret: "new-key"}, token: token, now: made, want: false},
		{name: "after password change", u: func(u *auth.User) { u.Password = "pbkdf2_sha256$1000000$salt$other" }, token: token, now: made, want: false},
		{name: "after login", u: func(u *auth.User) { l := made.Add(time.Minute); u.LastLogin = &l }, token: token, now: later(time.Hour), want: false},
		{name: "first login", u: func(u *auth.User) { u.LastLogin = nil }, token: token, now: made, want: false},
		{name: "same second of login", u: func(u *auth.User) { l := u.LastLogin.Add(-100 * time.Millisecond); u.LastLogin = &l }, token: token, now: made, want: true},
		{name: "after email change", u: func(u *auth.User) { u.Email = "eve@example.com" }, token: token, now: made, want: false},
		{name: "other user", u: func(u *auth.User) { u.ID = 43 }, token: token, now: made, want: false},
		{name: "tampered hash", token: token[:len(token)-1] + flip(token[len(token)-1]), now: made, want: false},
		{name: "tampered timestamp", token: flip(token[0]) + token[1:], now: made, want: false},
		{name: "later timestamp, same hash", token: bumpTimestamp(token), now: made, want: false},
		{name: "uppercase", token: strings.ToUpper(token), now: made, want: false},
		{name: "no dash", token: strings.Replace(token, "-", "", 1), now: made, want: false},
		{name: "empty", token: "", now: made, want: false},
		{name: "only a dash", token: "-", now: made, want: false},
		{name: "too long", token: token + strings.Repeat("0", 64), now: made, want: false},
		{name: "padded timestamp", token: "0" + token, now: made, want: false},
		{name: "negative timestamp", token: "-" + token, now: made, want: false},
		{name: "fallback key", tk: &auth.Tokens{Secret: "newer-key", Fallbacks: []core.Secret{"x", "new-key"}, Timeout: tokenTimeout}, token: token, now: made, want: true},
		{name: "retired key", tk: &auth.Tokens{Secret: "newer-key", Fallbacks: []core.Secret{"old-key"}, Timeout: tokenTimeout}, token: token, now: made, want: false},
		{name: "no key", tk: &auth.Tokens{Timeout: tokenTimeout}, token: token, now: made, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checker := tk
			if tt.tk != nil {
				checker = tt.tk
			}
			u := tokenUser()
			if tt.u != nil {
				tt.u(u)
			}
			if got := checker.CheckToken(u, tt.token, tt.now); got != tt.want {
				t.Errorf("CheckToken(%q at made+%v) = %t; want %t", tt.token, tt.now.Sub(made), got, tt.want)
			}
		})
	}
	if tk.CheckToken(nil, token, made) {
		t.Errorf("CheckToken(nil user) = true; want false")
	}

	// A token made with a fallback key is accepted; new tokens use Secret.
	old := (&auth.Tokens{Secret: "old-key", Timeout: tokenTimeout}).MakeToken(tokenUser(), made)
	if !tk.CheckToken(tokenUser(), old, made) {
		t.Errorf("CheckToken(token of fallback key) = false; want true")
	}
	if old == token {
		t.Errorf("tokens of different keys are equal: %q", token)
	}
}

// flip returns another lowercase base-36 digit than c.
func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

// bumpTimestamp returns token with its timestamp one second later.
func bumpTimestamp(token string) string {
	ts, hash, _ := strings.Cut(token, "-")
	n := int64(0)
	for _, c := range ts {
		n = n*36 + int64(strings.IndexRune("0123456789abcdefghijklmnopqrstuvwxyz", c))
	}
	n++
	var b []byte
	for ; n > 0; n /= 36 {
		b = append([]byte{"0123456789abcdefghijklmnopqrstuvwxyz"[n%36]}, b...)
	}
	return string(b) + "-" + hash
}

func TestUID(t *testing.T) {
	for _, id := range []uint{1, 42, 1 << 40} {
		s := auth.EncodeUID(id)
		got, ok := auth.DecodeUID(s)
		if !ok || got != id {
			t.Errorf("DecodeUID(EncodeUID(%d) = %q) = %d, %t; want %d, true", id, s, got, ok, id)
		}
	}
	if got := auth.EncodeUID(42); got != "NDI" { // Django's urlsafe_base64_encode(b"42")
		t.Errorf("EncodeUID(42) = %q; want %q", got, "NDI")
	}
	for _, bad := range []string{"", "!!", "MA" /* "0" */, "MDE" /* "01" */, "LTE" /* "-1" */, "YWJj" /* "abc" */, "NDI/", strings.Repeat("MQ", 40)} {
		if id, ok := auth.DecodeUID(bad); ok {
			t.Errorf("DecodeUID(%q) = %d, true; want false", bad, id)
		}
	}
}
