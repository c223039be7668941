package storage

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"
)

// Storage saves, opens and deletes named files and says at which URL a
// file is served. Names are slash-separated and relative ("avatars/me.png");
// an implementation rejects the names CleanName rejects, with an error
// wrapping ErrInvalidName. Implementations are safe for concurrent use.
type Storage interface {
	// Save stores the content of r under name, or under an available name
	// derived from it when name is taken (Django's get_available_name:
	// "a.png" becomes "a_x7Kq2bP.png"), and returns the name it used.
	Save(ctx context.Context, name string, r io.Reader) (string, error)
	// Open returns the content of the file; a missing file is an error
	// wrapping fs.ErrNotExist. The caller closes it.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Delete removes the file; deleting a missing file is not an error.
	Delete(ctx context.Context, name string) error
	// Exists reports whether a file has the name.
	Exists(ctx context.Context, name string) (bool, error)
	// URL returns the URL the file is served at, "" for an invalid name.
	URL(name string) string
}

// Error is the type of the package's sentinel errors; being constants,
// they cannot be reassigned.
type Error string

// Error returns the message.
func (e Error) Error() string { return string(e) }

// ErrInvalidName is wrapped by the errors about names that CleanName
// rejects, such as "../etc/passwd".
const ErrInvalidName Error = "storage: invalid file name"

// MaxNameLength is the longest name, in bytes, that CleanName accepts.
const MaxNameLength = 1024

// CleanName returns name in its clean form ("a//b/./c.txt" → "a/b/c.txt")
// or an error wrapping ErrInvalidName that says what is wrong with it: it
// is empty or longer than MaxNameLength, is not UTF-8, is absolute, has a
// ".." element (even one that would stay inside, like "a/../b"), a
// backslash, a NUL or another control character, or names the root
// itself ("."). A clean name is always local to the storage's root.
func CleanName(name string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w %q: %s", ErrInvalidName, name, why)
	}
	switch {
	case name == "":
		return bad("empty")
	case len(name) > MaxNameLength:
		return bad(fmt.Sprintf("longer than %d bytes", MaxNameLength))
	case !utf8.ValidString(name):
		return bad("not UTF-8")
	case strings.HasPrefix(name, "/"):
		return bad("absolute path")
	case strings.ContainsRune(name, '\\'):
		return bad("backslash")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return bad("control character")
		}
	}
	for elem := range strings.SplitSeq(name, "/") {
		if elem == ".." {
			return bad(`".." element`)
		}
	}
	clean := path.Clean(name)
	if clean == "." {
		return bad("names the root directory")
	}
	return clean, nil
}
