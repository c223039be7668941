package middleware

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Resolver reports whether a request would reach a view. The urls.Router
// implements it; ResolverFunc adapts a function.
type Resolver interface {
	// Resolves reports whether a request with this method, Host and path
	// (escaped, as r.URL.EscapedPath returns it, without the query) would
	// be routed to a view, rather than to a 404 or a redirect. It must be
	// safe for concurrent use.
	Resolves(method, host, path string) bool
}

// ResolverFunc is a function that implements Resolver; a nil ResolverFunc
// panics when called. It is as safe for concurrent use as the function.
type ResolverFunc func(method, host, path string) bool

// Resolves returns f(method, host, path).
func (f ResolverFunc) Resolves(method, host, path string) bool { return f(method, host, path) }

// CanonicalConfig configures CanonicalURL. The zero value redirects
// nothing.
type CanonicalConfig struct {
	// AppendSlash (Django's APPEND_SLASH) redirects a request whose path
	// does not end in "/" and which got a 404 to the same path with a "/"
	// appended, when Resolver resolves that path.
	AppendSlash bool
	// PrependWWW (Django's PREPEND_WWW) redirects requests for a host that
	// does not start with "www." to the same URL on "www." + host.
	PrependWWW bool
	// Resolver answers whether a path has a view; required with AppendSlash.
	Resolver Resolver
}

// CanonicalURL returns a Middleware that redirects requests to the
// canonical form of their URL, like the URL part of Django's
// CommonMiddleware:
//
//   - PrependWWW redirects before the handler runs, to
//     scheme://www.host/path (with the slash appended too when AppendSlash
//     applies, so there is one redirect). Hosts that are IP addresses or
//     "localhost" are left alone.
//   - AppendSlash acts only when the handler answers 404 for a path
//     without a trailing slash: it then asks the Resolver whether path+"/"
//     resolves and, if it does, replaces the 404 by a redirect (and drops
//     the 404's body). So the Resolver is consulted only for 404s, and a
//     request that resolves costs nothing but a small writer wrapper.
//
// Redirects keep the query string and are permanent: 301 for GET and HEAD;
// 308 for other methods, which keeps the method and body (Django raises an
// error in DEBUG for a POST it cannot redirect; 308 makes it work).
//
// AppendSlash redirects are relative ("/path/?query"), built from the
// escaped path, and a path starting with "//" or "/\" has its second
// character percent-encoded, so a request for "//evil.com" is redirected to
// "/%2Fevil.com/" and never to the protocol-relative "//evil.com/" (Django's
// CVE-2021-3281 class of open redirects).
//
// CanonicalURL reports an error when AppendSlash is set without a
// Resolver. The middleware is safe for concurrent use when the Resolver is.
func CanonicalURL(cfg CanonicalConfig) (Middleware, error) {
	if cfg.AppendSlash && cfg.Resolver == nil {
		return nil, errors.New("middleware: canonical URL: AppendSlash needs a Resolver")
	}
	m := &canonicalURL{appendSlash: cfg.AppendSlash, prependWWW: cfg.PrependWWW, resolver: cfg.Resolver}
	return m.middleware, nil
}

// canonicalURL is the compiled CanonicalURL middleware.
type canonicalURL struct {
	appendSlash bool
	prependWWW  bool
	resolver    Resolver
}

func (m *canonicalURL) middleware(next http.Handler) http.Handler {
	if !m.appendSlash && !m.prependWWW {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.EscapedPath()
		if m.prependWWW && m.redirectToWWW(w, r, path) {
			return
		}
		if !m.appendSlash || !slashCandidate(path) {
			next.ServeHTTP(w, r)
			return
		}
		sw := &slashWriter{ResponseWriter: w, m: m, r: r, path: path}
		next.ServeHTTP(sw, r)
	})
}

// slashCandidate reports whether path could be redirected to path+"/".
func slashCandidate(path string) bool {
	return strings.HasPrefix(path, "/") && !strings.HasSuffix(path, "/")
}

// slashResolves reports whether path+"/" resolves. (Django also checks
// that path does not; a 404 for it says so already.)
func (m *canonicalURL) slashResolves(r *http.Request, path string) bool {
	return m.resolver.Resolves(r.Method, r.Host, path+"/")
}

// redirectToWWW answers the PREPEND_WWW redirect and reports whether it did.
func (m *canonicalURL) redirectToWWW(w http.ResponseWriter, r *http.Request, path string) bool {
	domain, _, ok := splitHost(r.Host)
	if !ok || strings.HasPrefix(domain, "www.") || domain == "localhost" || isIPLiteral(domain) {
		return false
	}
	if m.appendSlash && slashCandidate(path) &&
		!m.resolver.Resolves(r.Method, r.Host, path) && m.slashResolves(r, path) {
		path += "/"
	}
	scheme := "http://"
	if IsSecure(r) {
		scheme = "https://"
	}
	redirect(w, r, scheme+"www."+strings.ToLower(r.Host)+path+query(r))
	return true
}

// query returns "?" and the raw query, or "" when there is none.
func query(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return "?" + r.URL.RawQuery
}

// safeLocalPath makes an escaped path safe as a relative Location: a
// leading "//" or "/\" would make browsers read it as a host.
func safeLocalPath(p string) string {
	if len(p) >= 2 && p[0] == '/' {
		switch p[1] {
		case '/':
			return "/%2F" + p[2:]
		case '\\':
			return "/%5C" + p[2:]
		}
	}
	return p
}

// slashWriter turns a 404 into the APPEND_SLASH redirect when path+"/"
// resolves. It decides at the first WriteHeader or Write.
type slashWriter struct {
	http.ResponseWriter
	m    *canonicalURL
	r    *http.Request
	path string
	// state is 0 until decided, then passThrough or redirected.
	state uint8
}

const (
	passThrough = 1 + iota
	redirected
)

func (sw *slashWriter) decide(code int) {
	if code == http.StatusNotFound && sw.m.slashResolves(sw.r, sw.path) || sw.muxSlashRedirect(code) {
		sw.state = redirected
		redirect(sw.ResponseWriter, sw.r, safeLocalPath(sw.path+"/")+query(sw.r))
		return
	}
	sw.state = passThrough
	sw.ResponseWriter.WriteHeader(code)
}

// muxSlashRedirect reports whether code is http.ServeMux's own
// trailing-slash redirect (307 to path+"/"), which the mux sends before any
// 404 when a pattern ends in a slash. CanonicalURL answers it the way
// APPEND_SLASH does: permanently, with the same safe Location.
func (sw *slashWriter) muxSlashRedirect(code int) bool {
	if code != http.StatusTemporaryRedirect {
		return false
	}
	loc, err := url.Parse(sw.ResponseWriter.Header().Get("Location"))
	return err == nil && loc.Host == "" && loc.Path == sw.r.URL.Path+"/"
}

// WriteHeader passes the status on, or answers the redirect instead of a 404.
func (sw *slashWriter) WriteHeader(code int) {
	switch {
	case sw.state == redirected:
	case sw.state == passThrough, code >= 100 && code < 200 && code != http.StatusSwitchingProtocols:
		sw.ResponseWriter.WriteHeader(code)
	default:
		sw.decide(code)
	}
}

// Write passes body bytes on, or drops them after a redirect.
func (sw *slashWriter) Write(p []byte) (int, error) {
	if sw.state == 0 {
		sw.decide(http.StatusOK)
	}
	if sw.state == redirected {
		return len(p), nil
	}
	return sw.ResponseWriter.Write(p)
}

// FlushError starts the response if needed and flushes it.
func (sw *slashWriter) FlushError() error {
	if sw.state == 0 {
		sw.decide(http.StatusOK)
	}
	if sw.state == redirected {
		return nil
	}
	return http.NewResponseController(sw.ResponseWriter).Flush()
}

// Flush is FlushError for callers that assert http.Flusher.
func (sw *slashWriter) Flush() { _ = sw.FlushError() }

// Hijack hands the connection over, when the wrapped writer can.
func (sw *slashWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(sw.ResponseWriter).Hijack()
	if err == nil && sw.state == 0 {
		sw.state = passThrough
	}
	return c, brw, err
}

// Written reports whether the response has started.
func (sw *slashWriter) Written() bool { return sw.state != 0 }

// Unwrap returns the wrapped writer, for http.ResponseController.
func (sw *slashWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }
