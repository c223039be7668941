package auth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/djinn-go/djinn/core"
)

// Hasher is one password hashing algorithm, Django's BasePasswordHasher.
// Implementations are immutable and safe for concurrent use.
type Hasher interface {
	// Algorithm is the name the encoded hashes start with ("pbkdf2_sha256").
	Algorithm() string
	// Salt returns a fresh random salt for Encode, or "" for a hasher that
	// makes its own (bcrypt).
	Salt() string
	// Encode hashes password with salt and the hasher's work factors into
	// the stored form "<algorithm>$...".
	Encode(password, salt string) (string, error)
	// Verify reports whether password matches encoded, comparing in
	// constant time. A hash it cannot read gives false and a *HashError.
	Verify(password, encoded string) (bool, error)
	// MustUpdate reports whether encoded, made by this algorithm, was made
	// with other work factors (or a weaker salt) than the hasher's, so the
	// password should be hashed again. It is false for unreadable hashes.
	MustUpdate(encoded string) bool
}

// Hardener is implemented by hashers that can spend the difference in work
// between a stored hash's factors and their own (Django's harden_runtime),
// so a failed login against an old, cheaper hash takes as long as one
// against a current hash.
type Hardener interface {
	HardenRuntime(password, encoded string)
}

// Summarizer is implemented by hashers that describe a stored hash without
// revealing it (Django's safe_summary): salt and hash are masked.
type Summarizer interface {
	Summary(encoded string) ([]SummaryItem, error)
}

// SummaryItem is one line of a hash summary, such as {"iterations", "1000000"}.
type SummaryItem struct {
	Name  string
	Value string
}

// Hasher names accepted in core.AuthSettings.PasswordHashers.
const (
	PBKDF2SHA256 = "pbkdf2_sha256"
	PBKDF2SHA1   = "pbkdf2_sha1"
	Argon2       = "argon2"
	BCryptSHA256 = "bcrypt_sha256"
	BCrypt       = "bcrypt"
)

// UnusablePrefix starts every unusable password (Django's
// UNUSABLE_PASSWORD_PREFIX); no password ever matches such a value.
const UnusablePrefix = "!"

// Errors a stored hash can produce; test with errors.Is.
var (
	// ErrUnknownAlgorithm: the hash names an algorithm that is not enabled.
	ErrUnknownAlgorithm = errors.New("auth: unknown password hashing algorithm")
	// ErrMalformedHash: the hash is not in its algorithm's format.
	ErrMalformedHash = errors.New("auth: malformed password hash")
)

// HashError describes a stored hash that cannot be checked. It never holds
// the hash or the password.
type HashError struct {
	// Algorithm is the algorithm the hash names ("" when it names none).
	Algorithm string
	// Reason says what is wrong ("iterations 0 out of range 1..100000000").
	Reason string
	// Err is ErrUnknownAlgorithm or ErrMalformedHash.
	Err error
}

// Error implements error.
func (e *HashError) Error() string {
	if errors.Is(e.Err, ErrUnknownAlgorithm) {
		return fmt.Sprintf("auth: unknown password hashing algorithm %q: %s", e.Algorithm, e.Reason)
	}
	if e.Algorithm == "" {
		return "auth: malformed password hash: " + e.Reason
	}
	return fmt.Sprintf("auth: malformed %s password hash: %s", e.Algorithm, e.Reason)
}

// Unwrap returns Err.
func (e *HashError) Unwrap() error { return e.Err }

func malformed(algorithm, format string, args ...any) error {
	return &HashError{Algorithm: algorithm, Reason: fmt.Sprintf(format, args...), Err: ErrMalformedHash}
}

// Passwords makes and checks password hashes with the hashers of
// core.AuthSettings (Django's make_password and check_password). Build it
// with NewPasswords or NewPasswordsWith; the zero value has no hashers and
// must not be used. It is immutable and safe for concurrent use.
type Passwords struct {
	preferred Hasher
	hashers   map[string]Hasher
	names     []string
}

// defaultPasswordHashers is the hasher order used when
// AuthSettings.PasswordHashers is empty.
var defaultPasswordHashers = []string{PBKDF2SHA256, Argon2, BCryptSHA256}

// NewPasswords builds Passwords from s.PasswordHashers (preferred first;
// empty means pbkdf2_sha256, argon2, bcrypt_sha256) and s.PBKDF2Iterations
// (0 means 1,000,000). Argon2 and bcrypt use Django 5.2's parameters. The
// legacy formats pbkdf2_sha1 and bcrypt are always accepted for checking
// (and upgraded at the next login) even when not listed, so hashes carried
// over from an old Django site keep working.
func NewPasswords(s core.AuthSettings) (*Passwords, error) {
	iterations := s.PBKDF2Iterations
	if iterations < 0 || iterations > MaxPBKDF2Iterations {
		return nil, fmt.Errorf("auth: Auth.PBKDF2Iterations %d out of range 1..%d", iterations, MaxPBKDF2Iterations)
	}
	names := s.PasswordHashers
	if len(names) == 0 {
		names = defaultPasswordHashers
	}
	newHasher := func(name string) Hasher {
		switch name {
		case PBKDF2SHA256:
			return NewPBKDF2SHA256(iterations)
		case PBKDF2SHA1:
			return NewPBKDF2SHA1(iterations)
		case Argon2:
			return NewArgon2(Argon2Params{})
		case BCryptSHA256:
			return NewBCryptSHA256(0)
		case BCrypt:
			return NewBCrypt(0)
		}
		return nil
	}
	hashers := make([]Hasher, 0, len(names))
	for i, name := range names {
		h := newHasher(name)
		if h == nil {
			return nil, fmt.Errorf("auth: Auth.PasswordHashers[%d]: unknown hasher %q (known: %s)",
				i, name, strings.Join([]string{PBKDF2SHA256, Argon2, BCryptSHA256, PBKDF2SHA1, BCrypt}, ", "))
		}
		hashers = append(hashers, h)
	}
	p, err := NewPasswordsWith(hashers...)
	if err != nil {
		return nil, err
	}
	for _, legacy := range []string{PBKDF2SHA1, BCrypt} {
		if _, ok := p.hashers[legacy]; !ok {
			p.hashers[legacy] = newHasher(legacy)
		}
	}
	return p, nil
}

// NewPasswordsWith builds Passwords from hashers, preferred first, for
// hashers with parameters the settings do not cover. Only these hashers
// are accepted when checking.
func NewPasswordsWith(hashers ...Hasher) (*Passwords, error) {
	if len(hashers) == 0 {
		return nil, errors.New("auth: no password hashers")
	}
	p := &Passwords{preferred: hashers[0], hashers: make(map[string]Hasher, len(hashers)+2)}
	for i, h := range hashers {
		name := h.Algorithm()
		if !validAlgorithmName(name) {
			return nil, fmt.Errorf("auth: password hasher %d: algorithm name %q must be 1-32 of [a-z0-9_]", i, name)
		}
		if _, dup := p.hashers[name]; dup {
			return nil, fmt.Errorf("auth: password hasher %q listed twice", name)
		}
		p.hashers[name] = h
		p.names = append(p.names, name)
	}
	return p, nil
}

// Preferred is the hasher Make uses.
func (p *Passwords) Preferred() Hasher { return p.preferred }

// Make hashes password with the preferred hasher and a fresh salt.
func (p *Passwords) Make(password string) (string, error) {
	return p.preferred.Encode(password, p.preferred.Salt())
}

// Identify returns the hasher that reads encoded, a *HashError wrapping
// ErrUnknownAlgorithm when its algorithm is not enabled, or one wrapping
// ErrMalformedHash when encoded names no algorithm or is unusable.
func (p *Passwords) Identify(encoded string) (Hasher, error) {
	if !IsUsable(encoded) {
		return nil, malformed("", "unusable password")
	}
	name, _, ok := strings.Cut(encoded, "$")
	if !ok || !validAlgorithmName(name) {
		return nil, malformed("", "no algorithm prefix")
	}
	h, ok := p.hashers[name]
	if !ok {
		return nil, &HashError{Algorithm: name, Reason: "not in Auth.PasswordHashers (" + strings.Join(p.names, ", ") + ")", Err: ErrUnknownAlgorithm}
	}
	return h, nil
}

// Check reports whether password matches the stored hash encoded. When it
// matches and encoded was made by another hasher than the preferred one,
// or by the preferred one with other work factors, upgrade is a new hash
// of password to store in its place (Django upgrades at login the same
// way). Unusable and empty hashes never match and give no error. A hash
// with an unknown algorithm, or one that cannot be read (wrong number of
// fields, bad base64, absurd work factors), gives false and a *HashError.
// If re-hashing for the upgrade fails, ok is true and err says why.
//
// A failed check against an older, cheaper hash of the preferred
// algorithm spends the missing work (Hardener), so its time does not tell
// whether the user has an old hash.
func (p *Passwords) Check(password, encoded string) (ok bool, upgrade string, err error) {
	if !IsUsable(encoded) {
		return false, "", nil
	}
	h, err := p.Identify(encoded)
	if err != nil {
		return false, "", err
	}
	changed := h.Algorithm() != p.preferred.Algorithm()
	must := changed || p.preferred.MustUpdate(encoded)
	ok, err = h.Verify(password, encoded)
	if err != nil {
		return false, "", err
	}
	if !ok {
		if !changed && must {
			if hr, isHardener := h.(Hardener); isHardener {
				hr.HardenRuntime(password, encoded)
			}
		}
		return false, "", nil
	}
	if must {
		upgrade, err = p.Make(password)
		if err != nil {
			return true, "", fmt.Errorf("auth: re-hash password with %s: %w", p.preferred.Algorithm(), err)
		}
	}
	return true, upgrade, nil
}

// MustUpdate reports whether a matching password stored as encoded would
// be re-hashed by Check.
func (p *Passwords) MustUpdate(encoded string) bool {
	h, err := p.Identify(encoded)
	if err != nil {
		return false
	}
	if r, ok := h.(readable); ok && r.readable(encoded) != nil {
		return false
	}
	return h.Algorithm() != p.preferred.Algorithm() || p.preferred.MustUpdate(encoded)
}

// readable is implemented by this package's hashers: it reports whether
// encoded can be decoded, without hashing.
type readable interface {
	readable(encoded string) error
}

// RunDummy hashes password with the preferred hasher and discards the
// result. Login calls it when the username is unknown, so the response
// takes as long as a wrong password for an existing user and does not
// reveal which usernames exist (Django's ModelBackend does the same).
func (p *Passwords) RunDummy(password string) {
	_, _ = p.Make(password)
}

// Summary describes encoded with its salt and hash masked, for display
// (Django's safe_summary). An unusable password gives one item
// {"password", "No password set."}.
func (p *Passwords) Summary(encoded string) ([]SummaryItem, error) {
	if !IsUsable(encoded) {
		return []SummaryItem{{Name: "password", Value: "No password set."}}, nil
	}
	h, err := p.Identify(encoded)
	if err != nil {
		return nil, err
	}
	s, ok := h.(Summarizer)
	if !ok {
		return []SummaryItem{{Name: "algorithm", Value: h.Algorithm()}}, nil
	}
	return s.Summary(encoded)
}

// MakeUnusable returns a new unusable password: UnusablePrefix and 40
// random characters, as Django's make_password(None). Store it for users
// who must not log in with a password.
func MakeUnusable() string {
	return UnusablePrefix + randomString(40)
}

// IsUsable reports whether encoded can ever match a password: it is false
// for unusable passwords (UnusablePrefix) and, unlike Django, for "".
func IsUsable(encoded string) bool {
	return encoded != "" && !strings.HasPrefix(encoded, UnusablePrefix)
}

// saltChars is Django's RANDOM_STRING_CHARS.
const saltChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// saltLength gives a salt of at least 128 bits (Django's salt_entropy):
// ceil(128 / log2(62)).
const saltLength = 22

// randomString returns n characters of saltChars from crypto/rand, without
// modulo bias.
func randomString(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		rand.Read(buf) // never fails (Go 1.24+)
		for _, b := range buf {
			if b < 248 { // 248 = 4*62
				out = append(out, saltChars[b%62])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}

// weakSalt reports whether salt has less entropy than Django's 128 bits.
func weakSalt(salt string) bool {
	return len([]rune(salt)) < saltLength
}

func validAlgorithmName(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// parseCount parses a decimal work factor written as Django writes it
// (no sign, no leading zeros) and checks it lies in [lo, hi].
func parseCount(algorithm, field, s string, lo, hi int) (int, error) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, malformed(algorithm, "%s is not a number", field)
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, malformed(algorithm, "%s is not a number", field)
		}
		n = n*10 + int(s[i]-'0')
	}
	if n < lo || n > hi {
		return 0, malformed(algorithm, "%s %d out of range %d..%d", field, n, lo, hi)
	}
	return n, nil
}

// mask shows the first 6 characters of s and stars for the rest (Django's
// mask_hash).
func mask(s string) string {
	r := []rune(s)
	if len(r) <= 6 {
		return s
	}
	return string(r[:6]) + strings.Repeat("*", len(r)-6)
}
