package forms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
	"github.com/gorilla/schema"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/djinn-go/djinn/orm"
)

// DefaultChoiceLimit is how many rows of a related table a foreign-key
// select offers when ModelFormOptions.ChoiceLimit is 0.
const DefaultChoiceLimit = 1000

// ModelFormOptions says which fields of a model a ModelForm edits, like a
// Django ModelForm's Meta. Names are column names ("question_text"), Go
// names ("QuestionText") or, for a belongs-to relation, the relation's
// name ("Question", meaning its foreign key "question_id").
type ModelFormOptions struct {
	// Fields lists the fields the form edits, in order. Only these are
	// ever set from a request: a model's other columns (is_staff...)
	// cannot be mass-assigned.
	Fields []string
	// Exclude, used when Fields is empty, edits every column except these,
	// the primary key and CreatedAt/UpdatedAt/DeletedAt. One of Fields and
	// Exclude must be set, so that adding a column to a model never
	// silently makes it editable... unless Exclude says so.
	Exclude []string
	// Labels, HelpTexts and Widgets override the label (the capitalized
	// verbose name otherwise), help text and input type of fields, by
	// column name.
	Labels, HelpTexts, Widgets map[string]string
	// ChoiceLimit bounds the options of a foreign-key select, which come
	// from the related table ordered by key; 0 means DefaultChoiceLimit.
	ChoiceLimit int
}

// ModelForm binds, validates and saves instances of the registered model
// T through a form of some of its fields, like a Django ModelForm:
// required-ness comes from NOT NULL, the maximum length from the column
// size, foreign keys become selects of the related rows, unique columns
// are checked against the database, and Save creates or updates in a
// transaction. Field names in requests and Errors are column names.
//
// Build it once at start-up with NewModelForm; it is safe for concurrent
// use.
type ModelForm[T any] struct {
	model  *orm.Model
	reg    *orm.Registry
	fields []modelField
	opts   ModelFormOptions

	// beforeWrite runs in Save's transaction just before the write (tests
	// use it to simulate a concurrent insert).
	beforeWrite func(tx *gorm.DB)
}

// modelField is one field a ModelForm edits.
type modelField struct {
	field   *orm.Field
	index   []int
	rel     *orm.Relation // the belongs-to relation whose key this is
	related *orm.Model
}

// modelDecoder decodes model fields by Go name: its alias tag is one no
// model uses, and "" resets a field to its zero value.
var modelDecoder = sync.OnceValue(func() *schema.Decoder {
	d := newDecoder("djinn_model_form_unused")
	d.ZeroEmpty(true)
	return d
})

// NewModelForm returns the form of the model T registered in reg. It is
// an error when T is not registered, when neither Fields nor Exclude is
// set, or when a name matches no column or belongs-to relation of T or
// names the primary key.
func NewModelForm[T any](reg *orm.Registry, opts ModelFormOptions) (*ModelForm[T], error) {
	m, ok := reg.Model((*T)(nil))
	if !ok {
		return nil, fmt.Errorf("forms: NewModelForm: %v is not a registered model", reflect.TypeFor[T]())
	}
	if len(opts.Fields) == 0 && len(opts.Exclude) == 0 {
		return nil, fmt.Errorf("forms: NewModelForm(%s): set ModelFormOptions.Fields (or Exclude) to the fields a request may set", m)
	}
	mf := &ModelForm[T]{model: m, reg: reg, opts: opts}
	var cols []*orm.Field
	if len(opts.Fields) > 0 {
		for _, name := range opts.Fields {
			f, err := resolveField(m, name)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(cols, f) {
				cols = append(cols, f)
			}
		}
	} else {
		var excluded []*orm.Field
		for _, name := range opts.Exclude {
			f, err := resolveField(m, name)
			if err != nil {
				return nil, err
			}
			excluded = append(excluded, f)
		}
		for i := range m.Fields {
			f := &m.Fields[i]
			switch {
			case f.Column == "", f.PrimaryKey, f.AutoIncrement, slices.Contains(excluded, f),
				f.Name == "CreatedAt", f.Name == "UpdatedAt", f.Name == "DeletedAt":
				continue
			}
			cols = append(cols, f)
		}
	}
	for _, f := range cols {
		sf, ok := m.Type.FieldByName(f.Name)
		if !ok {
			return nil, fmt.Errorf("forms: NewModelForm(%s): no struct field %s", m, f.Name)
		}
		mfld := modelField{field: f, index: sf.Index}
		for i := range m.Fields {
			r := m.Fields[i].Relation
			if r != nil && r.Kind == orm.BelongsTo && len(r.ForeignKeys) == 1 && r.ForeignKeys[0] == f.Column {
				mfld.rel = r
				mfld.related, _ = reg.ByTable(r.Table)
			}
		}
		mf.fields = append(mf.fields, mfld)
	}
	return mf, nil
}

// resolveField finds the column field a ModelFormOptions name means.
func resolveField(m *orm.Model, name string) (*orm.Field, error) {
	f, ok := m.Field(name)
	if !ok {
		for i := range m.Fields {
			if strings.EqualFold(m.Fields[i].Name, name) {
				f, ok = &m.Fields[i], true
			}
		}
	}
	if !ok {
		return nil, fmt.Errorf("forms: model %s has no field %q", m, name)
	}
	if f.Relation != nil {
		if f.Relation.Kind != orm.BelongsTo || len(f.Relation.ForeignKeys) != 1 {
			return nil, fmt.Errorf("forms: model %s: field %q is a %s relation; a form can edit only belongs-to relations with one key", m, name, f.Relation.Kind)
		}
		fk, ok := m.Field(f.Relation.ForeignKeys[0])
		if !ok {
			return nil, fmt.Errorf("forms: model %s: relation %q has no key column %q", m, name, f.Relation.ForeignKeys[0])
		}
		f = fk
	}
	if f.PrimaryKey {
		return nil, fmt.Errorf("forms: model %s: field %q is the primary key; a form cannot edit it", m, name)
	}
	return f, nil
}

// Names returns the column names of the fields the form edits, in order.
func (mf *ModelForm[T]) Names() []string {
	out := make([]string, len(mf.fields))
	for i, f := range mf.fields {
		out[i] = f.field.Column
	}
	return out
}

// Bind sets the form's fields of instance from the request and validates
// them without the database: conversion, required (NOT NULL strings,
// non-pointer foreign keys), the column size, `validate` tags of the
// model's fields, then the model's Clean method when it implements
// Cleaner. Only the form's fields are set; fields absent from the data
// keep the instance's value, except unchecked checkboxes, which become
// false. JSON bodies are decoded field by field the same way. Limits and
// the Validator come from opts, as for Bind. Call Save (or Validate) next
// for the database checks.
func (mf *ModelForm[T]) Bind(r *http.Request, instance *T, opts ...Option) Errors {
	o := buildOptions(opts)
	data, errs := readRequest(r, o, func(string) bool { return false })
	if errs != nil {
		return errs
	}
	rv := reflect.ValueOf(instance).Elem()
	skip := map[string]bool{}
	if data.json != nil {
		if !mf.decodeJSON(data.json, rv, &errs, skip) {
			return errs
		}
	} else {
		mf.decodeForm(data.values, instance, rv, &errs, skip)
	}
	mf.check(rv, o, &errs, skip)
	if !errs.Any() {
		if c, ok := any(instance).(Cleaner); ok {
			collect(&errs, c.Clean())
		}
	}
	return errs.orNil()
}

func (mf *ModelForm[T]) decodeForm(values url.Values, instance *T, rv reflect.Value, errs *Errors, skip map[string]bool) {
	src := map[string][]string{}
	byGo := map[string]string{}
	for _, f := range mf.fields {
		byGo[f.field.Name] = f.field.Column
		vals, ok := values[f.field.Column]
		if !ok {
			if indirect(f.field.GoType).Kind() == reflect.Bool {
				rv.FieldByIndex(f.index).SetZero() // an unchecked checkbox
			}
			continue
		}
		src[f.field.Name] = vals
	}
	err := modelDecoder().Decode(instance, src)
	var multi schema.MultiError
	if err != nil && !errors.As(err, &multi) {
		errs.Add(NonFieldErrors, msgMalformed)
		return
	}
	for goName, e := range multi {
		col := byGo[goName]
		msg := "Enter a valid value."
		var ce schema.ConversionError
		if errors.As(e, &ce) {
			msg = conversionMessage(ce.Type, mf.opts.Widgets[col])
		}
		errs.Add(col, msg)
		skip[col] = true
	}
}

func (mf *ModelForm[T]) decodeJSON(body []byte, rv reflect.Value, errs *Errors, skip map[string]bool) bool {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		errs.Add(NonFieldErrors, msgBadJSON)
		return false
	}
	for _, f := range mf.fields {
		msg, ok := raw[f.field.Column]
		if !ok {
			continue
		}
		fv := rv.FieldByIndex(f.index)
		target := reflect.New(fv.Type())
		if err := json.Unmarshal(msg, target.Interface()); err != nil {
			errs.Add(f.field.Column, conversionMessage(fv.Type(), mf.opts.Widgets[f.field.Column]))
			skip[f.field.Column] = true
			continue
		}
		fv.Set(target.Elem())
	}
	return true
}

// check runs the database-free checks of the form's fields.
func (mf *ModelForm[T]) check(rv reflect.Value, o *options, errs *Errors, skip map[string]bool) {
	var goNames []string
	for _, f := range mf.fields {
		col := f.field.Column
		goNames = append(goNames, f.field.Name)
		if skip[col] {
			continue
		}
		fv := rv.FieldByIndex(f.index)
		if fv.Kind() == reflect.String {
			fv.SetString(strings.TrimSpace(fv.String())) // as Django's CharField
		}
		if mf.required(f) && isEmpty(fv) {
			errs.Add(col, "This field is required.")
			skip[col] = true
			continue
		}
		if n := mf.maxLength(f); n > 0 {
			if s := formatValue(fv, ""); utf8.RuneCountInString(s) > n {
				unit := "characters"
				if n == 1 {
					unit = "character"
				}
				errs.Add(col, fmt.Sprintf("Ensure this value has at most %d %s (it has %d).", n, unit, utf8.RuneCountInString(s)))
				skip[col] = true
			}
		}
	}
	err := o.validator.v.StructPartial(rv.Addr().Interface(), goNames...)
	if err == nil {
		return
	}
	m := metaFor(rv.Type())
	label := func(goName string) string {
		if f := m.byGo[goName]; f != nil {
			return f.label
		}
		return Humanize(goName)
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		errs.Add(NonFieldErrors, "The data could not be validated.")
		return
	}
	for _, fe := range ves {
		col := fe.StructField()
		for _, f := range mf.fields {
			if f.field.Name == fe.StructField() {
				col = f.field.Column
			}
		}
		if skip[col] {
			continue
		}
		errs.Add(col, message(fe, o.validator.messages, label))
	}
}

// required reports whether a field must have a value: a NOT NULL string
// without a default, or a foreign key that is not a pointer.
func (mf *ModelForm[T]) required(f modelField) bool {
	if f.rel != nil {
		return f.field.GoType.Kind() != reflect.Pointer
	}
	return f.field.NotNull && f.field.Default == "" && indirect(f.field.GoType).Kind() == reflect.String
}

// maxLength is the column size of a string field; 0 when unbounded.
func (mf *ModelForm[T]) maxLength(f modelField) int {
	if indirect(f.field.GoType).Kind() != reflect.String {
		return 0
	}
	return f.field.Size
}

func isEmpty(v reflect.Value) bool {
	if v.Kind() == reflect.Pointer {
		return v.IsNil() || isEmpty(v.Elem())
	}
	return v.IsZero()
}

// Validate runs the checks that need the database, within ctx on db: each
// unique column of the form must not have the instance's value in another
// row ("Question with this Text already exists."), and each foreign key
// must name an existing row. Database failures are the error.
func (mf *ModelForm[T]) Validate(ctx context.Context, db *gorm.DB, instance *T) (Errors, error) {
	var errs Errors
	rv := reflect.ValueOf(instance).Elem()
	db = db.WithContext(ctx)
	pkCol, pkVal, hasPK := mf.primaryKey(rv)
	for _, f := range mf.fields {
		fv := rv.FieldByIndex(f.index)
		if isEmpty(fv) {
			continue
		}
		val := reflect.Indirect(fv).Interface()
		col := f.field.Column
		if f.field.Unique {
			q := db.Table(mf.model.Table).Where(clause.Eq{Column: clause.Column{Name: col}, Value: val})
			if hasPK {
				q = q.Where(clause.Neq{Column: clause.Column{Name: pkCol}, Value: pkVal})
			}
			var n int64
			if err := q.Count(&n).Error; err != nil {
				return nil, fmt.Errorf("forms: check %s.%s is unique: %w", mf.model.Table, col, err)
			}
			if n > 0 {
				errs.Add(col, mf.uniqueMessage(f.field))
			}
		}
		if f.rel != nil {
			var n int64
			ref := f.rel.References[0]
			err := db.Table(f.rel.Table).Where(clause.Eq{Column: clause.Column{Name: ref}, Value: val}).Count(&n).Error
			if err != nil {
				return nil, fmt.Errorf("forms: check %s.%s exists: %w", f.rel.Table, ref, err)
			}
			if n == 0 {
				errs.Add(col, "Select a valid choice. That choice is not one of the available choices.")
			}
		}
	}
	return errs.orNil(), nil
}

// primaryKey returns the primary key column and value of a saved
// instance; ok is false for a new one (zero key).
func (mf *ModelForm[T]) primaryKey(rv reflect.Value) (col string, val any, ok bool) {
	pk := mf.model.PrimaryKey
	if pk == nil {
		return "", nil, false
	}
	fv := rv.FieldByName(pk.Name)
	if !fv.IsValid() || fv.IsZero() {
		return "", nil, false
	}
	return pk.Column, fv.Interface(), true
}

func (mf *ModelForm[T]) uniqueMessage(f *orm.Field) string {
	return fmt.Sprintf("%s with this %s already exists.", capFirst(mf.model.VerboseName), mf.label(f))
}

// label is a field's label: ModelFormOptions.Labels or its capitalized
// verbose name.
func (mf *ModelForm[T]) label(f *orm.Field) string {
	if l, ok := mf.opts.Labels[f.Column]; ok {
		return l
	}
	return capFirst(f.VerboseName)
}

func capFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

// Save validates against the database and writes instance inside
// orm.Atomic: it creates the row when the primary key is zero, else it
// updates the form's columns (and UpdatedAt) only. A unique violation the
// checks could not see (a concurrent insert) becomes a field error on the
// column ("... already exists.", or a non-field error for a column the
// form does not edit), and the transaction is rolled back. Errors reports
// what the user must fix; error is a database failure, or orm.ErrNotFound
// when the row to update is gone.
func (mf *ModelForm[T]) Save(ctx context.Context, db *gorm.DB, instance *T) (Errors, error) {
	var errs Errors
	err := orm.Atomic(ctx, db, func(tx *gorm.DB) error {
		var err error
		errs, err = mf.Validate(tx.Statement.Context, tx, instance)
		if err != nil || errs != nil {
			return err
		}
		if mf.beforeWrite != nil {
			mf.beforeWrite(tx)
		}
		if _, _, saved := mf.primaryKey(reflect.ValueOf(instance).Elem()); !saved {
			err = tx.Create(instance).Error
		} else {
			cols := make([]string, 0, len(mf.fields)+1)
			for _, f := range mf.fields {
				cols = append(cols, f.field.Name)
			}
			if _, ok := mf.model.Field("UpdatedAt"); ok {
				cols = append(cols, "UpdatedAt")
			}
			res := tx.Model(instance).Select(cols).Updates(instance)
			err = res.Error
			if err == nil && res.RowsAffected == 0 {
				err = orm.ErrNotFound
			}
		}
		if errors.Is(err, orm.ErrDuplicate) {
			errs = mf.duplicateErrors(err)
			return errs
		}
		return err
	})
	if errs != nil {
		return errs, nil
	}
	return nil, err
}

// duplicateErrors words a unique violation from the database.
func (mf *ModelForm[T]) duplicateErrors(err error) Errors {
	var errs Errors
	var oe *orm.Error
	var cols []string
	if errors.As(err, &oe) && oe.Column != "" {
		cols = strings.Split(oe.Column, ", ")
	}
	for _, col := range cols {
		f, ok := mf.model.Field(col)
		if !ok {
			continue
		}
		if slices.ContainsFunc(mf.fields, func(mfld modelField) bool { return mfld.field == f }) {
			errs.Add(col, mf.uniqueMessage(f))
		} else {
			errs.Add(NonFieldErrors, mf.uniqueMessage(f))
		}
	}
	if errs == nil {
		errs.Add(NonFieldErrors, fmt.Sprintf("%s with these values already exists.", capFirst(mf.model.VerboseName)))
	}
	return errs
}

// Form describes instance as a Form of the ModelForm's fields, with errs
// (nil for an unbound form) and the foreign keys' choices read from the
// related tables within ctx on db: at most ChoiceLimit rows ordered by
// key, labelled by the related model's String method when it has one
// ("Question object (3)" otherwise), with a note in the help text when
// there are more. Options used: WithRenderer, WithChoices (which replaces
// a foreign key's query).
func (mf *ModelForm[T]) Form(ctx context.Context, db *gorm.DB, instance *T, errs Errors, opts ...Option) (*Form, error) {
	o := buildOptions(opts)
	form := &Form{errs: errs, renderer: o.renderer}
	seen := map[string]bool{}
	rv := reflect.ValueOf(instance).Elem()
	for _, f := range mf.fields {
		col := f.field.Column
		spec := fieldSpec{
			name: col, label: mf.label(f.field), help: mf.opts.HelpTexts[col], widget: mf.opts.Widgets[col],
			typ: f.field.GoType, required: mf.required(f), maxLength: mf.maxLength(f),
		}
		if spec.widget == "" && indirect(f.field.GoType).Kind() == reflect.String && f.field.Size == 0 {
			spec.widget = "textarea" // a text column, as Django's TextField
		}
		fv := rv.FieldByIndex(f.index)
		if c, ok := o.choices[col]; ok {
			spec.choices = c
		} else if f.rel != nil {
			choices, more, err := mf.relatedChoices(ctx, db, f)
			if err != nil {
				return nil, err
			}
			spec.choices = choices
			if more {
				note := fmt.Sprintf("Only the first %d choices are shown.", len(choices))
				spec.help = strings.TrimSpace(spec.help + " " + note)
			}
		}
		if spec.choices != nil {
			spec.emptyLabel = !spec.required || isEmpty(fv)
		}
		form.fields = append(form.fields, form.buildField(spec, fv, seen))
	}
	form.finish(seen)
	return form, nil
}

// relatedChoices reads the choices of a foreign key from its table.
func (mf *ModelForm[T]) relatedChoices(ctx context.Context, db *gorm.DB, f modelField) ([]Choice, bool, error) {
	limit := mf.opts.ChoiceLimit
	if limit <= 0 {
		limit = DefaultChoiceLimit
	}
	if f.related == nil {
		return nil, false, fmt.Errorf("forms: %s.%s: related table %q is not a registered model", mf.model, f.field.Name, f.rel.Table)
	}
	ref := f.rel.References[0]
	refField, ok := f.related.Field(ref)
	if !ok {
		return nil, false, fmt.Errorf("forms: %s: no column %q", f.related, ref)
	}
	rows := reflect.New(reflect.SliceOf(f.related.Type))
	err := db.WithContext(ctx).Order(clause.OrderByColumn{Column: clause.Column{Name: ref}}).
		Limit(limit + 1).Find(rows.Interface()).Error
	if err != nil {
		return nil, false, fmt.Errorf("forms: load choices of %s.%s from %s: %w", mf.model, f.field.Name, f.rel.Table, err)
	}
	list := rows.Elem()
	more := list.Len() > limit
	n := min(list.Len(), limit)
	choices := make([]Choice, 0, n)
	for i := range n {
		row := list.Index(i)
		val := formatValue(row.FieldByName(refField.Name), "")
		var label string
		if s, ok := row.Addr().Interface().(fmt.Stringer); ok {
			label = s.String()
		} else {
			label = fmt.Sprintf("%s object (%s)", f.related.Name, val)
		}
		choices = append(choices, Choice{Value: val, Label: label})
	}
	return choices, more, nil
}
