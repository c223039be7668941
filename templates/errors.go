package templates

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// RenderError is the error of a template that failed while rendering (a
// function's error, a missing field). Its message is html/template's,
// which names the file, line and action; DebugDetails adds what the data
// offered, for the DEBUG page.
type RenderError struct {
	// Name is the template that was rendered ("polls/index.html").
	Name string
	// File and Line locate the failing action: the page, a layout or a
	// partial. Line is 0 when unknown.
	File string
	Line int
	// Fields lists what the template's dot offered: ".Data" fields or
	// keys, ".Vars" keys.
	Fields []string
	// Err is html/template's error.
	Err error
}

// Error returns "templates: render NAME: " and html/template's message.
func (e *RenderError) Error() string {
	return "templates: render " + e.Name + ": " + e.Err.Error()
}

// Unwrap returns Err, so that a function's error (wrapped by
// html/template) can be matched with errors.Is.
func (e *RenderError) Unwrap() error { return e.Err }

// DebugDetails lists the template, the line and the data's fields for the
// DEBUG page (respond.DebugDetailer).
func (e *RenderError) DebugDetails() (string, []string) {
	lines := []string{"template: " + e.Name}
	if e.File != "" {
		at := "failed in: " + e.File
		if e.Line > 0 {
			at += ", line " + strconv.Itoa(e.Line)
		}
		lines = append(lines, at)
	}
	lines = append(lines, e.Fields...)
	return "Template error", lines
}

// locationRE finds "template: FILE:LINE:" in an html/template error.
var locationRE = regexp.MustCompile(`template: ([^:\s]+):(\d+):`)

func newRenderError(name string, err error, dot *Context) *RenderError {
	re := &RenderError{Name: name, Err: err}
	if m := locationRE.FindStringSubmatch(err.Error()); m != nil {
		re.File = m[1]
		re.Line, _ = strconv.Atoi(m[2])
	}
	re.Fields = describeDot(dot)
	return re
}

// describeDot lists what a template could use of dot.
func describeDot(dot *Context) []string {
	out := []string{".Data: " + describeValue(dot.Data)}
	if len(dot.Vars) > 0 {
		keys := make([]string, 0, len(dot.Vars))
		for k := range dot.Vars {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out = append(out, ".Vars keys: "+strings.Join(keys, ", "))
	}
	if dot.Request != nil {
		out = append(out, ".Request: "+dot.Request.Method+" "+dot.Request.URL.Path)
	}
	return out
}

// maxListed bounds the fields or keys describeValue lists.
const maxListed = 50

// describeValue names v's type and its top-level fields or keys.
func describeValue(v any) string {
	if v == nil {
		return "nil"
	}
	rv := reflect.ValueOf(v)
	t := rv.Type()
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return fmt.Sprintf("%s (nil)", t)
		}
		rv = rv.Elem()
	}
	var names []string
	switch rv.Kind() {
	case reflect.Struct:
		for i := range rv.NumField() {
			if f := rv.Type().Field(i); f.IsExported() {
				names = append(names, f.Name)
			}
		}
	case reflect.Map:
		for _, k := range rv.MapKeys() {
			names = append(names, fmt.Sprint(k.Interface()))
		}
		slices.Sort(names)
	default:
		return t.String()
	}
	for i := range t.NumMethod() {
		names = append(names, t.Method(i).Name+"()")
	}
	if len(names) > maxListed {
		names = append(names[:maxListed], "…")
	}
	return fmt.Sprintf("%s with %s", t, strings.Join(names, ", "))
}
