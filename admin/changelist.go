package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

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
	// Actions are the bulk actions the user may run (none: no checkboxes).
	Actions []ActionChoice
	// Editable is set when cells are edited in place (ListEditable) and
	// the user may change objects; Errors are the page's errors then.
	Editable bool
	Errors   []string
	// Hierarchy is the date drill-down (DateHierarchy); nil without.
	Hierarchy *Hierarchy
}

// ActionChoice is one bulk action of the changelist's menu.
type ActionChoice struct{ Name, Label string }

// Hierarchy is the date drill-down of a changelist: Back goes up one
// level ("" at the top), Current names the selected period, Links are the
// periods below it that have objects.
type Hierarchy struct {
	Back, BackLabel, Current string
	Links                    []FilterOption
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
	// PK is the object's key; Edit[i] is the input of Cells[i] when the
	// cell is edited in place (ListEditable), else nil.
	PK   string
	Edit []*forms.Field
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
	return s.renderList(w, r, u, e, nil)
}

// renderList renders the changelist of e for the request's query; edit
// holds the posted values and errors of a list edit that failed (nil
// otherwise, then the status is 200, else 400).
func (s *Site) renderList(w http.ResponseWriter, r *http.Request, u *auth.User, e *entry, edit *listEdit) error {
	ctx := r.Context()
	query := r.URL.Query()
	cl := &ChangeList{
		Name: e.model.VerboseName, NamePlural: e.model.VerboseNamePlural,
		Links: s.links(r, e), Search: len(e.search) > 0, Query: strings.TrimSpace(query.Get("q")),
	}
	cl.ClearURL = cl.Links.Changelist()
	var err error
	if cl.CanAdd, err = s.can(r, u, e, "add"); err != nil {
		return err
	}
	if cl.Actions, err = s.actionChoices(r, u, e); err != nil {
		return err
	}
	if len(e.editable) > 0 {
		if cl.Editable, err = s.can(r, u, e, "change"); err != nil {
			return err
		}
	}
	q := orm.DB(ctx, s.db).Model(e.newObject().Interface())
	filtered := false
	if cl.Search && cl.Query != "" {
		q, filtered = e.applySearch(q, cl.Query), true
	}
	now := time.Now().UTC()
	for _, f := range e.filters {
		v := query.Get(f.column)
		filter := Filter{Label: "By " + f.label}
		if f.date {
			filter.Options = append(filter.Options, FilterOption{Label: "Any date", URL: withQuery(r, f.column, ""), Selected: v == ""})
			for _, o := range dateFilterOptions {
				filter.Options = append(filter.Options, FilterOption{Label: o.label, URL: withQuery(r, f.column, o.value), Selected: v == o.value})
			}
			if from, to, ok := dateFilterRange(now, v); ok {
				q, filtered = whereRange(q, f.column, from, to), true
			}
			cl.Filters = append(cl.Filters, filter)
			continue
		}
		filter.Options = append(filter.Options, FilterOption{Label: "All", URL: withQuery(r, f.column, ""), Selected: v == ""})
		opts, err := s.filterChoices(ctx, f.field)
		if err != nil {
			return err
		}
		for _, c := range opts {
			filter.Options = append(filter.Options, FilterOption{Label: c.Label, URL: withQuery(r, f.column, c.Value), Selected: v == c.Value})
		}
		if v != "" {
			if val, ok := f.field.filterValue(v); ok {
				q, filtered = q.Where(clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: f.column}, Value: val}), true
			}
		}
		cl.Filters = append(cl.Filters, filter)
	}
	if e.hierarchy != nil {
		var narrowed bool
		if q, cl.Hierarchy, narrowed, err = s.hierarchy(r, e, q); err != nil {
			return err
		}
		filtered = filtered || narrowed
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
	var editChoices map[string][]forms.Choice
	if cl.Editable {
		if editChoices, err = s.editChoices(ctx, e); err != nil {
			return err
		}
	}
	for i := range list.Len() {
		obj := list.Index(i)
		row := ListRow{URL: cl.Links.Change(e.pkString(obj)), PK: e.pkString(obj)}
		for _, c := range e.list {
			var in *forms.Field
			if cl.Editable && c.field != nil && e.editable[c.field.Column] != nil {
				in = e.editField(i, obj, e.editable[c.field.Column], editChoices, edit)
			}
			row.Edit = append(row.Edit, in)
			switch {
			case c.col != nil:
				v, err := c.col.Value(obj.Interface())
				if err != nil {
					return fmt.Errorf("admin: column %q of %s %s: %w", c.col.Name, e.model, row.PK, err)
				}
				row.Cells = append(row.Cells, v)
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
	status := http.StatusOK
	if edit != nil {
		status = http.StatusBadRequest
		cl.Errors = append([]string{"Please correct the errors below."}, edit.general...)
	}
	title := "Select " + e.model.VerboseName + " to change"
	crumbs := []Crumb{{Label: capFirst(e.model.App)}, {Label: capFirst(e.model.VerboseNamePlural)}}
	return s.render(w, r, status, "admin/change_list.html", title, u, crumbs, cl)
}

// applySearch adds the search: every word must match one search field,
// case-insensitively; % and _ in the words match themselves. A field
// across relations matches through a subquery on the related table.
func (e *entry) applySearch(q *gorm.DB, search string) *gorm.DB {
	terms := strings.Fields(search)
	if len(terms) > maxSearchTerms {
		terms = terms[:maxSearchTerms]
	}
	for _, t := range terms {
		pat := "%" + escapeLike(strings.ToLower(t)) + "%"
		var ors []clause.Expression
		for _, sp := range e.search {
			ors = append(ors, sp.match(pat))
		}
		q = q.Where(clause.Or(ors...))
	}
	return q
}

// searchPath is one SearchFields entry: a string column of the model,
// or of a model reached through belongs-to relations ("author__name").
type searchPath struct {
	hops   []searchHop
	column string
}

// searchHop is one belongs-to relation of a searchPath: the foreign key
// in the previous table, the related table and its referenced column.
type searchHop struct{ fk, table, ref string }

// match is the condition of the path against the LIKE pattern pat:
// LOWER(col) LIKE pat, wrapped in "fk IN (SELECT ref FROM table s<i>
// WHERE ...)" per relation; tables are aliased so that a relation to the
// model itself stays unambiguous.
func (sp searchPath) match(pat string) clause.Expression {
	table := clause.CurrentTable
	if n := len(sp.hops); n > 0 {
		table = "s" + strconv.Itoa(n)
	}
	var cond clause.Expression = clause.Expr{
		SQL:  "LOWER(?) LIKE ? ESCAPE '!'",
		Vars: []any{clause.Column{Table: table, Name: sp.column}, pat},
	}
	for i := len(sp.hops) - 1; i >= 0; i-- {
		h := sp.hops[i]
		parent := clause.CurrentTable
		if i > 0 {
			parent = "s" + strconv.Itoa(i)
		}
		alias := "s" + strconv.Itoa(i+1)
		cond = clause.Expr{
			SQL: "? IN (SELECT ? FROM ? WHERE ?)",
			Vars: []any{clause.Column{Table: parent, Name: h.fk}, clause.Column{Table: alias, Name: h.ref},
				clause.Table{Name: h.table, Alias: alias}, cond},
		}
	}
	return cond
}

// maxSearchHops bounds the relations of a SearchFields entry.
const maxSearchHops = 3

// resolveSearch resolves a SearchFields entry: "title", or relations
// then a column joined by "__" ("author__name").
func resolveSearch(reg *orm.Registry, m *orm.Model, name string) (searchPath, bool) {
	parts := strings.Split(name, "__")
	if len(parts) > maxSearchHops+1 {
		return searchPath{}, false
	}
	var sp searchPath
	for _, part := range parts[:len(parts)-1] {
		rf, ok := relationField(m, part)
		if !ok {
			return searchPath{}, false
		}
		rel, ok := reg.ByTable(rf.Relation.Table)
		if !ok {
			return searchPath{}, false
		}
		sp.hops = append(sp.hops, searchHop{fk: rf.Relation.ForeignKeys[0], table: rel.Table, ref: rf.Relation.References[0]})
		m = rel
	}
	f, ok := resolve(m, parts[len(parts)-1])
	if !ok || f.Relation != nil || indirect(f.GoType).Kind() != reflect.String {
		return searchPath{}, false
	}
	sp.column = f.Column
	return sp, true
}

// relationField finds the single-column belongs-to relation called name
// (its Go name, any case, or its foreign key column).
func relationField(m *orm.Model, name string) (*orm.Field, bool) {
	for i := range m.Fields {
		f := &m.Fields[i]
		r := f.Relation
		if r == nil || r.Kind != orm.BelongsTo || len(r.ForeignKeys) != 1 || len(r.References) != 1 {
			continue
		}
		if strings.EqualFold(f.Name, name) || r.ForeignKeys[0] == name {
			return f, true
		}
	}
	return nil, false
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

// buildChangelist resolves the changelist options of e.admin (columns,
// search paths, filters, in-place editing, date hierarchy, actions) and
// returns the problems found.
func (e *entry) buildChangelist() []string {
	m, ma, reg := e.model, e.admin, e.reg
	var errs []string
	bad := func(what, name, why string) { errs = append(errs, fmt.Sprintf("%s %q %s", what, name, why)) }
	columns := map[string]*Column{}
	for i := range ma.Columns {
		c := &ma.Columns[i]
		switch {
		case c.Name == "":
			bad("Columns", c.Label, "has no Name")
		case c.Value == nil:
			bad("Columns", c.Name, "has no Value function")
		case columns[c.Name] != nil:
			bad("Columns", c.Name, "is defined twice")
		default:
			columns[c.Name] = c
		}
	}
	if len(ma.ListDisplay) == 0 {
		e.list = []listColumn{{label: capFirst(m.VerboseName)}}
	}
	for _, name := range ma.ListDisplay {
		if c, ok := columns[name]; ok {
			label := c.Label
			if label == "" {
				label = humanize(c.Name)
			}
			e.list = append(e.list, listColumn{label: label, col: c})
			continue
		}
		f, ok := resolve(m, name)
		if !ok {
			bad("ListDisplay", name, "is neither a column of the model nor one of Columns")
			continue
		}
		col := listColumn{label: capFirst(f.VerboseName), field: f}
		if ff, ok := newFormField(reg, m, f); ok && ff.related != nil {
			col.fk = ff
			col.label = capFirst(relationName(m, f))
		}
		e.list = append(e.list, col)
	}
	for _, name := range ma.SearchFields {
		sp, ok := resolveSearch(reg, m, name)
		if !ok {
			bad("SearchFields", name, "is not a string column of the model, nor relations to one (author__name)")
			continue
		}
		e.search = append(e.search, sp)
	}
	for _, name := range ma.ListFilter {
		f, ok := resolve(m, name)
		if !ok {
			bad("ListFilter", name, "is not a column of the model")
			continue
		}
		ff, ok := newFormField(reg, m, f)
		date := ok && (ff.widget == "date" || ff.widget == "datetime-local")
		if !ok || (ff.widget != "checkbox" && ff.widget != "select" && !date) {
			bad("ListFilter", name, "is not a boolean, choice, date or foreign-key field")
			continue
		}
		label := f.VerboseName
		if ff.related != nil {
			label = relationName(m, f)
		}
		e.filters = append(e.filters, &filterSpec{column: f.Column, label: label, field: ff, date: date})
	}
	readonly := map[*orm.Field]bool{}
	for _, name := range ma.ReadonlyFields {
		if f, ok := resolve(m, name); ok {
			readonly[f] = true
		}
	}
	for _, name := range ma.ListEditable {
		f, ok := resolve(m, name)
		if !ok {
			bad("ListEditable", name, "is not a column of the model")
			continue
		}
		i := slices.IndexFunc(e.list, func(c listColumn) bool { return c.field == f })
		ff, widget := newFormField(reg, m, f)
		switch {
		case i < 0:
			bad("ListEditable", name, "is not in ListDisplay")
		case i == 0:
			bad("ListEditable", name, "is the first column of ListDisplay, the link to the change page")
		case f.PrimaryKey || readonly[f]:
			bad("ListEditable", name, "is read-only")
		case !widget:
			bad("ListEditable", name, fmt.Sprintf("has type %v, which the admin has no widget for", f.GoType))
		default:
			if e.editable == nil {
				e.editable = map[string]*formField{}
			}
			e.editable[f.Column] = ff
		}
	}
	if name := ma.DateHierarchy; name != "" {
		f, ok := resolve(m, name)
		var ff *formField
		if ok {
			ff, ok = newFormField(reg, m, f)
		}
		if !ok || (ff.widget != "date" && ff.widget != "datetime-local") {
			bad("DateHierarchy", name, "is not a date or time column of the model")
		} else {
			e.hierarchy = ff
		}
	}
	seen := map[string]bool{deleteSelected: true}
	for _, a := range ma.Actions {
		switch {
		case !validActionName(a.Name):
			bad("Actions", a.Name, "is not a valid action name ([a-z0-9_]+)")
		case seen[a.Name]:
			bad("Actions", a.Name, "is defined twice (or is delete_selected, which is built in)")
		case a.Run == nil:
			bad("Actions", a.Name, "has no Run function")
		case !slices.Contains([]string{"", "view", "add", "change", "delete"}, a.Perm):
			bad("Actions", a.Name, fmt.Sprintf("has Perm %q; want view, add, change or delete", a.Perm))
		default:
			seen[a.Name] = true
			if a.Label == "" {
				a.Label = humanize(a.Name)
			}
			if a.Perm == "" {
				a.Perm = "change"
			}
			e.actions = append(e.actions, a)
		}
	}
	return errs
}

// humanize turns a name into a label: "word_count" → "Word count".
func humanize(name string) string { return capFirst(strings.ReplaceAll(name, "_", " ")) }

// dateFilterOptions are the choices of a date filter, in order.
var dateFilterOptions = [...]struct{ value, label string }{
	{"today", "Today"}, {"past_7_days", "Past 7 days"}, {"this_month", "This month"}, {"this_year", "This year"},
}

// dateFilterRange returns the half-open UTC range [from, to) of a date
// filter's value at now; false for a value the filter does not offer.
func dateFilterRange(now time.Time, v string) (from, to time.Time, ok bool) {
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch v {
	case "today":
		return today, today.AddDate(0, 0, 1), true
	case "past_7_days":
		return today.AddDate(0, 0, -7), today.AddDate(0, 0, 1), true
	case "this_month":
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		return first, first.AddDate(0, 1, 0), true
	case "this_year":
		first := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		return first, first.AddDate(1, 0, 0), true
	}
	return time.Time{}, time.Time{}, false
}

// whereRange adds from <= column < to, with bound parameters.
func whereRange(q *gorm.DB, column string, from, to time.Time) *gorm.DB {
	col := clause.Column{Table: clause.CurrentTable, Name: column}
	return q.Where(clause.Gte{Column: col, Value: from}).Where(clause.Lt{Column: col, Value: to})
}

// maxHierarchyLinks bounds the links of one level of the date hierarchy.
const maxHierarchyLinks = 100

// hierarchy narrows q to the date hierarchy's selected year, month and
// day (query parameters <column>__year, __month, __day; invalid ones are
// ignored) and returns the drill-down links, from the distinct periods
// of the narrowed list (one bounded query).
func (s *Site) hierarchy(r *http.Request, e *entry, q *gorm.DB) (*gorm.DB, *Hierarchy, bool, error) {
	ff := e.hierarchy
	col := ff.column
	query := r.URL.Query()
	param := func(part string, lo, hi int) int {
		n, err := strconv.Atoi(query.Get(col + "__" + part))
		if err != nil || n < lo || n > hi {
			return 0
		}
		return n
	}
	year := param("year", 1, 9999)
	month, day := 0, 0
	if year > 0 {
		month = param("month", 1, 12)
	}
	if month > 0 {
		day = param("day", 1, 31)
		if day > 0 && time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).Day() != day {
			day = 0
		}
	}
	link := func(y, m, d int) string {
		u := *r.URL
		v := u.Query()
		v.Del("p")
		for part, n := range map[string]int{"year": y, "month": m, "day": d} {
			if n == 0 {
				v.Del(col + "__" + part)
			} else {
				v.Set(col+"__"+part, strconv.Itoa(n))
			}
		}
		return (&url.URL{Path: r.URL.Path, RawQuery: v.Encode()}).String()
	}
	h := &Hierarchy{}
	var part string
	switch {
	case day > 0:
		from := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		h.Back, h.BackLabel, h.Current = link(year, month, 0), from.Format("January 2006"), from.Format("January 2, 2006")
		return whereRange(q, col, from, from.AddDate(0, 0, 1)), h, true, nil
	case month > 0:
		from := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
		h.Back, h.BackLabel, h.Current = link(year, 0, 0), strconv.Itoa(year), from.Format("January 2006")
		q, part = whereRange(q, col, from, from.AddDate(0, 1, 0)), "day"
	case year > 0:
		from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		h.Back, h.BackLabel, h.Current = link(0, 0, 0), "All dates", strconv.Itoa(year)
		q, part = whereRange(q, col, from, from.AddDate(1, 0, 0)), "month"
	default:
		part = "year"
	}
	var vals []int
	expr := datePart(orm.DB(r.Context(), s.db).Dialector.Name(), part, ff.widget == "date")
	err := q.Session(&gorm.Session{}).
		Where(clause.Expr{SQL: "? IS NOT NULL", Vars: []any{clause.Column{Table: clause.CurrentTable, Name: col}}}).
		Select("DISTINCT "+expr+" AS v", clause.Column{Table: clause.CurrentTable, Name: col}).
		Order("v").Limit(maxHierarchyLinks).Scan(&vals).Error
	if err != nil {
		return nil, nil, false, fmt.Errorf("admin: date hierarchy of %s.%s: %w", e.model.Table, col, err)
	}
	for _, n := range vals {
		switch part {
		case "year":
			h.Links = append(h.Links, FilterOption{Label: strconv.Itoa(n), URL: link(n, 0, 0)})
		case "month":
			h.Links = append(h.Links, FilterOption{Label: time.Month(n).String() + " " + strconv.Itoa(year), URL: link(year, n, 0)})
		case "day":
			h.Links = append(h.Links, FilterOption{Label: time.Month(month).String() + " " + strconv.Itoa(n), URL: link(year, month, n)})
		}
	}
	return q, h, year > 0, nil
}

// datePart is the SQL of one part ("year", "month", "day") of the date
// column "?" as an integer, in UTC.
func datePart(dialect, part string, dateOnly bool) string {
	if dialect == "postgres" {
		if dateOnly {
			return "CAST(EXTRACT(" + part + " FROM ?) AS integer)"
		}
		return "CAST(EXTRACT(" + part + " FROM ? AT TIME ZONE 'UTC') AS integer)"
	}
	// SQLite stores times as text starting "2006-01-02" (the driver's
	// time.String form, in UTC as the admin writes them).
	pos := map[string]string{"year": "1, 4", "month": "6, 2", "day": "9, 2"}[part]
	return "CAST(substr(?, " + pos + ") AS integer)"
}
