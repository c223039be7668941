package middleware

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// GZipConfig configures GZip. The zero value compresses text, JSON,
// JavaScript, XML and SVG responses of at least 1 KiB at gzip's default
// level.
type GZipConfig struct {
	// Level is the gzip level, from gzip.HuffmanOnly (-2) to
	// gzip.BestCompression (9); 0 means gzip.DefaultCompression (6).
	Level int
	// MinSize is the smallest body, in bytes, worth compressing; 0 means
	// 1024 (a smaller body fits in one TCP segment either way; Django's
	// GZipMiddleware uses 200). Up to MinSize bytes are buffered before
	// the decision.
	MinSize int
	// Types are the compressible media types: "type/subtype", or "type/*"
	// for a whole type; matched without parameters and ignoring case. Nil
	// means text/*, application/json, application/javascript,
	// application/xml, image/svg+xml, application/wasm and the common
	// +json and +xml types (DefaultGZipTypes).
	Types []string
}

// DefaultGZipTypes returns the media types GZip compresses when
// GZipConfig.Types is nil. Each call returns a new slice; it is safe for
// concurrent use.
func DefaultGZipTypes() []string {
	return []string{
		"text/*",
		"application/json", "application/javascript", "application/xml",
		"application/xhtml+xml", "application/rss+xml", "application/atom+xml",
		"application/ld+json", "application/manifest+json", "application/problem+json",
		"application/geo+json", "application/wasm", "image/svg+xml",
	}
}

// defaultGZipMinSize is GZipConfig.MinSize's default.
const defaultGZipMinSize = 1024

// GZip returns a Middleware that compresses responses with gzip when all
// of these hold:
//
//   - the client accepts gzip (Accept-Encoding lists gzip, x-gzip or *
//     with a non-zero q-value), the method is not HEAD and the request has
//     no Range header;
//   - the status is not 1xx, 204, 206 or 304, the response has no
//     Content-Encoding and no Cache-Control: no-transform;
//   - its Content-Type (sniffed like net/http does when the view sets
//     none) is one of cfg.Types;
//   - the body reaches cfg.MinSize bytes: the first MinSize bytes are
//     buffered to decide, unless Content-Length announces the size.
//
// A compressed response gets Content-Encoding: gzip and Vary:
// Accept-Encoding, loses Content-Length and Accept-Ranges, and has a strong
// ETag weakened. Flush works: buffered bytes are decided on (a body still
// under MinSize is sent uncompressed) and compressed bytes are flushed
// through the gzip stream. gzip writers and buffers are pooled.
//
// BREACH: compressing a response that reflects user input next to a
// secret (a CSRF token, a session id) lets an attacker who can observe
// response sizes recover the secret, as Django's GZipMiddleware
// documentation warns. Djinn's CSRF protection has no token, but views
// that put secrets in compressed pages should mask them per response or
// be served without GZip.
//
// Place GZip inside AccessLog (which then counts compressed bytes) and
// Timeout. It reports an error for an invalid level, a negative MinSize or
// a malformed type. The middleware is safe for concurrent use.
func GZip(cfg GZipConfig) (Middleware, error) {
	level := cfg.Level
	if level == 0 {
		level = gzip.DefaultCompression
	}
	if _, err := gzip.NewWriterLevel(nil, level); err != nil {
		return nil, fmt.Errorf("middleware: gzip: invalid level %d", cfg.Level)
	}
	minSize := cfg.MinSize
	switch {
	case minSize < 0:
		return nil, fmt.Errorf("middleware: gzip: negative MinSize %d", cfg.MinSize)
	case minSize == 0:
		minSize = defaultGZipMinSize
	}
	types := cfg.Types
	if types == nil {
		types = DefaultGZipTypes()
	}
	m := &gzipMiddleware{
		minSize:  minSize,
		encoding: []string{"gzip"}[:1:1],
		vary:     []string{"Accept-Encoding"}[:1:1],
	}
	for _, t := range types {
		typ, sub, ok := strings.Cut(strings.ToLower(strings.TrimSpace(t)), "/")
		if !ok || typ == "" || sub == "" || typ == "*" || strings.ContainsAny(sub, ";, ") {
			return nil, fmt.Errorf("middleware: gzip: invalid media type %q: want type/subtype or type/*", t)
		}
		if sub == "*" {
			m.prefixes = append(m.prefixes, typ+"/")
		} else {
			m.exact = append(m.exact, typ+"/"+sub)
		}
	}
	m.writers.New = func() any {
		zw, _ := gzip.NewWriterLevel(nil, level) // level checked above
		return zw
	}
	m.buffers.New = func() any {
		b := make([]byte, 0, minSize)
		return &b
	}
	return m.middleware, nil
}

// gzipMiddleware is the compiled GZip middleware.
type gzipMiddleware struct {
	minSize  int
	encoding []string // "gzip", shared by responses: capacity 1, an append copies
	vary     []string // "Accept-Encoding", likewise
	exact    []string // "application/json"
	prefixes []string // "text/"
	writers  sync.Pool
	buffers  sync.Pool
}

func (m *gzipMiddleware) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead || len(r.Header["Range"]) > 0 || !acceptsGzip(r.Header["Accept-Encoding"]) {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w, m: m}
		completed := false
		defer func() {
			if completed {
				_ = gw.close()
			} else {
				gw.release() // a panic: write nothing more
			}
		}()
		next.ServeHTTP(gw, r)
		completed = true
	})
}

// compressible reports whether the media type of a Content-Type value is
// one of the configured types.
func (m *gzipMiddleware) compressible(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	for _, t := range m.exact {
		if strings.EqualFold(mt, t) {
			return true
		}
	}
	for _, p := range m.prefixes {
		if len(mt) > len(p) && strings.EqualFold(mt[:len(p)], p) {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding lines accept gzip: gzip or
// x-gzip with a non-zero q-value, or * with one when gzip is not listed.
func acceptsGzip(lines []string) bool {
	star := false
	for _, line := range lines {
		for line != "" {
			var elem string
			elem, line, _ = strings.Cut(line, ",")
			coding, params, _ := strings.Cut(elem, ";")
			coding = strings.TrimSpace(coding)
			switch {
			case strings.EqualFold(coding, "gzip"), strings.EqualFold(coding, "x-gzip"):
				return !zeroQ(params)
			case coding == "*":
				star = !zeroQ(params)
			}
		}
	}
	return star
}

// zeroQ reports whether the parameters of an Accept-Encoding element set
// q to 0 ("q=0", "q=0.0", "q=0.000").
func zeroQ(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		value = strings.TrimSpace(value)
		if value == "" || value[0] != '0' {
			return false
		}
		return strings.Trim(value[1:], ".0") == "" && strings.Count(value, ".") <= 1
	}
	return false
}

// gzipWriter states.
const (
	gzBuffering   = iota // deciding: status held back, body buffered
	gzPlain              // passing through unchanged
	gzCompressing        // compressing through gz
	gzClosed             // the handler returned
)

// errWriteAfterClose is returned by writes after the handler returned.
var errWriteAfterClose = errors.New("middleware: gzip: write after the handler returned")

// gzipWriter compresses a response once it knows it should.
type gzipWriter struct {
	http.ResponseWriter
	m      *gzipMiddleware
	status int     // status the handler set; 0 until it sets one or writes
	state  uint8   // gzBuffering...
	buf    *[]byte // pooled, while buffering; nil before the first byte
	gz     *gzip.Writer
}

// eligible reports whether the status and headers allow compression.
func (gw *gzipWriter) eligible() bool {
	switch s := gw.status; {
	case s < 200, s == http.StatusNoContent, s == http.StatusPartialContent, s == http.StatusNotModified:
		return false
	}
	h := gw.Header()
	if _, ok := h["Content-Encoding"]; ok {
		return false
	}
	for _, v := range h["Cache-Control"] {
		if strings.Contains(strings.ToLower(v), "no-transform") {
			return false
		}
	}
	if ct, ok := h["Content-Type"]; ok && (len(ct) == 0 || !gw.m.compressible(ct[0])) {
		return false
	}
	return true
}

// WriteHeader holds the status back while the writer decides; it decides
// at once when the status or headers rule compression out or
// Content-Length gives the size.
func (gw *gzipWriter) WriteHeader(code int) {
	switch {
	case gw.state == gzPlain, gw.state == gzCompressing:
		gw.ResponseWriter.WriteHeader(code) // superfluous: let net/http report it
		return
	case gw.state == gzClosed, gw.status != 0:
		return
	case code >= 100 && code < 200 && code != http.StatusSwitchingProtocols:
		gw.ResponseWriter.WriteHeader(code)
		return
	}
	gw.status = code
	if !gw.eligible() {
		_ = gw.startPlain()
		return
	}
	if cl := gw.Header()["Content-Length"]; len(cl) == 1 {
		n, err := strconv.ParseInt(cl[0], 10, 64)
		switch {
		case err == nil && n < int64(gw.m.minSize):
			_ = gw.startPlain()
		case err == nil && len(gw.Header()["Content-Type"]) > 0:
			_ = gw.startGzip()
		}
	}
}

// Write buffers p while deciding, then compresses or passes it on.
func (gw *gzipWriter) Write(p []byte) (int, error) {
	switch gw.state {
	case gzPlain:
		return gw.ResponseWriter.Write(p)
	case gzCompressing:
		return gw.gz.Write(p)
	case gzClosed:
		return 0, errWriteAfterClose
	}
	if gw.status == 0 {
		gw.status = http.StatusOK
		if !gw.eligible() {
			if err := gw.startPlain(); err != nil {
				return 0, err
			}
			return gw.ResponseWriter.Write(p)
		}
	}
	buffered := 0
	if gw.buf != nil {
		buffered = len(*gw.buf)
	}
	if buffered+len(p) < gw.m.minSize {
		if gw.buf == nil {
			gw.buf = gw.m.buffers.Get().(*[]byte)
		}
		*gw.buf = append(*gw.buf, p...)
		return len(p), nil
	}
	// MinSize reached: decide, with a sniffed Content-Type if there is none.
	h := gw.Header()
	ct, hasType := h["Content-Type"]
	if !hasType {
		var sample [512]byte
		n := 0
		if gw.buf != nil {
			n = copy(sample[:], *gw.buf)
		}
		n += copy(sample[n:], p)
		ct = []string{http.DetectContentType(sample[:n])}
		h["Content-Type"] = ct
	}
	var err error
	if len(ct) > 0 && gw.m.compressible(ct[0]) {
		err = gw.startGzip()
	} else {
		err = gw.startPlain()
	}
	if err != nil {
		return 0, err
	}
	return gw.Write(p)
}

// startPlain sends the held-back status and buffered bytes unchanged.
func (gw *gzipWriter) startPlain() error {
	gw.state = gzPlain
	if gw.status != 0 {
		gw.ResponseWriter.WriteHeader(gw.status)
	}
	return gw.flushBuffer(gw.ResponseWriter)
}

// startGzip rewrites the headers for gzip, sends the held-back status and
// compresses the buffered bytes.
func (gw *gzipWriter) startGzip() error {
	h := gw.Header()
	delete(h, "Content-Length")
	delete(h, "Accept-Ranges")
	h["Content-Encoding"] = gw.m.encoding
	if _, ok := h["Vary"]; ok {
		addVary(h, "Accept-Encoding")
	} else {
		h["Vary"] = gw.m.vary
	}
	if etag := h["Etag"]; len(etag) == 1 && strings.HasPrefix(etag[0], `"`) {
		h["Etag"] = []string{"W/" + etag[0]}
	}
	gw.state = gzCompressing
	gw.ResponseWriter.WriteHeader(gw.status)
	gw.gz = gw.m.writers.Get().(*gzip.Writer)
	gw.gz.Reset(gw.ResponseWriter)
	return gw.flushBuffer(gw.gz)
}

// flushBuffer writes the buffered bytes to dst and returns the buffer to
// its pool.
func (gw *gzipWriter) flushBuffer(dst interface{ Write([]byte) (int, error) }) error {
	if gw.buf == nil {
		return nil
	}
	var err error
	if len(*gw.buf) > 0 {
		_, err = dst.Write(*gw.buf)
	}
	*gw.buf = (*gw.buf)[:0]
	gw.m.buffers.Put(gw.buf)
	gw.buf = nil
	return err
}

// FlushError sends what the handler wrote so far: a response still being
// decided is sent uncompressed; a compressed one is flushed through gzip.
func (gw *gzipWriter) FlushError() error {
	switch gw.state {
	case gzBuffering:
		if gw.status == 0 {
			gw.status = http.StatusOK
		}
		if err := gw.startPlain(); err != nil {
			return err
		}
	case gzCompressing:
		if err := gw.gz.Flush(); err != nil {
			return err
		}
	case gzClosed:
		return errWriteAfterClose
	}
	return http.NewResponseController(gw.ResponseWriter).Flush()
}

// Flush is FlushError for callers that assert http.Flusher.
func (gw *gzipWriter) Flush() { _ = gw.FlushError() }

// Hijack hands the connection over, when the wrapped writer can.
func (gw *gzipWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(gw.ResponseWriter).Hijack()
	if err == nil {
		gw.release()
		gw.state = gzClosed
	}
	return c, brw, err
}

// Written reports whether the handler has started its response.
func (gw *gzipWriter) Written() bool {
	return gw.status != 0 || gw.state != gzBuffering || gw.buf != nil
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (gw *gzipWriter) Unwrap() http.ResponseWriter { return gw.ResponseWriter }

// close finishes the response after the handler returned.
func (gw *gzipWriter) close() error {
	var err error
	switch gw.state {
	case gzBuffering:
		err = gw.startPlain()
	case gzCompressing:
		err = gw.gz.Close()
	}
	gw.release()
	gw.state = gzClosed
	return err
}

// release returns the pooled buffer and gzip writer.
func (gw *gzipWriter) release() {
	if gw.buf != nil {
		*gw.buf = (*gw.buf)[:0]
		gw.m.buffers.Put(gw.buf)
		gw.buf = nil
	}
	if gw.gz != nil {
		gw.gz.Reset(nil)
		gw.m.writers.Put(gw.gz)
		gw.gz = nil
	}
}

// addVary adds field to h's Vary header unless it lists it or "*".
func addVary(h http.Header, field string) {
	for _, v := range h["Vary"] {
		for v != "" {
			var f string
			f, v, _ = strings.Cut(v, ",")
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, field) {
				return
			}
		}
	}
	// Clip: the existing slice may be shared (a value another middleware
	// or view reuses across responses); append must copy, never write
	// into its spare capacity.
	h["Vary"] = append(slices.Clip(h["Vary"]), field)
}
