package admin

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/messages"
	"github.com/djinn-go/djinn/orm"
)

// maxCascadeDepth bounds how deep the delete page follows relations.
const maxCascadeDepth = 4

// maxListed bounds the related objects listed per model on the delete
// page (all are deleted; the rest are counted).
const maxListed = 50

// DeletePage is the body of admin/delete_confirmation.html.
type DeletePage struct {
	// Name is the model's verbose name; ObjectRepr the object's string
	// form; Links the model's pages; ObjectID its key.
	Name, ObjectRepr, ObjectID string
	Links                      Links
	// Related are the objects deleted with it (relations whose foreign
	// key points at it, recursively).
	Related []*RelatedGroup
	// PermsNeeded are the kinds of related objects the user may not
	// delete; the deletion is then refused.
	PermsNeeded []string
}

// RelatedGroup is the objects of one model deleted by cascade.
type RelatedGroup struct {
	Name  string
	Items []string
	// More is how many more objects are deleted than Items lists.
	More int
}

// cascade is the rows of one model deleted with an object.
type cascade struct {
	model    *orm.Model
	objs     reflect.Value // []*T
	pks      []any
	children []*cascade
}

func (s *Site) deleteView(w http.ResponseWriter, r *http.Request, u *auth.User) error {
	e, err := s.entryFor(r)
	if err != nil {
		return err
	}
	if err := s.require(r, u, e, "delete"); err != nil {
		return err
	}
	ctx := r.Context()
	obj, err := s.load(ctx, e, r.PathValue("id"))
	if err != nil {
		return err
	}
	pkVal := obj.Elem().FieldByName(e.model.PrimaryKey.Name).Interface()
	tree, err := s.collect(ctx, orm.DB(ctx, s.db), e.model, []any{pkVal}, 1)
	if err != nil {
		return err
	}
	links := s.links(r, e)
	dp := &DeletePage{Name: e.model.VerboseName, ObjectRepr: e.repr(obj), ObjectID: e.pkString(obj), Links: links}
	if err := s.describe(r, u, tree, dp); err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		if len(dp.PermsNeeded) > 0 {
			return errForbidden
		}
		repr, id := dp.ObjectRepr, dp.ObjectID
		err := orm.Atomic(ctx, orm.DB(ctx, s.db), func(tx *gorm.DB) error {
			// Collect again inside the transaction: rows may have come since.
			tree, err := s.collect(ctx, tx, e.model, []any{pkVal}, 1)
			if err != nil {
				return err
			}
			if err := deleteTree(tx, tree); err != nil {
				return err
			}
			if err := deleteRows(tx, e.model, []any{pkVal}); err != nil {
				return err
			}
			return logAction(ctx, tx, u.ID, e, id, repr, Deletion, "")
		})
		if err != nil {
			return fmt.Errorf("admin: delete %s %s: %w", e.model, id, err)
		}
		if err := messages.Success(r, fmt.Sprintf("The %s “%s” was deleted successfully.", e.model.VerboseName, repr)); err != nil {
			return err
		}
		respond.Redirect(w, r, links.Changelist(), http.StatusFound)
		return nil
	}
	crumbs := []Crumb{{Label: capFirst(e.model.App)}, {Label: capFirst(e.model.VerboseNamePlural), URL: links.Changelist()},
		{Label: dp.ObjectRepr, URL: links.Change(dp.ObjectID)}, {Label: "Delete"}}
	return s.render(w, r, http.StatusOK, "admin/delete_confirmation.html", "Are you sure?", u, crumbs, dp)
}

// collect finds the rows whose foreign keys point at the rows of m with
// the keys pks (has-one and has-many relations), recursively.
func (s *Site) collect(ctx context.Context, db *gorm.DB, m *orm.Model, pks []any, depth int) ([]*cascade, error) {
	if depth > maxCascadeDepth || len(pks) == 0 {
		return nil, nil
	}
	var out []*cascade
	for _, f := range m.Fields {
		rel := f.Relation
		if rel == nil || (rel.Kind != orm.HasMany && rel.Kind != orm.HasOne) || len(rel.ForeignKeys) != 1 {
			continue
		}
		rm, ok := s.registry.ByTable(rel.Table)
		if !ok || rm.PrimaryKey == nil {
			continue
		}
		objs := reflect.New(reflect.SliceOf(reflect.PointerTo(rm.Type)))
		err := db.WithContext(ctx).Model(reflect.New(rm.Type).Interface()).
			Where(clause.IN{Column: clause.Column{Table: clause.CurrentTable, Name: rel.ForeignKeys[0]}, Values: pks}).
			Find(objs.Interface()).Error
		if err != nil {
			return nil, fmt.Errorf("admin: collect %s related to %s: %w", rm.Table, m.Table, err)
		}
		if objs.Elem().Len() == 0 {
			continue
		}
		c := &cascade{model: rm, objs: objs.Elem()}
		for i := range c.objs.Len() {
			c.pks = append(c.pks, c.objs.Index(i).Elem().FieldByName(rm.PrimaryKey.Name).Interface())
		}
		if c.children, err = s.collect(ctx, db, rm, c.pks, depth+1); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// describe lists the cascade on the page and the permissions missing.
func (s *Site) describe(r *http.Request, u *auth.User, tree []*cascade, dp *DeletePage) error {
	for _, c := range tree {
		g := &RelatedGroup{Name: capFirst(c.model.VerboseNamePlural)}
		for i := range c.objs.Len() {
			if i >= maxListed {
				g.More = c.objs.Len() - maxListed
				break
			}
			g.Items = append(g.Items, capFirst(c.model.VerboseName)+": "+reprOf(c.model, c.objs.Index(i)))
		}
		dp.Related = append(dp.Related, g)
		perm := c.model.App + ".delete_" + modelName(c.model)
		ok, err := s.auth.HasPerm(r.Context(), u, perm)
		if err != nil {
			return err
		}
		if !ok {
			dp.PermsNeeded = append(dp.PermsNeeded, c.model.VerboseName)
		}
		if err := s.describe(r, u, c.children, dp); err != nil {
			return err
		}
	}
	return nil
}

// deleteTree deletes the cascade, the deepest rows first.
func deleteTree(tx *gorm.DB, tree []*cascade) error {
	for _, c := range tree {
		if err := deleteTree(tx, c.children); err != nil {
			return err
		}
		if err := deleteRows(tx, c.model, c.pks); err != nil {
			return err
		}
	}
	return nil
}

// deleteRows deletes the rows of m with the keys pks, and their rows in
// many-to-many join tables.
func deleteRows(tx *gorm.DB, m *orm.Model, pks []any) error {
	for _, f := range m.Fields {
		if rel := f.Relation; rel != nil && rel.Kind == orm.ManyToMany && rel.JoinTable != "" && len(rel.ForeignKeys) == 1 {
			err := tx.Exec("DELETE FROM ? WHERE ? IN ?", clause.Table{Name: rel.JoinTable}, clause.Column{Name: rel.ForeignKeys[0]}, pks).Error
			if err != nil {
				return fmt.Errorf("delete from %s: %w", rel.JoinTable, err)
			}
		}
	}
	err := tx.Where(clause.IN{Column: clause.Column{Table: clause.CurrentTable, Name: m.PrimaryKey.Column}, Values: pks}).
		Delete(reflect.New(m.Type).Interface()).Error
	if err != nil {
		return fmt.Errorf("delete from %s: %w", m.Table, err)
	}
	return nil
}

// HistoryPage is the body of admin/object_history.html.
type HistoryPage struct {
	Name, ObjectRepr, ObjectID string
	Links                      Links
	// Entries are the object's LogEntries, oldest first, with user names.
	Entries []*HistoryEntry
}

// HistoryEntry is a LogEntry with the name of its user.
type HistoryEntry struct {
	*LogEntry
	Username string
}

func (s *Site) historyView(w http.ResponseWriter, r *http.Request, u *auth.User) error {
	e, err := s.entryFor(r)
	if err != nil {
		return err
	}
	if err := s.require(r, u, e, "view", "change"); err != nil {
		return err
	}
	ctx := r.Context()
	obj, err := s.load(ctx, e, r.PathValue("id"))
	if err != nil {
		return err
	}
	links := s.links(r, e)
	hp := &HistoryPage{Name: e.model.VerboseName, ObjectRepr: e.repr(obj), ObjectID: e.pkString(obj), Links: links}
	var logs []*LogEntry
	db := orm.DB(ctx, s.db)
	if err := db.Where("app = ? AND model = ? AND object_id = ?", e.model.App, modelName(e.model), hp.ObjectID).
		Order("action_time").Order("id").Limit(1000).Find(&logs).Error; err != nil {
		return fmt.Errorf("admin: history of %s %s: %w", e.model, hp.ObjectID, err)
	}
	ids := map[uint]bool{}
	for _, le := range logs {
		ids[le.UserID] = true
	}
	names := map[uint]string{}
	if len(ids) > 0 {
		var list []uint
		for id := range ids {
			list = append(list, id)
		}
		var users []auth.User
		if err := db.Select("id", "username").Where("id IN ?", list).Find(&users).Error; err != nil {
			return fmt.Errorf("admin: history users: %w", err)
		}
		for _, us := range users {
			names[us.ID] = us.Username
		}
	}
	for _, le := range logs {
		hp.Entries = append(hp.Entries, &HistoryEntry{LogEntry: le, Username: names[le.UserID]})
	}
	crumbs := []Crumb{{Label: capFirst(e.model.App)}, {Label: capFirst(e.model.VerboseNamePlural), URL: links.Changelist()},
		{Label: hp.ObjectRepr, URL: links.Change(hp.ObjectID)}, {Label: "History"}}
	return s.render(w, r, http.StatusOK, "admin/object_history.html", "Change history: "+strings.TrimSpace(hp.ObjectRepr), u, crumbs, hp)
}
