package static

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// cssRef is one reference in a stylesheet: css[start:end] is the URL as
// written, without quotes.
type cssRef struct{ start, end int }

// cssRefs returns the url(...) and @import "..." references of a
// stylesheet, in order. References inside comments and inside other
// strings (content: "url(x)") are not references and are skipped.
func cssRefs(css string) []cssRef {
	var refs []cssRef
	n := len(css)
	for i := 0; i < n; {
		c := css[i]
		switch {
		case c == '/' && i+1 < n && css[i+1] == '*':
			j := strings.Index(css[i+2:], "*/")
			if j < 0 {
				return refs
			}
			i += 2 + j + 2
		case c == '"' || c == '\'':
			_, end, ok := cssString(css, i)
			if !ok {
				return refs
			}
			i = end
		case (c == 'u' || c == 'U') && hasPrefixFold(css[i:], "url(") && (i == 0 || !isIdentByte(css[i-1])):
			j := skipSpace(css, i+4)
			if j < n && (css[j] == '"' || css[j] == '\'') {
				ref, end, ok := cssString(css, j)
				if !ok {
					return refs
				}
				refs = append(refs, ref)
				i = end
				continue
			}
			k := strings.IndexByte(css[j:], ')')
			if k < 0 {
				return refs
			}
			end := j + k
			for end > j && isSpace(css[end-1]) {
				end--
			}
			refs = append(refs, cssRef{j, end})
			i = j + k + 1
		case c == '@' && hasPrefixFold(css[i:], "@import"):
			j := skipSpace(css, i+len("@import"))
			if j < n && (css[j] == '"' || css[j] == '\'') {
				ref, end, ok := cssString(css, j)
				if !ok {
					return refs
				}
				refs = append(refs, ref)
				i = end
				continue
			}
			i = j // @import url(...) is found as a url(
		default:
			i++
		}
	}
	return refs
}

// cssString reads the quoted string starting at css[i] and returns the
// span of its content and the index after its closing quote; ok is false
// for an unterminated string.
func cssString(css string, i int) (cssRef, int, bool) {
	q := css[i]
	for j := i + 1; j < len(css); j++ {
		switch css[j] {
		case '\\':
			j++
		case '\n':
			return cssRef{}, 0, false
		case q:
			return cssRef{i + 1, j}, j + 1, true
		}
	}
	return cssRef{}, 0, false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isIdentByte(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// MissingReferenceError is a stylesheet that refers to a file collectstatic
// did not find; collectstatic stops on it, as Django's
// ManifestStaticFilesStorage does.
type MissingReferenceError struct {
	// File is the stylesheet's name, Ref the reference as written and
	// Target the name it resolves to.
	File, Ref, Target string
}

func (e *MissingReferenceError) Error() string {
	return fmt.Sprintf("static: the CSS file %q references a file which could not be found: %q (resolved to %q); check the URL references in this CSS file, particularly relative paths that may point to the wrong location",
		e.File, e.Ref, e.Target)
}

// rewriteCSS returns the stylesheet name with its references to other
// static files replaced by their hashed names from hashed; staticURL is the
// path of Settings.Static.URL ("/static/"), under which absolute references
// are static names too. References left alone: empty ones, fragments
// ("#id"), protocol-relative ("//cdn") and anything with a scheme (data:,
// http:, https:), and absolute paths outside staticURL. Queries and
// fragments are kept ("font.woff2?v=3#iefix"). A reference to a file not
// in hashed is a *MissingReferenceError.
func rewriteCSS(name, css, staticURL string, hashed map[string]string) (string, error) {
	refs := cssRefs(css)
	if len(refs) == 0 {
		return css, nil
	}
	var b strings.Builder
	b.Grow(len(css) + 16*len(refs))
	last := 0
	for _, r := range refs {
		ref := css[r.start:r.end]
		repl, err := rewriteRef(name, ref, staticURL, hashed)
		if err != nil {
			return "", err
		}
		b.WriteString(css[last:r.start])
		b.WriteString(repl)
		last = r.end
	}
	b.WriteString(css[last:])
	return b.String(), nil
}

// rewriteRef returns the replacement of one reference of the stylesheet
// name.
func rewriteRef(name, ref, staticURL string, hashed map[string]string) (string, error) {
	u := strings.TrimSpace(ref)
	if u == "" || u[0] == '#' || strings.HasPrefix(u, "//") || hasScheme(u) {
		return ref, nil
	}
	p, suffix := u, ""
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		p, suffix = u[:i], u[i:]
	}
	if p == "" {
		return ref, nil
	}
	decoded, err := url.PathUnescape(p)
	if err != nil {
		decoded = p
	}
	var target string
	if strings.HasPrefix(decoded, "/") {
		if staticURL == "" || !strings.HasPrefix(decoded, staticURL) {
			return ref, nil // a URL of the site, not a static file
		}
		target = path.Clean(strings.TrimPrefix(decoded, staticURL))
	} else {
		target = path.Join(path.Dir(name), decoded)
	}
	h, ok := hashed[target]
	if !ok || strings.HasPrefix(target, "../") || target == ".." {
		return "", &MissingReferenceError{File: name, Ref: u, Target: target}
	}
	// Keep the reference as written and swap its last element, as Django
	// does: "../img/logo.png" → "../img/logo.0123456789ab.png".
	dir, lastElem := "", p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		dir, lastElem = p[:i+1], p[i+1:]
	}
	base := path.Base(h)
	if unesc, err := url.PathUnescape(lastElem); err == nil && unesc != lastElem {
		base = url.PathEscape(base)
	}
	return dir + base + suffix, nil
}

// hasScheme reports whether u starts with a URL scheme ("data:", "https:").
func hasScheme(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':':
			return i > 0
		default:
			return false
		}
	}
	return false
}
