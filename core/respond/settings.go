package respond

import (
	"encoding"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Masked is the text that replaces a secret value.
const Masked = "********"

// SettingLine is one leaf of a settings value as MaskSettings flattens it.
// The zero value is an empty line.
type SettingLine struct {
	// Path names the leaf from the root: Database.URL, Caches["default"].Location,
	// AllowedHosts[0]. It is empty for a root that is itself a leaf.
	Path string
	// Value is the leaf formatted for display: strings quoted, numbers and
	// booleans as Go writes them, nil as nil, Masked for a secret.
	Value string
	// Masked reports that Value was replaced or had a password removed.
	Masked bool
}

// Limits that keep MaskSettings bounded on deep or cyclic values.
const (
	maxSettingsDepth = 16
	maxSettingsLines = 2000
)

// MaskSettings flattens v, a settings value (usually a struct or a pointer
// to one), into one line per leaf, in field order with map keys sorted, and
// masks what looks secret:
//
//   - the value of any struct field or string-keyed map entry whose name
//     contains SECRET, PASSWORD, PASS, PWD, TOKEN, KEY, API, SIGNATURE,
//     CREDENTIAL, PRIVATE or AUTH (in any case) becomes Masked, the whole subtree as one
//     line; zero values are shown as they are, so an unset secret is visible;
//   - in every string, the password of a URL (postgres://u:secret@h/db
//     becomes postgres://u:********@h/db) and the value of a key=value pair
//     with a secret-looking key (password=x in a DSN or query) become Masked.
//
// Unexported fields are skipped. A value whose type implements
// slog.LogValuer, fmt.Stringer, error or encoding.TextMarshaler (time.Time,
// time.Duration, url.URL, a Secret type that redacts itself...) is a leaf
// shown through that method, its output masked like any string; a
// url.Userinfo shows user:********. The root is always walked. Cycles print as (cycle); deeper than 16 levels or beyond
// 2000 lines the output is cut with a "…" line.
//
// It is meant for the DEBUG page and a diffsettings command, not for a
// request path: it uses reflection on every call. It is safe for concurrent
// use as long as v is not being modified.
func MaskSettings(v any) []SettingLine {
	f := settingsFlattener{visiting: map[uintptr]bool{}}
	f.walk("", reflect.ValueOf(v), 0, true)
	return f.lines
}

type settingsFlattener struct {
	lines    []SettingLine
	visiting map[uintptr]bool
	cut      bool
}

var (
	logValuerType     = reflect.TypeFor[slog.LogValuer]()
	stringerType      = reflect.TypeFor[fmt.Stringer]()
	errorType         = reflect.TypeFor[error]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func (f *settingsFlattener) add(path, value string, masked bool) {
	if f.cut {
		return
	}
	if len(f.lines) >= maxSettingsLines {
		f.lines = append(f.lines, SettingLine{Path: path, Value: "…"})
		f.cut = true
		return
	}
	f.lines = append(f.lines, SettingLine{Path: path, Value: value, Masked: masked})
}

func (f *settingsFlattener) walk(path string, v reflect.Value, depth int, root bool) {
	if f.cut {
		return
	}
	if depth > maxSettingsDepth {
		f.add(path, "…", false)
		return
	}
	if !v.IsValid() {
		f.add(path, "nil", false)
		return
	}
	if !root {
		if s, ok := methodString(v); ok {
			m := MaskString(s)
			f.add(path, m, m != s || strings.Contains(s, Masked))
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			f.add(path, "nil", false)
			return
		}
		if v.Kind() == reflect.Pointer {
			p := v.Pointer()
			if f.visiting[p] {
				f.add(path, "(cycle)", false)
				return
			}
			f.visiting[p] = true
			defer delete(f.visiting, p)
		}
		f.walk(path, v.Elem(), depth+1, root)
	case reflect.Struct:
		t := v.Type()
		n := 0
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			n++
			f.field(join(path, sf.Name), sf.Name, v.Field(i), depth)
		}
		if n == 0 {
			f.add(path, "{}", false)
		}
	case reflect.Map:
		if v.Len() == 0 {
			f.add(path, emptyOf(v), false)
			return
		}
		type entry struct {
			label, name string
			value       reflect.Value
		}
		entries := make([]entry, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			k := it.Key()
			for k.Kind() == reflect.Interface && !k.IsNil() {
				k = k.Elem()
			}
			var name, label string
			if k.Kind() == reflect.String {
				name = k.String()
				label = strconv.Quote(name)
			} else {
				label = fmt.Sprint(k.Interface())
			}
			entries = append(entries, entry{label, name, it.Value()})
		}
		slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.label, b.label) })
		for _, e := range entries {
			f.field(path+"["+e.label+"]", e.name, e.value, depth)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			f.add(path, fmt.Sprintf("[]byte(%d bytes)", v.Len()), false)
			return
		}
		if v.Len() == 0 {
			f.add(path, emptyOf(v), false)
			return
		}
		for i := range v.Len() {
			f.walk(path+"["+strconv.Itoa(i)+"]", v.Index(i), depth+1, false)
		}
	default:
		s, masked := leafString(v)
		f.add(path, s, masked)
	}
}

// field walks a named child: masked whole when its name looks secret and
// its value is not zero.
func (f *settingsFlattener) field(path, name string, v reflect.Value, depth int) {
	if name != "" && isSensitiveName(name) && v.IsValid() && !v.IsZero() {
		f.add(path, Masked, true)
		return
	}
	f.walk(path, v, depth+1, false)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func emptyOf(v reflect.Value) string {
	switch {
	case v.Kind() == reflect.Map && v.IsNil(), v.Kind() == reflect.Slice && v.IsNil():
		return "nil"
	case v.Kind() == reflect.Map:
		return "{}"
	}
	return "[]"
}

// methodString returns v's own text form when its type (or its pointer
// type, when v is addressable) has one. A method that panics counts as
// having none.
func methodString(v reflect.Value) (s string, ok bool) {
	if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
		return "", false
	}
	if !v.CanInterface() {
		return "", false
	}
	x := v.Interface()
	if v.Kind() != reflect.Pointer && !hasTextMethod(v.Type()) && hasTextMethod(reflect.PointerTo(v.Type())) {
		if !v.CanAddr() { // a map value: copy it to call pointer methods
			c := reflect.New(v.Type()).Elem()
			c.Set(v)
			v = c
		}
		x = v.Addr().Interface()
	}
	defer func() {
		if recover() != nil {
			s, ok = "", false
		}
	}()
	switch t := x.(type) {
	case *url.Userinfo: // its String is "user:password"
		if _, set := t.Password(); set {
			return t.Username() + ":" + Masked, true
		}
		return t.Username(), true
	case slog.LogValuer:
		return t.LogValue().Resolve().String(), true
	case fmt.Stringer:
		return t.String(), true
	case error:
		return t.Error(), true
	case encoding.TextMarshaler:
		b, err := t.MarshalText()
		if err != nil {
			return "", false
		}
		return string(b), true
	}
	return "", false
}

func hasTextMethod(t reflect.Type) bool {
	return t.Implements(logValuerType) || t.Implements(stringerType) ||
		t.Implements(errorType) || t.Implements(textMarshalerType)
}

// leafString formats a basic value.
func leafString(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		m := MaskString(s)
		return strconv.Quote(m), m != s
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), false
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), false
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(v.Uint(), 10), false
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()), false
	case reflect.Complex64, reflect.Complex128:
		return strconv.FormatComplex(v.Complex(), 'g', -1, v.Type().Bits()), false
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if v.IsNil() {
			return "nil", false
		}
		return v.Type().String(), false
	}
	return v.Type().String(), false
}

// sensitiveWords are the name fragments that mark a secret, upper case.
// API comes from Django's hidden-settings pattern; PWD is the usual
// abbreviation of password.
var sensitiveWords = [...]string{"SECRET", "PASSWORD", "PASS", "PWD", "TOKEN", "KEY", "API", "SIGNATURE", "CREDENTIAL", "PRIVATE", "AUTH"}

// isSensitiveName reports whether name matches
// (?i)(SECRET|PASSWORD|PASS|PWD|TOKEN|KEY|API|SIGNATURE|CREDENTIAL|PRIVATE|AUTH).
func isSensitiveName(name string) bool {
	for _, w := range sensitiveWords {
		if containsFold(name, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the ASCII upper-case word w,
// ignoring ASCII case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for j < len(w) {
			c := s[i+j]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			if c != w[j] {
				break
			}
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// MaskString returns s with secrets replaced by Masked: the password of
// every URL in it (scheme://user:password@host, also scheme://:password@host),
// the value of every key=value pair whose key looks secret (see
// MaskSettings), as in "host=db password=x" or "?token=x&page=2", and the
// value of every quoted "key": value member whose key looks secret, as in
// {"password":"x"} (which becomes {"password":"********"}). Text without
// any of these is returned unchanged. It is safe for concurrent use.
func MaskString(s string) string {
	if !strings.ContainsAny(s, ":=") {
		return s
	}
	return maskPairs(maskURLPasswords(s))
}

// maskURLPasswords masks the password in the userinfo of every
// scheme://user:password@host in s. The authority ends at the first '/',
// '?', '#' or white space; the userinfo at its last '@', so an unescaped '@'
// in the password is masked too.
func maskURLPasswords(s string) string {
	var b strings.Builder
	changed := false
	rest := s
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		start := i + len("://")
		end := start
		for end < len(rest) && !strings.ContainsRune("/?#", rune(rest[end])) && !isSpaceByte(rest[end]) {
			end++
		}
		authority := rest[start:end]
		at := strings.LastIndexByte(authority, '@')
		colon := -1
		if at >= 0 {
			colon = strings.IndexByte(authority[:at], ':')
		}
		if colon >= 0 && colon+1 < at { // a non-empty password
			if !changed {
				b.Grow(len(s))
				b.WriteString(s[:len(s)-len(rest)])
				changed = true
			}
			b.WriteString(rest[:start+colon+1])
			b.WriteString(Masked)
			b.WriteString(rest[start+at : end])
		} else if changed {
			b.WriteString(rest[:end])
		}
		rest = rest[end:]
	}
	if !changed {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// maskPairs masks the value of every key=value pair and every quoted
// "key": value member whose key looks secret.
//
// For key=value, the key is the run of letters, digits, '_', '-' and '.'
// before '='; a value runs to the next white space, '&', ';' or ','. A
// quoted value (password='a b') is masked to its closing quote.
//
// For "key": value (JSON, or a Python/JS literal with single quotes), the
// key is the quoted run of key bytes before ':' (white space allowed
// around it; a quoted "/api/x" or "GET /token" is not a key); a
// quoted value is masked inside its quotes, so JSON stays JSON; a bare value
// (a number, true) runs to the next white space, ',', '}' or ']'; null and
// "" are left alone.
func maskPairs(s string) string {
	var b strings.Builder
	last := 0 // s[:last] is in b
	for i := 0; i < len(s); i++ {
		var v, end int // the value to mask is s[v:end]
		switch s[i] {
		case '=':
			k := i
			for k > 0 && isKeyByte(s[k-1]) {
				k--
			}
			if k == i || !isSensitiveName(s[k:i]) {
				continue
			}
			v = i + 1
			end = v
			if end < len(s) && (s[end] == '\'' || s[end] == '"') {
				end = quotedEnd(s, end)
			} else {
				for end < len(s) && !isSpaceByte(s[end]) && !strings.ContainsRune("&;,", rune(s[end])) {
					end++
				}
			}
		case ':':
			key, ok := quotedKeyBefore(s, i)
			if !ok || !isSensitiveName(key) {
				continue
			}
			v = i + 1
			for v < len(s) && isSpaceByte(s[v]) {
				v++
			}
			if v < len(s) && (s[v] == '\'' || s[v] == '"') {
				end = quotedEnd(s, v)
				if end-v >= 2 && s[end-1] == s[v] { // keep the quotes
					v, end = v+1, end-1
				} else {
					v++ // unterminated: mask what follows the quote
				}
			} else {
				end = v
				for end < len(s) && !isSpaceByte(s[end]) && !strings.ContainsRune(",}]", rune(s[end])) {
					end++
				}
				if s[v:end] == "null" {
					continue
				}
			}
		default:
			continue
		}
		if end <= v || s[v:end] == Masked {
			continue
		}
		b.WriteString(s[last:v])
		b.WriteString(Masked)
		last = end
		i = end - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// maxQuotedKey bounds how far back quotedKeyBefore looks for a key.
const maxQuotedKey = 128

// quotedKeyBefore returns the quoted key that ends before the ':' at s[i]
// ("key" : or 'key':), if there is one.
func quotedKeyBefore(s string, i int) (string, bool) {
	j := i
	for j > 0 && isSpaceByte(s[j-1]) {
		j--
	}
	if j == 0 || (s[j-1] != '"' && s[j-1] != '\'') {
		return "", false
	}
	q := s[j-1]
	lo := max(0, j-1-maxQuotedKey)
	k := strings.LastIndexByte(s[lo:j-1], q)
	if k < 0 {
		return "", false
	}
	key := s[lo+k+1 : j-1]
	for i := 0; i < len(key); i++ {
		if !isKeyByte(key[i]) {
			return "", false // a quoted path or sentence, not a key
		}
	}
	return key, true
}

// quotedEnd returns the index just past the quote that closes the string
// opening at s[start], skipping backslash escapes, or len(s).
func quotedEnd(s string, start int) int {
	q := s[start]
	for j := start + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return len(s)
}

func isKeyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
