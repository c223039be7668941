package forms

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/gorilla/schema"
)

// Validator checks bound values with go-playground/validator tags
// (`validate:"required,email,max=200"`) and words the failures in English.
// Bind uses a shared default; make your own with NewValidator to register
// custom validations, and pass it with WithValidator.
//
// Register everything at start-up, before the first Bind: afterwards a
// Validator is safe for concurrent use, but registering is not.
type Validator struct {
	v        *validator.Validate
	messages map[string]string
}

// NewValidator returns a Validator with the validator package's built-in
// tags (required structs enabled: `required` on a struct field means not
// its zero value).
func NewValidator() *Validator {
	return &Validator{
		v:        validator.New(validator.WithRequiredStructEnabled()),
		messages: map[string]string{},
	}
}

// defaultValidator is the Validator of Bind calls without WithValidator.
// It is built once; nothing registers on it.
var defaultValidator = sync.OnceValue(NewValidator)

// Register adds the validation tag, run by fn, whose failure reads
// message; "{param}" in message is replaced by the tag's parameter
// (`validate:"notin=admin root"` has the parameter "admin root"). It
// replaces a tag of the same name, built-in ones included.
//
//	v.Register("username", "Enter a valid username.", func(fl validator.FieldLevel) bool {
//		return usernameRE.MatchString(fl.Field().String())
//	})
func (v *Validator) Register(tag, message string, fn validator.Func) error {
	if err := v.v.RegisterValidation(tag, fn); err != nil {
		return fmt.Errorf("forms: register validation %q: %w", tag, err)
	}
	v.messages[tag] = message
	return nil
}

// Validate returns the underlying *validator.Validate, for registrations
// Register does not cover (aliases, struct-level rules, custom types).
func (v *Validator) Validate() *validator.Validate { return v.v }

// check validates the struct pointed to by ptr and adds the failures to
// errs, keyed by form (or JSON) names. Fields in skip (they had a
// conversion error) keep only that one.
func (v *Validator) check(ptr any, m *structMeta, json bool, skip map[string]bool, errs *Errors) {
	err := v.v.Struct(ptr)
	if err == nil {
		return
	}
	ves, ok := err.(validator.ValidationErrors)
	if !ok {
		errs.Add(NonFieldErrors, "The data could not be validated.")
		return
	}
	label := func(goName string) string {
		if f := m.byGo[goName]; f != nil {
			return f.label
		}
		return Humanize(goName)
	}
	for _, fe := range ves {
		ns := fe.StructNamespace()
		if _, rest, ok := strings.Cut(ns, "."); ok {
			ns = rest // drop the root type's name
		}
		key := m.pathFor(ns, json)
		if skip[key] {
			continue
		}
		errs.Add(key, message(fe, v.messages, label))
	}
}

// newDecoder returns the gorilla/schema decoder forms uses: `form` tags,
// unknown keys ignored, indexes bounded, and converters for what HTML
// forms send (checkbox "on", date and datetime-local inputs).
func newDecoder(aliasTag string) *schema.Decoder {
	d := schema.NewDecoder()
	d.SetAliasTag(aliasTag)
	d.IgnoreUnknownKeys(true)
	d.MaxSize(maxSliceIndex)
	d.RegisterConverter(false, convertBool)
	d.RegisterConverter(time.Time{}, convertTime)
	return d
}

// maxSliceIndex bounds "items.N.name" indexes: beyond it a request could
// make Bind allocate a large slice of empty structs.
const maxSliceIndex = 1000

// decoder is the shared decoder of Bind; it caches struct metadata and is
// safe for concurrent use.
var decoder = sync.OnceValue(func() *schema.Decoder { return newDecoder("form") })

func convertBool(s string) reflect.Value {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "f", "false", "off", "no", "n":
		return reflect.ValueOf(false)
	case "1", "t", "true", "on", "yes", "y":
		return reflect.ValueOf(true)
	}
	return reflect.Value{}
}

// timeLayouts are the formats convertTime accepts: RFC 3339 and what
// date, datetime-local and time inputs send.
var timeLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"15:04:05",
	"15:04",
}

func convertTime(s string) reflect.Value {
	s = strings.TrimSpace(s)
	if s == "" {
		return reflect.ValueOf(time.Time{})
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return reflect.ValueOf(t)
		}
	}
	return reflect.Value{}
}
