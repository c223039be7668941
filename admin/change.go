package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/messages"
	"github.com/djinn-go/djinn/orm"
)

// ChangeForm is the body of admin/change_form.html.
type ChangeForm struct {
	// Name is the model's verbose name; Links its pages.
	Name  string
	Links Links
	// Adding is set on the add page; ObjectID and ObjectRepr identify the
	// object on the change page.
	Adding               bool
	ObjectID, ObjectRepr string
	// Rows are the form's fields, Fieldsets the same rows under their
	// headings (one unnamed fieldset without ModelAdmin.Fieldsets);
	// Inlines the tables of related objects. NonFieldErrors are the
	// errors of the whole form. HasErrors is set after a POST with errors.
	Rows           []*FormRow
	Fieldsets      []*FieldsetView
	Inlines        []*InlineView
	NonFieldErrors []string
	HasErrors      bool
	// CanDelete, CanSave: the user's permissions on the object (a user
	// with view permission only sees a read-only form).
	CanDelete, CanSave, CanAdd bool
}

func (s *Site) addView(w http.ResponseWriter, r *http.Request, u *auth.User) error {
	e, err := s.entryFor(r)
	if err != nil {
		return err
	}
	if err := s.require(r, u, e, "add"); err != nil {
		return err
	}
	if e.isUser {
		return s.addUser(w, r, u, e)
	}
	return s.form(w, r, u, e, e.newObject(), true)
}

func (s *Site) changeView(w http.ResponseWriter, r *http.Request, u *auth.User) error {
	e, err := s.entryFor(r)
	if err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		err = s.require(r, u, e, "change")
	} else {
		err = s.require(r, u, e, "view", "change")
	}
	if err != nil {
		return err
	}
	obj, err := s.load(r.Context(), e, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.form(w, r, u, e, obj, false)
}

// load loads the object with the key id, or a 404.
func (s *Site) load(ctx context.Context, e *entry, id string) (reflect.Value, error) {
	pk, ok := e.parsePK(id)
	if !ok {
		return reflect.Value{}, notFound(e, id)
	}
	obj := e.newObject()
	err := orm.DB(ctx, s.db).Where(clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: e.model.PrimaryKey.Column}, Value: pk}).
		Take(obj.Interface()).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(orm.Translate(err), orm.ErrNotFound) {
		return reflect.Value{}, notFound(e, id)
	}
	if err != nil {
		return reflect.Value{}, fmt.Errorf("admin: load %s %s: %w", e.model, id, err)
	}
	return obj, nil
}

// form shows and saves the add or change form.
func (s *Site) form(w http.ResponseWriter, r *http.Request, u *auth.User, e *entry, obj reflect.Value, adding bool) error {
	ctx := r.Context()
	links := s.links(r, e)
	cf := &ChangeForm{Name: e.model.VerboseName, Links: links, Adding: adding, CanSave: true}
	var err error
	if !adding {
		cf.ObjectID, cf.ObjectRepr = e.pkString(obj), e.repr(obj)
		if cf.CanSave, err = s.can(r, u, e, "change"); err != nil {
			return err
		}
		if cf.CanDelete, err = s.can(r, u, e, "delete"); err != nil {
			return err
		}
	}
	if cf.CanAdd, err = s.can(r, u, e, "add"); err != nil {
		return err
	}
	if !adding {
		if err := s.loadM2M(ctx, e, obj); err != nil {
			return err
		}
	}
	inlines, err := s.inlineStates(ctx, r, u, e, obj, adding)
	if err != nil {
		return err
	}
	var errs map[string][]string
	var posted url.Values
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return respond.NewError(http.StatusBadRequest, "Malformed form.")
		}
		posted = r.PostForm
		var changed []string
		errs, changed = e.bind(posted, obj)
		m2mChanged, err := s.bindM2M(ctx, e, obj, posted, errs)
		if err != nil {
			return err
		}
		changed = append(changed, m2mChanged...)
		if len(errs) == 0 {
			if err := s.checkRelated(ctx, e, obj, errs); err != nil {
				return err
			}
		}
		if len(errs) == 0 {
			if err := s.checkUnique(ctx, e, obj, adding, errs); err != nil {
				return err
			}
		}
		inlineErrs, err := s.bindInlines(ctx, inlines, posted)
		if err != nil {
			return err
		}
		if len(errs) == 0 && !inlineErrs {
			err := s.save(ctx, u, e, obj, adding, changed, inlines)
			if errors.Is(orm.Translate(err), orm.ErrDuplicate) {
				e.duplicateError(orm.Translate(err), errs, &cf.NonFieldErrors)
			} else if err != nil {
				return err
			} else {
				return s.afterSave(w, r, e, obj, adding)
			}
		}
		cf.HasErrors = true
	}
	fk, err := s.fkChoices(ctx, e)
	if err != nil {
		return err
	}
	cf.Rows = e.formFields(obj, posted, errs, fk, !cf.CanSave)
	if e.isUser {
		s.userRows(cf.Rows, obj, links, cf.CanSave)
	}
	cf.Fieldsets = e.groupRows(cf.Rows)
	if cf.Inlines, err = s.inlineViews(ctx, inlines, !cf.CanSave); err != nil {
		return err
	}
	status := http.StatusOK
	if cf.HasErrors {
		status = http.StatusBadRequest
	}
	title := "Add " + e.model.VerboseName
	crumbs := []Crumb{{Label: capFirst(e.model.App)}, {Label: capFirst(e.model.VerboseNamePlural), URL: links.Changelist()}}
	if adding {
		crumbs = append(crumbs, Crumb{Label: title})
	} else {
		title = "Change " + e.model.VerboseName
		if !cf.CanSave {
			title = "View " + e.model.VerboseName
		}
		crumbs = append(crumbs, Crumb{Label: cf.ObjectRepr})
	}
	return s.render(w, r, status, "admin/change_form.html", title, u, crumbs, cf)
}

// afterSave confirms the save and redirects as the button asked.
func (s *Site) afterSave(w http.ResponseWriter, r *http.Request, e *entry, obj reflect.Value, adding bool) error {
	links := s.links(r, e)
	verb := "changed"
	if adding {
		verb = "added"
	}
	msg := fmt.Sprintf("The %s “%s” was %s successfully.", e.model.VerboseName, e.repr(obj), verb)
	target := links.Changelist()
	switch {
	case r.PostForm.Has("_continue"):
		msg += " You may edit it again below."
		target = links.Change(e.pkString(obj))
	case r.PostForm.Has("_addanother"):
		msg += " You may add another " + e.model.VerboseName + " below."
		target = links.Add()
	}
	if err := messages.Success(r, msg); err != nil {
		return err
	}
	respond.Redirect(w, r, target, http.StatusFound)
	return nil
}

// save writes obj, its many-to-many relations, its inline rows and its
// LogEntry in one transaction.
func (s *Site) save(ctx context.Context, u *auth.User, e *entry, obj reflect.Value, adding bool, changed []string, inlines []*inlineState) error {
	return orm.Atomic(ctx, orm.DB(ctx, s.db), func(tx *gorm.DB) error {
		if adding {
			if err := tx.Omit(clause.Associations).Create(obj.Interface()).Error; err != nil {
				return err
			}
		} else if cols := e.columns(); len(cols) > 0 {
			if err := tx.Model(obj.Interface()).Select(cols).Updates(obj.Interface()).Error; err != nil {
				return err
			}
		}
		if err := s.saveM2M(tx, e, obj); err != nil {
			return err
		}
		more, err := s.saveInlines(ctx, tx, e, obj, inlines)
		if err != nil {
			return err
		}
		flag, msgs := Change, []string{}
		switch {
		case adding:
			flag, msgs = Addition, []string{"Added."}
		case len(changed) > 0:
			msgs = []string{"Changed " + joinAnd(changed) + "."}
		case len(more) == 0:
			msgs = []string{"No fields changed."}
		}
		msgs = append(msgs, more...)
		return logAction(ctx, tx, u.ID, e, e.pkString(obj), e.repr(obj), flag, strings.Join(msgs, " "))
	})
}

// columns are the columns a change writes: the editable fields and
// UpdatedAt.
func (e *entry) columns() []string {
	cols := []string{}
	for _, ff := range e.form {
		if !ff.readonly && ff.m2m == nil {
			cols = append(cols, ff.column)
		}
	}
	if _, ok := e.model.Field("UpdatedAt"); ok {
		cols = append(cols, "UpdatedAt")
	}
	return cols
}

// loadM2M loads the related objects of obj's many-to-many fields into
// its slice fields.
func (s *Site) loadM2M(ctx context.Context, e *entry, obj reflect.Value) error {
	for _, ff := range e.form {
		if ff.m2m == nil {
			continue
		}
		list := reflect.New(ff.m2m.field.GoType)
		if err := orm.DB(ctx, s.db).Model(obj.Interface()).Association(ff.m2m.field.Name).Find(list.Interface()); err != nil {
			return fmt.Errorf("admin: load %s of %s %s: %w", ff.column, e.model, e.pkString(obj), err)
		}
		obj.Elem().FieldByName(ff.m2m.field.Name).Set(list.Elem())
	}
	return nil
}

// bindM2M sets obj's many-to-many slice fields to the posted related
// objects (loaded, so that a key that does not exist is an error); it
// returns the labels of the fields whose set changed.
func (s *Site) bindM2M(ctx context.Context, e *entry, obj reflect.Value, posted url.Values, errs map[string][]string) ([]string, error) {
	var changed []string
	for _, ff := range e.form {
		if ff.m2m == nil || ff.readonly {
			continue
		}
		t := ff.m2m.target
		keys := ff.m2mPosted(posted)
		pks := make([]any, 0, len(keys))
		bad := ""
		for _, k := range keys {
			v := reflect.New(indirect(t.PrimaryKey.GoType)).Elem()
			if setScalar(v, v.Type(), k, false) != "" {
				bad = k
				break
			}
			pks = append(pks, v.Interface())
		}
		list := reflect.New(ff.m2m.field.GoType)
		if bad == "" && len(pks) > 0 {
			err := orm.DB(ctx, s.db).Model(reflect.New(t.Type).Interface()).
				Where(clause.IN{Column: clause.Column{Table: clause.CurrentTable, Name: t.PrimaryKey.Column}, Values: pks}).
				Order(clause.OrderByColumn{Column: clause.Column{Table: clause.CurrentTable, Name: t.PrimaryKey.Column}}).
				Find(list.Interface()).Error
			if err != nil {
				return nil, fmt.Errorf("admin: check %s: %w", ff.column, err)
			}
			if list.Elem().Len() != len(pks) {
				found := map[string]bool{}
				for i := range list.Elem().Len() {
					found[fmt.Sprint(reflect.Indirect(list.Elem().Index(i)).FieldByName(t.PrimaryKey.Name).Interface())] = true
				}
				for _, k := range keys {
					if !found[k] && bad == "" {
						bad = k
					}
				}
			}
		}
		if bad != "" {
			errs[ff.column] = append(errs[ff.column], "Select a valid choice. "+bad+" is not one of the available choices.")
			continue
		}
		before := ff.m2mKeys(obj)
		obj.Elem().FieldByName(ff.m2m.field.Name).Set(list.Elem())
		if !sameSet(before, ff.m2mKeys(obj)) {
			changed = append(changed, strings.ToLower(ff.label))
		}
	}
	return changed, nil
}

// sameSet reports whether a and b hold the same strings.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	in := map[string]bool{}
	for _, x := range a {
		in[x] = true
	}
	for _, x := range b {
		if !in[x] {
			return false
		}
	}
	return true
}

// saveM2M replaces the rows of obj's many-to-many relations with tx.
func (s *Site) saveM2M(tx *gorm.DB, e *entry, obj reflect.Value) error {
	for _, ff := range e.form {
		if ff.m2m == nil || ff.readonly {
			continue
		}
		list := obj.Elem().FieldByName(ff.m2m.field.Name)
		a := tx.Model(obj.Interface()).Association(ff.m2m.field.Name)
		var err error
		if list.Len() == 0 {
			err = a.Clear()
		} else {
			err = a.Replace(list.Addr().Interface())
		}
		if err != nil {
			return fmt.Errorf("admin: save %s of %s: %w", ff.column, e.model, err)
		}
	}
	return nil
}

// m2mChoices returns the options of a many-to-many select, at most limit.
func (s *Site) m2mChoices(ctx context.Context, ff *formField, limit int) ([]forms.Choice, error) {
	t := ff.m2m.target
	list := reflect.New(reflect.SliceOf(reflect.PointerTo(t.Type)))
	q := orm.DB(ctx, s.db).Model(reflect.New(t.Type).Interface())
	if t.Type == reflect.TypeFor[auth.Permission]() {
		q = q.Order("app").Order("codename")
	} else {
		q = q.Order(clause.OrderByColumn{Column: clause.Column{Table: clause.CurrentTable, Name: t.PrimaryKey.Column}})
	}
	if err := q.Limit(limit).Find(list.Interface()).Error; err != nil {
		return nil, fmt.Errorf("admin: choices of %s from %s: %w", ff.column, t.Table, err)
	}
	out := []forms.Choice{}
	for i := range list.Elem().Len() {
		o := list.Elem().Index(i)
		out = append(out, forms.Choice{Value: fmt.Sprint(o.Elem().FieldByName(t.PrimaryKey.Name).Interface()), Label: m2mLabel(t, o)})
	}
	return out, nil
}

// joinAnd joins words as English does: "a, b and c".
func joinAnd(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// checkRelated checks that foreign keys point at existing rows.
func (s *Site) checkRelated(ctx context.Context, e *entry, obj reflect.Value, errs map[string][]string) error {
	for _, ff := range e.form {
		if ff.related == nil || ff.readonly {
			continue
		}
		v := fieldValue(obj, ff)
		if ff.format(v) == "" {
			continue
		}
		for v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		var n int64
		err := orm.DB(ctx, s.db).Model(reflect.New(ff.related.Type).Interface()).
			Where(clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: ff.related.PrimaryKey.Column}, Value: v.Interface()}).
			Count(&n).Error
		if err != nil {
			return fmt.Errorf("admin: check %s: %w", ff.column, err)
		}
		if n == 0 {
			errs[ff.column] = append(errs[ff.column], "Select a valid choice. That choice is not one of the available choices.")
		}
	}
	return nil
}

// checkUnique reports unique columns whose value another row has.
func (s *Site) checkUnique(ctx context.Context, e *entry, obj reflect.Value, adding bool, errs map[string][]string) error {
	pk := e.model.PrimaryKey
	for _, ff := range e.form {
		if !ff.field.Unique || ff.readonly {
			continue
		}
		v := fieldValue(obj, ff)
		if v.Kind() == reflect.Pointer && v.IsNil() {
			continue
		}
		q := orm.DB(ctx, s.db).Model(e.newObject().Interface()).
			Where(clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: ff.column}, Value: v.Interface()})
		if !adding {
			q = q.Where(clause.Neq{Column: clause.Column{Table: clause.CurrentTable, Name: pk.Column}, Value: obj.Elem().FieldByName(pk.Name).Interface()})
		}
		var n int64
		if err := q.Count(&n).Error; err != nil {
			return fmt.Errorf("admin: check unique %s: %w", ff.column, err)
		}
		if n > 0 {
			errs[ff.column] = append(errs[ff.column], e.uniqueMessage(ff))
		}
	}
	return nil
}

// fkChoices returns the options of the form's foreign-key selects; a
// foreign key to a table of more than choiceLimit rows has none (it is
// entered by key).
func (s *Site) fkChoices(ctx context.Context, e *entry) (map[string][]forms.Choice, error) {
	out := map[string][]forms.Choice{}
	for _, ff := range e.form {
		if ff.m2m != nil {
			c, err := s.m2mChoices(ctx, ff, choiceLimit+1)
			if err != nil {
				return nil, err
			}
			if len(c) <= choiceLimit {
				out[ff.column] = c
			}
			continue
		}
		if ff.related == nil {
			continue
		}
		c, err := s.relatedChoices(ctx, ff, choiceLimit+1)
		if err != nil {
			return nil, err
		}
		if len(c) <= choiceLimit {
			out[ff.column] = c
		}
	}
	return out, nil
}

// duplicateError turns a unique violation into the error of the field
// whose column the database names, or a form error.
func (e *entry) duplicateError(err error, errs map[string][]string, nonField *[]string) {
	var oe *orm.Error
	if errors.As(err, &oe) {
		for _, ff := range e.form {
			if ff.column == oe.Column || strings.HasSuffix(oe.Column, "."+ff.column) {
				errs[ff.column] = append(errs[ff.column], e.uniqueMessage(ff))
				return
			}
		}
	}
	*nonField = append(*nonField, capFirst(e.model.VerboseName)+" with these values already exists.")
}

// uniqueMessage is Django's "<Model> with this <field> already exists."
func (e *entry) uniqueMessage(ff *formField) string {
	return capFirst(e.model.VerboseName) + " with this " + strings.ToLower(ff.label) + " already exists."
}
