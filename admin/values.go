package admin

import (
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/orm"
)

// newObject returns a pointer to a new zero instance of the entry's model.
func (e *entry) newObject() reflect.Value { return reflect.New(e.model.Type) }

// newSlice returns a pointer to a new empty []*T of the entry's model.
func (e *entry) newSlice() reflect.Value {
	return reflect.New(reflect.SliceOf(reflect.PointerTo(e.model.Type)))
}

// pkString returns obj's primary key as text.
func (e *entry) pkString(obj reflect.Value) string {
	return fmt.Sprint(obj.Elem().FieldByName(e.model.PrimaryKey.Name).Interface())
}

// parsePK converts the key from a URL to the primary key's type; false
// when it does not convert (a 404).
func (e *entry) parsePK(s string) (any, bool) {
	t := indirect(e.model.PrimaryKey.GoType)
	v := reflect.New(t).Elem()
	if msg := setScalar(v, t, s, false); msg != "" || s == "" {
		return nil, false
	}
	return v.Interface(), true
}

// repr is the object's string form: its String method, or "<Model>
// object (<pk>)".
func (e *entry) repr(obj reflect.Value) string { return reprOf(e.model, obj) }

// fieldValue returns the field of obj (a pointer to the model).
func fieldValue(obj reflect.Value, ff *formField) reflect.Value {
	return obj.Elem().FieldByName(ff.field.Name)
}

// format returns v as the input of ff shows it; "" for nil.
func (ff *formField) format(v reflect.Value) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if t, ok := v.Interface().(time.Time); ok {
		if t.IsZero() {
			return ""
		}
		if ff.widget == "date" {
			return t.Format("2006-01-02")
		}
		return t.Format("2006-01-02T15:04")
	}
	if v.Kind() == reflect.Bool {
		if v.Bool() {
			return "on"
		}
		return ""
	}
	if ff.related != nil && v.CanUint() && v.Uint() == 0 || ff.related != nil && v.CanInt() && v.Int() == 0 {
		return ""
	}
	return fmt.Sprint(v.Interface())
}

// display is the value shown in lists and read-only fields.
func (ff *formField) display(v reflect.Value) string {
	s := ff.format(v)
	switch {
	case ff.widget == "checkbox":
		if s == "" {
			return "No"
		}
		return "Yes"
	case ff.widget == "datetime-local" && s != "":
		return strings.Replace(s, "T", " ", 1)
	case len(ff.choices) > 0:
		for _, c := range ff.choices {
			if c.Value == s {
				return c.Label
			}
		}
	}
	if s == "" {
		return "-"
	}
	return s
}

// bind sets the editable fields of obj from the posted values; it returns
// the errors by column and the labels of the fields whose value changed.
func (e *entry) bind(values url.Values, obj reflect.Value) (map[string][]string, []string) {
	errs := map[string][]string{}
	var changed []string
	for _, ff := range e.form {
		if ff.readonly || ff.m2m != nil {
			continue
		}
		fv := fieldValue(obj, ff)
		before := ff.format(fv)
		raw := values.Get(ff.column)
		if ff.widget != "textarea" {
			raw = strings.TrimSpace(raw)
		}
		if msg := ff.set(fv, raw, values.Has(ff.column)); msg != "" {
			errs[ff.column] = append(errs[ff.column], msg)
			continue
		}
		if ff.format(fv) != before {
			changed = append(changed, strings.ToLower(ff.label))
		}
	}
	return errs, changed
}

// set parses raw into fv; it returns an error message for the user.
func (ff *formField) set(fv reflect.Value, raw string, present bool) string {
	if ff.widget == "checkbox" {
		on := present && raw != "" && raw != "false" && raw != "0"
		if fv.Kind() == reflect.Pointer {
			fv.Set(reflect.New(fv.Type().Elem()))
			fv = fv.Elem()
		}
		fv.SetBool(on)
		return ""
	}
	if raw == "" {
		if ff.required {
			return "This field is required."
		}
		fv.Set(reflect.Zero(fv.Type()))
		return ""
	}
	if ff.maxLen > 0 {
		if n := utf8.RuneCountInString(raw); n > ff.maxLen {
			return fmt.Sprintf("Ensure this value has at most %d characters (it has %d).", ff.maxLen, n)
		}
	}
	if len(ff.choices) > 0 {
		ok := false
		for _, c := range ff.choices {
			ok = ok || c.Value == raw
		}
		if !ok {
			return "Select a valid choice. That choice is not one of the available choices."
		}
	}
	target := fv
	if fv.Kind() == reflect.Pointer {
		target = reflect.New(fv.Type().Elem()).Elem()
	}
	if msg := setScalar(target, target.Type(), raw, ff.widget == "date"); msg != "" {
		if ff.related != nil {
			return "Select a valid choice. That choice is not one of the available choices."
		}
		return msg
	}
	if fv.Kind() == reflect.Pointer {
		p := reflect.New(fv.Type().Elem())
		p.Elem().Set(target)
		fv.Set(p)
	}
	return ""
}

// setScalar parses s into v of type t; it returns a message on failure.
func setScalar(v reflect.Value, t reflect.Type, s string, dateOnly bool) string {
	if t == timeType {
		layouts := []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"}
		msg := "Enter a valid date/time."
		if dateOnly {
			layouts, msg = []string{"2006-01-02"}, "Enter a valid date."
		}
		for _, l := range layouts {
			if tm, err := time.ParseInLocation(l, s, time.UTC); err == nil {
				v.Set(reflect.ValueOf(tm))
				return ""
			}
		}
		return msg
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return "Enter a whole number."
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil {
			return "Enter a whole, non-negative number."
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(s, t.Bits())
		if err != nil {
			return "Enter a number."
		}
		v.SetFloat(n)
	default:
		return "Unsupported value."
	}
	return ""
}

// formFields returns the form's fields ready to render for obj, with the
// posted raw values when the form is redisplayed with errors.
// A foreign key with more than choiceLimit candidates (nil in fkChoices)
// is a number input of the related key (Django's raw_id_fields). With
// viewOnly every row is read-only.
func (e *entry) formFields(obj reflect.Value, posted url.Values, errs map[string][]string, fkChoices map[string][]forms.Choice, viewOnly bool) []*FormRow {
	var rows []*FormRow
	// A new object's numbers start empty (or at the field's default), not
	// at Go's zero, as Django's add form does.
	isNew := obj.Elem().FieldByName(e.model.PrimaryKey.Name).IsZero()
	for _, ff := range e.form {
		if ff.m2m != nil {
			rows = append(rows, ff.m2mRow(obj, posted, errs, fkChoices, viewOnly))
			continue
		}
		fv := fieldValue(obj, ff)
		value := ff.format(fv)
		if isNew && ff.widget == "number" && fv.IsZero() {
			value = ff.field.Default
		}
		if posted != nil && !ff.readonly && ff.widget != "checkbox" {
			value = posted.Get(ff.column)
		}
		f := &forms.Field{
			Name: ff.column, ID: "id_" + ff.column, Label: ff.label, Type: ff.widget,
			Value: value, Checked: value != "" && ff.widget == "checkbox",
			Required: ff.required, MaxLength: ff.maxLen, Errors: errs[ff.column],
		}
		if ff.widget == "number" {
			f.Step = "1"
			if ff.float {
				f.Step = "any"
			}
		}
		rawID := ff.related != nil && fkChoices[ff.column] == nil
		if rawID {
			f.Type, f.Step = "number", "1"
			f.HelpText = "The ID of the " + ff.related.VerboseName + "."
		}
		if f.Type == "select" {
			choices := ff.choices
			if ff.related != nil {
				choices = fkChoices[ff.column]
			}
			f.Choices = append(f.Choices, forms.Choice{Value: "", Label: "---------"})
			for _, c := range choices {
				c.Selected = c.Value == value
				f.Choices = append(f.Choices, c)
			}
		}
		row := &FormRow{Field: f, Readonly: ff.readonly || viewOnly}
		if row.Readonly {
			row.Display = ff.display(fv)
			if ff.related != nil {
				for _, c := range fkChoices[ff.column] {
					if c.Value == value {
						row.Display = c.Label
					}
				}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// m2mRow renders a many-to-many field: a multiple select, or a text
// input of comma-separated keys when the related table is too large.
func (ff *formField) m2mRow(obj reflect.Value, posted url.Values, errs map[string][]string, choices map[string][]forms.Choice, viewOnly bool) *FormRow {
	selected := ff.m2mKeys(obj)
	if posted != nil && !ff.readonly {
		selected = ff.m2mPosted(posted)
	}
	f := &forms.Field{Name: ff.column, ID: "id_" + ff.column, Label: ff.label, Type: "select", Multiple: true, Errors: errs[ff.column]}
	opts, ok := choices[ff.column]
	if ok {
		f.HelpText = "Hold down “Control”, or “Command” on a Mac, to select more than one."
		for _, c := range opts {
			c.Selected = slices.Contains(selected, c.Value)
			f.Choices = append(f.Choices, c)
		}
	} else {
		f.Type, f.Value = "text", strings.Join(selected, ",")
		f.HelpText = "The comma-separated IDs of the " + ff.m2m.target.VerboseNamePlural + "."
	}
	row := &FormRow{Field: f, Readonly: ff.readonly || viewOnly}
	if row.Readonly {
		var labels []string
		for _, c := range f.Choices {
			if c.Selected {
				labels = append(labels, c.Label)
			}
		}
		if !ok {
			labels = selected
		}
		row.Display = strings.Join(labels, ", ")
		if row.Display == "" {
			row.Display = "-"
		}
	}
	return row
}

// FormRow is one row of the admin's change form: an editable field
// rendered with forms, or a read-only value.
type FormRow struct {
	// Field is the field; render it with {{.Field.HTML}}.
	Field *forms.Field
	// Readonly is set for ModelAdmin.ReadonlyFields; Display is then the
	// value to show.
	Readonly bool
	Display  string
	// Link and LinkText, when set, follow a read-only value (the user
	// admin's "change password" link).
	Link, LinkText string
}

// m2mSpec is a many-to-many form field: the relation field of the model
// and the related model.
type m2mSpec struct {
	field  *orm.Field
	target *orm.Model
}

// m2mName is the form name of a many-to-many field: its verbose name in
// snake case ("user_permissions").
func m2mName(f *orm.Field) string {
	return strings.ReplaceAll(strings.ToLower(f.VerboseName), " ", "_")
}

// newM2MField describes the many-to-many relation called name (Go name
// or snake-case verbose name) as a multiple select; false when name is
// not such a relation to a model with a single primary key.
func newM2MField(reg *orm.Registry, m *orm.Model, name string) (*formField, bool) {
	for i := range m.Fields {
		f := &m.Fields[i]
		r := f.Relation
		if r == nil || r.Kind != orm.ManyToMany || (f.Name != name && m2mName(f) != name) {
			continue
		}
		if len(r.ForeignKeys) != 1 || len(r.JoinForeignKeys) != 1 || r.JoinTable == "" {
			return nil, false
		}
		t, ok := reg.ByTable(r.Table)
		if !ok || t.PrimaryKey == nil {
			return nil, false
		}
		return &formField{field: f, column: m2mName(f), label: capFirst(f.VerboseName), widget: "select", m2m: &m2mSpec{field: f, target: t}}, true
	}
	return nil, false
}

// defaultM2M returns the many-to-many relations the default form shows.
func defaultM2M(reg *orm.Registry, m *orm.Model) []string {
	var names []string
	for i := range m.Fields {
		if _, ok := newM2MField(reg, m, m.Fields[i].Name); ok && m.Fields[i].Relation.Kind == orm.ManyToMany {
			names = append(names, m.Fields[i].Name)
		}
	}
	return names
}

// m2mKeys returns the keys of the related objects in obj's slice field.
func (ff *formField) m2mKeys(obj reflect.Value) []string {
	list := obj.Elem().FieldByName(ff.m2m.field.Name)
	var out []string
	for i := range list.Len() {
		it := reflect.Indirect(list.Index(i))
		out = append(out, fmt.Sprint(it.FieldByName(ff.m2m.target.PrimaryKey.Name).Interface()))
	}
	return out
}

// m2mLabel is an option's label: the object's string form, and for
// auth's permissions "app | model | Can change question".
func m2mLabel(t *orm.Model, obj reflect.Value) string {
	if p, ok := obj.Interface().(*auth.Permission); ok {
		_, model, _ := strings.Cut(p.Codename, "_")
		return p.App + " | " + model + " | " + p.Name
	}
	return reprOf(t, obj)
}

// m2mPosted returns the keys posted for ff: the selected options, or
// the comma-separated keys of the text input shown instead of a select
// for a large table.
func (ff *formField) m2mPosted(values url.Values) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range values[ff.column] {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}
