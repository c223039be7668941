package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/orm"
)

// defaultExtra is Inline.Extra when 0.
const defaultExtra = 3

// maxInlineRows bounds the related objects an inline shows and the rows
// a POST may carry.
const maxInlineRows = 1000

// inlineSpec is a resolved Inline: the related model's form (without its
// foreign key to the parent) and that foreign key.
type inlineSpec struct {
	child  *entry
	fk     *orm.Field // the child's column pointing at the parent
	extra  int
	prefix string // form name prefix: the child's table
}

// buildInlines resolves ModelAdmin.Inlines; it returns the problems.
func (e *entry) buildInlines() []string {
	var errs []string
	for i, inl := range e.admin.Inlines {
		cm, ok := e.reg.Model(inl.Model)
		if !ok {
			errs = append(errs, fmt.Sprintf("Inlines[%d]: %T is not a model of an installed app", i, inl.Model))
			continue
		}
		fk, err := inlineFK(e.model, cm, inl.FK)
		if err != nil {
			errs = append(errs, fmt.Sprintf("Inlines[%d] (%s): %v", i, cm, err))
			continue
		}
		child, err := newEntry(e.reg, cm, ModelAdmin{Fields: inl.Fields})
		if err != nil {
			errs = append(errs, fmt.Sprintf("Inlines[%d]: %v", i, err))
			continue
		}
		var form []*formField
		for _, ff := range child.form {
			if ff.field != fk && ff.m2m == nil {
				form = append(form, ff)
			}
		}
		child.form = form
		extra := inl.Extra
		if extra == 0 {
			extra = defaultExtra
		}
		e.inlines = append(e.inlines, &inlineSpec{child: child, fk: fk, extra: max(extra, 0), prefix: cm.Table})
	}
	return errs
}

// inlineFK finds the column of child pointing at parent: the one named
// name, or the only one (a belongs-to relation of child, or a has-many
// relation of parent).
func inlineFK(parent, child *orm.Model, name string) (*orm.Field, error) {
	if name != "" {
		f, ok := resolve(child, name)
		if !ok {
			return nil, fmt.Errorf("FK %q is not a column of %s", name, child)
		}
		return f, nil
	}
	var found []*orm.Field
	add := func(col string) {
		f, ok := child.Field(col)
		if !ok {
			return
		}
		for _, g := range found {
			if g == f {
				return
			}
		}
		found = append(found, f)
	}
	for _, f := range child.Fields {
		if r := f.Relation; r != nil && r.Kind == orm.BelongsTo && r.Table == parent.Table && len(r.ForeignKeys) == 1 {
			add(r.ForeignKeys[0])
		}
	}
	for _, f := range parent.Fields {
		if r := f.Relation; r != nil && r.Kind == orm.HasMany && r.Table == child.Table && len(r.ForeignKeys) == 1 {
			add(r.ForeignKeys[0])
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("has no foreign key to %s", parent)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("has %d foreign keys to %s: set Inline.FK", len(found), parent)
}

// inlineState is an inline during one request: the user's permissions
// on the related model and its rows.
type inlineState struct {
	spec                         *inlineSpec
	canAdd, canChange, canDelete bool
	existing                     []*inlineRow
	added                        []*inlineRow // posted new rows, not empty
}

// inlineRow is one related object.
type inlineRow struct {
	obj     reflect.Value
	pk      string
	posted  url.Values // the row's posted values, without prefix
	errs    map[string][]string
	changed []string
	del     bool
}

// inlineStates loads the inlines' rows for the parent obj (none when
// adding) and the user's permissions; inlines the user may not see are
// left out.
func (s *Site) inlineStates(ctx context.Context, r *http.Request, u *auth.User, e *entry, obj reflect.Value, adding bool) ([]*inlineState, error) {
	var out []*inlineState
	for _, spec := range e.inlines {
		st := &inlineState{spec: spec}
		var view bool
		for _, p := range []struct {
			action string
			dst    *bool
		}{{"view", &view}, {"add", &st.canAdd}, {"change", &st.canChange}, {"delete", &st.canDelete}} {
			ok, err := s.can(r, u, spec.child, p.action)
			if err != nil {
				return nil, err
			}
			*p.dst = ok
		}
		if !view && !st.canAdd && !st.canChange && !st.canDelete {
			continue
		}
		if !adding {
			list := spec.child.newSlice()
			err := orm.DB(ctx, s.db).Model(spec.child.newObject().Interface()).
				Where(clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: spec.fk.Column}, Value: obj.Elem().FieldByName(e.model.PrimaryKey.Name).Interface()}).
				Order(clause.OrderByColumn{Column: clause.Column{Table: clause.CurrentTable, Name: spec.child.model.PrimaryKey.Column}}).
				Limit(maxInlineRows).Find(list.Interface()).Error
			if err != nil {
				return nil, fmt.Errorf("admin: load %s of %s: %w", spec.child.model.Table, e.model, err)
			}
			for i := range list.Elem().Len() {
				o := list.Elem().Index(i)
				st.existing = append(st.existing, &inlineRow{obj: o, pk: spec.child.pkString(o)})
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// subValues returns the posted values of one row, without its prefix.
func subValues(values url.Values, prefix string) url.Values {
	out := url.Values{}
	for k, v := range values {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = v
		}
	}
	return out
}

// bindInlines binds the posted rows of every inline; it reports whether
// one has errors. A posted new row without the add permission is a 403.
func (s *Site) bindInlines(ctx context.Context, states []*inlineState, posted url.Values) (bool, error) {
	bad := false
	for _, st := range states {
		spec := st.spec
		total, _ := strconv.Atoi(posted.Get(spec.prefix + "-TOTAL_FORMS"))
		total = min(max(total, 0), maxInlineRows+spec.extra)
		byPK := map[string]*inlineRow{}
		for _, row := range st.existing {
			byPK[row.pk] = row
		}
		for i := range total {
			sub := subValues(posted, fmt.Sprintf("%s-%d-", spec.prefix, i))
			if id := sub.Get("id"); id != "" {
				row, ok := byPK[id]
				if !ok {
					continue // deleted meanwhile, or not a child of this parent
				}
				row.posted = sub
				if sub.Get("DELETE") != "" && st.canDelete {
					row.del = true
					continue
				}
				if !st.canChange {
					continue
				}
				row.errs, row.changed = spec.child.bind(sub, row.obj)
				if len(row.errs) == 0 && len(row.changed) > 0 {
					if err := s.checkRow(ctx, spec.child, row, false); err != nil {
						return false, err
					}
				}
				bad = bad || len(row.errs) > 0
				continue
			}
			if sub.Get("DELETE") != "" || emptyRow(sub) {
				continue
			}
			if !st.canAdd {
				return false, errForbidden
			}
			row := &inlineRow{obj: spec.child.newObject(), posted: sub}
			row.errs, row.changed = spec.child.bind(sub, row.obj)
			if len(row.errs) == 0 {
				if err := s.checkRow(ctx, spec.child, row, true); err != nil {
					return false, err
				}
			}
			bad = bad || len(row.errs) > 0
			st.added = append(st.added, row)
		}
	}
	return bad, nil
}

// checkRow runs the database checks of a bound row.
func (s *Site) checkRow(ctx context.Context, child *entry, row *inlineRow, adding bool) error {
	if err := s.checkRelated(ctx, child, row.obj, row.errs); err != nil {
		return err
	}
	return s.checkUnique(ctx, child, row.obj, adding, row.errs)
}

// emptyRow reports whether a new row was left blank.
func emptyRow(sub url.Values) bool {
	for k, vs := range sub {
		if k == "id" || k == "DELETE" {
			continue
		}
		for _, v := range vs {
			if strings.TrimSpace(v) != "" {
				return false
			}
		}
	}
	return true
}

// saveInlines writes the inlines' rows with tx, after the parent obj;
// it returns the change messages ("Added choice “Yes”.").
func (s *Site) saveInlines(ctx context.Context, tx *gorm.DB, e *entry, obj reflect.Value, states []*inlineState) ([]string, error) {
	var msgs []string
	parentPK := obj.Elem().FieldByName(e.model.PrimaryKey.Name)
	for _, st := range states {
		child := st.spec.child
		name := child.model.VerboseName
		for _, row := range st.added {
			if err := setFK(row.obj.Elem().FieldByName(st.spec.fk.Name), parentPK); err != nil {
				return nil, fmt.Errorf("admin: %s.%s: %w", child.model.Table, st.spec.fk.Column, err)
			}
			if err := tx.Omit(clause.Associations).Create(row.obj.Interface()).Error; err != nil {
				return nil, err
			}
			msgs = append(msgs, fmt.Sprintf("Added %s “%s”.", name, child.repr(row.obj)))
		}
		for _, row := range st.existing {
			switch {
			case row.del:
				pk := row.obj.Elem().FieldByName(child.model.PrimaryKey.Name).Interface()
				tree, err := s.collect(ctx, tx, child.model, []any{pk}, 1)
				if err != nil {
					return nil, err
				}
				if err := deleteTree(tx, tree); err != nil {
					return nil, err
				}
				if err := deleteRows(tx, child.model, []any{pk}); err != nil {
					return nil, err
				}
				msgs = append(msgs, fmt.Sprintf("Deleted %s “%s”.", name, child.repr(row.obj)))
			case len(row.changed) > 0:
				if err := tx.Model(row.obj.Interface()).Select(child.columns()).Updates(row.obj.Interface()).Error; err != nil {
					return nil, err
				}
				msgs = append(msgs, fmt.Sprintf("Changed %s for %s “%s”.", joinAnd(row.changed), name, child.repr(row.obj)))
			}
		}
	}
	return msgs, nil
}

// setFK sets the foreign key field fv to the parent's key pk.
func setFK(fv, pk reflect.Value) error {
	if fv.Kind() == reflect.Pointer {
		p := reflect.New(fv.Type().Elem())
		fv.Set(p)
		fv = p.Elem()
	}
	if !pk.Type().ConvertibleTo(fv.Type()) {
		return fmt.Errorf("cannot hold a %v key", pk.Type())
	}
	fv.Set(pk.Convert(fv.Type()))
	return nil
}

// InlineView is one inline of the change form: a table of the related
// objects (admin/change_form.html).
type InlineView struct {
	// Name is the related model's plural verbose name; Prefix the form
	// names' prefix; TotalName the name of the hidden row count Total.
	Name, Prefix, TotalName string
	Total                   int
	// Headers are the columns' labels; CanDelete adds a "Delete?" column.
	Headers   []string
	CanDelete bool
	Rows      []*InlineRow
}

// InlineRow is one row of an inline: an existing object (ID set) or a
// blank one for a new object.
type InlineRow struct {
	ID, IDName, DeleteName string
	Repr                   string
	Deleted, CanDelete     bool
	HasErrors              bool
	Cells                  []*FormRow
}

// inlineViews renders the inlines' rows; after a POST with errors the
// posted values and errors are shown again.
func (s *Site) inlineViews(ctx context.Context, states []*inlineState, viewOnly bool) ([]*InlineView, error) {
	var out []*InlineView
	for _, st := range states {
		spec, child := st.spec, st.spec.child
		fk, err := s.fkChoices(ctx, child)
		if err != nil {
			return nil, err
		}
		iv := &InlineView{Name: capFirst(child.model.VerboseNamePlural), Prefix: spec.prefix, TotalName: spec.prefix + "-TOTAL_FORMS", CanDelete: st.canDelete && !viewOnly}
		for _, ff := range child.form {
			iv.Headers = append(iv.Headers, ff.label)
		}
		add := func(row *inlineRow, existing bool) {
			p := fmt.Sprintf("%s-%d-", spec.prefix, len(iv.Rows))
			ro := viewOnly || existing && !st.canChange
			var posted url.Values
			if row.posted != nil && !ro {
				posted = row.posted
			}
			ir := &InlineRow{DeleteName: p + "DELETE", Deleted: row.del, HasErrors: len(row.errs) > 0, CanDelete: existing && iv.CanDelete,
				Cells: child.formFields(row.obj, posted, row.errs, fk, ro)}
			if existing {
				ir.ID, ir.IDName, ir.Repr = row.pk, p+"id", child.repr(row.obj)
			}
			for _, c := range ir.Cells {
				name := c.Field.Name
				c.Field.Name, c.Field.ID = p+name, "id_"+p+name
			}
			iv.Rows = append(iv.Rows, ir)
		}
		for _, row := range st.existing {
			add(row, true)
		}
		if st.canAdd && !viewOnly {
			for _, row := range st.added {
				add(row, false)
			}
			for range max(spec.extra-len(st.added), 0) {
				add(&inlineRow{obj: child.newObject()}, false)
			}
		}
		iv.Total = len(iv.Rows)
		out = append(out, iv)
	}
	return out, nil
}
