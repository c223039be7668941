package admin

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/orm"
)

// choiceLimit bounds the options of a foreign-key select and of a
// foreign-key filter.
const choiceLimit = 1000

// entry is the admin of one registered model, built once by Register.
type entry struct {
	model    *orm.Model
	admin    ModelAdmin
	reg      *orm.Registry
	list     []listColumn
	search   []searchPath
	filters  []*filterSpec
	ordering []orderTerm
	form     []*formField
	perPage  int
	// fieldsets are ModelAdmin.Fieldsets resolved (fieldsets.go);
	// inlines ModelAdmin.Inlines (inlines.go); isUser marks auth.User's
	// entry (useradmin.go).
	fieldsets []*fieldsetSpec
	inlines   []*inlineSpec
	isUser    bool
	// editable are ModelAdmin.ListEditable by column, hierarchy
	// DateHierarchy's field, actions ModelAdmin.Actions (changelist.go).
	editable  map[string]*formField
	hierarchy *formField
	actions   []Action
}

// key is "app/model", the entry's place in URLs.
func (e *entry) key() string { return e.model.App + "/" + modelName(e.model) }

// perm returns the permission for action ("view", "add"...).
func (e *entry) perm(action string) string {
	return e.model.App + "." + action + "_" + modelName(e.model)
}

// listColumn is one changelist column; field nil means the object's
// string form.
type listColumn struct {
	label string
	field *orm.Field
	fk    *formField // set for foreign keys: shown as the related object
	col   *Column    // set for a computed column (ModelAdmin.Columns)
}

// orderTerm is a whitelisted ORDER BY column.
type orderTerm struct {
	column string
	desc   bool
}

// filterSpec is one sidebar filter: the query parameter is the column.
type filterSpec struct {
	column string
	label  string
	field  *formField
	date   bool // a date filter: Today, Past 7 days... (changelist.go)
}

// formField is one field of the add/change form.
type formField struct {
	field    *orm.Field
	column   string
	label    string
	widget   string // text, textarea, number, checkbox, date, datetime-local, select
	required bool
	maxLen   int
	readonly bool
	float    bool
	choices  []forms.Choice // fixed choices (forms.Chooser)
	related  *orm.Model     // foreign key target
	nullable bool           // pointer field: "" stores NULL
	m2m      *m2mSpec       // many-to-many relation (values.go's m2m*)
}

var timeType = reflect.TypeFor[time.Time]()

var chooserType = reflect.TypeFor[forms.Chooser]()

// newEntry checks ma against m and precomputes the model's admin.
func newEntry(reg *orm.Registry, m *orm.Model, ma ModelAdmin) (*entry, error) {
	if m.PrimaryKey == nil {
		return nil, fmt.Errorf("admin: model %s has no single primary key", m)
	}
	e := &entry{model: m, admin: ma, reg: reg, perPage: ma.ListPerPage}
	if e.perPage <= 0 {
		e.perPage = DefaultListPerPage
	}
	e.perPage = min(e.perPage, orm.MaxPerPage)
	var errs []string
	bad := func(what, name, why string) { errs = append(errs, fmt.Sprintf("%s %q %s", what, name, why)) }

	// Form fields.
	readonly := map[*orm.Field]bool{}
	for _, name := range ma.ReadonlyFields {
		f, ok := resolve(m, name)
		if !ok {
			bad("ReadonlyFields", name, "is not a column of the model")
			continue
		}
		readonly[f] = true
	}
	names := ma.Fields
	if len(ma.Fieldsets) > 0 {
		names = fieldsetNames(ma.Fieldsets)
	}
	explicit := len(names) > 0
	if !explicit {
		for i := range m.Fields {
			f := &m.Fields[i]
			if f.Column == "" || f.PrimaryKey || slices.Contains([]string{"CreatedAt", "UpdatedAt", "DeletedAt"}, f.Name) {
				continue
			}
			names = append(names, f.Name)
		}
		for _, name := range ma.ReadonlyFields {
			if f, ok := resolve(m, name); ok && !slices.Contains(names, f.Name) {
				names = append(names, f.Name)
			}
		}
		names = append(names, defaultM2M(reg, m)...)
	}
	for _, name := range names {
		f, ok := resolve(m, name)
		if !ok {
			if ff, ok := newM2MField(reg, m, name); ok {
				e.form = append(e.form, ff)
				continue
			}
			bad("Fields", name, "is not a column of the model")
			continue
		}
		ff, ok := newFormField(reg, m, f)
		if !ok {
			if explicit {
				bad("Fields", name, fmt.Sprintf("has type %v, which the admin has no widget for", f.GoType))
			}
			continue
		}
		ff.readonly = readonly[f] || f.PrimaryKey
		e.form = append(e.form, ff)
	}

	errs = append(errs, e.buildChangelist()...)
	for _, o := range ma.Ordering {
		name, desc := strings.CutPrefix(o, "-")
		f, ok := resolve(m, name)
		if !ok {
			bad("Ordering", o, "is not a column of the model")
			continue
		}
		e.ordering = append(e.ordering, orderTerm{column: f.Column, desc: desc})
	}
	if len(e.ordering) == 0 {
		e.ordering = []orderTerm{{column: m.PrimaryKey.Column, desc: true}}
	}
	errs = append(errs, e.buildFieldsets()...)
	errs = append(errs, e.buildInlines()...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("admin: model %s: %s", m, strings.Join(errs, "; "))
	}
	return e, nil
}

// resolve finds the column field called name: a Go name, a column name
// or a belongs-to relation's name (its foreign key column).
func resolve(m *orm.Model, name string) (*orm.Field, bool) {
	f, ok := m.Field(name)
	if !ok {
		return nil, false
	}
	if f.Relation != nil {
		if f.Relation.Kind != orm.BelongsTo || len(f.Relation.ForeignKeys) != 1 {
			return nil, false
		}
		return m.Field(f.Relation.ForeignKeys[0])
	}
	return f, true
}

// belongsTo returns the belongs-to relation whose foreign key is f.
func belongsTo(m *orm.Model, f *orm.Field) (*orm.Field, bool) {
	for i := range m.Fields {
		rf := &m.Fields[i]
		if r := rf.Relation; r != nil && r.Kind == orm.BelongsTo && len(r.ForeignKeys) == 1 && r.ForeignKeys[0] == f.Column {
			return rf, true
		}
	}
	return nil, false
}

// relationName is the verbose name of the relation of the foreign key f
// ("question" for question_id), or f's own.
func relationName(m *orm.Model, f *orm.Field) string {
	if rf, ok := belongsTo(m, f); ok {
		return rf.VerboseName
	}
	return f.VerboseName
}

// newFormField describes the column f as a form field; false when the
// admin has no widget for its type.
func newFormField(reg *orm.Registry, m *orm.Model, f *orm.Field) (*formField, bool) {
	t := f.GoType
	ff := &formField{field: f, column: f.Column, label: capFirst(f.VerboseName), nullable: t.Kind() == reflect.Pointer}
	base := indirect(t)
	ff.required = f.NotNull && !ff.nullable && f.Default == "" && base.Kind() != reflect.Bool
	if rf, ok := belongsTo(m, f); ok {
		if rel, ok := reg.ByTable(rf.Relation.Table); ok && rel.PrimaryKey != nil {
			ff.related, ff.widget, ff.label = rel, "select", capFirst(rf.VerboseName)
			ff.required = !ff.nullable
			return ff, true
		}
	}
	if base.Implements(chooserType) || reflect.PointerTo(base).Implements(chooserType) {
		v := reflect.New(base)
		if c, ok := v.Interface().(forms.Chooser); ok {
			ff.choices = c.Choices()
		} else {
			ff.choices = v.Elem().Interface().(forms.Chooser).Choices()
		}
		ff.widget = "select"
		return ff, true
	}
	switch {
	case base == timeType:
		ff.widget = "datetime-local"
		if strings.EqualFold(f.DataType, "date") {
			ff.widget = "date"
		}
	case base.Kind() == reflect.Bool:
		ff.widget = "checkbox"
	case base.Kind() >= reflect.Int && base.Kind() <= reflect.Uint64:
		ff.widget = "number"
	case base.Kind() == reflect.Float32 || base.Kind() == reflect.Float64:
		ff.widget, ff.float = "number", true
	case base.Kind() == reflect.String:
		ff.widget = "textarea"
		if f.Size > 0 && f.Size <= 255 {
			ff.widget, ff.maxLen = "text", f.Size
		} else if f.Size > 0 {
			ff.maxLen = f.Size
		}
	default:
		return nil, false
	}
	return ff, true
}

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// capFirst upper-cases the first letter: "pub date" → "Pub date".
func capFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = []rune(strings.ToUpper(string(r[0])))[0]
	return string(r)
}
