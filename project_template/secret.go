package projecttemplate

import "crypto/rand"

// InsecureKeyPrefix starts every key NewSecretKey makes, so that check
// --deploy can tell a development key (Django's "django-insecure-").
const InsecureKeyPrefix = "djinn-insecure-"

// secretChars are the characters of Django's get_random_secret_key.
const secretChars = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"

// NewSecretKey returns a fresh development SECRET_KEY: InsecureKeyPrefix
// and 50 characters from crypto/rand, as Django's startproject writes.
func NewSecretKey() string {
	const n = 50
	out := make([]byte, 0, len(InsecureKeyPrefix)+n)
	out = append(out, InsecureKeyPrefix...)
	// Rejection sampling: bytes at or above the largest multiple of
	// len(secretChars) would bias the choice.
	limit := byte(256 / len(secretChars) * len(secretChars))
	var buf [64]byte
	for len(out) < cap(out) {
		rand.Read(buf[:]) // never fails (crypto/rand)
		for _, b := range buf {
			if b < limit && len(out) < cap(out) {
				out = append(out, secretChars[int(b)%len(secretChars)])
			}
		}
	}
	return string(out)
}
