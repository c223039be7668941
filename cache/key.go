package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxKeyLen is the longest key a cache accepts, in bytes (memcached's
// limit, which Django warns about too). Hash longer keys with HashKey.
const MaxKeyLen = 250

// ErrBadKey is wrapped by the error every method returns for a key that
// ValidateKey rejects.
var ErrBadKey = errors.New("cache: bad key")

// ValidateKey reports whether key is usable on every backend: not empty,
// at most MaxKeyLen bytes, no ASCII control characters and no spaces
// (memcached's rules, so that a project can change backends). Keys may
// otherwise hold any bytes, including non-UTF-8 ones.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: the key is empty", ErrBadKey)
	case len(key) > MaxKeyLen:
		return fmt.Errorf("%w: key %.40q… is %d bytes; the limit is %d (hash long keys with cache.HashKey)", ErrBadKey, key, len(key), MaxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c == 0x7f {
			return fmt.Errorf("%w: key %q has a control character or space at byte %d", ErrBadKey, key, i)
		}
	}
	return nil
}

// HashKey joins parts into a fixed-length key: the SHA-256 of the parts,
// hex-encoded, after an optional readable prefix (parts[0] when it is a
// short valid key). Use it for keys built from user input or URLs.
func HashKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if len(parts) > 0 && len(parts[0]) <= 40 && ValidateKey(parts[0]) == nil {
		return parts[0] + ":" + sum
	}
	return sum
}

// KeyFunc builds the stored key from a cache's prefix, version and the
// caller's key, like Django's default "<prefix>:<version>:<key>". It is
// computed on every call, so keep it cheap.
type KeyFunc func(prefix string, version int, key string) string

// DefaultKeyFunc is Django's key layout: "<prefix>:<version>:<key>".
func DefaultKeyFunc(prefix string, version int, key string) string {
	var b strings.Builder
	b.Grow(len(prefix) + len(key) + 8)
	b.WriteString(prefix)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(version))
	b.WriteByte(':')
	b.WriteString(key)
	return b.String()
}

// ValidateTTL reports whether ttl is DefaultTTL, negative (Forever) or a
// positive duration up to MaxTTL.
func ValidateTTL(ttl time.Duration) error {
	if ttl > MaxTTL {
		return fmt.Errorf("cache: ttl %v is longer than the maximum %v (a unit mistake?)", ttl, MaxTTL)
	}
	return nil
}
