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
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/orm"
)

// MaxOffset bounds how deep the changelist pages: a page starting past
// MaxOffset rows is a 404 asking to search or filter, so that no request
// makes the database skip more rows than this.
const MaxOffset = 100_000

// EstimateThreshold is the table size from which, on PostgreSQL, the
// changelist shows the planner's estimate (pg_class.reltuples) instead of
// counting the rows, and skips the count of a filtered list.
const EstimateThreshold = 100_000

// maxSearchTerms bounds the words of a search.
const maxSearchTerms = 10

// ChangeList is the body of admin/change_list.html.
type ChangeList struct {
	// Name is the model's verbose name, Links its pages.
	Name, NamePlural string
	Links            Links
	// CanAdd is set when the user may add objects.
	CanAdd bool
	// Headers are the columns; Rows the page's objects.
	Headers []Header
	Rows    []ListRow
	// Search is set when the model has SearchFields; Query is the search.
	Search bool
	Query  string
	// Filters are the sidebar's filters.
	Filters []Filter
	// Total is the number of matching rows when TotalKnown; TotalExact
	// is false for an estimate.
	Total                  int64
	TotalKnown, TotalExact bool
	// Number is the page number (from 1); NumPages 0 when unknown.
	Number, NumPages int
	// PrevURL and NextURL are the neighbouring pages, "" at the ends.
	PrevURL, NextURL string
	// ClearURL is the list without search and filters.
	ClearURL string
}

// Header is a changelist column header; SortURL "" when not sortable.
type Header struct {
	Label, SortURL string
	Sorted, Desc   bool
}

// ListRow is one object of the changelist: its change page and cells.
type ListRow struct {
	URL   string
	Cells []string
}

// Filter is one sidebar filter.
type Filter struct {
	Label   string
	Options []FilterOption
}

// FilterOption is one choice of a filter.
type FilterOption struct {
	Label, URL string
	Selected   bool
}

func (s *Site) changelist(w http.ResponseWriter, r *http.Request, u *auth.User) error {
	e, err := s.entryFor(r)
	if err != nil {
		return err
	}
	if err := s.require(r, u, e, "view", "change"); err != nil {
		return err
	}
	ctx := r.Context()
	query := r.URL.Query()
	cl := &ChangeList{
		Name: e.model.VerboseName, NamePlural: e.model.VerboseNamePlural,
		Links: s.links(r, e), Search: len(e.search) > 0, Query: strings.TrimSpace(query.Get("q")),
	}
	cl.ClearURL = cl.Links.Changelist()
	if cl.CanAdd, err = s.can(r, u, e, "add"); err != nil {
		return err
	}
	q := orm.DB(ctx, s.db).Model(e.newObject().Interface())
	filtered := false
	if cl.Search && cl.Query != "" {
		q, filtered = e.applySearch(q, cl.Query), true
	}
	for _, f := range e.filters {
		v := query.Get(f.column)
		filter := Filter{Label: "By " + f.label}
		filter.Options = append(filter.Options, FilterOption{Label: "All", URL: withQuery(r, f.column, ""), Selected: v == ""})
		opts, err := s.filterChoices(ctx, f.field)
		if err != nil {
			return err
		}
		matched := false
		for _, c := range opts {
			sel := v == c.Value
			matched = matched || sel
			filter.Options = append(filter.Options, FilterOption{Label: c.Label, URL: withQuery(r, f.column, c.Value), Selected: sel})
		}
		if v != "" {
			if val, ok := f.field.filterValue(v); ok {
				q, filtered = q.Where(clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: f.column}, Value: val}), true
			}
		}
		cl.Filters = append(cl.Filters, filter)
	}

	order, sortCol, sortDesc := e.orderFor(query.Get("o"))
	for _, c := range e.list {
		h := Header{Label: c.label}
		if c.field != nil {
			next := c.field.Column
			if c.field.Column == sortCol {
				h.Sorted, h.Desc = true, sortDesc
				if !sortDesc {
					next = "-" + next
				}
			}
			h.SortURL = withQuery(r, "o", next)
		}
		cl.Headers = append(cl.Headers, h)
	}

	number := 1
	if ps := query.Get("p"); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 {
			return respond.NewError(http.StatusNotFound, "Invalid page.")
		}
		number = n
	}
	offset := (number - 1) * e.perPage
	if offset > MaxOffset {
		return respond.NewError(http.StatusNotFound, "This page is too deep; search or filter to narrow the list.")
	}
	cl.Number = number
	total, known, exact, err := s.count(ctx, q, e, filtered)
	if err != nil {
		return err
	}
	cl.Total, cl.TotalKnown, cl.TotalExact = total, known, exact
	if known {
		cl.NumPages = max(1, int((total+int64(e.perPage)-1)/int64(e.perPage)))
		if exact && number > cl.NumPages {
			return respond.NewError(http.StatusNotFound, fmt.Sprintf("Invalid page (%d of %d).", number, cl.NumPages))
		}
	}
	objs := e.newSlice()
	lq := q.Session(&gorm.Session{})
	for _, o := range order {
		lq = lq.Order(clause.OrderByColumn{Column: clause.Column{Table: clause.CurrentTable, Name: o.column}, Desc: o.desc})
	}
	if err := lq.Offset(offset).Limit(e.perPage + 1).Find(objs.Interface()).Error; err != nil {
		return fmt.Errorf("admin: changelist of %s: %w", e.model, err)
	}
	list := objs.Elem()
	hasNext := list.Len() > e.perPage
	if hasNext {
		list = list.Slice(0, e.perPage)
	}
	if number > 1 {
		cl.PrevURL = withQuery(r, "p", strconv.Itoa(number-1))
	}
	if hasNext && (number)*e.perPage <= MaxOffset {
		cl.NextURL = withQuery(r, "p", strconv.Itoa(number+1))
	}
	fkNames, err := s.relatedNames(ctx, e, list)
	if err != nil {
		return err
	}
	for i := range list.Len() {
		obj := list.Index(i)
		row := ListRow{URL: cl.Links.Change(e.pkString(obj))}
		for _, c := range e.list {
			switch {
			case c.field == nil:
				row.Cells = append(row.Cells, e.repr(obj))
			case c.fk != nil:
				v := c.fk.format(fieldValue(obj, c.fk))
				name, ok := fkNames[c.fk.column][v]
				if !ok {
					name = c.fk.display(fieldValue(obj, c.fk))
				}
				row.Cells = append(row.Cells, name)
			default:
				ff, _ := newFormField(e.reg, e.model, c.field)
				if ff == nil {
					row.Cells = append(row.Cells, fmt.Sprint(obj.Elem().FieldByName(c.field.Name).Interface()))
					continue
				}
				row.Cells = append(row.Cells, ff.display(fieldValue(obj, ff)))
			}
		}
		cl.Rows = append(cl.Rows, row)
	}
	title := "Select " + e.model.VerboseName + " to change"
	crumbs := []Crumb{{Label: capFirst(e.model.App)}, {Label: capFirst(e.model.VerboseNamePlural)}}
	return s.render(w, r, http.StatusOK, "admin/change_list.html", title, u, crumbs, cl)
}

// applySearch adds the search: every word must match one search field,
// case-insensitively; % and _ in the words match themselves.
func (e *entry) applySearch(q *gorm.DB, search string) *gorm.DB {
	terms := strings.Fields(search)
	if len(terms) > maxSearchTerms {
		terms = terms[:maxSearchTerms]
	}
	for _, t := range terms {
		pat := "%" + escapeLike(strings.ToLower(t)) + "%"
		var ors []clause.Expression
		for _, col := range e.search {
			ors = append(ors, clause.Expr{
				SQL:  "LOWER(?) LIKE ? ESCAPE '!'",
				Vars: []any{clause.Column{Table: clause.CurrentTable, Name: col}, pat},
			})
		}
		q = q.Where(clause.Or(ors...))
	}
	return q
}

// escapeLike escapes LIKE's wildcards with "!".
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// orderFor returns the ORDER BY of the request's ?o=: a column of the
// changelist's (whitelisted), else the default ordering; always ends with
// the primary key so pages do not overlap.
func (e *entry) orderFor(o string) (terms []orderTerm, col string, desc bool) {
	name, d := strings.CutPrefix(o, "-")
	for _, c := range e.list {
		if c.field != nil && c.field.Column == name && name != "" {
			terms = append(terms, orderTerm{column: name, desc: d})
			col, desc = name, d
			break
		}
	}
	if len(terms) == 0 {
		terms = append(terms, e.ordering...)
		col, desc = e.ordering[0].column, e.ordering[0].desc
	}
	pk := e.model.PrimaryKey.Column
	for _, t := range terms {
		if t.column == pk {
			return terms, col, desc
		}
	}
	return append(terms, orderTerm{column: pk, desc: true}), col, desc
}

// count returns the number of rows q selects: exact, or on PostgreSQL
// for tables over EstimateThreshold rows the planner's estimate of the
// whole table (known false for a filtered list: not counted at all).
func (s *Site) count(ctx context.Context, q *gorm.DB, e *entry, filtered bool) (total int64, known, exact bool, err error) {
	db := orm.DB(ctx, s.db)
	if db.Dialector.Name() == "postgres" {
		var est float64
		if err := db.Raw("SELECT COALESCE((SELECT reltuples FROM pg_class WHERE oid = to_regclass(?)), -1)", e.model.Table).Scan(&est).Error; err != nil {
			return 0, false, false, fmt.Errorf("admin: estimate rows of %s: %w", e.model.Table, err)
		}
		if est > EstimateThreshold {
			if filtered {
				return 0, false, false, nil
			}
			return int64(est), true, false, nil
		}
	}
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return 0, false, false, fmt.Errorf("admin: count %s: %w", e.model.Table, err)
	}
	return total, true, true, nil
}

// filterValue converts a filter's query value to the column's value;
// false for a value the filter does not offer.
func (ff *formField) filterValue(v string) (any, bool) {
	switch {
	case ff.widget == "checkbox":
		switch v {
		case "1":
			return true, true
		case "0":
			return false, true
		}
		return nil, false
	case len(ff.choices) > 0:
		for _, c := range ff.choices {
			if c.Value == v {
				return v, true
			}
		}
		return nil, false
	case ff.related != nil:
		t := indirect(ff.field.GoType)
		val := reflect.New(t).Elem()
		if setScalar(val, t, v, false) != "" {
			return nil, false
		}
		return val.Interface(), true
	}
	return nil, false
}

// filterChoices returns the options of a filter.
func (s *Site) filterChoices(ctx context.Context, ff *formField) ([]forms.Choice, error) {
	switch {
	case ff.widget == "checkbox":
		return []forms.Choice{{Value: "1", Label: "Yes"}, {Value: "0", Label: "No"}}, nil
	case ff.related != nil:
		return s.relatedChoices(ctx, ff, 100)
	}
	return ff.choices, nil
}

// relatedChoices returns up to limit rows of ff's related model, by key.
func (s *Site) relatedChoices(ctx context.Context, ff *formField, limit int) ([]forms.Choice, error) {
	rel := ff.related
	objs := reflect.New(reflect.SliceOf(reflect.PointerTo(rel.Type)))
	pk := rel.PrimaryKey.Column
	err := orm.DB(ctx, s.db).Model(reflect.New(rel.Type).Interface()).
		Order(clause.OrderByColumn{Column: clause.Column{Table: clause.CurrentTable, Name: pk}}).
		Limit(limit).Find(objs.Interface()).Error
	if err != nil {
		return nil, fmt.Errorf("admin: choices of %s from %s: %w", ff.column, rel.Table, err)
	}
	var out []forms.Choice
	for i := range objs.Elem().Len() {
		obj := objs.Elem().Index(i)
		id := fmt.Sprint(obj.Elem().FieldByName(rel.PrimaryKey.Name).Interface())
		out = append(out, forms.Choice{Value: id, Label: reprOf(rel, obj)})
	}
	return out, nil
}

// relatedNames returns, per foreign-key column of the list, the string
// forms of the related objects of the page's rows, by key.
func (s *Site) relatedNames(ctx context.Context, e *entry, list reflect.Value) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, c := range e.list {
		if c.fk == nil || list.Len() == 0 {
			continue
		}
		var ids []any
		for i := range list.Len() {
			v := fieldValue(list.Index(i), c.fk)
			for v.Kind() == reflect.Pointer && !v.IsNil() {
				v = v.Elem()
			}
			if v.Kind() != reflect.Pointer {
				ids = append(ids, v.Interface())
			}
		}
		rel := c.fk.related
		objs := reflect.New(reflect.SliceOf(reflect.PointerTo(rel.Type)))
		if err := orm.DB(ctx, s.db).Model(reflect.New(rel.Type).Interface()).
			Where(clause.IN{Column: clause.Column{Table: clause.CurrentTable, Name: rel.PrimaryKey.Column}, Values: ids}).
			Find(objs.Interface()).Error; err != nil {
			return nil, fmt.Errorf("admin: load %s for the changelist: %w", rel.Table, err)
		}
		names := map[string]string{}
		for i := range objs.Elem().Len() {
			obj := objs.Elem().Index(i)
			names[fmt.Sprint(obj.Elem().FieldByName(rel.PrimaryKey.Name).Interface())] = reprOf(rel, obj)
		}
		out[c.fk.column] = names
	}
	return out, nil
}

// reprOf is the string form of obj, a pointer to a value of model m.
func reprOf(m *orm.Model, obj reflect.Value) string {
	if s, ok := obj.Interface().(fmt.Stringer); ok {
		return s.String()
	}
	return capFirst(m.VerboseName) + " object (" + fmt.Sprint(obj.Elem().FieldByName(m.PrimaryKey.Name).Interface()) + ")"
}

// withQuery returns r's path with its query, key set to value ("" removes
// it) and the page reset (unless key is the page).
func withQuery(r *http.Request, key, value string) string {
	q := r.URL.Query()
	if key != "p" {
		q.Del("p")
	}
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}
