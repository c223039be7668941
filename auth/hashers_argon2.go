package auth

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2 limits on what a stored hash may ask for.
const (
	// MaxArgon2Memory is the most memory, in KiB, a stored argon2 hash may
	// ask for (2 GiB).
	MaxArgon2Memory = 2 << 20
	// MaxArgon2Time is the most passes a stored argon2 hash may ask for.
	MaxArgon2Time = 1000
)

// argon2HashLen is argon2-cffi's DEFAULT_HASH_LENGTH, which Django uses.
const argon2HashLen = 16

// Argon2Params are the argon2id work factors. The zero value of each field
// means Django 5.2's default.
type Argon2Params struct {
	// Time is the number of passes (time_cost); 0 means 2.
	Time uint32
	// Memory is in KiB (memory_cost); 0 means 102400 (100 MiB).
	Memory uint32
	// Threads is the parallelism; 0 means 8.
	Threads uint8
}

// Argon2Hasher is Django's Argon2PasswordHasher: argon2id hashes look like
// "argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>" (unpadded base64,
// 16-byte hash). Verify also reads argon2i hashes of version 19, made by
// Django before 3.1; argon2d and the pre-19 format are refused with an
// error. It is safe for concurrent use.
type Argon2Hasher struct {
	p Argon2Params
}

var (
	_ Hasher     = (*Argon2Hasher)(nil)
	_ Summarizer = (*Argon2Hasher)(nil)
)

// NewArgon2 returns the argon2 hasher with params (zero fields mean
// Django's defaults).
func NewArgon2(params Argon2Params) *Argon2Hasher {
	if params.Time == 0 {
		params.Time = 2
	}
	if params.Memory == 0 {
		params.Memory = 102400
	}
	if params.Threads == 0 {
		params.Threads = 8
	}
	return &Argon2Hasher{p: params}
}

// Algorithm implements Hasher.
func (h *Argon2Hasher) Algorithm() string { return Argon2 }

// Params returns the hasher's work factors.
func (h *Argon2Hasher) Params() Argon2Params { return h.p }

// Salt implements Hasher: 22 random characters of [a-zA-Z0-9], as Django.
func (h *Argon2Hasher) Salt() string { return randomString(saltLength) }

// Encode implements Hasher. The salt's bytes (at least 8) are the argon2
// salt, as in Django.
func (h *Argon2Hasher) Encode(password, salt string) (string, error) {
	if len(salt) < 8 {
		return "", fmt.Errorf("auth: argon2 salt must be at least 8 bytes")
	}
	if h.p.Memory < 8*uint32(h.p.Threads) {
		return "", fmt.Errorf("auth: argon2 memory %d KiB is below 8 KiB per thread (%d threads)", h.p.Memory, h.p.Threads)
	}
	key := argon2.IDKey([]byte(password), []byte(salt), h.p.Time, h.p.Memory, h.p.Threads, argon2HashLen)
	return fmt.Sprintf("argon2$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.p.Memory, h.p.Time, h.p.Threads,
		base64.RawStdEncoding.EncodeToString([]byte(salt)),
		base64.RawStdEncoding.EncodeToString(key)), nil
}

type argon2Hash struct {
	variety string
	version int
	params  Argon2Params
	salt    []byte
	hash    []byte
	rawHash string
}

func (h *Argon2Hasher) decode(encoded string) (argon2Hash, error) {
	fields := strings.Split(encoded, "$")
	if len(fields) == 5 && fields[0] == Argon2 && strings.HasPrefix(fields[2], "m=") {
		return argon2Hash{}, malformed(Argon2, "argon2 version 16 (no v= field) is not supported")
	}
	if len(fields) != 6 {
		return argon2Hash{}, malformed(Argon2, "%d fields, want 6 (argon2$variety$v=19$m=,t=,p=$salt$hash)", len(fields))
	}
	if fields[0] != Argon2 {
		return argon2Hash{}, malformed(Argon2, "algorithm is not argon2")
	}
	d := argon2Hash{variety: fields[1], rawHash: fields[5]}
	switch d.variety {
	case "argon2id", "argon2i":
	case "argon2d":
		return argon2Hash{}, malformed(Argon2, "variety argon2d is not supported")
	default:
		return argon2Hash{}, malformed(Argon2, "unknown variety")
	}
	v, ok := strings.CutPrefix(fields[2], "v=")
	if !ok {
		return argon2Hash{}, malformed(Argon2, "no version field")
	}
	version, err := parseCount(Argon2, "version", v, 0, 1<<8)
	if err != nil {
		return argon2Hash{}, err
	}
	if version != argon2.Version {
		return argon2Hash{}, malformed(Argon2, "version %d is not supported (only %d)", version, argon2.Version)
	}
	d.version = version
	params := strings.Split(fields[3], ",")
	if len(params) != 3 {
		return argon2Hash{}, malformed(Argon2, "parameters are not m=,t=,p=")
	}
	var m, t, p int
	for i, want := range []struct {
		prefix string
		dst    *int
		lo, hi int
	}{{"m=", &m, 1, MaxArgon2Memory}, {"t=", &t, 1, MaxArgon2Time}, {"p=", &p, 1, 255}} {
		s, ok := strings.CutPrefix(params[i], want.prefix)
		if !ok {
			return argon2Hash{}, malformed(Argon2, "parameters are not m=,t=,p=")
		}
		n, err := parseCount(Argon2, "parameter "+strings.TrimSuffix(want.prefix, "="), s, want.lo, want.hi)
		if err != nil {
			return argon2Hash{}, err
		}
		*want.dst = n
	}
	if m < 8*p {
		return argon2Hash{}, malformed(Argon2, "memory %d KiB is below 8 KiB per thread (%d threads)", m, p)
	}
	d.params = Argon2Params{Time: uint32(t), Memory: uint32(m), Threads: uint8(p)}
	if d.salt, err = base64.RawStdEncoding.Strict().DecodeString(fields[4]); err != nil {
		return argon2Hash{}, malformed(Argon2, "salt is not unpadded base64")
	}
	if len(d.salt) < 8 || len(d.salt) > 1024 {
		return argon2Hash{}, malformed(Argon2, "salt is %d bytes, want 8..1024", len(d.salt))
	}
	if d.hash, err = base64.RawStdEncoding.Strict().DecodeString(fields[5]); err != nil {
		return argon2Hash{}, malformed(Argon2, "hash is not unpadded base64")
	}
	if len(d.hash) < 4 || len(d.hash) > 1024 {
		return argon2Hash{}, malformed(Argon2, "hash is %d bytes, want 4..1024", len(d.hash))
	}
	return d, nil
}

// Verify implements Hasher, with the stored hash's own parameters.
func (h *Argon2Hasher) Verify(password, encoded string) (bool, error) {
	d, err := h.decode(encoded)
	if err != nil {
		return false, err
	}
	derive := argon2.IDKey
	if d.variety == "argon2i" {
		derive = argon2.Key
	}
	key := derive([]byte(password), d.salt, d.params.Time, d.params.Memory, d.params.Threads, uint32(len(d.hash)))
	return subtle.ConstantTimeCompare(key, d.hash) == 1, nil
}

// MustUpdate implements Hasher: true when variety, parameters or hash
// length differ from the hasher's, or the salt has less than 128 bits.
func (h *Argon2Hasher) MustUpdate(encoded string) bool {
	d, err := h.decode(encoded)
	if err != nil {
		return false
	}
	return d.variety != "argon2id" || d.params != h.p || len(d.hash) != argon2HashLen || len(d.salt) < saltLength // latin-1 characters, as Django
}

// Summary implements Summarizer.
func (h *Argon2Hasher) Summary(encoded string) ([]SummaryItem, error) {
	d, err := h.decode(encoded)
	if err != nil {
		return nil, err
	}
	return []SummaryItem{
		{"algorithm", Argon2},
		{"variety", d.variety},
		{"version", strconv.Itoa(d.version)},
		{"memory cost", strconv.FormatUint(uint64(d.params.Memory), 10)},
		{"time cost", strconv.FormatUint(uint64(d.params.Time), 10)},
		{"parallelism", strconv.Itoa(int(d.params.Threads))},
		{"salt", mask(string(d.salt))},
		{"hash", mask(d.rawHash)},
	}, nil
}

func (h *Argon2Hasher) readable(encoded string) error {
	_, err := h.decode(encoded)
	return err
}
