package admin

import "fmt"

// fieldsetSpec is one resolved Fieldset: n consecutive fields of the
// entry's form, from its start.
type fieldsetSpec struct {
	name, description string
	collapsed         bool
	start, n          int
}

// FieldsetView is one heading of the change form and its rows
// (admin/change_form.html). A fieldset without Name shows no heading; a
// Collapsed one is a <details> element, closed unless a row has errors.
type FieldsetView struct {
	Name, Description string
	Collapsed         bool
	// Open is set when a collapsed fieldset holds errors.
	Open bool
	Rows []*FormRow
}

// fieldsetNames returns the fields of every fieldset, in order.
func fieldsetNames(fs []Fieldset) []string {
	var names []string
	for _, f := range fs {
		names = append(names, f.Fields...)
	}
	return names
}

// buildFieldsets checks ModelAdmin.Fieldsets against the form newEntry
// built from them and records where each starts; it returns the problems.
func (e *entry) buildFieldsets() []string {
	fs := e.admin.Fieldsets
	if len(fs) == 0 {
		return nil
	}
	var errs []string
	seen := map[string]string{} // column → fieldset name
	formNames := len(fieldsetNames(fs))
	start := 0
	for _, f := range fs {
		if len(f.Fields) == 0 {
			errs = append(errs, fmt.Sprintf("Fieldsets %q has no fields", f.Name))
		}
		for _, name := range f.Fields {
			col := name
			if ff := e.formFieldNamed(name); ff != nil {
				col = ff.column
			}
			if prev, dup := seen[col]; dup {
				errs = append(errs, fmt.Sprintf("Fieldsets: field %q is in fieldset %q and in fieldset %q", name, prev, f.Name))
			}
			seen[col] = f.Name
		}
		e.fieldsets = append(e.fieldsets, &fieldsetSpec{name: f.Name, description: f.Description, collapsed: f.Collapsed, start: start, n: len(f.Fields)})
		start += len(f.Fields)
	}
	if len(errs) == 0 && formNames != len(e.form) {
		// A field was dropped (unknown, reported by newEntry): the
		// fieldsets no longer line up with the form.
		e.fieldsets = nil
	}
	return errs
}

// formFieldNamed returns the form field called name (Go name, column or
// relation name), or nil.
func (e *entry) formFieldNamed(name string) *formField {
	for _, ff := range e.form {
		if ff.column == name || ff.field != nil && ff.field.Name == name {
			return ff
		}
	}
	if f, ok := resolve(e.model, name); ok {
		for _, ff := range e.form {
			if ff.field == f {
				return ff
			}
		}
	}
	return nil
}

// groupRows splits the form's rows into the fieldsets; one unnamed
// fieldset holds them all when the ModelAdmin has none.
func (e *entry) groupRows(rows []*FormRow) []*FieldsetView {
	if len(e.fieldsets) == 0 || len(rows) != len(e.form) {
		return []*FieldsetView{{Rows: rows}}
	}
	var out []*FieldsetView
	for _, fs := range e.fieldsets {
		v := &FieldsetView{Name: fs.name, Description: fs.description, Collapsed: fs.collapsed, Rows: rows[fs.start : fs.start+fs.n]}
		for _, r := range v.Rows {
			v.Open = v.Open || len(r.Field.Errors) > 0
		}
		out = append(out, v)
	}
	return out
}
