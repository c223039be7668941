package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/crypto/bcrypt"
)

// DefaultBCryptCost is Django 5.2's bcrypt work factor (rounds = 2^12).
const DefaultBCryptCost = 12

// BCryptHasher is Django's BCryptSHA256PasswordHasher (bcrypt_sha256: the
// password's SHA-256 hex digest is bcrypted, so long passwords are not cut
// at 72 bytes) or the legacy BCryptPasswordHasher (bcrypt: the password
// itself, cut at 72 bytes). Hashes look like
// "bcrypt_sha256$$2b$12$<22-char salt><31-char hash>". It is safe for
// concurrent use.
type BCryptHasher struct {
	algorithm string
	sha256    bool
	cost      int
}

var (
	_ Hasher     = (*BCryptHasher)(nil)
	_ Hardener   = (*BCryptHasher)(nil)
	_ Summarizer = (*BCryptHasher)(nil)
)

// NewBCryptSHA256 returns the bcrypt_sha256 hasher with cost (0 means
// DefaultBCryptCost; valid costs are 4..31).
func NewBCryptSHA256(cost int) *BCryptHasher {
	return newBCrypt(BCryptSHA256, true, cost)
}

// NewBCrypt returns the legacy bcrypt hasher with cost (0 means
// DefaultBCryptCost).
func NewBCrypt(cost int) *BCryptHasher {
	return newBCrypt(BCrypt, false, cost)
}

func newBCrypt(algorithm string, sha bool, cost int) *BCryptHasher {
	if cost == 0 {
		cost = DefaultBCryptCost
	}
	return &BCryptHasher{algorithm: algorithm, sha256: sha, cost: cost}
}

// Algorithm implements Hasher.
func (h *BCryptHasher) Algorithm() string { return h.algorithm }

// Cost is the hasher's work factor.
func (h *BCryptHasher) Cost() int { return h.cost }

// Salt implements Hasher: bcrypt makes its own salt, so it is "".
func (h *BCryptHasher) Salt() string { return "" }

func (h *BCryptHasher) input(password string) []byte {
	if h.sha256 {
		sum := sha256.Sum256([]byte(password))
		return []byte(hex.EncodeToString(sum[:]))
	}
	if len(password) > 72 {
		password = password[:72] // what bcrypt libraries did before refusing
	}
	return []byte(password)
}

// Encode implements Hasher. salt must be "": bcrypt draws its own.
// The result uses the "$2b$" prefix, as Python's bcrypt writes it (the
// inputs here are at most 72 bytes, where $2a$ and $2b$ agree).
func (h *BCryptHasher) Encode(password, salt string) (string, error) {
	if salt != "" {
		return "", fmt.Errorf("auth: %s makes its own salt; pass \"\"", h.algorithm)
	}
	out, err := bcrypt.GenerateFromPassword(h.input(password), h.cost)
	if err != nil {
		return "", fmt.Errorf("auth: %s: %w", h.algorithm, err)
	}
	if len(out) > 3 && string(out[:4]) == "$2a$" {
		out[2] = 'b'
	}
	return h.algorithm + "$" + string(out), nil
}

type bcryptHash struct {
	data string // "$2b$12$<salt><hash>"
	cost int
}

// bcryptAlphabet is bcrypt's base64 alphabet.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (h *BCryptHasher) decode(encoded string) (bcryptHash, error) {
	prefix := h.algorithm + "$"
	if len(encoded) < len(prefix) || encoded[:len(prefix)] != prefix {
		return bcryptHash{}, malformed(h.algorithm, "algorithm is not %s", h.algorithm)
	}
	data := encoded[len(prefix):]
	// $2b$12$ + 22 salt + 31 hash
	if len(data) != 60 {
		return bcryptHash{}, malformed(h.algorithm, "bcrypt part is %d characters, want 60 ($2b$NN$ + 53)", len(data))
	}
	if data[0] != '$' || data[1] != '2' || data[3] != '$' || data[6] != '$' {
		return bcryptHash{}, malformed(h.algorithm, "bcrypt part does not start with $2b$NN$")
	}
	switch data[2] {
	case 'a', 'b', 'y':
	default:
		return bcryptHash{}, malformed(h.algorithm, "bcrypt version 2%c is not supported", data[2])
	}
	if data[4] < '0' || data[4] > '9' || data[5] < '0' || data[5] > '9' {
		return bcryptHash{}, malformed(h.algorithm, "cost is not a number")
	}
	cost := int(data[4]-'0')*10 + int(data[5]-'0')
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return bcryptHash{}, malformed(h.algorithm, "cost %d out of range %d..%d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	for i := 7; i < len(data); i++ {
		if !containsByte(bcryptAlphabet, data[i]) {
			return bcryptHash{}, malformed(h.algorithm, "salt and hash are not bcrypt base64")
		}
	}
	return bcryptHash{data: data, cost: cost}, nil
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// Verify implements Hasher, with the stored hash's own cost.
func (h *BCryptHasher) Verify(password, encoded string) (bool, error) {
	d, err := h.decode(encoded)
	if err != nil {
		return false, err
	}
	err = bcrypt.CompareHashAndPassword([]byte(d.data), h.input(password))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, malformed(h.algorithm, "%v", err)
	}
}

// MustUpdate implements Hasher: true when the cost differs from the
// hasher's.
func (h *BCryptHasher) MustUpdate(encoded string) bool {
	d, err := h.decode(encoded)
	return err == nil && d.cost != h.cost
}

// HardenRuntime implements Hardener: it hashes again until the work of
// the hasher's cost is spent (Django's harden_runtime).
func (h *BCryptHasher) HardenRuntime(password, encoded string) {
	d, err := h.decode(encoded)
	if err != nil || d.cost >= h.cost {
		return
	}
	for diff := 1<<(h.cost-d.cost) - 1; diff > 0; diff-- {
		_, _ = bcrypt.GenerateFromPassword(h.input(password), d.cost)
	}
}

// Summary implements Summarizer.
func (h *BCryptHasher) Summary(encoded string) ([]SummaryItem, error) {
	d, err := h.decode(encoded)
	if err != nil {
		return nil, err
	}
	return []SummaryItem{
		{"algorithm", h.algorithm},
		{"work factor", strconv.Itoa(d.cost)},
		{"salt", mask(d.data[7:29])},
		{"checksum", mask(d.data[29:])},
	}, nil
}

func (h *BCryptHasher) readable(encoded string) error {
	_, err := h.decode(encoded)
	return err
}
