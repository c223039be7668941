package middleware

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/djinn-go/djinn/core/respond"
)

// AllowedHosts returns a Middleware that answers 400 Bad Request, through
// respond.Error, to requests whose Host is not syntactically valid or
// matches none of hosts, with Django's ALLOWED_HOSTS semantics:
//
//   - "example.com" matches that host exactly;
//   - ".example.com" matches example.com and every subdomain
//     (www.example.com, a.b.example.com) but not badexample.com;
//   - "*" matches every valid host;
//   - the comparison ignores case, the port and a trailing dot;
//   - IPv6 hosts are written in brackets, "[::1]" ("::1" is accepted too).
//
// When hosts is empty and debug is set, the local hosts ".localhost",
// "127.0.0.1" and "[::1]" are allowed, as Django does in DEBUG.
//
// The host checked is r.Host: for an absolute-form request line
// ("GET http://evil.com/ HTTP/1.1") net/http sets it from the request URI,
// not the Host header, and X-Forwarded-Host counts only when ProxyHeaders
// was told to trust it and rewrote r.Host. Invalid hosts include user info
// ("good.com@evil.com"), spaces and control bytes, underscores, several
// ports and an empty Host (see splitHost).
//
// The error page's public message is "invalid host header"; its cause,
// logged and shown on the DEBUG page only, names the host and says to add
// it to ALLOWED_HOSTS. Allowed requests cost no allocation.
//
// AllowedHosts reports an error for a malformed pattern, a pattern with a
// port, or an empty hosts list without debug (every request would be
// rejected). The middleware is safe for concurrent use.
func AllowedHosts(hosts []string, debug bool) (Middleware, error) {
	if len(hosts) == 0 {
		if !debug {
			return nil, errors.New("middleware: allowed hosts: the list is empty, every request would be rejected; set ALLOWED_HOSTS")
		}
		hosts = []string{".localhost", "127.0.0.1", "[::1]"}
	}
	m := &allowedHosts{}
	for _, h := range hosts {
		p, err := parseHostPattern(h)
		if err != nil {
			return nil, err
		}
		m.patterns = append(m.patterns, p)
		m.any = m.any || p.any
	}
	return m.middleware, nil
}

// hostPattern is one compiled ALLOWED_HOSTS entry.
type hostPattern struct {
	any    bool   // "*"
	exact  string // "example.com"
	suffix string // ".example.com": matches suffix[1:] and *suffix
}

func (p hostPattern) match(domain string) bool {
	switch {
	case p.any:
		return true
	case p.suffix != "":
		return domain == p.suffix[1:] || strings.HasSuffix(domain, p.suffix)
	}
	return domain == p.exact
}

// parseHostPattern validates and normalizes an ALLOWED_HOSTS entry.
func parseHostPattern(s string) (hostPattern, error) {
	if s == "*" {
		return hostPattern{any: true}, nil
	}
	host, dot := s, strings.HasPrefix(s, ".")
	if dot {
		host = s[1:]
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is6() && !dot {
		host = "[" + host + "]" // "::1" as Host headers write it
	}
	domain, port, ok := splitHost(host)
	switch {
	case !ok:
		return hostPattern{}, fmt.Errorf("middleware: allowed hosts: invalid pattern %q", s)
	case port != "":
		return hostPattern{}, fmt.Errorf("middleware: allowed hosts: pattern %q has a port; ports are ignored, remove it", s)
	case dot:
		return hostPattern{suffix: "." + domain}, nil
	}
	return hostPattern{exact: domain}, nil
}

// allowedHosts is the compiled AllowedHosts middleware.
type allowedHosts struct {
	patterns []hostPattern
	any      bool
}

func (m *allowedHosts) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := m.check(r.Host); err != nil {
			respond.Error(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// check returns nil when host is allowed, else the 400 error to render.
func (m *allowedHosts) check(host string) error {
	domain, _, ok := splitHost(host)
	if !ok {
		return &respond.HTTPError{
			Status:  http.StatusBadRequest,
			Message: "invalid host header",
			Err:     fmt.Errorf("middleware: invalid Host header %q: not a valid domain name (RFC 1034/1035) with an optional port", host),
		}
	}
	if m.any {
		return nil
	}
	for _, p := range m.patterns {
		if p.match(domain) {
			return nil
		}
	}
	return &respond.HTTPError{
		Status:  http.StatusBadRequest,
		Message: "invalid host header",
		Err:     fmt.Errorf("middleware: invalid Host header %q: you may need to add %q to ALLOWED_HOSTS", host, domain),
	}
}
