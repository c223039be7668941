package middleware

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ProxyConfig configures ProxyHeaders. The zero value trusts no proxy: the
// middleware then leaves every request as it is.
type ProxyConfig struct {
	// Trusted are the prefixes of the reverse proxies whose forwarding
	// headers are believed: the direct peer must be in one of them, and so
	// must every hop ProxyHeaders walks past in X-Forwarded-For. Use /32
	// (/128) prefixes for single addresses.
	Trusted []netip.Prefix
	// TrustForwardedHost makes r.Host the host in X-Forwarded-Host (the
	// last one, when valid) for requests from trusted peers. Off by
	// default: turn it on only when the proxy sets or strips the header.
	TrustForwardedHost bool
}

// ProxyHeaders returns a Middleware that, for requests whose direct peer
// (r.RemoteAddr) is in a trusted prefix, believes the proxy's forwarding
// headers:
//
//   - X-Forwarded-For: walking the addresses from right to left (all the
//     header's lines, as one list), the first one that is not trusted is
//     the client; r.RemoteAddr becomes it, "ip:port" with the port the
//     header gave or 0. When every address is trusted, the leftmost is
//     used. A malformed address stops the walk: the last good one is used.
//   - X-Forwarded-Proto: the last value, "https" or "http" (any case),
//     decides whether IsSecure reports the request as secure, whatever
//     the connection to the proxy was. Other values are ignored.
//   - X-Forwarded-Host: only with cfg.TrustForwardedHost, see there.
//
// Requests from other peers keep their headers, which the rest of the
// stack ignores: a client cannot spoof its address, scheme or host. The
// handler gets a shallow copy of the request; the caller's is not
// modified. Malformed headers are ignored; they never cause a panic.
//
// ProxyHeaders sits first in the stack so that every middleware sees the
// client's address and scheme. It reports an error for an invalid prefix.
// The middleware is safe for concurrent use.
func ProxyHeaders(cfg ProxyConfig) (Middleware, error) {
	m := &proxyHeaders{forwardedHost: cfg.TrustForwardedHost}
	for _, p := range cfg.Trusted {
		if !p.IsValid() {
			return nil, fmt.Errorf("middleware: proxy headers: invalid trusted prefix %v", p)
		}
		m.trusted = append(m.trusted, p.Masked())
	}
	return m.middleware, nil
}

// proxyHeaders is the compiled ProxyHeaders middleware.
type proxyHeaders struct {
	trusted       []netip.Prefix
	forwardedHost bool
}

func (m *proxyHeaders) isTrusted(a netip.Addr) bool {
	for _, p := range m.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (m *proxyHeaders) middleware(next http.Handler) http.Handler {
	if len(m.trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !m.isTrusted(peer.Addr().Unmap().WithZone("")) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, m.rewrite(r))
	})
}

// rewrite returns r as the trusted proxy describes it: r itself when its
// headers change nothing, else a shallow copy.
func (m *proxyHeaders) rewrite(r *http.Request) *http.Request {
	client, port, fromXFF := m.client(r.Header["X-Forwarded-For"])
	proto, hasProto := forwardedProto(r.Header["X-Forwarded-Proto"])
	host := ""
	if m.forwardedHost {
		if h := lastElement(r.Header["X-Forwarded-Host"]); h != "" {
			if _, _, ok := splitHost(h); ok {
				host = h
			}
		}
	}
	if !fromXFF && !hasProto && host == "" {
		return r
	}
	ctx := r.Context()
	if hasProto {
		ctx = context.WithValue(ctx, secureKey{}, proto)
	}
	r2 := r.WithContext(ctx)
	if fromXFF {
		r2.RemoteAddr = netip.AddrPortFrom(client, port).String()
	}
	if host != "" {
		r2.Host = host
	}
	return r2
}

// client walks X-Forwarded-For from right to left and returns the client
// address, with ok false when the header gave none.
func (m *proxyHeaders) client(lines []string) (client netip.Addr, port uint16, ok bool) {
	for i := len(lines) - 1; i >= 0; i-- {
		line := lines[i]
		for line != "" {
			elem := line
			if j := strings.LastIndexByte(line, ','); j >= 0 {
				elem, line = line[j+1:], line[:j]
			} else {
				line = ""
			}
			a, p, good := parseForwardedAddr(strings.TrimSpace(elem))
			if !good {
				return client, port, ok
			}
			client, port, ok = a, p, true
			if !m.isTrusted(a) {
				return client, port, ok
			}
		}
	}
	return client, port, ok
}

// parseForwardedAddr parses one X-Forwarded-For element: "ip", "ip:port",
// "[ipv6]" or "[ipv6]:port". Zones are dropped and IPv4-mapped IPv6
// addresses unmapped.
func parseForwardedAddr(s string) (netip.Addr, uint16, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), 0, true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), ap.Port(), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return a.Unmap().WithZone(""), 0, true
		}
	}
	return netip.Addr{}, 0, false
}

// forwardedProto reads the last X-Forwarded-Proto value: secure reports
// "https", and ok whether the value was "https" or "http".
func forwardedProto(lines []string) (secure, ok bool) {
	v := lastElement(lines)
	switch {
	case strings.EqualFold(v, "https"):
		return true, true
	case strings.EqualFold(v, "http"):
		return false, true
	}
	return false, false
}

// lastElement returns the last comma-separated element of a header's
// lines, without surrounding spaces.
func lastElement(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	v := lines[len(lines)-1]
	if j := strings.LastIndexByte(v, ','); j >= 0 {
		v = v[j+1:]
	}
	return strings.TrimSpace(v)
}

// secureKey is the context key of the scheme a trusted proxy reported:
// true for https, false for http.
type secureKey struct{}

// IsSecure reports whether the client reached the site over HTTPS: what a
// trusted proxy said in X-Forwarded-Proto (see ProxyHeaders) when it said
// anything, else whether the connection itself is TLS (r.TLS != nil).
// r.URL.Scheme is not consulted: an absolute-form request line sets it and
// a client controls it. It is safe for concurrent use and does not allocate.
func IsSecure(r *http.Request) bool {
	if v, ok := r.Context().Value(secureKey{}).(bool); ok {
		return v
	}
	return r.TLS != nil
}
