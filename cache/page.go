package cache

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/djinn-go/djinn/core/middleware"
)

// PageOptions configures Page. The zero value works.
type PageOptions struct {
	// KeyPrefix starts every key the page cache stores (Django's
	// key_prefix of cache_page), so that two Page middlewares over one
	// cache can keep apart; "" means "page".
	KeyPrefix string
	// SessionCookie is the name of the session cookie: requests carrying
	// it are not anonymous and are never served from or stored in the
	// cache. "" means "sessionid".
	SessionCookie string
	// MaxBytes bounds the body of a stored response; 0 means 1 MiB.
	// Larger responses are streamed to the client as usual and not
	// stored; the middleware never buffers more than MaxBytes.
	MaxBytes int
	// Now returns the current time, for Expires and Age; nil means
	// time.Now. For tests.
	Now func() time.Time
}

// Page returns middleware that caches whole responses in c for ttl, like
// Django's cache_page. It is safe for concurrent use. It panics when ttl
// is not positive or longer than MaxTTL (a programming error).
//
// Only anonymous GET and HEAD requests are served from the cache: a
// request with an Authorization header or the session cookie goes to the
// view, and so does every other method. A HEAD request is answered from
// the entry a GET stored (headers, no body); HEAD responses themselves are
// never stored.
//
// A response is stored only when its status is 200, it has no Set-Cookie,
// its Cache-Control has none of private, no-store or no-cache, its Vary
// is not "*", and its body is at most MaxBytes. Such a response gets
// "Cache-Control: max-age=<ttl in seconds>" when it has no Cache-Control
// (a max-age is added to one without), and Expires (now + ttl) when it has
// none; Last-Modified and ETag are left to the view. A response served
// from the cache carries the stored status, headers and body, an Age
// header (seconds since it was stored) and Content-Length; hop-by-hop
// headers and Date are not stored.
//
// Each hit costs two cache reads (the Vary list, then the response); the
// entry is a small binary encoding of the headers followed by the body.
//
// Entries are keyed like Django's: the URL (scheme, host, path and query
// exactly as requested, so "?a=1&b=2" and "?b=2&a=1" are two entries, as
// in Django) names the list of request headers the response varies on
// (its Vary), and the URL plus those headers' values in the request name
// the response; so "Vary: Accept-Language" keeps one entry per language.
// Keys are hashed with HashKey, so long or hostile URLs are fine.
//
// Cache errors other than a miss never fail a request: the view serves
// it (a Redis cache degrades on its own, see Cache).
func Page(c Cache, ttl time.Duration, opts PageOptions) func(http.Handler) http.Handler {
	if ttl <= 0 || ttl > MaxTTL {
		panic(fmt.Sprintf("cache: Page: ttl %v must be positive and at most %v", ttl, MaxTTL))
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "page"
	}
	if opts.SessionCookie == "" {
		opts.SessionCookie = "sessionid"
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 1 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p := &pageCache{
		c:      c,
		ttl:    ttl,
		opts:   opts,
		maxAge: "max-age=" + strconv.FormatInt(int64(ttl/time.Second), 10),
	}
	return p.wrap
}

// pageCache is a compiled Page middleware.
type pageCache struct {
	c      Cache
	ttl    time.Duration
	opts   PageOptions
	maxAge string
}

func (p *pageCache) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || !p.anonymous(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		base := p.baseKey(r)
		list, err := p.c.Get(ctx, base)
		switch {
		case err == nil:
			if e, err := p.c.Get(ctx, responseKey(base, r, string(list))); err == nil {
				if p.serve(w, r, e) {
					return
				}
			} else if !errors.Is(err, ErrMiss) {
				next.ServeHTTP(w, r)
				return
			}
		case !errors.Is(err, ErrMiss):
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		rec := &pageRecorder{ResponseWriter: w, p: p}
		next.ServeHTTP(rec, r)
		rec.finish()
		if !rec.storing {
			return
		}
		names := varyNames(rec.header["Vary"])
		rec.header["Content-Length"] = []string{strconv.Itoa(len(rec.body))}
		entry := encodeEntry(p.opts.Now(), rec.header, rec.body)
		ctx = context.WithoutCancel(ctx)
		if p.c.Set(ctx, base, []byte(names), p.ttl) == nil {
			_ = p.c.Set(ctx, responseKey(base, r, names), entry, p.ttl)
		}
	})
}

// anonymous reports whether r carries neither credentials nor a session.
func (p *pageCache) anonymous(r *http.Request) bool {
	if _, ok := r.Header["Authorization"]; ok {
		return false
	}
	for _, line := range r.Header["Cookie"] {
		if strings.Contains(line, p.opts.SessionCookie) {
			if _, err := r.Cookie(p.opts.SessionCookie); err == nil {
				return false
			}
		}
	}
	return true
}

// baseKey is the key of the list of headers the page at r's URL varies
// on: "<prefix>:<sha256>" of the method-independent URL (scheme, host,
// path and query). Responses are stored under keys that extend it.
func (p *pageCache) baseKey(r *http.Request) string {
	scheme := "http"
	if middleware.IsSecure(r) {
		scheme = "https"
	}
	return HashKey(p.opts.KeyPrefix, scheme, strings.ToLower(r.Host), r.URL.EscapedPath(), r.URL.RawQuery)
}

// responseKey is the key of the response to r under base, given the list
// of header names the stored response varies on ("\n"-separated): base
// and ":-" without Vary, else base and ":" and the hash of the request's
// values of those headers.
func responseKey(base string, r *http.Request, names string) string {
	if names == "" {
		return base + ":-"
	}
	var parts []string
	for name := range strings.SplitSeq(names, "\n") {
		parts = append(parts, name, strings.Join(r.Header.Values(name), ","))
	}
	return base + ":" + HashKey(parts...)
}

// varyNames returns the header names of a response's Vary lines,
// canonical, sorted and deduplicated, "\n"-separated.
func varyNames(lines []string) string {
	var names []string
	for _, line := range lines {
		for name := range strings.SplitSeq(line, ",") {
			if name = strings.TrimSpace(name); name != "" {
				names = append(names, http.CanonicalHeaderKey(name))
			}
		}
	}
	slices.Sort(names)
	return strings.Join(slices.Compact(names), "\n")
}

// serve writes the stored entry e; it reports false (and writes nothing)
// when e cannot be decoded.
func (p *pageCache) serve(w http.ResponseWriter, r *http.Request, e []byte) bool {
	h := w.Header()
	stored, body, ok := decodeEntry(e, h)
	if !ok {
		return false
	}
	h["Age"] = []string{strconv.FormatInt(max(0, p.opts.Now().Unix()-stored), 10)}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return true
}

// pageRecorder passes a GET response through to the client while keeping
// a copy of a cacheable one, up to MaxBytes of body.
type pageRecorder struct {
	http.ResponseWriter
	p           *pageCache
	wroteHeader bool
	storing     bool // the response is cacheable and within MaxBytes so far
	header      http.Header
	body        []byte
}

// Unwrap returns the client's ResponseWriter (http.ResponseController).
func (rec *pageRecorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// WriteHeader decides whether the response can be stored, adds the
// caching headers to a cacheable one and snapshots its headers.
func (rec *pageRecorder) WriteHeader(code int) {
	if rec.wroteHeader {
		rec.ResponseWriter.WriteHeader(code)
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		rec.ResponseWriter.WriteHeader(code) // informational: the real one follows
		return
	}
	rec.wroteHeader = true
	h := rec.ResponseWriter.Header()
	if code == http.StatusOK && cacheable(h, rec.p.opts.MaxBytes) {
		rec.p.patchHeaders(h)
		rec.storing = true
		rec.header = storedHeader(h)
	}
	rec.ResponseWriter.WriteHeader(code)
}

// Write passes b on, keeping a copy while the body fits in MaxBytes.
func (rec *pageRecorder) Write(b []byte) (int, error) {
	if !rec.wroteHeader {
		rec.WriteHeader(http.StatusOK)
	}
	if rec.storing {
		if len(rec.body)+len(b) > rec.p.opts.MaxBytes {
			rec.storing, rec.body = false, nil
		} else {
			rec.body = append(rec.body, b...)
		}
	}
	return rec.ResponseWriter.Write(b)
}

// Flush flushes the client's writer when it can.
func (rec *pageRecorder) Flush() {
	if !rec.wroteHeader {
		rec.WriteHeader(http.StatusOK)
	}
	if f, ok := rec.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// finish completes a response whose view wrote nothing: an empty 200.
func (rec *pageRecorder) finish() {
	if !rec.wroteHeader {
		rec.WriteHeader(http.StatusOK)
	}
}

// cacheable reports whether a 200 response with headers h may be stored.
func cacheable(h http.Header, maxBytes int) bool {
	if _, ok := h["Set-Cookie"]; ok {
		return false
	}
	for _, line := range h["Cache-Control"] {
		for d := range strings.SplitSeq(line, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(d), "=")
			if strings.EqualFold(name, "private") || strings.EqualFold(name, "no-store") || strings.EqualFold(name, "no-cache") {
				return false
			}
		}
	}
	for _, line := range h["Vary"] {
		if strings.Contains(line, "*") {
			return false
		}
	}
	if cl := h.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err != nil || n > int64(maxBytes) {
			return false
		}
	}
	return true
}

// patchHeaders adds max-age and Expires to a cacheable response that lacks
// them (Django's patch_response_headers).
func (p *pageCache) patchHeaders(h http.Header) {
	cc := h["Cache-Control"]
	switch {
	case len(cc) == 0:
		h["Cache-Control"] = []string{p.maxAge}
	case !hasMaxAge(cc):
		h["Cache-Control"] = []string{strings.Join(cc, ", ") + ", " + p.maxAge}
	}
	if _, ok := h["Expires"]; !ok {
		h["Expires"] = []string{p.opts.Now().Add(p.ttl).UTC().Format(http.TimeFormat)}
	}
}

func hasMaxAge(lines []string) bool {
	for _, line := range lines {
		for d := range strings.SplitSeq(line, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(d), "=")
			if strings.EqualFold(name, "max-age") {
				return true
			}
		}
	}
	return false
}

// unstoredHeaders are the response headers an entry leaves out: hop-by-hop
// ones (RFC 9110 §7.6.1), Date and Age (current on every response),
// Set-Cookie, and Content-Length (the entry stores the body's length).
var unstoredHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Proxy-Connection": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Date": true, "Age": true, "Content-Length": true, "Set-Cookie": true,
}

// storedHeader copies the headers of h an entry keeps.
func storedHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		if !unstoredHeaders[k] && len(v) > 0 {
			out[k] = slices.Clone(v)
		}
	}
	return out
}

// An entry is stored in a small binary format:
//
//	'P' 1                           magic and format version
//	uvarint  stored at, unix seconds
//	uvarint  number of headers, then for each:
//	  uvarint len, name; uvarint number of values; (uvarint len, value)…
//	body                            the rest
//
// The status is always 200. Content-Length is among the headers.
const (
	entryMagic   = 'P'
	entryVersion = 1
)

// encodeEntry encodes a response stored at t.
func encodeEntry(t time.Time, h http.Header, body []byte) []byte {
	n := 2 + binary.MaxVarintLen64*2 + len(body)
	for k, vs := range h {
		n += binary.MaxVarintLen64*2 + len(k)
		for _, v := range vs {
			n += binary.MaxVarintLen64 + len(v)
		}
	}
	b := make([]byte, 0, n)
	b = append(b, entryMagic, entryVersion)
	b = binary.AppendUvarint(b, uint64(max(0, t.Unix())))
	b = binary.AppendUvarint(b, uint64(len(h)))
	for _, k := range slices.Sorted(maps.Keys(h)) {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(h[k])))
		for _, v := range h[k] {
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	return append(b, body...)
}

// decodeEntry decodes an entry, setting its headers in h; ok is false
// (and h untouched) for bytes that are not an entry (another format
// version, a truncated value). The header strings share one allocation;
// body aliases b.
func decodeEntry(b []byte, h http.Header) (stored int64, body []byte, ok bool) {
	if len(b) < 2 || b[0] != entryMagic || b[1] != entryVersion {
		return 0, nil, false
	}
	d := entryDecoder{b: b, i: 2}
	stored = int64(d.uvarint())
	nh := d.uvarint()
	if d.bad || nh > uint64(len(b)) {
		return 0, nil, false
	}
	// First pass: validate, find the end of the header section and count
	// the values.
	start, nv := d.i, 0
	for range nh {
		d.span()
		c := d.uvarint()
		if d.bad || c > uint64(len(b)) {
			return 0, nil, false
		}
		nv += int(c)
		for range c {
			d.span()
		}
	}
	if d.bad {
		return 0, nil, false
	}
	body = b[d.i:]
	// Second pass, over one string copy of the section.
	s := string(b[start:d.i])
	values := make([]string, nv)
	sd := entryDecoder{b: b[start:d.i]}
	for range nh {
		ks, ke := sd.span()
		c := int(sd.uvarint())
		vs := values[:c:c]
		values = values[c:]
		for j := range c {
			vs0, ve := sd.span()
			vs[j] = s[vs0:ve]
		}
		h[s[ks:ke]] = vs
	}
	return stored, body, true
}

// entryDecoder reads an entry's varints and length-prefixed strings; bad
// records a truncated or malformed input.
type entryDecoder struct {
	b   []byte
	i   int
	bad bool
}

func (d *entryDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b[d.i:])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.i += n
	return v
}

// span returns the bounds of the next length-prefixed string.
func (d *entryDecoder) span() (int, int) {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)-d.i) {
		d.bad = true
		return d.i, d.i
	}
	start := d.i
	d.i += int(n)
	return start, d.i
}
