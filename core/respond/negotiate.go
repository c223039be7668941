package respond

import (
	"net/http"
	"strings"
)

// WantsJSON reports whether the client of r wants a JSON response rather
// than HTML; Renderer.Error uses it to choose the body of an error.
//
// The Accept header decides when it ranks application/json (or any
// application/*+json type it lists) and text/html differently, using
// q-values and the most specific matching range. When they tie (no Accept,
// "*/*", or neither listed), JSON wins if the request is an
// XMLHttpRequest (X-Requested-With: XMLHttpRequest) or has a JSON
// Content-Type; otherwise HTML. So an XHR or a JSON POST gets JSON unless
// its Accept header prefers HTML.
//
// It does not allocate and is safe for concurrent use.
func WantsJSON(r *http.Request) bool {
	accept := r.Header["Accept"]
	qJSON, qHTML := qMax, qMax // no Accept header: everything is acceptable
	if len(accept) > 0 {
		qJSON, qHTML = acceptQualities(accept)
	}
	if qJSON != qHTML {
		return qJSON > qHTML
	}
	for _, v := range r.Header["X-Requested-With"] {
		if equalFoldASCII(strings.TrimSpace(v), "XMLHttpRequest") {
			return true
		}
	}
	if ct := r.Header["Content-Type"]; len(ct) > 0 {
		mt, _, _ := strings.Cut(ct[0], ";")
		typ, sub, _ := strings.Cut(strings.TrimSpace(mt), "/")
		return equalFoldASCII(typ, "application") && isJSONSubtype(sub)
	}
	return false
}

// qMax is the q-value 1 in thousandths.
const qMax = 1000

// acceptQualities returns the qualities, in thousandths (0–1000), that the
// Accept header field lines give application/json and text/html: for each,
// the q of the most specific range that matches (type/subtype, then
// type/*, then */*; the highest q among equally specific ranges), or 0 when
// none matches. Any application/*+json range counts as an exact match for
// application/json. Elements with an invalid q-value are ignored. The
// lines are parsed once, without allocating.
func acceptQualities(lines []string) (qJSON, qHTML int) {
	var j, h acceptMatch
	for _, line := range lines {
		for len(line) > 0 {
			var elem string
			elem, line = cutUnquoted(line, ',')
			mr, params, _ := strings.Cut(elem, ";")
			rt, rs, ok := mediaRange(trimOWS(mr))
			if !ok {
				continue
			}
			sj := specificity(rt, rs, "application", "json")
			sh := specificity(rt, rs, "text", "html")
			if sj == 0 && sh == 0 {
				continue
			}
			q := paramQ(params)
			if q < 0 {
				continue
			}
			j.offer(sj, q)
			h.offer(sh, q)
		}
	}
	return j.q, h.q
}

// acceptMatch is the best Accept range seen so far for one media type.
type acceptMatch struct{ spec, q int }

func (m *acceptMatch) offer(spec, q int) {
	if spec > m.spec || (spec > 0 && spec == m.spec && q > m.q) {
		m.spec, m.q = spec, q
	}
}

// mediaRange splits a media range into its type and subtype; a lone "*",
// a common spelling of */*, counts as */*.
func mediaRange(mr string) (typ, sub string, ok bool) {
	if mr == "*" {
		return "*", "*", true
	}
	return strings.Cut(mr, "/")
}

// specificity reports how specifically the range rt/rs matches the media
// type typ/sub (lower case): 3 exactly, 2 as typ/*, 1 as */*, 0 not at all.
func specificity(rt, rs, typ, sub string) int {
	switch {
	case rt == "*" && rs == "*":
		return 1
	case !equalFoldASCII(rt, typ):
		return 0
	case rs == "*":
		return 2
	case equalFoldASCII(rs, sub), typ == "application" && sub == "json" && isJSONSubtype(rs):
		return 3
	}
	return 0
}

// cutUnquoted splits s at its first sep outside a quoted string.
func cutUnquoted(s string, sep byte) (before, after string) {
	i := strings.IndexByte(s, sep)
	if i < 0 {
		return s, ""
	}
	if strings.IndexByte(s[:i], '"') < 0 { // the common case: no quotes
		return s[:i], s[i+1:]
	}
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++ // skip the escaped byte
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// paramQ returns the q parameter among the media-range parameters params
// in thousandths: 1000 when absent, -1 when malformed.
func paramQ(params string) int {
	for len(params) > 0 {
		var p string
		p, params = cutUnquoted(params, ';')
		name, value, ok := strings.Cut(p, "=")
		if !ok || !equalFoldASCII(trimOWS(name), "q") {
			continue
		}
		return parseQ(trimOWS(value))
	}
	return qMax
}

// parseQ parses an RFC 9110 qvalue ("0", "0.5", "1", "1.000", at most three
// decimals, never above 1) in thousandths, or returns -1.
func parseQ(s string) int {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return -1
	}
	q := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return q
	}
	if s[1] != '.' || len(s) > 5 {
		return -1
	}
	scale := 100
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > qMax {
		return -1
	}
	return q
}

// isJSONSubtype reports whether a media subtype is json or a +json suffix.
func isJSONSubtype(sub string) bool {
	if equalFoldASCII(sub, "json") {
		return true
	}
	return len(sub) > 5 && equalFoldASCII(sub[len(sub)-5:], "+json")
}

// trimOWS trims HTTP optional whitespace (spaces and tabs).
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// equalFoldASCII reports whether s and t are equal ignoring ASCII case;
// HTTP tokens are ASCII, so no Unicode folding applies.
func equalFoldASCII(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
