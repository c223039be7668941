package forms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/gorilla/schema"
)

// Cleaner is implemented by a form struct that checks more than its tags,
// like Django's Form.clean: Bind calls Clean on the bound value when every
// field is valid. Clean returns nil, a FieldError for one field, an Errors,
// several of these joined with errors.Join, or any other error, whose text
// becomes a non-field error shown to the user (so do no I/O that can fail
// in Clean: check the database in the view).
type Cleaner interface {
	Clean() error
}

// Bind decodes the request's data into a new T and validates it, like
// binding a Django form and calling is_valid. T must be a struct type.
//
// GET and HEAD requests bind the query string; other requests bind their
// body: application/x-www-form-urlencoded and multipart/form-data through
// gorilla/schema (fields named by `form:"name"` tags, else the Go name;
// `form:"-"` is never bound; unknown keys are ignored), application/json
// (and +json) through encoding/json (unknown keys ignored, `form:"-"`
// fields reset). Files of multipart bodies go to *File and []*File fields.
//
// Validation, in order: conversion ("Enter a whole number."), file size
// and `accept` types, choices (`choices:"a,b"` tags, Chooser types,
// WithChoices), `validate:"..."` tags, then Clean when the fields are
// valid. Errors are keyed by the names the request used (form names, JSON
// names for JSON) with English messages in Django's words.
//
// Limits come from WithLimits (Django's defaults otherwise): more fields
// than MaxNumberFields, more than MaxMemorySize bytes of form data or a
// body of another content type is a non-field error, found without
// reading more than the limit.
//
// Bind returns a nil Errors when the data is valid; otherwise T holds what
// could be bound, for re-displaying the form with New.
func Bind[T any](r *http.Request, opts ...Option) (T, Errors) {
	var v T
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		panic(fmt.Sprintf("forms: Bind[%v]: T must be a struct type", t))
	}
	o := buildOptions(opts)
	errs := bind(r, &v, metaFor(t), o)
	return v, errs
}

// bind binds r into the struct ptr points to.
func bind(r *http.Request, ptr any, m *structMeta, o *options) Errors {
	data, errs := readRequest(r, o, func(name string) bool {
		f := m.field(name)
		return f != nil && f.file != notFile
	})
	if errs != nil {
		return errs
	}
	rv := reflect.ValueOf(ptr).Elem()
	skip := map[string]bool{}
	isJSON := data.json != nil
	if isJSON {
		if !decodeJSON(data.json, ptr, m, &errs, skip) {
			return errs
		}
	} else {
		decodeForm(data, rv, ptr, m, &errs, skip)
	}
	checkFiles(rv, m, o, &errs, skip)
	checkChoices(rv, m, o, isJSON, &errs, skip)
	o.validator.check(ptr, m, isJSON, skip, &errs)
	if !errs.Any() {
		if c, ok := ptr.(Cleaner); ok {
			collect(&errs, c.Clean())
		}
	}
	return errs.orNil()
}

// decodeForm decodes form values and sets the file fields to exactly the
// files uploaded for them: keys aimed at a file field's own fields
// ("avatar.Filename") are dropped, so a File cannot be forged.
func decodeForm(data *requestData, rv reflect.Value, ptr any, m *structMeta, errs *Errors, skip map[string]bool) {
	for _, f := range m.fields {
		if f.file == notFile {
			continue
		}
		for k := range data.values {
			if k == f.formName || strings.HasPrefix(k, f.formName+".") {
				delete(data.values, k)
			}
		}
	}
	if err := decoder().Decode(ptr, data.values); err != nil {
		addDecodeErrors(err, m, errs, skip)
	}
	for _, f := range m.fields {
		if f.file == notFile {
			continue
		}
		fv := rv.FieldByIndex(f.index)
		files := data.files[f.formName]
		switch {
		case f.file == manyFiles:
			fv.Set(reflect.ValueOf(files))
		case len(files) == 0:
			fv.SetZero()
		case f.typ == filePtrType:
			fv.Set(reflect.ValueOf(files[len(files)-1]))
		default:
			fv.Set(reflect.ValueOf(*files[len(files)-1]))
		}
	}
	for name, msgs := range data.fileErrs {
		for _, msg := range msgs {
			errs.Add(name, msg)
		}
		skip[name] = true
	}
}

// addDecodeErrors turns gorilla/schema's errors into field messages.
func addDecodeErrors(err error, m *structMeta, errs *Errors, skip map[string]bool) {
	var multi schema.MultiError
	if !errors.As(err, &multi) {
		errs.Add(NonFieldErrors, msgMalformed)
		return
	}
	keys := make([]string, 0, len(multi))
	for k := range multi {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		var ce schema.ConversionError
		msg := "Enter a valid value."
		if errors.As(multi[key], &ce) {
			widget := ""
			top, _, _ := strings.Cut(key, ".")
			if f := m.field(top); f != nil {
				widget = f.widget
			}
			msg = conversionMessage(ce.Type, widget)
		}
		errs.Add(key, msg)
		skip[key] = true
	}
}

// decodeJSON decodes one JSON value into ptr, then resets the fields
// `form:"-"` keeps out of forms, so JSON cannot set them either. It
// reports false when the body is not JSON at all.
func decodeJSON(body []byte, ptr any, m *structMeta, errs *Errors, skip map[string]bool) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	err := dec.Decode(ptr)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data")
		}
	}
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &te) && te.Field != "":
		errs.Add(te.Field, conversionMessage(te.Type, ""))
		skip[te.Field] = true
	default:
		errs.Add(NonFieldErrors, msgBadJSON)
		return false
	}
	resetExcluded(reflect.ValueOf(ptr).Elem(), m.typ)
	return true
}

// resetExcluded zeroes the `form:"-"` fields of v (embedded structs
// included).
func resetExcluded(v reflect.Value, t reflect.Type) {
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() && !sf.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("form"), ",")
		fv := v.Field(i)
		switch {
		case name == "-":
			if fv.CanSet() {
				fv.SetZero()
			}
		case sf.Anonymous && sf.Type.Kind() == reflect.Struct:
			resetExcluded(fv, sf.Type)
		case sf.Anonymous && sf.Type.Kind() == reflect.Pointer && sf.Type.Elem().Kind() == reflect.Struct && !fv.IsNil():
			resetExcluded(fv.Elem(), sf.Type.Elem())
		}
	}
}

// checkFiles applies the allowed types to the file fields; a file of
// another type is an error and is taken out of the field.
func checkFiles(rv reflect.Value, m *structMeta, o *options, errs *Errors, skip map[string]bool) {
	for _, f := range m.fields {
		if f.file == notFile || skip[f.formName] {
			continue
		}
		allowed := f.accept
		if a, ok := o.accept[f.formName]; ok {
			allowed = a
		}
		if len(allowed) == 0 {
			continue
		}
		fv := rv.FieldByIndex(f.index)
		var files []*File
		switch f.typ {
		case fileSliceType:
			files = fv.Interface().([]*File)
		case filePtrType:
			if p := fv.Interface().(*File); p != nil {
				files = []*File{p}
			}
		default:
			if p := fv.Addr().Interface().(*File); p.Size > 0 {
				files = []*File{p}
			}
		}
		var kept []*File
		for _, file := range files {
			if ct := file.ContentType(); !typeAllowed(ct, allowed) {
				mt, _, _ := strings.Cut(ct, ";")
				errs.Add(f.formName, fmt.Sprintf("File type “%s” is not allowed. Allowed types are: %s.", mt, strings.Join(allowed, ", ")))
				skip[f.formName] = true
				_ = file.Remove()
				continue
			}
			kept = append(kept, file)
		}
		if len(kept) < len(files) {
			switch f.typ {
			case fileSliceType:
				fv.Set(reflect.ValueOf(kept))
			default:
				fv.SetZero()
			}
		}
	}
}

// checkChoices rejects values of choice fields that are not among the
// choices.
func checkChoices(rv reflect.Value, m *structMeta, o *options, isJSON bool, errs *Errors, skip map[string]bool) {
	for _, f := range m.fields {
		choices := f.choices
		if c, ok := o.choices[f.formName]; ok {
			choices = c
		}
		key := f.formName
		if isJSON {
			key = f.jsonName
		}
		if choices == nil || skip[key] {
			continue
		}
		fv := rv.FieldByIndex(f.index)
		var values []string
		if fv.Kind() == reflect.Slice {
			for i := range fv.Len() {
				values = append(values, formatValue(fv.Index(i), ""))
			}
		} else {
			values = []string{formatValue(fv, "")}
		}
		for _, val := range values {
			if val == "" || (val == "0" && fv.Kind() != reflect.Slice && fv.IsZero()) {
				continue // empty: `required` says whether it may be
			}
			if !slices.ContainsFunc(choices, func(c Choice) bool { return c.Value == val }) {
				errs.Add(key, fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", display(val)))
				skip[key] = true
				break
			}
		}
	}
}
