package middleware

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/djinn-go/djinn/core/respond"
)

// SecurityConfig configures SecurityHeaders. Every field says exactly what
// is sent, so the zero value sends no header and redirects nothing; the
// project's settings hold the defaults (Django's: ContentTypeNosniff true,
// ReferrerPolicy and CrossOriginOpenerPolicy "same-origin").
type SecurityConfig struct {
	// ContentTypeNosniff sends X-Content-Type-Options: nosniff.
	ContentTypeNosniff bool
	// ReferrerPolicy is the Referrer-Policy header: one policy or a
	// comma-separated list of fallbacks; empty sends none.
	ReferrerPolicy string
	// CrossOriginOpenerPolicy is the Cross-Origin-Opener-Policy header
	// ("same-origin", "same-origin-allow-popups", "noopener-allow-popups"
	// or "unsafe-none"); empty sends none.
	CrossOriginOpenerPolicy string
	// HSTSSeconds, when positive, sends Strict-Transport-Security with this
	// max-age on secure requests (see IsSecure); 0 sends none.
	HSTSSeconds int
	// HSTSIncludeSubdomains adds includeSubDomains to the HSTS header.
	HSTSIncludeSubdomains bool
	// HSTSPreload adds preload to the HSTS header.
	HSTSPreload bool
	// SSLRedirect redirects insecure requests to https: 301 for GET and
	// HEAD, 308 (which keeps the method and body) for other methods.
	SSLRedirect bool
	// SSLHost is the host[:port] to redirect to; empty means the request's
	// host without its port.
	SSLHost string
	// SSLRedirectExempt are paths served over plain HTTP too: an entry
	// matches the path equal to it, and, when it ends with "/", every path
	// below it ("/.well-known/acme-challenge/").
	SSLRedirectExempt []string
}

var (
	referrerPolicies = []string{
		"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
		"same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
	}
	openerPolicies = []string{"same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"}
)

// SecurityHeaders returns a Middleware that sets the security headers cfg
// asks for on every response, and redirects insecure requests to https
// when cfg.SSLRedirect is set (Django's SecurityMiddleware).
//
// Headers are set before the handler runs, so a view changes one with
// w.Header().Set and removes one with Del. Their values are shared
// between responses: replace them, never modify the slices in place.
//
// The redirect keeps the path and query. Its host is cfg.SSLHost, or the
// request's host, which must then be a valid host: place AllowedHosts
// before SecurityHeaders so that it has been checked against
// ALLOWED_HOSTS and a forged Host cannot make an open redirect.
//
// SecurityHeaders reports an error for an unknown Referrer-Policy or
// Cross-Origin-Opener-Policy, a negative HSTSSeconds, an invalid SSLHost or
// an exempt path without a leading "/". Responses that are not redirected
// cost no allocation. The middleware is safe for concurrent use.
func SecurityHeaders(cfg SecurityConfig) (Middleware, error) {
	m := &securityHeaders{redirect: cfg.SSLRedirect, exempt: cfg.SSLRedirectExempt}
	if cfg.ContentTypeNosniff {
		m.headers = append(m.headers, newHeaderValue("X-Content-Type-Options", "nosniff"))
	}
	if v := cfg.ReferrerPolicy; v != "" {
		for p := range strings.SplitSeq(v, ",") {
			if !isOneOf(strings.TrimSpace(p), referrerPolicies) {
				return nil, fmt.Errorf("middleware: security headers: unknown Referrer-Policy %q in %q", strings.TrimSpace(p), v)
			}
		}
		m.headers = append(m.headers, newHeaderValue("Referrer-Policy", v))
	}
	if v := cfg.CrossOriginOpenerPolicy; v != "" {
		if !isOneOf(v, openerPolicies) {
			return nil, fmt.Errorf("middleware: security headers: unknown Cross-Origin-Opener-Policy %q", v)
		}
		m.headers = append(m.headers, newHeaderValue("Cross-Origin-Opener-Policy", v))
	}
	switch {
	case cfg.HSTSSeconds < 0:
		return nil, fmt.Errorf("middleware: security headers: negative HSTSSeconds %d", cfg.HSTSSeconds)
	case cfg.HSTSSeconds > 0:
		v := "max-age=" + strconv.Itoa(cfg.HSTSSeconds)
		if cfg.HSTSIncludeSubdomains {
			v += "; includeSubDomains"
		}
		if cfg.HSTSPreload {
			v += "; preload"
		}
		m.hsts = []string{v}[:1:1] // shared by every response: an append copies
	}
	if cfg.SSLHost != "" {
		if _, _, ok := splitHost(cfg.SSLHost); !ok {
			return nil, fmt.Errorf("middleware: security headers: invalid SSLHost %q", cfg.SSLHost)
		}
		m.sslHost = cfg.SSLHost
	}
	for _, p := range cfg.SSLRedirectExempt {
		if !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("middleware: security headers: exempt path %q does not start with /", p)
		}
	}
	return m.middleware, nil
}

// headerValue is a header set on every response; value is shared and has
// capacity 1, so an append by a view copies it.
type headerValue struct {
	key   string
	value []string
}

func newHeaderValue(key, value string) headerValue {
	return headerValue{key: http.CanonicalHeaderKey(key), value: []string{value}[:1:1]}
}

// securityHeaders is the compiled SecurityHeaders middleware.
type securityHeaders struct {
	headers  []headerValue
	hsts     []string
	redirect bool
	sslHost  string
	exempt   []string
}

func (m *securityHeaders) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var secure bool
		if m.redirect || m.hsts != nil {
			secure = IsSecure(r)
		}
		if m.redirect && !secure && !m.isExempt(r.URL.Path) {
			m.redirectToHTTPS(w, r)
			return
		}
		h := w.Header()
		for _, hv := range m.headers {
			h[hv.key] = hv.value
		}
		if secure && m.hsts != nil {
			h["Strict-Transport-Security"] = m.hsts
		}
		next.ServeHTTP(w, r)
	})
}

func (m *securityHeaders) isExempt(path string) bool {
	for _, p := range m.exempt {
		if path == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(path, p)) {
			return true
		}
	}
	return false
}

func (m *securityHeaders) redirectToHTTPS(w http.ResponseWriter, r *http.Request) {
	host := m.sslHost
	if host == "" {
		domain, _, ok := splitHost(r.Host)
		if !ok {
			respond.Error(w, r, &respond.HTTPError{
				Status:  http.StatusBadRequest,
				Message: "invalid host header",
				Err:     fmt.Errorf("middleware: cannot redirect to https: invalid Host header %q", r.Host),
			})
			return
		}
		host = domain
	}
	// The target is built from the path, never from the raw request URI:
	// an opaque request-target ("GET http:@evil.com") would otherwise turn
	// into https://example.com@evil.com.
	path := r.URL.EscapedPath()
	if !strings.HasPrefix(path, "/") {
		path = "/"
	}
	redirect(w, r, "https://"+host+safeLocalPath(path)+query(r))
}

// redirect answers a permanent redirect to location with respond.Redirect:
// 301 for GET and HEAD, 308 for other methods so that the method and body
// are kept. Headers that described the body the handler meant to send (a
// 404 page's, when APPEND_SLASH replaces it) are removed first.
func redirect(w http.ResponseWriter, r *http.Request, location string) {
	code := http.StatusPermanentRedirect
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		code = http.StatusMovedPermanently
	}
	h := w.Header()
	for _, k := range [...]string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Disposition", "Etag", "Last-Modified"} {
		delete(h, k)
	}
	respond.Redirect(w, r, location, code)
}

func isOneOf(s string, list []string) bool {
	for _, v := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}
