package forms

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/djinn-go/djinn/core/respond"
)

// NonFieldErrors is the key of the errors that belong to the whole form
// rather than to one field, as in Django.
const NonFieldErrors = "__all__"

// Errors maps a field's name in the request (its form name, or its JSON
// name for a JSON body) to its messages; NonFieldErrors holds the errors
// of the whole form. It encodes to JSON as
// {"email":["Enter a valid email address."],"__all__":["..."]}.
//
// Everything in this package that returns Errors returns nil when there
// is no error, so `if errs != nil` and errs.Any() agree. A nil Errors
// stored in an error interface is not a nil error, though: return
// errs.Err(), not errs, where the result may be empty.
//
// Errors is an error with HTTPStatus 400, so a view can return it; its
// Unwrap gives respond a public message listing the errors. It is not
// safe for concurrent modification.
type Errors map[string][]string

// Any reports whether there is at least one error.
func (e Errors) Any() bool {
	for _, msgs := range e {
		if len(msgs) > 0 {
			return true
		}
	}
	return false
}

// Field returns the messages of the field; nil when it has none.
func (e Errors) Field(name string) []string { return e[name] }

// NonField returns the errors of the whole form.
func (e Errors) NonField() []string { return e[NonFieldErrors] }

// Add appends a message to the field's errors, allocating the map when
// *e is nil. Use NonFieldErrors as the field for a form-wide error.
func (e *Errors) Add(field, msg string) {
	if *e == nil {
		*e = Errors{}
	}
	(*e)[field] = append((*e)[field], msg)
}

// Merge adds every message of other.
func (e *Errors) Merge(other Errors) {
	for _, f := range other.fields() {
		for _, msg := range other[f] {
			e.Add(f, msg)
		}
	}
}

// Err returns e as an error, or nil when it holds no message.
func (e Errors) Err() error {
	if !e.Any() {
		return nil
	}
	return e
}

// orNil returns nil when e holds no message.
func (e Errors) orNil() Errors {
	if !e.Any() {
		return nil
	}
	return e
}

// fields returns the field names in a stable order: the non-field errors
// first, then the fields sorted.
func (e Errors) fields() []string {
	names := make([]string, 0, len(e))
	for f, msgs := range e {
		if len(msgs) > 0 && f != NonFieldErrors {
			names = append(names, f)
		}
	}
	slices.Sort(names)
	if len(e[NonFieldErrors]) > 0 {
		names = append([]string{NonFieldErrors}, names...)
	}
	return names
}

// Error lists the messages: `forms: invalid data: email: Enter a valid
// email address.; name: This field is required.`; "forms: no errors" when
// empty.
func (e Errors) Error() string {
	if !e.Any() {
		return "forms: no errors"
	}
	return "forms: invalid data: " + e.summary(0)
}

// summary joins up to max messages (0: all).
func (e Errors) summary(limit int) string {
	var parts []string
	n := 0
	for _, f := range e.fields() {
		for _, msg := range e[f] {
			n++
			if limit > 0 && n > limit {
				continue
			}
			if f == NonFieldErrors {
				parts = append(parts, msg)
			} else {
				parts = append(parts, f+": "+msg)
			}
		}
	}
	s := strings.Join(parts, "; ")
	if limit > 0 && n > limit {
		s += fmt.Sprintf(" (and %d more)", n-limit)
	}
	return s
}

// HTTPStatus is 400 Bad Request.
func (e Errors) HTTPStatus() int { return http.StatusBadRequest }

// Unwrap returns an *respond.HTTPError whose public message lists the
// first errors, so that a view returning Errors shows them to the client
// (as the JSON error message too) instead of a bare "Bad Request".
func (e Errors) Unwrap() error {
	return respond.NewError(http.StatusBadRequest, "Invalid data: "+e.summary(5))
}

// fieldError is an error that belongs to one field.
type fieldError struct {
	field, msg string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// FieldError returns an error that a Clean method returns to attach a
// message to one field (by its form name).
func FieldError(field, msg string) error { return &fieldError{field: field, msg: msg} }

// collect adds the messages of an error returned by Clean to errs: an
// Errors, a FieldError (wrapped or not), errors joined with errors.Join,
// or any other error, whose text becomes a non-field message.
func collect(errs *Errors, err error) {
	switch e := err.(type) {
	case nil:
	case Errors:
		errs.Merge(e)
	case *fieldError:
		errs.Add(e.field, e.msg)
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			collect(errs, inner)
		}
	default:
		if fe, ok := errors.AsType[*fieldError](err); ok {
			errs.Add(fe.field, fe.msg)
			return
		}
		errs.Add(NonFieldErrors, err.Error())
	}
}
