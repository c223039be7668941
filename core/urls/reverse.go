package urls

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Args holds Reverse arguments by wildcard name, an alternative to
// positional arguments: r.Reverse("polls:detail", urls.Args{"id": 7}).
// A nil Args is an empty set of arguments. Reverse only reads it.
type Args map[string]any

// ErrNoRoute is wrapped by the error Reverse returns when no route has the
// name asked for (as opposed to a route that exists but refuses the
// arguments).
var ErrNoRoute = errors.New("urls: no route with that name")

// ReverseError is the error Reverse returns. Its message reads
// `urls: reverse "polls:detail": want 1 argument, got 2`. Reverse returns a
// new one each time; it is not modified afterwards.
type ReverseError struct {
	// Name is the route name given to Reverse.
	Name string
	// Reason says what is wrong, in lowercase: "no route with that name",
	// "want 1 argument, got 2", `argument 1 ("x") does not match {id:int}`.
	Reason string
	// Err is ErrNoRoute when no route has the name, nil otherwise.
	Err error
}

// Error returns the message, prefixed "urls: reverse" and the quoted name.
func (e *ReverseError) Error() string {
	return "urls: reverse " + strconv.Quote(e.Name) + ": " + e.Reason
}

// Unwrap returns Err.
func (e *ReverseError) Unwrap() error { return e.Err }

// Reverse returns the path of the route called name, its wildcards filled
// with args. It is safe for concurrent use once registration is done, and
// works from any router of a tree: names are full names from the root
// ("polls:detail").
//
// Arguments are positional, in the order the wildcards appear in the
// pattern (include prefixes first), or a single Args with one entry per
// wildcard. An argument is a string, any integer type, or a fmt.Stringer
// (a UUID type, for example). Each is checked against its wildcard's
// converter and percent-encoded as one path segment, so "/", "?", "#",
// "%" and spaces inside a value survive the trip back to r.PathValue; a
// {name:path} or {name...} argument keeps its slashes and encodes each
// segment. Values that no client would send back intact are refused: an
// empty value for a one-segment wildcard, "." and ".." (browsers resolve
// them even when encoded), a lone "/" (ServeMux takes a %2F segment for a
// trailing slash), and a path argument with an empty, "." or ".." segment
// ("a//b", "/a", "a/../b"; a final empty segment, "dir/", is fine).
//
// A final url.Values argument is appended as the query string, keys
// sorted; an empty one adds nothing.
//
// The result is the path only: a pattern's method and host are not part of
// it (build an absolute URL from the host yourself). {$} and a trailing
// slash in the pattern give a trailing slash.
//
// Reverse does not panic (unless an argument's String method does); its
// errors are *ReverseError.
func (r *Router) Reverse(name string, args ...any) (string, error) {
	t := r.root().tree
	rt := t.names[name]
	if rt == nil {
		return "", t.noRoute(name)
	}
	return rt.reverse(args)
}

// MustReverse is like Reverse but panics on error. Use it in start-up code
// (redirect tables, settings) where a bad name is a programming error.
func (r *Router) MustReverse(name string, args ...any) string {
	s, err := r.Reverse(name, args...)
	if err != nil {
		panic(err)
	}
	return s
}

func (rt *route) errorf(format string, args ...any) error {
	return &ReverseError{Name: rt.name, Reason: fmt.Sprintf(format, args...)}
}

func (rt *route) reverse(args []any) (string, error) {
	var query url.Values
	if n := len(args); n > 0 {
		if q, ok := args[n-1].(url.Values); ok {
			query, args = q, args[:n-1]
		}
	}
	var named Args
	isNamed := false
	if len(args) == 1 {
		named, isNamed = args[0].(Args)
	}
	if !isNamed && len(args) != len(rt.params) {
		return "", rt.errorf("want %s, got %d", plural(len(rt.params), "argument"), len(args))
	}
	if len(rt.params) == 0 && len(query) == 0 && len(rt.prog) == 1 && (!isNamed || len(named) == 0) {
		return rt.prog[0].lit, nil // a path without wildcards is a constant
	}
	var b strings.Builder
	b.Grow(rt.litSize + 12*len(rt.params))
	for _, p := range rt.prog {
		if p.param < 0 {
			b.WriteString(p.lit)
			continue
		}
		s := rt.params[p.param]
		var a any
		if isNamed {
			v, ok := named[s.name]
			if !ok {
				return "", rt.errorf("missing argument %q", s.name)
			}
			a = v
		} else {
			a = args[p.param]
		}
		if why := appendArg(&b, s, a); why != "" {
			label := strconv.Itoa(p.param + 1)
			if isNamed {
				label = strconv.Quote(s.name)
			}
			return "", rt.errorf("argument %s %s", label, why)
		}
	}
	if isNamed && len(named) != len(rt.params) {
		var extra []string
		for k := range named {
			if !slices.ContainsFunc(rt.params, func(s *segment) bool { return s.name == k }) {
				extra = append(extra, strconv.Quote(k))
			}
		}
		slices.Sort(extra)
		word := "argument"
		if len(extra) > 1 {
			word = "arguments"
		}
		return "", rt.errorf("unexpected %s %s", word, strings.Join(extra, ", "))
	}
	if len(query) > 0 {
		b.WriteByte('?')
		b.WriteString(query.Encode())
	}
	return b.String(), nil
}

// plural returns "1 argument", "2 arguments".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// appendArg writes argument a for wildcard s, or returns why it cannot.
func appendArg(b *strings.Builder, s *segment, a any) string {
	switch v := a.(type) {
	case string:
		return appendString(b, s, v)
	case int:
		return appendInt(b, s, int64(v))
	case int64:
		return appendInt(b, s, v)
	case int32:
		return appendInt(b, s, int64(v))
	case int16:
		return appendInt(b, s, int64(v))
	case int8:
		return appendInt(b, s, int64(v))
	case uint:
		return appendUint(b, s, uint64(v))
	case uint64:
		return appendUint(b, s, v)
	case uint32:
		return appendUint(b, s, uint64(v))
	case uint16:
		return appendUint(b, s, uint64(v))
	case uint8:
		return appendUint(b, s, uint64(v))
	case fmt.Stringer:
		return appendString(b, s, v.String())
	case nil:
		return "is nil"
	}
	return fmt.Sprintf("has unsupported type %T (want a string, an integer or a fmt.Stringer)", a)
}

// appendInt writes a signed integer argument. Digits and '-' are valid for
// every converter but int (no sign) and uuid, so most cases need no string.
func appendInt(b *strings.Builder, s *segment, v int64) string {
	var buf [24]byte
	digits := strconv.AppendInt(buf[:0], v, 10)
	switch s.ck {
	case convInt:
		if v < 0 {
			return fmt.Sprintf("(%d) does not match %s", v, s.wildcard())
		}
	case convUUID, convCustom, convPending:
		if !s.ck.match(string(digits), s.c) {
			return fmt.Sprintf("(%d) does not match %s", v, s.wildcard())
		}
	}
	b.Write(digits)
	return ""
}

// appendUint writes an unsigned integer argument.
func appendUint(b *strings.Builder, s *segment, v uint64) string {
	var buf [24]byte
	digits := strconv.AppendUint(buf[:0], v, 10)
	switch s.ck {
	case convInt:
		if v > 1<<63-1 {
			return fmt.Sprintf("(%d) does not match %s: it does not fit in an int64", v, s.wildcard())
		}
	case convUUID, convCustom, convPending:
		if !s.ck.match(string(digits), s.c) {
			return fmt.Sprintf("(%d) does not match %s", v, s.wildcard())
		}
	}
	b.Write(digits)
	return ""
}

// appendString checks and writes a string argument.
func appendString(b *strings.Builder, s *segment, v string) string {
	if s.kind == segMulti {
		return appendRest(b, s, v)
	}
	switch {
	case v == "":
		return "is empty"
	case v == "." || v == "..":
		return fmt.Sprintf("(%q) is a dot segment, which clients remove from URLs", v)
	case v == "/":
		// Escaped as %2F it would be a segment that ServeMux takes for a
		// trailing slash, which a single wildcard never matches.
		return `("/") is a lone slash, which ServeMux cannot match as a segment`
	case !s.ck.match(v, s.c):
		return fmt.Sprintf("(%q) does not match %s", v, s.wildcard())
	}
	appendEscaped(b, v)
	return ""
}

// appendRest writes the value of a rest-of-path wildcard: each segment is
// escaped, the slashes between them kept.
func appendRest(b *strings.Builder, s *segment, v string) string {
	if v == "" {
		if s.ck == convPath {
			return "is empty"
		}
		return ""
	}
	// Check every segment before writing any.
	for rest := v; ; {
		seg, after, more := strings.Cut(rest, "/")
		switch {
		case seg == "" && more:
			return fmt.Sprintf("(%q) has an empty segment, which clients remove from URLs", v)
		case seg == "." || seg == "..":
			return fmt.Sprintf("(%q) has a dot segment, which clients remove from URLs", v)
		}
		if !more {
			break
		}
		rest = after
	}
	for rest := v; ; {
		seg, after, more := strings.Cut(rest, "/")
		appendEscaped(b, seg)
		if !more {
			break
		}
		b.WriteByte('/')
		rest = after
	}
	return ""
}

// wildcard returns the segment as written in the pattern, "{id:int}".
func (s *segment) wildcard() string {
	var b strings.Builder
	s.display(&b)
	return b.String()[1:]
}

// noRoute returns the error for an unknown name, with the closest names
// as suggestions.
func (t *tree) noRoute(name string) error {
	type cand struct {
		name string
		d    int
	}
	var cands []cand
	limit := max(1, len(name)/6)
	_, short, _ := cutLast(name)
	for n := range t.names {
		if name == "" {
			break
		}
		d := distance(name, n)
		_, nshort, _ := cutLast(n)
		if d <= limit || nshort == short {
			cands = append(cands, cand{n, d})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.name, b.name)
	})
	reason := "no route with that name"
	if len(cands) > 0 {
		var q []string
		for _, c := range cands[:min(3, len(cands))] {
			q = append(q, strconv.Quote(c.name))
		}
		reason += " (did you mean " + strings.Join(q, " or ") + "?)"
	}
	return &ReverseError{Name: name, Reason: reason, Err: ErrNoRoute}
}

// cutLast splits a full name into its namespace and its last part.
func cutLast(name string) (ns, short string, found bool) {
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return name[:i], name[i+1:], true
	}
	return "", name, false
}

// distance is the optimal string alignment distance between a and b
// (Levenshtein plus transpositions), by bytes: names are short and it runs
// only when a name is unknown.
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
