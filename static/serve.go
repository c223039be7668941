package static

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/djinn-go/djinn/core/respond"
)

// Cache-Control values of the responses.
const (
	// cacheImmutable is for hashed names: their content never changes.
	cacheImmutable = "public, max-age=31536000, immutable"
	// cacheShort is for names without a hash, whose content changes with
	// the next deployment (WhiteNoise's default).
	cacheShort = "public, max-age=60"
	// cacheDebug makes browsers revalidate every time in DEBUG.
	cacheDebug = "no-cache"
)

// header returns a one-value header slice whose capacity is its length,
// so that a later Header().Add appends to a copy: the slices are shared by
// all the responses of a file.
func header(v string) []string { return []string{v}[:1:1] }

// Canonical header keys, set directly in the header map.
var (
	hdrVary = header("Accept-Encoding")
)

// tree is the collected tree the production server serves, indexed once
// at start-up: a request costs a map lookup and an open, never a stat or a
// directory read.
type tree struct {
	fsys     fs.FS
	manifest *Manifest // nil without staticfiles.json
	files    map[string]*entry
}

// entry is one servable file with its precomputed headers.
type entry struct {
	name         string
	modTime      time.Time
	contentType  []string // nil: ServeContent sniffs
	cacheControl []string
	variants     []*variant // in order of preference; none when empty

	// etag is set at indexing for hashed names; for the others it is the
	// hash of the content, computed on first use.
	etagOnce sync.Once
	etag     []string
}

// variant is a precompressed copy of an entry.
type variant struct {
	name     string
	length   []string // Content-Length value
	encoding string   // Content-Encoding token
	header   []string // Content-Encoding value
	etag     []string
}

// loadTree indexes the collected tree in fsys: every regular file except
// dot files and the manifest, with the ".br" and ".gz" copies of
// compressible files attached to them as variants rather than served on
// their own.
func loadTree(fsys fs.FS) (*tree, error) {
	t := &tree{fsys: fsys, files: map[string]*entry{}}
	m, err := ReadManifest(fsys)
	switch {
	case err == nil:
		t.manifest = m
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	hashed := map[string]bool{}
	if m != nil {
		for _, h := range m.Paths {
			hashed[h] = true
		}
	}
	type pending struct {
		name string
		enc  int
		size int64
	}
	var variants []pending
	err = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || name == ManifestName {
			return nil
		}
		for i, e := range encodings {
			if base, ok := strings.CutSuffix(name, e.ext); ok && isCompressible(base, minCompressSize) {
				info, err := d.Info()
				if err != nil {
					return err
				}
				variants = append(variants, pending{name, i, info.Size()})
				return nil
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		en := &entry{name: name, modTime: info.ModTime()}
		if ct := contentType(name); ct != "" {
			en.contentType = header(ct)
		}
		if hashed[name] {
			// "css/site.3f2a1b9c8d7e.css": the hash is the content's.
			en.cacheControl = header(cacheImmutable)
			base, _ := splitExt(name)
			en.setETag(base[strings.LastIndexByte(base, '.')+1:])
		} else {
			en.cacheControl = header(cacheShort)
		}
		t.files[name] = en
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: index the collected files: %w", err)
	}
	for _, e := range encodings {
		for _, v := range variants {
			if encodings[v.enc].ext != e.ext {
				continue
			}
			base := strings.TrimSuffix(v.name, e.ext)
			if en, ok := t.files[base]; ok {
				en.variants = append(en.variants, &variant{name: v.name, encoding: e.token, header: header(e.token),
					length: header(strconv.FormatInt(v.size, 10))})
			} else {
				// A compressed file without its original is a file of its own.
				t.files[v.name] = &entry{name: v.name, cacheControl: header(cacheShort)}
			}
		}
	}
	for _, en := range t.files {
		if en.etag != nil {
			en.etagOnce.Do(func() {}) // known already: nothing to compute
			en.setVariantETags()
		}
	}
	return t, nil
}

// setETag sets the entry's strong ETag from its content hash.
func (en *entry) setETag(hash string) {
	en.etag = header(`"` + hash + `"`)
}

// setVariantETags derives each variant's ETag from the entry's: a
// compressed copy is another representation and needs another tag.
func (en *entry) setVariantETags() {
	tag := strings.Trim(en.etag[0], `"`)
	for _, v := range en.variants {
		v.etag = header(`"` + tag + "-" + v.encoding + `"`)
	}
}

// ensureETag computes the ETag of a file without a hashed name from its
// content, once.
func (en *entry) ensureETag(fsys fs.FS) {
	en.etagOnce.Do(func() {
		f, err := fsys.Open(en.name)
		if err != nil {
			return
		}
		defer f.Close()
		h := md5.New()
		if _, err := io.Copy(h, f); err != nil {
			return
		}
		en.setETag(hex.EncodeToString(h.Sum(nil)[:6]))
		en.setVariantETags()
	})
}

// contentType returns the media type of a file by its extension: ours for
// the common web types (so that the answer does not depend on the
// system's mime.types), else the mime package's; "" when unknown.
func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".webmanifest":
		return "application/manifest+json"
	case ".svg":
		return "image/svg+xml"
	case ".txt", ".md":
		return "text/plain; charset=utf-8"
	case ".csv":
		return "text/csv; charset=utf-8"
	case ".html", ".htm":
		return "text/html; charset=utf-8"
	case ".xml":
		return "text/xml; charset=utf-8"
	case ".ico":
		return "image/vnd.microsoft.icon"
	case ".wasm":
		return "application/wasm"
	case ".woff":
		return "font/woff"
	case ".woff2":
		return "font/woff2"
	case ".ttf":
		return "font/ttf"
	case ".otf":
		return "font/otf"
	case ".eot":
		return "application/vnd.ms-fontobject"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".avif":
		return "image/avif"
	}
	return mime.TypeByExtension(path.Ext(name))
}

// serve answers a GET or HEAD for the static file rel (the request path
// after the static URL) from the collected tree.
func (t *tree) serve(w http.ResponseWriter, r *http.Request, rel string) {
	name, ok := cleanPath(rel)
	if !ok {
		notFound(w, r)
		return
	}
	en := t.files[name]
	if en == nil {
		notFound(w, r)
		return
	}
	en.ensureETag(t.fsys)
	h := w.Header()
	open, etag := en.name, en.etag
	if len(en.variants) > 0 {
		h["Vary"] = hdrVary
		// Ranges are served from the original: a byte range of a
		// compressed copy is rarely what a client wants.
		if _, ranged := r.Header["Range"]; !ranged {
			if v := pickVariant(r.Header["Accept-Encoding"], en.variants); v != nil {
				open, etag = v.name, v.etag
				h["Content-Encoding"] = v.header
				// ServeContent leaves Content-Length out for an encoded
				// body; the variant's size is known. (Not when a
				// precondition may answer 412 without a body.)
				if r.Header["If-Match"] == nil && r.Header["If-Unmodified-Since"] == nil {
					h["Content-Length"] = v.length
				}
			}
		}
	}
	f, err := t.fsys.Open(open)
	if err != nil {
		delete(h, "Content-Encoding")
		delete(h, "Content-Length")
		if errors.Is(err, fs.ErrNotExist) {
			notFound(w, r)
			return
		}
		respond.Error(w, r, fmt.Errorf("static: open %s: %w", open, err))
		return
	}
	defer f.Close()
	if en.contentType != nil {
		h["Content-Type"] = en.contentType
	}
	h["Cache-Control"] = en.cacheControl
	if etag != nil {
		h["Etag"] = etag
	}
	serveContent(w, r, en.modTime, f)
}

// serveContent serves f with http.ServeContent (Range, conditional
// requests, HEAD), reading it into memory if it cannot seek.
func serveContent(w http.ResponseWriter, r *http.Request, modTime time.Time, f fs.File) {
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(f)
		if err != nil {
			respond.Error(w, r, fmt.Errorf("static: read: %w", err))
			return
		}
		rs = bytes.NewReader(b)
	}
	http.ServeContent(w, r, "", modTime, rs)
}

// notFound renders a 404 through the project's error pages.
func notFound(w http.ResponseWriter, r *http.Request) {
	respond.Error(w, r, respond.NewError(http.StatusNotFound, ""))
}

// pickVariant returns the variant the client prefers by its Accept-Encoding
// lines: the highest q-value wins, brotli before gzip on a tie; "*" stands
// for codings not named; q=0 refuses. Nil means the original.
func pickVariant(lines []string, vs []*variant) *variant {
	if len(lines) == 0 {
		return nil
	}
	var best *variant
	bestQ := 0
	for _, v := range vs {
		q := acceptQ(lines, v.encoding)
		if q > bestQ {
			best, bestQ = v, q
		}
	}
	return best
}

// acceptQ returns the q-value, in thousandths, that Accept-Encoding lines
// give a coding (gzip also answers to x-gzip).
func acceptQ(lines []string, coding string) int {
	q, star := -1, -1
	for _, line := range lines {
		for line != "" {
			var item string
			item, line, _ = strings.Cut(line, ",")
			tok, params, _ := strings.Cut(item, ";")
			tok = strings.TrimSpace(tok)
			v := 1000
			if params != "" {
				v = paramQ(params)
			}
			switch {
			case strings.EqualFold(tok, coding), coding == "gzip" && strings.EqualFold(tok, "x-gzip"):
				q = max(q, v)
			case tok == "*":
				star = max(star, v)
			}
		}
	}
	if q >= 0 {
		return q
	}
	return max(star, 0)
}

// paramQ reads "q=0.5" from a coding's parameters; a malformed q is 0
// (refused), a missing one 1.
func paramQ(params string) int {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		return parseQ(strings.TrimSpace(v))
	}
	return 1000
}

// parseQ parses a qvalue (RFC 9110: "0", "0.5", "1.000") into
// thousandths; anything else is 0.
func parseQ(s string) int {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0
	}
	n := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return n
	}
	if s[1] != '.' {
		return 0
	}
	scale := 100
	for _, c := range s[2:] {
		if c < '0' || c > '9' {
			return 0
		}
		n += int(c-'0') * scale
		scale /= 10
	}
	return min(n, 1000)
}
