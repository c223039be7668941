package respond

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Redirect replies to r with a redirect to target. status must be 300,
// 301, 302, 303, 307 or 308; 0 means 302 Found. Any other status is a bug in
// the caller: Error renders it as a 500 and logs it.
//
// target is sent as it is, except that it cannot break the header or
// change meaning in a browser: control characters (CR and LF included),
// spaces, backslashes and non-ASCII bytes are percent-encoded, and an
// empty target means "/". Like http.Redirect, a GET without a Content-Type
// set gets a short HTML body with a link.
//
// Redirect does not check where target points: pass a target taken from
// the request (a ?next= parameter) through IsSafeRedirect first, or it is
// an open redirect.
func Redirect(w http.ResponseWriter, r *http.Request, target string, status int) {
	if status == 0 {
		status = http.StatusFound
	}
	switch status {
	case http.StatusMultipleChoices, http.StatusMovedPermanently, http.StatusFound,
		http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		Error(w, r, fmt.Errorf("respond: redirect to %q: status %d is not a redirect", target, status))
		return
	}
	loc := neutralizeLocation(target)
	h := w.Header()
	_, hadCT := h["Content-Type"]
	h["Location"] = []string{loc}
	body := !hadCT && r.Method == http.MethodGet
	if !hadCT && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		h["Content-Type"] = []string{"text/html; charset=utf-8"}
	}
	w.WriteHeader(status)
	if body {
		_, _ = io.WriteString(w, `<a href="`+html.EscapeString(loc)+`">`+statusText(status)+"</a>.\n")
	}
}

// neutralizeLocation percent-encodes the bytes of target that could split
// a header or that browsers read differently from servers.
func neutralizeLocation(target string) string {
	if target == "" {
		return "/"
	}
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(target); i++ {
		c := target[i]
		if c > ' ' && c < 0x7f && c != '\\' {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(target)+16)
			b = append(b, target[:i]...)
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	if b == nil {
		return target
	}
	return string(b)
}

// IsSafeRedirect reports whether target is a safe place to redirect to
// (Django's url_has_allowed_host_and_scheme): a relative reference that
// stays on the current host (/path, path, ?query, #fragment), or an
// absolute or scheme-relative URL over http or https whose host (with its
// port, compared ignoring case) is one of allowedHosts, typically r.Host.
//
// It rejects everything browsers might read as another host or another
// scheme: //evil.com, ///evil.com, /\evil.com, \\evil.com, https:evil.com,
// http:///evil.com, javascript: and data: URLs, user info
// (https://allowed@evil.com), control characters and invisible or
// white-space characters anywhere (browsers drop tabs and newlines), any
// backslash, leading or trailing spaces, invalid UTF-8, and the empty
// string. It is safe for concurrent use.
func IsSafeRedirect(target string, allowedHosts ...string) bool {
	if target == "" || target[0] == ' ' || target[len(target)-1] == ' ' {
		return false
	}
	for i := 0; i < len(target); {
		c := target[i]
		if c < utf8.RuneSelf {
			if c < ' ' || c == 0x7f || c == '\\' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(target[i:])
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
		i += size
	}
	if strings.HasPrefix(target, "//") {
		if strings.HasPrefix(target, "///") {
			return false
		}
		return absoluteAllowed(target, allowedHosts)
	}
	if isRelativeRef(target) {
		// A path, query or fragment: browsers resolve it on the current host.
		_, err := url.Parse(target)
		return err == nil
	}
	return absoluteAllowed(target, allowedHosts)
}

// isRelativeRef reports whether target has no scheme: no ':' before its
// first '/', '?' or '#'.
func isRelativeRef(target string) bool {
	i := strings.IndexAny(target, ":/?#")
	return i < 0 || target[i] != ':'
}

// absoluteAllowed reports whether target is an http(s) or scheme-relative
// URL with a host in allowed and nothing else in its authority.
func absoluteAllowed(target string, allowed []string) bool {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || u.Opaque != "" || u.User != nil {
		return false
	}
	if u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	for _, h := range allowed {
		if h != "" && strings.EqualFold(u.Host, h) {
			return true
		}
	}
	return false
}
