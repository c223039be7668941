package urls

import "net/http"

// Converter validates the value of a typed wildcard such as {year:year}.
// Match reports whether value, the unescaped text of one path segment, is
// acceptable; a request whose value does not match is answered 404 and
// Reverse refuses arguments that do not match.
//
// Register a Converter with Router.Converter on the router that uses it
// or on any router it is (or will be) included in, before Handler: a
// converter registered on the project's root router serves every app. Match is called concurrently by many requests, so it must be safe for
// concurrent use; it should not allocate.
type Converter interface {
	Match(value string) bool
}

// ConverterFunc adapts an ordinary function to a Converter. A nil
// ConverterFunc must not be registered; the function must be safe for
// concurrent use.
type ConverterFunc func(value string) bool

// Match returns f(value).
func (f ConverterFunc) Match(value string) bool { return f(value) }

// convKind selects the validation of a wildcard. Built-in converters are
// checked by a switch instead of an interface call, which keeps the
// per-request wrapper and Reverse free of allocations.
type convKind uint8

const (
	convStr     convKind = iota // {name} or {name:str}: any non-empty segment
	convRest                    // {name...}: the rest of the path, may be empty
	convInt                     // {name:int}: [0-9]+ that fits in an int64
	convSlug                    // {name:slug}: [-a-zA-Z0-9_]+
	convUUID                    // {name:uuid}: canonical lowercase 8-4-4-4-12 hex
	convPath                    // {name:path}: the rest of the path, non-empty
	convCustom                  // a registered Converter
	convPending                 // a converter not found yet; matches nothing
)

// builtinConverter returns the kind of the built-in converter called name.
func builtinConverter(name string) (convKind, bool) {
	switch name {
	case "str":
		return convStr, true
	case "int":
		return convInt, true
	case "slug":
		return convSlug, true
	case "uuid":
		return convUUID, true
	case "path":
		return convPath, true
	}
	return 0, false
}

// match reports whether v is acceptable for a wildcard of kind k at request
// time. ServeMux already guarantees a single wildcard is non-empty.
func (k convKind) match(v string, c Converter) bool {
	switch k {
	case convInt:
		_, ok := parseInt(v)
		return ok
	case convSlug:
		return isSlug(v)
	case convUUID:
		return isUUID(v)
	case convPath:
		return v != ""
	case convCustom:
		return c.Match(v)
	case convPending:
		return false
	}
	return true
}

// parseInt parses s as [0-9]+ and reports whether it fits in an int64.
func parseInt(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

func isSlug(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// Param returns the value of the wildcard name in the pattern that matched
// r, unescaped, or "" when there is no such wildcard. It is r.PathValue(name).
func Param(r *http.Request, name string) string { return r.PathValue(name) }

// Int returns the value of the wildcard name as an int. It is meant for
// {name:int} wildcards, whose converter has already checked the value, so a
// view can use the result directly. It returns 0 when there is no such
// wildcard, when the value is not decimal digits ([0-9]+) or when it does
// not fit in an int.
func Int(r *http.Request, name string) int {
	n, ok := parseInt(r.PathValue(name))
	if !ok || n > int64(int(^uint(0)>>1)) {
		return 0
	}
	return int(n)
}

// Int64 is like Int but returns an int64, the full range the int converter
// accepts.
func Int64(r *http.Request, name string) int64 {
	n, _ := parseInt(r.PathValue(name))
	return n
}
