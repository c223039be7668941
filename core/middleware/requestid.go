package middleware

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/http"
	"sync/atomic"
)

// RequestIDConfig configures RequestID. The zero value generates an id for
// every request and sends it as X-Request-Id.
type RequestIDConfig struct {
	// TrustIncoming accepts the id a client or proxy sent in Header when it
	// is well-formed (see RequestID). Turn it on only behind a proxy that
	// sets or strips the header, since clients can send anything. False
	// means ids are always generated.
	TrustIncoming bool
	// Header is the request and response header that carries the id;
	// empty means X-Request-ID.
	Header string
}

// maxRequestIDLen bounds the length of an incoming id.
const maxRequestIDLen = 128

// RequestID returns a Middleware that gives every request an id: the
// incoming one when cfg.TrustIncoming is set and it is well-formed (1 to
// 128 characters among ASCII letters, digits and "-_.:+=/@", so a hostile
// header cannot inject into logs or pages), else a new one. The id is set
// on the response header and in the request context, where RequestIDFrom
// finds it; wire respond.Renderer.RequestID to RequestIDFrom so that error
// pages and error logs show it.
//
// Generated ids are 20 characters of lowercase base32hex: 50 random bits
// drawn from crypto/rand when RequestID is called, which keep ids from
// different processes (and middlewares) apart, followed by a 50-bit
// counter, which keeps the middleware's ids unique and sortable. They
// reveal how many requests the middleware has served; they are not
// secrets. No crypto/rand and no fmt per request: ids are formatted 32 at
// a time into one string that they share.
//
// RequestID reports an error when cfg.Header is not a valid header name.
// The middleware is safe for concurrent use; a request costs two
// allocations: its context and the shallow copy of the request that
// carries it. The context also has room for what Recover, AccessLog and
// Timeout keep per request, so that they add no allocation and no copy of
// their own when they sit inside RequestID (see Timeout).
func RequestID(cfg RequestIDConfig) (Middleware, error) {
	header := cfg.Header
	if header == "" {
		header = "X-Request-ID"
	}
	if !validHeaderName(header) {
		return nil, fmt.Errorf("middleware: request id: invalid header name %q", header)
	}
	var seed [8]byte
	_, _ = rand.Read(seed[:]) // never fails: crypto/rand crashes the program instead
	g := &requestIDs{
		header: http.CanonicalHeaderKey(header),
		trust:  cfg.TrustIncoming,
	}
	encodeBase32(g.prefix[:], binary.LittleEndian.Uint64(seed[:]))
	return g.middleware, nil
}

// requestIDs is one RequestID middleware's state.
type requestIDs struct {
	header string
	trust  bool
	prefix [idHalfLen]byte // random, fixed for the middleware's lifetime
	n      atomic.Uint64   // ids handed out
	batch  atomic.Pointer[idBatch]
}

const (
	// idHalfLen is the length of each half of a generated id: 10 base32
	// characters carry 50 bits.
	idHalfLen = 10
	idLen     = 2 * idHalfLen
	// idBatchSize is how many ids are formatted into one string.
	idBatchSize = 32
)

// idBatch holds idBatchSize consecutive ids in one string, so that a
// request's id is a substring and costs no allocation of its own (one
// 640-byte string every 32 requests instead of 32 small ones). An id keeps
// its batch alive while it is referenced.
type idBatch struct {
	first uint64 // counter value of the first id
	ids   string
}

func (g *requestIDs) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := newRequestCtx(r.Context())
		if in := r.Header[g.header]; g.trust && len(in) > 0 && validRequestID(in[0]) {
			ctx.id[0] = in[0]
		} else {
			ctx.id[0] = g.next()
		}
		w.Header()[g.header] = ctx.id[:] // cap 1: an append copies
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// next returns a new id.
func (g *requestIDs) next() string {
	n := g.n.Add(1) - 1
	first := n - n%idBatchSize
	b := g.batch.Load()
	if b == nil || b.first != first {
		b = g.format(first)
		// Publish it unless a newer batch is out already; goroutines that
		// race at a boundary format the same string.
		if cur := g.batch.Load(); cur == nil || cur.first < first {
			g.batch.CompareAndSwap(cur, b)
		}
	}
	i := int(n-first) * idLen
	return b.ids[i : i+idLen]
}

// format returns the batch of ids that starts at counter value first.
func (g *requestIDs) format(first uint64) *idBatch {
	var buf [idBatchSize * idLen]byte
	for i := range idBatchSize {
		id := buf[i*idLen : (i+1)*idLen]
		copy(id, g.prefix[:])
		encodeBase32(id[idHalfLen:], first+uint64(i))
	}
	return &idBatch{first: first, ids: string(buf[:])}
}

// base32hex is the alphabet of generated ids; it sorts like the numbers.
const base32hex = "0123456789abcdefghijklmnopqrstuv"

// encodeBase32 writes the low 5*len(dst) bits of v to dst, most
// significant first.
func encodeBase32(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = base32hex[v&31]
		v >>= 5
	}
}

// validRequestID reports whether an incoming id may be used as is.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '+', c == '=', c == '/', c == '@':
		default:
			return false
		}
	}
	return true
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '!', c == '#', c == '$', c == '%', c == '&', c == '\'', c == '*',
			c == '+', c == '-', c == '.', c == '^', c == '_', c == '`', c == '|', c == '~':
		default:
			return false
		}
	}
	return true
}

// requestIDKey is the context key of the request id.
type requestIDKey struct{}

// RequestIDFrom returns the id the RequestID middleware gave the request
// whose context is ctx, or "" when it gave none. It is safe for concurrent
// use and does not allocate.
func RequestIDFrom(ctx context.Context) string {
	if c, ok := ctx.Value(requestIDKey{}).(*requestCtx); ok {
		return c.id[0]
	}
	return ""
}
