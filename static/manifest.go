package static

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode/utf8"
)

// ManifestName is the manifest's file name at the root of the collected
// tree, as Django's ManifestStaticFilesStorage names it.
const ManifestName = "staticfiles.json"

// manifestVersion is the version of Django's manifest format we write.
const manifestVersion = "1.1"

// Manifest maps the names of collected files to their content-hashed names.
// It is stored as staticfiles.json in Django's format:
//
//	{"paths": {"css/site.css": "css/site.3f2a1b9c8d7e.css", ...}, "version": "1.1", "hash": "0123456789ab"}
//
// Hashes are the first 12 hex digits of the MD5 of the file's content
// (after CSS references were rewritten), as in Django; MD5 serves as a
// cache key here, not as a security measure. Hash is the MD5 of the sorted
// paths the way Django computes it (json.dumps of the sorted items), so
// the two frameworks agree on it. A Manifest is read-only once loaded and
// safe for concurrent use.
type Manifest struct {
	Paths   map[string]string `json:"paths"`
	Version string            `json:"version"`
	Hash    string            `json:"hash"`
}

// ReadManifest reads staticfiles.json from the root of fsys. A missing
// manifest is an error that wraps fs.ErrNotExist.
func ReadManifest(fsys fs.FS) (*Manifest, error) {
	b, err := fs.ReadFile(fsys, ManifestName)
	if err != nil {
		return nil, fmt.Errorf("static: read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("static: manifest %s: %w", ManifestName, err)
	}
	if m.Version != "1.0" && m.Version != "1.1" {
		return nil, fmt.Errorf("static: manifest %s: version %q is not 1.0 or 1.1", ManifestName, m.Version)
	}
	if m.Paths == nil {
		m.Paths = map[string]string{}
	}
	return &m, nil
}

// newManifest returns the manifest for paths with its hash.
func newManifest(paths map[string]string) *Manifest {
	return &Manifest{Paths: paths, Version: manifestVersion, Hash: pathsHash(paths)}
}

// encode returns the manifest as written to disk.
func (m *Manifest) encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Lookup returns the hashed name of name.
func (m *Manifest) Lookup(name string) (string, bool) {
	if m == nil {
		return "", false
	}
	h, ok := m.Paths[name]
	return h, ok
}

// contentHash returns the 12 hex digits collectstatic puts in names.
func contentHash(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:6])
}

// hashedName inserts hash before name's extension: "css/site.css" →
// "css/site.3f2a1b9c8d7e.css", "LICENSE" → "LICENSE.3f2a1b9c8d7e".
func hashedName(name, hash string) string {
	base, ext := splitExt(name)
	return base + "." + hash + ext
}

// pathsHash is Django's manifest hash: the MD5 of
// json.dumps(sorted(paths.items())), first 12 hex digits.
func pathsHash(paths map[string]string) string {
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	slices.Sort(keys) // UTF-8 byte order is code point order, as Python sorts
	var b strings.Builder
	b.WriteByte('[')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('[')
		pyString(&b, k)
		b.WriteString(", ")
		pyString(&b, paths[k])
		b.WriteByte(']')
	}
	b.WriteByte(']')
	return contentHash([]byte(b.String()))
}

// pyString writes s as Python's json.dumps does with ensure_ascii.
func pyString(b *strings.Builder, s string) {
	const hexdig = "0123456789abcdef"
	u := func(r rune) {
		b.WriteString(`\u`)
		for shift := 12; shift >= 0; shift -= 4 {
			b.WriteByte(hexdig[(r>>shift)&0xf])
		}
	}
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r == utf8.RuneError:
			u(r)
		case r < 0x7f:
			b.WriteRune(r)
		case r <= 0xffff:
			u(r)
		default:
			r -= 0x10000
			u(0xd800 + (r>>10)&0x3ff)
			u(0xdc00 + r&0x3ff)
		}
	}
	b.WriteByte('"')
}
