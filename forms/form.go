package forms

import (
	"fmt"
	"html/template"
	"reflect"
	"slices"
	"strings"
)

// Choice is one option of a select.
type Choice struct {
	// Value is what the form sends; Label what the user reads.
	Value, Label string
	// Selected is set on the choices of a Field that match its value; it
	// is ignored in the choices given to forms.
	Selected bool
}

// Field is one field of a Form, ready to render: by Input and the other
// methods (with the Form's Renderer), or by hand in a template from its
// exported fields. A Field is not modified after New returns it.
type Field struct {
	// Name is the input's name ("email", "address.city"); ID its id
	// attribute ("id_email", "id_address_city").
	Name, ID string
	// Label comes from the `label` tag or the humanized Go name ("Pub
	// date"); HelpText from the `help` tag.
	Label, HelpText string
	// Type is the input type ("text", "email", "url", "number",
	// "checkbox", "date", "datetime-local", "password", "hidden", "file"),
	// or "textarea" or "select".
	Type string
	// Value is the value to show, formatted for the input type; always ""
	// for passwords and files. Checked is the state of a checkbox.
	Value   string
	Checked bool
	// Choices are a select's options; Multiple is set for a slice field.
	Choices  []Choice
	Multiple bool
	// Required is set by a `required` validate tag (or NOT NULL for model
	// fields); MaxLength by `max`/`lte`/`len` on strings (or the column
	// size). Min, Max and Step are number and date bounds.
	Required  bool
	MaxLength int
	Min, Max  string
	Step      string
	Accept    string
	Errors    []string
	renderer  *Renderer
}

// IsHidden reports whether the field is a hidden input.
func (f *Field) IsHidden() bool { return f.Type == "hidden" }

// LabelSuffix is ":" unless the label ends with punctuation, as in Django.
func (f *Field) LabelSuffix() string {
	if f.Label == "" || strings.ContainsAny(f.Label[len(f.Label)-1:], ":?.!") {
		return ""
	}
	return ":"
}

// Input renders the widget with the "input" template.
func (f *Field) Input() (template.HTML, error) { return f.renderer.render("input", f) }

// LabelTag renders the label with the "label" template.
func (f *Field) LabelTag() (template.HTML, error) { return f.renderer.render("label", f) }

// HTML renders the whole field (label, help, errors, widget) with the
// "field" template.
func (f *Field) HTML() (template.HTML, error) { return f.renderer.render("field", f) }

// Form is a struct's fields ready to render, with the errors of a Bind,
// like a bound Django form in a template. Build it with New or
// ModelForm.Form. It is not modified after it is built and is safe for
// concurrent use.
type Form struct {
	fields   []*Field
	nonField []string
	errs     Errors
	renderer *Renderer
}

// New describes the struct v (or the struct it points to) as a Form: one
// Field per bindable field in struct order, nested structs as dotted
// names, with values from v and messages from errs (nil for an unbound
// form). Errors of hidden fields and of keys that match no field are
// shown with the non-field errors. Options used: WithRenderer,
// WithChoices. New panics when v is not a struct: a programming error.
func New(v any, errs Errors, opts ...Option) *Form {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		panic(fmt.Sprintf("forms: New(%T): want a struct or a pointer to one", v))
	}
	o := buildOptions(opts)
	form := &Form{errs: errs, renderer: o.renderer}
	seen := map[string]bool{}
	addFields(form, metaFor(rv.Type()), rv, "", o, seen)
	form.finish(seen)
	return form
}

func addFields(form *Form, m *structMeta, rv reflect.Value, prefix string, o *options, seen map[string]bool) {
	for _, fm := range m.fields {
		fv := rv.FieldByIndex(fm.index)
		name := prefix + fm.formName
		if fm.nested != nil {
			if indirect(fm.typ).Kind() == reflect.Struct {
				for fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						fv = reflect.New(fv.Type().Elem())
					}
					fv = fv.Elem()
				}
				addFields(form, fm.nested, fv, name+".", o, seen)
			}
			continue
		}
		if k := indirect(fm.typ).Kind(); (k == reflect.Slice && fm.file == notFile && fm.choices == nil && o.choices[name] == nil) ||
			k == reflect.Map || k == reflect.Func || k == reflect.Chan || k == reflect.Interface {
			continue // no standard widget; lay it out by hand
		}
		spec := specFromTags(fm)
		if c, ok := o.choices[name]; ok {
			spec.choices = c
		}
		if a, ok := o.accept[name]; ok {
			spec.accept = a
		}
		spec.name = name
		form.fields = append(form.fields, form.buildField(spec, fv, seen))
	}
}

// fieldSpec is what a Field is built from, by New (tags) or ModelForm
// (model metadata).
type fieldSpec struct {
	name, label, help, widget string
	typ                       reflect.Type
	required                  bool
	maxLength                 int
	min, max, step            string
	choices                   []Choice
	accept                    []string
	emptyLabel                bool // add a "---------" choice
}

// specFromTags reads a struct field's tags.
func specFromTags(fm *fieldMeta) fieldSpec {
	s := fieldSpec{
		name: fm.formName, label: fm.label, help: fm.help, widget: fm.widget,
		typ: fm.typ, choices: fm.choices, accept: fm.accept,
	}
	base := indirect(fm.typ)
	for rule := range strings.SplitSeq(fm.validate, ",") {
		tag, param, _ := strings.Cut(rule, "=")
		switch tag {
		case "required":
			s.required = true
		case "email":
			if s.widget == "" {
				s.widget = "email"
			}
		case "url", "http_url", "https_url":
			if s.widget == "" {
				s.widget = "url"
			}
		case "max", "lte", "len":
			if base.Kind() == reflect.String {
				fmt.Sscan(param, &s.maxLength)
			} else if tag != "len" {
				s.max = param
			}
		case "min", "gte":
			if base.Kind() != reflect.String {
				s.min = param
			}
		}
	}
	s.emptyLabel = s.choices != nil && !s.required && base.Kind() != reflect.Slice
	return s
}

// buildField makes the Field of spec with the value fv.
func (form *Form) buildField(s fieldSpec, fv reflect.Value, seen map[string]bool) *Field {
	f := &Field{
		Name: s.name, ID: "id_" + strings.ReplaceAll(s.name, ".", "_"),
		Label: s.label, HelpText: s.help, Required: s.required, MaxLength: s.maxLength,
		Min: s.min, Max: s.max, Step: s.step, Accept: strings.Join(s.accept, ","),
		Errors: form.errs[s.name], renderer: form.renderer,
	}
	seen[s.name] = true
	base := indirect(s.typ)
	f.Type = inputType(s, base)
	switch f.Type {
	case "password", "file":
		// never re-rendered
	case "checkbox":
		f.Checked = base.Kind() == reflect.Bool && fv.IsValid() && formatValue(fv, "") == "true"
	case "select":
		f.Multiple = base.Kind() == reflect.Slice
		var current []string
		if f.Multiple {
			for i := range fv.Len() {
				current = append(current, formatValue(fv.Index(i), ""))
			}
		} else if v := formatValue(fv, ""); v != "" && !(fv.IsZero() && base.Kind() != reflect.String) {
			current = []string{v}
		}
		if s.emptyLabel {
			f.Choices = append(f.Choices, Choice{Value: "", Label: "---------", Selected: len(current) == 0})
		}
		for _, c := range s.choices {
			c.Selected = slices.Contains(current, c.Value)
			f.Choices = append(f.Choices, c)
		}
	case "date":
		f.Value = formatValue(fv, "2006-01-02")
	case "time":
		f.Value = formatValue(fv, "15:04")
	case "datetime-local":
		f.Value = formatValue(fv, "2006-01-02T15:04")
	default:
		f.Value = formatValue(fv, "2006-01-02T15:04")
	}
	if f.Type == "number" && f.Step == "" && (base.Kind() == reflect.Float32 || base.Kind() == reflect.Float64) {
		f.Step = "any"
	}
	return f
}

// inputType picks the widget: the `widget` tag, then file, choices, and
// the Go type.
func inputType(s fieldSpec, base reflect.Type) string {
	switch {
	case s.widget != "":
		return s.widget
	case base == fileType || s.typ == fileSliceType:
		return "file"
	case s.choices != nil:
		return "select"
	case base == timeType:
		return "datetime-local"
	}
	switch base.Kind() {
	case reflect.Bool:
		return "checkbox"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	}
	return "text"
}

// finish gathers the non-field errors: the form's own, the hidden fields'
// ("(Hidden field token) ...") and those of keys no field has.
func (form *Form) finish(seen map[string]bool) {
	form.nonField = append(form.nonField, form.errs[NonFieldErrors]...)
	for _, f := range form.fields {
		if f.IsHidden() {
			for _, msg := range f.Errors {
				form.nonField = append(form.nonField, fmt.Sprintf("(Hidden field %s) %s", f.Name, msg))
			}
		}
	}
	for _, key := range form.errs.fields() {
		if key == NonFieldErrors || seen[key] {
			continue
		}
		for _, msg := range form.errs[key] {
			form.nonField = append(form.nonField, key+": "+msg)
		}
	}
}

// Fields returns the fields in struct order.
func (form *Form) Fields() []*Field { return slices.Clone(form.fields) }

// Field returns the field with the name.
func (form *Form) Field(name string) (*Field, bool) {
	for _, f := range form.fields {
		if f.Name == name {
			return f, true
		}
	}
	return nil, false
}

// VisibleFields returns the fields that are not hidden inputs.
func (form *Form) VisibleFields() []*Field {
	var out []*Field
	for _, f := range form.fields {
		if !f.IsHidden() {
			out = append(out, f)
		}
	}
	return out
}

// HiddenFields returns the hidden inputs.
func (form *Form) HiddenFields() []*Field {
	var out []*Field
	for _, f := range form.fields {
		if f.IsHidden() {
			out = append(out, f)
		}
	}
	return out
}

// NonFieldErrors returns the errors shown above the fields.
func (form *Form) NonFieldErrors() []string { return slices.Clone(form.nonField) }

// Errors returns the errors the form was built with.
func (form *Form) Errors() Errors { return form.errs }

// IsMultipart reports whether the form has a file field, so that its
// <form> tag needs enctype="multipart/form-data".
func (form *Form) IsMultipart() bool {
	return slices.ContainsFunc(form.fields, func(f *Field) bool { return f.Type == "file" })
}

// AsDiv renders the form in Django's as_div layout with the "form"
// template: each field in a div with its label, help text, errors and
// input. Templates call it as {{.Form.AsDiv}}; the <form> tag, the CSRF
// field and the submit button are the page's.
func (form *Form) AsDiv() (template.HTML, error) { return form.renderer.render("form", form) }
