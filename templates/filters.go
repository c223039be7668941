package templates

import (
	"fmt"
	"html/template"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// filterFuncs returns Django's filters as template functions. A pipeline
// passes the value last: {{.Body | truncatewords 30}} calls
// truncatewords(30, .Body). Functions that return template.HTML escape
// what they did not produce themselves; there is deliberately no "safe":
// mark trusted HTML as template.HTML in Go.
func filterFuncs() template.FuncMap {
	return template.FuncMap{
		"date":           date,
		"timesince":      timesince,
		"timeuntil":      timeuntil,
		"default":        defaultValue,
		"pluralize":      pluralize,
		"truncatechars":  truncatechars,
		"truncatewords":  truncatewords,
		"linebreaks":     linebreaks,
		"linebreaksbr":   linebreaksbr,
		"yesno":          yesno,
		"filesizeformat": filesizeformat,
		"floatformat":    floatformat,
		"urlize":         urlize,
		"json_script":    jsonScript,
		"upper":          func(v any) string { return strings.ToUpper(toString(v)) },
		"lower":          func(v any) string { return strings.ToLower(toString(v)) },
		"title":          title,
		"length":         length,
		"join":           join,
		"add":            add,
		"slugify":        slugify,
	}
}

// toString is the text of a filter's value: strings and template.HTML as
// they are, fmt.Stringers and errors by their method, nil as "".
func toString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case template.HTML:
		return string(v)
	case fmt.Stringer:
		return v.String()
	case error:
		return v.Error()
	}
	return fmt.Sprint(v)
}

// toInt converts a filter's numeric argument: any integer or float type,
// or a string holding an integer.
func toInt(v any) (int, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return int(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return int(rv.Float()), true
	case reflect.String:
		n, err := strconv.Atoi(strings.TrimSpace(rv.String()))
		return n, err == nil
	}
	return 0, false
}

// toFloat converts a filter's value to a number: integer and float types,
// and strings holding a number.
func toFloat(v any) (float64, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	case reflect.String:
		f, err := strconv.ParseFloat(strings.TrimSpace(rv.String()), 64)
		return f, err == nil
	}
	return 0, false
}

// isNil reports whether v is nil or a nil pointer, map, slice or interface
// (Django's None).
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// splitFilterArgs returns the optional argument and the value of a filter
// called with one or two arguments.
func splitFilterArgs(name string, args []any) (arg any, value any, hasArg bool, err error) {
	switch len(args) {
	case 1:
		return nil, args[0], false, nil
	case 2:
		return args[0], args[1], true, nil
	}
	return nil, nil, false, fmt.Errorf("%s takes an optional argument and a value, got %d arguments", name, len(args))
}

// defaultValue is `default`: v, or def when v is empty (false, 0, "",
// nil, an empty slice or map).
func defaultValue(def, v any) any {
	if truth, ok := template.IsTrue(v); !ok || !truth {
		return def
	}
	return v
}

// pluralize is `pluralize`, `pluralize "es"`, `pluralize "y,ies"`: the
// plural suffix unless the value (a number, or a slice's length) is 1.
func pluralize(args ...any) (string, error) {
	arg, v, hasArg, err := splitFilterArgs("pluralize", args)
	if err != nil {
		return "", err
	}
	spec := "s"
	if hasArg {
		spec = toString(arg)
	}
	singular, plural := "", spec
	if strings.Contains(spec, ",") {
		bits := strings.Split(spec, ",")
		if len(bits) > 2 {
			return "", nil
		}
		singular, plural = bits[0], bits[1]
	}
	if f, ok := toFloat(v); ok {
		if f == 1 {
			return singular, nil
		}
		return plural, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		if rv.Len() == 1 {
			return singular, nil
		}
		return plural, nil
	}
	return "", nil
}

// truncatechars is `truncatechars 9`: the text cut to n characters, the
// last being "…". The result is text, escaped where it is used, even for
// template.HTML input.
func truncatechars(n, v any) string {
	max, ok := toInt(n)
	if !ok {
		return toString(v)
	}
	s := toString(v)
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	i, count := 0, 0
	for j := range s {
		if count == max-1 {
			i = j
			break
		}
		count++
	}
	return s[:i] + "…"
}

// truncatewords is `truncatewords 30`: the first n words and " …" when
// there were more. Whitespace between words becomes one space.
func truncatewords(n, v any) string {
	max, ok := toInt(n)
	if !ok {
		return toString(v)
	}
	words := strings.Fields(toString(v))
	if max <= 0 {
		return ""
	}
	if len(words) <= max {
		return strings.Join(words, " ")
	}
	return strings.Join(words[:max], " ") + " …"
}

// escapeUnlessHTML escapes text; template.HTML is trusted as is.
func escapeUnlessHTML(v any) string {
	if h, ok := v.(template.HTML); ok {
		return string(h)
	}
	return template.HTMLEscapeString(toString(v))
}

var paragraphBreak = regexp.MustCompile(`\n{2,}`)

func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// linebreaks is `linebreaks`: the escaped text as paragraphs, <p> for
// blank-line-separated blocks and <br> for single newlines.
func linebreaks(v any) template.HTML {
	paras := paragraphBreak.Split(normalizeNewlines(escapeUnlessHTML(v)), -1)
	for i, p := range paras {
		paras[i] = "<p>" + strings.ReplaceAll(p, "\n", "<br>") + "</p>"
	}
	return template.HTML(strings.Join(paras, "\n\n"))
}

// linebreaksbr is `linebreaksbr`: the escaped text with <br> for newlines.
func linebreaksbr(v any) template.HTML {
	return template.HTML(strings.ReplaceAll(normalizeNewlines(escapeUnlessHTML(v)), "\n", "<br>"))
}

// yesno is `yesno` or `yesno "yeah,no,maybe"`: the first word for a true
// value, the second for a false one, the third (or the second) for nil.
func yesno(args ...any) (string, error) {
	arg, v, hasArg, err := splitFilterArgs("yesno", args)
	if err != nil {
		return "", err
	}
	spec := "yes,no,maybe"
	if hasArg {
		spec = toString(arg)
	}
	bits := strings.Split(spec, ",")
	if len(bits) < 2 {
		return toString(v), nil
	}
	yes, no, maybe := bits[0], bits[1], bits[1]
	if len(bits) > 2 {
		maybe = bits[2]
	}
	if isNil(v) {
		return maybe, nil
	}
	if truth, _ := template.IsTrue(v); truth {
		return yes, nil
	}
	return no, nil
}

// title is `title`: every word capitalized, the rest lower case ("they're"
// stays "They're", "1st" stays "1st").
func title(v any) string {
	s := []rune(toString(v))
	for i, r := range s {
		prevCased := i > 0 && (unicode.IsLetter(s[i-1]) || unicode.IsDigit(s[i-1]))
		switch {
		case !unicode.IsLetter(r):
		case i > 0 && unicode.IsDigit(s[i-1]):
			s[i] = unicode.ToLower(r)
		case i > 1 && s[i-1] == '\'' && unicode.IsLetter(s[i-2]):
			s[i] = unicode.ToLower(r)
		case prevCased:
			s[i] = unicode.ToLower(r)
		default:
			s[i] = unicode.ToUpper(r)
		}
	}
	return string(s)
}

// length is `length`: the number of characters of a string, elements of a
// slice, array or map; 0 for anything else.
func length(v any) int {
	switch v := v.(type) {
	case string:
		return utf8.RuneCountInString(v)
	case template.HTML:
		return utf8.RuneCountInString(string(v))
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Chan:
		return rv.Len()
	}
	return 0
}

// join is `join ", "`: the items of a slice joined by sep, each escaped
// unless it is template.HTML. A value that is not a slice is escaped as is.
func join(sep string, v any) template.HTML {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return template.HTML(escapeUnlessHTML(v))
	}
	var b strings.Builder
	esep := template.HTMLEscapeString(sep)
	for i := range rv.Len() {
		if i > 0 {
			b.WriteString(esep)
		}
		b.WriteString(escapeUnlessHTML(rv.Index(i).Interface()))
	}
	return template.HTML(b.String())
}

// add is `add 2`: the sum of two integers (or strings holding integers),
// else of two numbers, else the concatenation of two strings; "" when
// none applies.
func add(arg, v any) any {
	if a, ok := exactInt(arg); ok {
		if b, ok := exactInt(v); ok {
			return a + b
		}
	}
	as, aok := arg.(string)
	vs, vok := v.(string)
	if aok && vok {
		return vs + as
	}
	if !aok && !vok {
		if a, ok := toFloat(arg); ok {
			if b, ok := toFloat(v); ok {
				return b + a
			}
		}
	}
	return ""
}

// exactInt converts integer types and strings holding integers.
func exactInt(v any) (int64, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint()), true
	case reflect.String:
		n, err := strconv.ParseInt(strings.TrimSpace(rv.String()), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// slugify is `slugify`: ASCII lower-case letters, digits, underscores and
// hyphens, accents dropped ("Héllo, Wörld!" → "hello-world").
func slugify(v any) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(toString(v)) {
		if f, ok := foldAccent[r]; ok {
			r = f
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case r == '-' || unicode.IsSpace(r):
			dash = true
		}
	}
	return strings.Trim(b.String(), "-_")
}

// foldAccent maps common accented Latin letters (lower case) to their
// ASCII base letter, for slugify.
var foldAccent = func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "àáâãäåāăą", 'c': "çćĉċč", 'd': "ďđ", 'e': "èéêëēĕėęě",
		'g': "ĝğġģ", 'h': "ĥħ", 'i': "ìíîïĩīĭįı", 'j': "ĵ", 'k': "ķ",
		'l': "ĺļľŀł", 'n': "ñńņňŉ", 'o': "òóôõöøōŏő", 'r': "ŕŗř",
		's': "śŝşšș", 't': "ţťŧț", 'u': "ùúûüũūŭůűų", 'w': "ŵ",
		'y': "ýÿŷ", 'z': "źżž",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()
