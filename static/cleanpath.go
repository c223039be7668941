package static

import (
	"io/fs"
	"path/filepath"
)

// cleanPath turns the part of a request path after the static URL into the
// name of a static file, or reports false when it cannot name one: an
// empty name, a directory (trailing slash), an absolute name, a "." or
// ".." element, an empty element ("a//b"), a backslash, a NUL or another
// control character. net/http has already decoded the path, so "%2e%2e"
// arrives as ".." and is refused like it; nothing is decoded twice.
//
// A name it accepts is valid for fs.FS (fs.ValidPath) and local for
// filepath.Join with a root (filepath.IsLocal): it can never escape the
// tree it is looked up in.
func cleanPath(p string) (string, bool) {
	if p == "" || len(p) > 4096 {
		return "", false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "", false
		}
	}
	if !fs.ValidPath(p) || p == "." {
		return "", false
	}
	if !filepath.IsLocal(filepath.FromSlash(p)) {
		return "", false
	}
	return p, true
}
