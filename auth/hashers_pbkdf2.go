package auth

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// PBKDF2 work factors.
const (
	// DefaultPBKDF2Iterations is Django 5.2's iteration count.
	DefaultPBKDF2Iterations = 1_000_000
	// MaxPBKDF2Iterations bounds the iterations a stored hash may ask for,
	// so a corrupt row cannot hold a login for minutes.
	MaxPBKDF2Iterations = 100_000_000
)

// PBKDF2Hasher is Django's PBKDF2PasswordHasher (pbkdf2_sha256) or
// PBKDF2SHA1PasswordHasher (pbkdf2_sha1): hashes look like
// "pbkdf2_sha256$1000000$<salt>$<base64 of the 32-byte key>". It is safe
// for concurrent use.
type PBKDF2Hasher struct {
	algorithm  string
	digest     func() hash.Hash
	size       int
	iterations int
}

var (
	_ Hasher     = (*PBKDF2Hasher)(nil)
	_ Hardener   = (*PBKDF2Hasher)(nil)
	_ Summarizer = (*PBKDF2Hasher)(nil)
)

// NewPBKDF2SHA256 returns the pbkdf2_sha256 hasher with iterations (0
// means DefaultPBKDF2Iterations).
func NewPBKDF2SHA256(iterations int) *PBKDF2Hasher {
	return newPBKDF2(PBKDF2SHA256, sha256.New, sha256.Size, iterations)
}

// NewPBKDF2SHA1 returns the legacy pbkdf2_sha1 hasher with iterations (0
// means DefaultPBKDF2Iterations).
func NewPBKDF2SHA1(iterations int) *PBKDF2Hasher {
	return newPBKDF2(PBKDF2SHA1, sha1.New, sha1.Size, iterations)
}

func newPBKDF2(algorithm string, digest func() hash.Hash, size, iterations int) *PBKDF2Hasher {
	if iterations <= 0 {
		iterations = DefaultPBKDF2Iterations
	}
	return &PBKDF2Hasher{algorithm: algorithm, digest: digest, size: size, iterations: iterations}
}

// Algorithm implements Hasher.
func (h *PBKDF2Hasher) Algorithm() string { return h.algorithm }

// Iterations is the hasher's work factor.
func (h *PBKDF2Hasher) Iterations() int { return h.iterations }

// Salt implements Hasher: 22 random characters of [a-zA-Z0-9], as Django.
func (h *PBKDF2Hasher) Salt() string { return randomString(saltLength) }

// Encode implements Hasher. salt must be non-empty and hold no "$".
func (h *PBKDF2Hasher) Encode(password, salt string) (string, error) {
	return h.encode(password, salt, h.iterations)
}

func (h *PBKDF2Hasher) encode(password, salt string, iterations int) (string, error) {
	if salt == "" || strings.Contains(salt, "$") {
		return "", fmt.Errorf("auth: %s salt must be non-empty and contain no \"$\"", h.algorithm)
	}
	key, err := h.key(password, salt, iterations)
	if err != nil {
		return "", err
	}
	return h.algorithm + "$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(key), nil
}

func (h *PBKDF2Hasher) key(password, salt string, iterations int) ([]byte, error) {
	key, err := pbkdf2.Key(h.digest, password, []byte(salt), iterations, h.size)
	if err != nil {
		return nil, fmt.Errorf("auth: %s: %w", h.algorithm, err)
	}
	return key, nil
}

type pbkdf2Hash struct {
	iterations int
	salt, hash string
}

func (h *PBKDF2Hasher) decode(encoded string) (pbkdf2Hash, error) {
	fields := strings.SplitN(encoded, "$", 4)
	if len(fields) != 4 {
		return pbkdf2Hash{}, malformed(h.algorithm, "%d fields, want 4 (algorithm$iterations$salt$hash)", len(fields))
	}
	if fields[0] != h.algorithm {
		return pbkdf2Hash{}, malformed(h.algorithm, "algorithm is not %s", h.algorithm)
	}
	iterations, err := parseCount(h.algorithm, "iterations", fields[1], 1, MaxPBKDF2Iterations)
	if err != nil {
		return pbkdf2Hash{}, err
	}
	if fields[2] == "" {
		return pbkdf2Hash{}, malformed(h.algorithm, "empty salt")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(fields[3])
	if err != nil {
		return pbkdf2Hash{}, malformed(h.algorithm, "hash is not base64")
	}
	if len(raw) != h.size {
		return pbkdf2Hash{}, malformed(h.algorithm, "hash is %d bytes, want %d", len(raw), h.size)
	}
	return pbkdf2Hash{iterations: iterations, salt: fields[2], hash: fields[3]}, nil
}

// Verify implements Hasher. Like Django, it re-encodes with the stored
// salt and iterations and compares the base64 in constant time.
func (h *PBKDF2Hasher) Verify(password, encoded string) (bool, error) {
	d, err := h.decode(encoded)
	if err != nil {
		return false, err
	}
	key, err := h.key(password, d.salt, d.iterations)
	if err != nil {
		return false, err
	}
	got := base64.StdEncoding.EncodeToString(key)
	return subtle.ConstantTimeCompare([]byte(got), []byte(d.hash)) == 1, nil
}

// MustUpdate implements Hasher: true when the iterations differ from the
// hasher's or the salt has less than 128 bits.
func (h *PBKDF2Hasher) MustUpdate(encoded string) bool {
	d, err := h.decode(encoded)
	if err != nil {
		return false
	}
	return d.iterations != h.iterations || weakSalt(d.salt)
}

// HardenRuntime implements Hardener: it runs the iterations encoded lacks.
func (h *PBKDF2Hasher) HardenRuntime(password, encoded string) {
	d, err := h.decode(encoded)
	if err != nil {
		return
	}
	if extra := h.iterations - d.iterations; extra > 0 {
		_, _ = h.key(password, d.salt, extra)
	}
}

// Summary implements Summarizer.
func (h *PBKDF2Hasher) Summary(encoded string) ([]SummaryItem, error) {
	d, err := h.decode(encoded)
	if err != nil {
		return nil, err
	}
	return []SummaryItem{
		{"algorithm", h.algorithm},
		{"iterations", strconv.Itoa(d.iterations)},
		{"salt", mask(d.salt)},
		{"hash", mask(d.hash)},
	}, nil
}

func (h *PBKDF2Hasher) readable(encoded string) error {
	_, err := h.decode(encoded)
	return err
}
