package urls

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// segKind is the kind of one path segment of a compiled pattern.
type segKind uint8

const (
	segLit      segKind = iota // a literal segment
	segParam                   // {name} or {name:conv}: one segment
	segMulti                   // {name...} or {name:path}: the rest of the path
	segTrailing                // a trailing slash: ServeMux's anonymous "rest of the path"
	segDollar                  // {$}: exactly a trailing slash
)

// segment is one segment of a compiled pattern. Patterns are compiled once at
// registration; the ServeMux pattern, the display pattern and the Reverse
// program are all derived from the segments.
type segment struct {
	kind segKind
	lit  string    // segLit: unescaped literal
	raw  string    // segLit: literal as written in the pattern
	name string    // segParam, segMulti: wildcard name
	conv string    // converter name as written, "" when none was given
	ck   convKind  // validation of the wildcard's value
	c    Converter // ck == convCustom: the registered converter
	// from is, while ck == convPending, the router whose converters (and
	// its ancestors') name conv: the converter is looked up again each time
	// the route moves into a bigger tree, and must be found by Handler.
	from *Router
}

// display returns the segment as the user wrote it, for Routes and pages.
func (s *segment) display(b *strings.Builder) {
	switch s.kind {
	case segLit:
		b.WriteByte('/')
		b.WriteString(s.raw)
	case segParam, segMulti:
		b.WriteString("/{")
		b.WriteString(s.name)
		if s.conv != "" {
			b.WriteByte(':')
			b.WriteString(s.conv)
		} else if s.kind == segMulti {
			b.WriteString("...")
		}
		b.WriteByte('}')
	case segTrailing:
		b.WriteByte('/')
	case segDollar:
		b.WriteString("/{$}")
	}
}

// muxSegment writes the segment in ServeMux syntax: converters dropped,
// {name:path} becomes {name...}, literals escaped so that ServeMux reads
// back the same literal.
func (s *segment) muxSegment(b *strings.Builder) {
	switch s.kind {
	case segParam:
		b.WriteString("/{")
		b.WriteString(s.name)
		b.WriteByte('}')
	case segMulti:
		b.WriteString("/{")
		b.WriteString(s.name)
		b.WriteString("...}")
	case segLit:
		b.WriteByte('/')
		appendEscaped(b, s.lit)
	default:
		s.display(b)
	}
}

// parsed is a pattern split into its parts.
type parsed struct {
	method, host string
	segs         []segment
}

// parsePattern parses a ServeMux pattern extended with converters,
// "[METHOD ][HOST]/[PATH]", resolving converter names with lookup; a name
// lookup does not know gives a convPending segment. It
// returns an error for what it can tell is wrong; ServeMux validates the
// rest (method syntax, wildcard names) when the route is registered.
func parsePattern(pattern string, lookup func(string) (convKind, Converter, bool)) (parsed, error) {
	var p parsed
	rest := pattern
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		p.method, rest = pattern[:i], strings.TrimLeft(pattern[i+1:], " \t")
	}
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return p, fmt.Errorf("missing / before the path")
	}
	p.host, rest = rest[:i], rest[i:]
	if strings.ContainsAny(p.host, "{}") {
		return p, fmt.Errorf("host %q contains a wildcard", p.host)
	}
	segs, err := parsePath(rest, lookup, false)
	if err != nil {
		return p, err
	}
	p.segs = segs
	return p, nil
}

// parsePath parses the path part of a pattern, which starts with "/". A
// prefix (for Include) may be "" and may not end in {$}, a rest wildcard or
// a trailing slash (a trailing slash is dropped).
func parsePath(path string, lookup func(string) (convKind, Converter, bool), prefix bool) ([]segment, error) {
	if prefix {
		if path == "" || path == "/" {
			return nil, nil
		}
		path = strings.TrimSuffix(path, "/")
	}
	if path == "" || path[0] != '/' {
		return nil, fmt.Errorf("path must start with /")
	}
	var segs []segment
	seen := map[string]bool{}
	for path != "" {
		path = path[1:] // drop the slash
		if path == "" {
			segs = append(segs, segment{kind: segTrailing})
			break
		}
		var raw string
		if i := strings.IndexByte(path, '/'); i >= 0 {
			raw, path = path[:i], path[i:]
		} else {
			raw, path = path, ""
		}
		if !strings.Contains(raw, "{") {
			if strings.Contains(raw, "}") {
				return nil, fmt.Errorf("segment %q has } without {", raw)
			}
			lit, err := url.PathUnescape(raw)
			if err != nil {
				return nil, fmt.Errorf("segment %q: bad escape", raw)
			}
			switch raw {
			case "":
				return nil, fmt.Errorf("empty segment (//) can never match a cleaned path")
			case ".", "..":
				return nil, fmt.Errorf("segment %q can never match a cleaned path", raw)
			}
			segs = append(segs, segment{kind: segLit, lit: lit, raw: raw})
			continue
		}
		if raw[0] != '{' || raw[len(raw)-1] != '}' {
			return nil, fmt.Errorf("wildcard segment %q must be a whole segment {...}", raw)
		}
		inner := raw[1 : len(raw)-1]
		if inner == "$" {
			if path != "" {
				return nil, fmt.Errorf("{$} not at the end")
			}
			if prefix {
				return nil, fmt.Errorf("{$} in an Include prefix")
			}
			segs = append(segs, segment{kind: segDollar})
			break
		}
		s := segment{kind: segParam}
		if name, ok := strings.CutSuffix(inner, "..."); ok {
			s.kind, s.ck, s.name = segMulti, convRest, name
		} else if name, conv, ok := strings.Cut(inner, ":"); ok {
			s.name, s.conv = name, conv
			if ck, c, found := lookup(conv); found {
				s.ck, s.c = ck, c
			} else if !validName(conv) {
				return nil, fmt.Errorf("unknown converter %q in %q", conv, raw)
			} else {
				// Maybe registered on a router this one will be included
				// in: resolved when the route reaches it, or by Handler.
				s.ck = convPending
			}
			if s.ck == convPath {
				s.kind = segMulti
			}
		} else {
			s.name = inner
		}
		if !validName(s.name) {
			return nil, fmt.Errorf("bad wildcard name %q in %q", s.name, raw)
		}
		if seen[s.name] {
			return nil, fmt.Errorf("duplicate wildcard name %q", s.name)
		}
		seen[s.name] = true
		if s.kind == segMulti {
			if path != "" {
				return nil, fmt.Errorf("%q matches the rest of the path and must be the last segment", raw)
			}
			if prefix {
				return nil, fmt.Errorf("%q in an Include prefix", raw)
			}
		}
		segs = append(segs, s)
	}
	return segs, nil
}

// validName reports whether s is a Go identifier, the syntax ServeMux
// accepts for wildcard names; converter names use it too.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !unicode.IsLetter(c) && c != '_' && (i == 0 || !unicode.IsDigit(c)) {
			return false
		}
	}
	return true
}

// appendEscaped writes s to b, percent-encoded as one path segment.
func appendEscaped(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if segmentSafe(c) {
			continue
		}
		b.WriteString(s[start:i])
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
		start = i + 1
	}
	b.WriteString(s[start:])
}

// segmentSafe reports whether c may appear unescaped in a path segment. The
// set is url.PathEscape's, so a path we build is the one net/url would build.
func segmentSafe(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', '$', '&', '+', ':', '=', '@':
		return true
	}
	return false
}
