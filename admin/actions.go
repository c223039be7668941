package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/messages"
	"github.com/djinn-go/djinn/orm"
)

// deleteSelected is the name of the built-in bulk action.
const deleteSelected = "delete_selected"

// noSelection is Django's message for an action without selected rows.
const noSelection = "Items must be selected in order to perform actions on them. No items have been changed."

// validActionName reports whether name is [a-z0-9_]+.
func validActionName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// actionChoices returns the bulk actions u may run on e: "Delete
// selected" with delete permission, then e's actions whose Perm u has.
func (s *Site) actionChoices(r *http.Request, u *auth.User, e *entry) ([]ActionChoice, error) {
	var out []ActionChoice
	ok, err := s.can(r, u, e, "delete")
	if err != nil {
		return nil, err
	}
	if ok {
		out = append(out, ActionChoice{Name: deleteSelected, Label: "Delete selected " + e.model.VerboseNamePlural})
	}
	for _, a := range e.actions {
		ok, err := s.can(r, u, e, a.Perm)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, ActionChoice{Name: a.Name, Label: a.Label})
		}
	}
	return out, nil
}

// changelistPost handles the changelist's form: "Save" of the edited
// cells (_save), or a bulk action on the selected rows (action).
func (s *Site) changelistPost(w http.ResponseWriter, r *http.Request, u *auth.User) error {
	e, err := s.entryFor(r)
	if err != nil {
		return err
	}
	if err := s.require(r, u, e, "view", "change"); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return respond.NewError(http.StatusBadRequest, "Invalid form.")
	}
	if r.PostForm.Has("_save") {
		return s.saveList(w, r, u, e)
	}
	return s.runAction(w, r, u, e)
}

// listURL is the changelist the request came from, without its page
// (which may no longer exist after the action).
func listURL(r *http.Request) string { return withQuery(r, "p", "") }

// plural is "1 book" or "3 books".
func plural(e *entry, n int) string {
	if n == 1 {
		return "1 " + e.model.VerboseName
	}
	return strconv.Itoa(n) + " " + e.model.VerboseNamePlural
}

func (s *Site) runAction(w http.ResponseWriter, r *http.Request, u *auth.User, e *entry) error {
	name := r.PostForm.Get("action")
	if name == "" {
		if err := messages.Warning(r, "No action selected."); err != nil {
			return err
		}
		respond.Redirect(w, r, listURL(r), http.StatusFound)
		return nil
	}
	var act *Action
	perm := "delete"
	if name != deleteSelected {
		for i := range e.actions {
			if e.actions[i].Name == name {
				act = &e.actions[i]
			}
		}
		if act == nil {
			return respond.NewError(http.StatusBadRequest, "Unknown action.")
		}
		perm = act.Perm
	}
	if err := s.require(r, u, e, perm); err != nil {
		return err
	}
	ctx := r.Context()
	pks, err := e.selection(r)
	if err != nil {
		return err
	}
	objs, err := s.loadMany(ctx, orm.DB(ctx, s.db), e, pks)
	if err != nil {
		return err
	}
	if objs.Len() == 0 {
		if err := messages.Warning(r, noSelection); err != nil {
			return err
		}
		respond.Redirect(w, r, listURL(r), http.StatusFound)
		return nil
	}
	if act == nil {
		return s.deleteSelected(w, r, u, e, objs)
	}
	var msg string
	err = orm.Atomic(ctx, orm.DB(ctx, s.db), func(tx *gorm.DB) error {
		// Load again inside the transaction, as the action will see them.
		objs, err := s.loadMany(ctx, tx, e, pks)
		if err != nil {
			return err
		}
		list := make([]any, objs.Len())
		for i := range list {
			list[i] = objs.Index(i).Interface()
		}
		msg, err = act.Run(ctx, tx, list)
		return err
	})
	if err != nil {
		return fmt.Errorf("admin: action %q on %s: %w", act.Name, e.model, err)
	}
	if msg != "" {
		if err := messages.Success(r, msg); err != nil {
			return err
		}
	}
	respond.Redirect(w, r, listURL(r), http.StatusFound)
	return nil
}

// selection returns the keys of the selected rows (_selected_action),
// or of every row of the page (form-<i>-id) when select_all is set.
func (e *entry) selection(r *http.Request) ([]any, error) {
	raw := r.PostForm["_selected_action"]
	if r.PostForm.Get("select_all") == "1" {
		raw = nil
		for i := range min(e.perPage, orm.MaxPerPage) {
			if v := r.PostForm.Get("form-" + strconv.Itoa(i) + "-id"); v != "" {
				raw = append(raw, v)
			}
		}
	}
	if len(raw) > orm.MaxPerPage {
		return nil, respond.NewError(http.StatusBadRequest, fmt.Sprintf("Too many objects selected (at most %d).", orm.MaxPerPage))
	}
	var pks []any
	for _, v := range raw {
		pk, ok := e.parsePK(v)
		if !ok {
			return nil, respond.NewError(http.StatusBadRequest, "Invalid selection.")
		}
		pks = append(pks, pk)
	}
	return pks, nil
}

// loadMany loads the objects of e with the keys pks, by key ([]*T).
func (s *Site) loadMany(ctx context.Context, db *gorm.DB, e *entry, pks []any) (reflect.Value, error) {
	objs := e.newSlice()
	if len(pks) == 0 {
		return objs.Elem(), nil
	}
	col := clause.Column{Table: clause.CurrentTable, Name: e.model.PrimaryKey.Column}
	if err := db.WithContext(ctx).Model(e.newObject().Interface()).Where(clause.IN{Column: col, Values: pks}).
		Order(clause.OrderByColumn{Column: col}).Find(objs.Interface()).Error; err != nil {
		return reflect.Value{}, fmt.Errorf("admin: load selected %s: %w", e.model.Table, err)
	}
	return objs.Elem(), nil
}

// DeleteSelectedPage is the body of
// admin/delete_selected_confirmation.html.
type DeleteSelectedPage struct {
	// Name and NamePlural are the model's verbose names; Links its pages.
	Name, NamePlural string
	Links            Links
	// Objects are the selected objects; IDs their keys.
	Objects []ObjectLink
	IDs     []string
	// Related are the objects deleted with them (by cascade).
	Related []*RelatedGroup
	// PermsNeeded are the kinds of related objects the user may not
	// delete; the deletion is then refused.
	PermsNeeded []string
	// Action is the action's form value ("delete_selected").
	Action string
}

// ObjectLink is an object's string form and change page.
type ObjectLink struct{ Repr, URL string }

// deleteSelected shows the confirmation of the deletion of objs and,
// on the confirming POST (post=yes), deletes them with their cascade and
// a LogEntry each, in one transaction.
func (s *Site) deleteSelected(w http.ResponseWriter, r *http.Request, u *auth.User, e *entry, objs reflect.Value) error {
	ctx := r.Context()
	var pks []any
	links := s.links(r, e)
	page := &DeleteSelectedPage{Name: e.model.VerboseName, NamePlural: e.model.VerboseNamePlural, Links: links, Action: deleteSelected}
	for i := range objs.Len() {
		obj := objs.Index(i)
		pks = append(pks, obj.Elem().FieldByName(e.model.PrimaryKey.Name).Interface())
		page.IDs = append(page.IDs, e.pkString(obj))
		page.Objects = append(page.Objects, ObjectLink{Repr: e.repr(obj), URL: links.Change(e.pkString(obj))})
	}
	tree, err := s.collect(ctx, orm.DB(ctx, s.db), e.model, pks, 1)
	if err != nil {
		return err
	}
	var dp DeletePage
	if err := s.describe(r, u, tree, &dp); err != nil {
		return err
	}
	page.Related, page.PermsNeeded = dp.Related, dp.PermsNeeded
	if r.PostForm.Get("post") != "yes" {
		crumbs := []Crumb{{Label: capFirst(e.model.App)}, {Label: capFirst(e.model.VerboseNamePlural), URL: links.Changelist()}, {Label: "Delete multiple objects"}}
		return s.render(w, r, http.StatusOK, "admin/delete_selected_confirmation.html", "Are you sure?", u, crumbs, page)
	}
	if len(page.PermsNeeded) > 0 {
		return errForbidden
	}
	var n int
	err = orm.Atomic(ctx, orm.DB(ctx, s.db), func(tx *gorm.DB) error {
		// Load and collect again inside the transaction: rows may have
		// gone or come since the page was shown.
		objs, err := s.loadMany(ctx, tx, e, pks)
		if err != nil {
			return err
		}
		var live []any
		for i := range objs.Len() {
			live = append(live, objs.Index(i).Elem().FieldByName(e.model.PrimaryKey.Name).Interface())
		}
		tree, err := s.collect(ctx, tx, e.model, live, 1)
		if err != nil {
			return err
		}
		if err := deleteTree(tx, tree); err != nil {
			return err
		}
		if err := deleteRows(tx, e.model, live); err != nil {
			return err
		}
		for i := range objs.Len() {
			obj := objs.Index(i)
			if err := logAction(ctx, tx, u.ID, e, e.pkString(obj), e.repr(obj), Deletion, ""); err != nil {
				return err
			}
		}
		n = objs.Len()
		return nil
	})
	if err != nil {
		return fmt.Errorf("admin: delete selected %s: %w", e.model, err)
	}
	if err := messages.Success(r, "Successfully deleted "+plural(e, n)+"."); err != nil {
		return err
	}
	respond.Redirect(w, r, listURL(r), http.StatusFound)
	return nil
}

// listEdit is the state of a list edit with errors: the posted values
// and the errors, by object key and column; general are errors of the
// whole list.
type listEdit struct {
	values  map[string]map[string]string
	errs    map[string]map[string][]string
	general []string
}

// editField returns the input of the cell of ff in row i for obj, with
// the posted value and errors of edit (nil: none).
func (e *entry) editField(i int, obj reflect.Value, ff *formField, choices map[string][]forms.Choice, edit *listEdit) *forms.Field {
	name := "form-" + strconv.Itoa(i) + "-" + ff.column
	value := ff.format(fieldValue(obj, ff))
	f := &forms.Field{Name: name, ID: "id_" + name, Label: ff.label, Type: ff.widget, Required: ff.required, MaxLength: ff.maxLen}
	if edit != nil {
		pk := e.pkString(obj)
		if v, ok := edit.values[pk][ff.column]; ok {
			value = v
		}
		f.Errors = edit.errs[pk][ff.column]
	}
	f.Value, f.Checked = value, ff.widget == "checkbox" && value != ""
	switch {
	case ff.widget == "textarea":
		f.Type = "text"
	case ff.widget == "number":
		f.Step = "1"
		if ff.float {
			f.Step = "any"
		}
	case ff.related != nil && choices[ff.column] == nil:
		f.Type, f.Step = "number", "1"
	}
	if f.Type == "select" {
		opts := ff.choices
		if ff.related != nil {
			opts = choices[ff.column]
		}
		f.Choices = append(f.Choices, forms.Choice{Value: "", Label: "---------"})
		for _, c := range opts {
			c.Selected = c.Value == value
			f.Choices = append(f.Choices, c)
		}
	}
	return f
}

// editChoices returns the options of the editable foreign keys; none
// (a key input) for a table of more than choiceLimit rows.
func (s *Site) editChoices(ctx context.Context, e *entry) (map[string][]forms.Choice, error) {
	out := map[string][]forms.Choice{}
	for _, ff := range e.editable {
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

// editedColumns returns the editable formFields in the order of the
// changelist's columns.
func (e *entry) editedColumns() []*formField {
	var out []*formField
	for _, c := range e.list {
		if c.field != nil && e.editable[c.field.Column] != nil {
			out = append(out, e.editable[c.field.Column])
		}
	}
	return out
}

// saveList saves the changelist's edited cells: all rows or none, with
// a LogEntry per changed object, in one transaction.
func (s *Site) saveList(w http.ResponseWriter, r *http.Request, u *auth.User, e *entry) error {
	if len(e.editable) == 0 {
		return respond.NewError(http.StatusBadRequest, "This list has no editable fields.")
	}
	if err := s.require(r, u, e, "change"); err != nil {
		return err
	}
	ctx := r.Context()
	post := r.PostForm
	total, err := strconv.Atoi(post.Get("form-TOTAL_FORMS"))
	if err != nil || total < 0 || total > min(e.perPage, orm.MaxPerPage) {
		return respond.NewError(http.StatusBadRequest, "Invalid form: form-TOTAL_FORMS is missing or out of range.")
	}
	rowOf := map[string]int{}
	var pks []any
	for i := range total {
		raw := post.Get("form-" + strconv.Itoa(i) + "-id")
		pk, ok := e.parsePK(raw)
		if !ok {
			return respond.NewError(http.StatusBadRequest, "Invalid form: bad form-"+strconv.Itoa(i)+"-id.")
		}
		rowOf[fmt.Sprint(pk)] = i
		pks = append(pks, pk)
	}
	objs, err := s.loadMany(ctx, orm.DB(ctx, s.db), e, pks)
	if err != nil {
		return err
	}
	edit := &listEdit{values: map[string]map[string]string{}, errs: map[string]map[string][]string{}}
	type change struct {
		obj     reflect.Value
		changed []string
	}
	var changes []change
	cols := e.editedColumns()
	for j := range objs.Len() {
		obj := objs.Index(j)
		pk := e.pkString(obj)
		i := rowOf[pk]
		edit.values[pk] = map[string]string{}
		var changed []string
		for _, ff := range cols {
			name := "form-" + strconv.Itoa(i) + "-" + ff.column
			raw := strings.TrimSpace(post.Get(name))
			fv := fieldValue(obj, ff)
			before := ff.format(fv)
			edit.values[pk][ff.column] = raw
			if ff.widget == "checkbox" && !post.Has(name) {
				edit.values[pk][ff.column] = ""
			}
			msg := ff.set(fv, raw, post.Has(name))
			if msg == "" && ff.related != nil && ff.format(fv) != before && ff.format(fv) != "" {
				msg, err = s.checkExists(ctx, ff, fv)
				if err != nil {
					return err
				}
			}
			if msg != "" {
				if edit.errs[pk] == nil {
					edit.errs[pk] = map[string][]string{}
				}
				edit.errs[pk][ff.column] = append(edit.errs[pk][ff.column], msg)
				continue
			}
			if ff.format(fv) != before {
				changed = append(changed, strings.ToLower(ff.label))
			}
		}
		if len(changed) > 0 {
			changes = append(changes, change{obj: obj, changed: changed})
		}
	}
	if len(edit.errs) > 0 {
		return s.renderList(w, r, u, e, edit)
	}
	var names []string
	for _, ff := range cols {
		names = append(names, ff.column)
	}
	if _, ok := e.model.Field("UpdatedAt"); ok {
		names = append(names, "UpdatedAt")
	}
	err = orm.Atomic(ctx, orm.DB(ctx, s.db), func(tx *gorm.DB) error {
		for _, c := range changes {
			if err := tx.Model(c.obj.Interface()).Select(names).Updates(c.obj.Interface()).Error; err != nil {
				return err
			}
			msg := "Changed " + joinAnd(c.changed) + "."
			if err := logAction(ctx, tx, u.ID, e, e.pkString(c.obj), e.repr(c.obj), Change, msg); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		terr := orm.Translate(err)
		switch {
		case errors.Is(terr, orm.ErrDuplicate):
			edit.general = append(edit.general, capFirst(e.model.VerboseName)+" with these values already exists; nothing was saved.")
			return s.renderList(w, r, u, e, edit)
		case errors.Is(terr, orm.ErrForeignKey):
			edit.general = append(edit.general, "A related object does not exist; nothing was saved.")
			return s.renderList(w, r, u, e, edit)
		}
		return fmt.Errorf("admin: save the changelist of %s: %w", e.model, err)
	}
	if n := len(changes); n > 0 {
		verb := " were"
		if n == 1 {
			verb = " was"
		}
		if err := messages.Success(r, plural(e, n)+verb+" changed successfully."); err != nil {
			return err
		}
	}
	respond.Redirect(w, r, r.URL.RequestURI(), http.StatusFound)
	return nil
}

// checkExists returns an error message unless the foreign key fv of ff
// points at an existing row.
func (s *Site) checkExists(ctx context.Context, ff *formField, fv reflect.Value) (string, error) {
	for fv.Kind() == reflect.Pointer {
		fv = fv.Elem()
	}
	var n int64
	err := orm.DB(ctx, s.db).Model(reflect.New(ff.related.Type).Interface()).
		Where(clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: ff.related.PrimaryKey.Column}, Value: fv.Interface()}).
		Count(&n).Error
	if err != nil {
		return "", fmt.Errorf("admin: check %s: %w", ff.column, err)
	}
	if n == 0 {
		return "Select a valid choice. That choice is not one of the available choices.", nil
	}
	return "", nil
}
