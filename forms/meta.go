package forms

import (
	"encoding"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// structMeta is what forms knows about a struct type: its fields in
// struct order with embedded structs flattened. It is computed once per
// type and shared; never modify it.
type structMeta struct {
	typ    reflect.Type
	fields []*fieldMeta
	byGo   map[string]*fieldMeta // Go name → field (promoted names too)
}

// fieldMeta describes one struct field for decoding, validation messages
// and rendering.
type fieldMeta struct {
	index    []int
	goName   string
	formName string // `form` tag, else the Go name (gorilla/schema's rule)
	jsonName string // `json` tag, else the Go name
	typ      reflect.Type
	label    string // `label` tag, else the humanized Go name
	help     string // `help` tag
	widget   string // `widget` tag
	validate string // `validate` tag
	accept   []string
	choices  []Choice // `choices` tag, or the type's Choices method
	file     fileKind
	nested   *structMeta // for struct fields decoded by path (a.b)
}

type fileKind int

const (
	notFile   fileKind = iota
	oneFile            // *File or File
	manyFiles          // []*File
)

var (
	fileType      = reflect.TypeFor[File]()
	filePtrType   = reflect.TypeFor[*File]()
	fileSliceType = reflect.TypeFor[[]*File]()
	timeType      = reflect.TypeFor[time.Time]()
	chooserType   = reflect.TypeFor[Chooser]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// Chooser is implemented by field types with a fixed set of values, such
// as a string type with constants: a field of such a type renders as a
// select and Bind rejects other values.
type Chooser interface {
	Choices() []Choice
}

// metaCache holds the structMeta of every type seen, for the life of the
// process, like encoding/json's field cache.
var metaCache sync.Map // reflect.Type → *structMeta

// metaFor returns the metadata of the struct type t.
func metaFor(t reflect.Type) *structMeta {
	if m, ok := metaCache.Load(t); ok {
		return m.(*structMeta)
	}
	m := buildMeta(t, map[reflect.Type]bool{})
	actual, _ := metaCache.LoadOrStore(t, m)
	return actual.(*structMeta)
}

func buildMeta(t reflect.Type, seen map[reflect.Type]bool) *structMeta {
	m := &structMeta{typ: t, byGo: map[string]*fieldMeta{}}
	seen[t] = true
	defer delete(seen, t)
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			idx := append(append([]int(nil), index...), i)
			tag := sf.Tag.Get("form")
			name, _, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			ft := sf.Type
			if sf.Anonymous && name == "" {
				et := ft
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if et.Kind() == reflect.Struct && et != timeType && et != fileType {
					walk(et, idx)
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			f := &fieldMeta{
				index:    idx,
				goName:   sf.Name,
				formName: name,
				typ:      ft,
				label:    sf.Tag.Get("label"),
				help:     sf.Tag.Get("help"),
				widget:   sf.Tag.Get("widget"),
				validate: sf.Tag.Get("validate"),
			}
			if f.formName == "" {
				f.formName = sf.Name
			}
			f.jsonName, _, _ = strings.Cut(sf.Tag.Get("json"), ",")
			if f.jsonName == "" || f.jsonName == "-" {
				f.jsonName = sf.Name
			}
			if f.label == "" {
				f.label = Humanize(sf.Name)
			}
			if a := sf.Tag.Get("accept"); a != "" {
				f.accept = splitList(a)
			}
			switch ft {
			case filePtrType, fileType:
				f.file = oneFile
			case fileSliceType:
				f.file = manyFiles
			}
			if c := sf.Tag.Get("choices"); c != "" {
				for _, v := range splitList(c) {
					f.choices = append(f.choices, Choice{Value: v, Label: v})
				}
			} else if cs, ok := typeChoices(ft); ok {
				f.choices = cs
			}
			if et := indirect(ft); et.Kind() == reflect.Struct && f.file == notFile && et != timeType &&
				!reflect.PointerTo(et).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) && !seen[et] {
				f.nested = buildMeta(et, seen)
			}
			m.fields = append(m.fields, f)
			m.byGo[f.goName] = f
		}
	}
	walk(t, nil)
	return m
}

// typeChoices returns the choices of a type that implements Chooser.
func typeChoices(t reflect.Type) ([]Choice, bool) {
	switch {
	case t.Implements(chooserType):
		return reflect.Zero(t).Interface().(Chooser).Choices(), true
	case reflect.PointerTo(t).Implements(chooserType):
		return reflect.New(t).Interface().(Chooser).Choices(), true
	}
	return nil, false
}

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// field returns the field with the form name.
func (m *structMeta) field(formName string) *fieldMeta {
	for _, f := range m.fields {
		if f.formName == formName {
			return f
		}
	}
	return nil
}

// pathFor maps a validator struct namespace without its root
// ("Address.City", "Items[2].Name") to the request's key for the field
// ("address.city", "items.2.name"), with form or JSON names.
func (m *structMeta) pathFor(ns string, json bool) string {
	var out []string
	cur := m
	for seg := range strings.SplitSeq(ns, ".") {
		name, idx, hasIdx := strings.Cut(seg, "[")
		idx = strings.TrimSuffix(idx, "]")
		var f *fieldMeta
		if cur != nil {
			f = cur.byGo[name]
		}
		switch {
		case f == nil:
			out = append(out, name)
		case json:
			out = append(out, f.jsonName)
		default:
			out = append(out, f.formName)
		}
		if hasIdx {
			out = append(out, idx)
		}
		if f != nil {
			cur = f.nested
		} else {
			cur = nil
		}
	}
	return strings.Join(out, ".")
}

// Humanize turns a Go or form field name into a label the way Django
// turns a field name into a verbose name: "PubDate", "pub_date" and
// "pubDate" all become "Pub date"; "HTTPStatus" becomes "Http status";
// "ID" stays "ID".
func Humanize(name string) string {
	if name == "ID" {
		return "ID"
	}
	rs := []rune(strings.ReplaceAll(name, "_", " "))
	var b strings.Builder
	for i, c := range rs {
		if i > 0 && unicode.IsUpper(c) && rs[i-1] != ' ' {
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || nextLower {
				b.WriteByte(' ')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	s := strings.TrimSpace(b.String())
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	s = string(r)
	// "Email id" reads better as "Email ID".
	if rest, ok := strings.CutSuffix(s, " id"); ok {
		s = rest + " ID"
	}
	return s
}

// formatValue returns the text an input shows for v: "" for nil pointers
// and zero times, the number for numbers, the text of a TextMarshaler.
// layout formats times.
func formatValue(v reflect.Value, layout string) string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return ""
	}
	if v.Type() == timeType {
		t := v.Interface().(time.Time)
		if t.IsZero() {
			return ""
		}
		return t.Format(layout)
	}
	if v.Type().Implements(textMarshaler) {
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return ""
		}
		return string(b)
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, v.Type().Bits())
	}
	return ""
}
