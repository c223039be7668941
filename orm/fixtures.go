package orm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

// DefaultDumpBatch is the number of rows DumpData reads per query when
// DumpOptions.BatchSize is 0.
const DefaultDumpBatch = 500

// DumpOptions selects what DumpData writes and how. The zero value dumps
// every registered model, compactly, DefaultDumpBatch rows a query.
type DumpOptions struct {
	// Labels restricts the dump to these apps ("polls") and models
	// ("polls.question", the model name case-insensitive); empty means all.
	Labels []string
	// Exclude leaves out these apps and models, in the same form.
	Exclude []string
	// Indent, when > 0, pretty-prints each object with that many spaces.
	Indent int
	// BatchSize is the number of rows read per query; 0 means
	// DefaultDumpBatch.
	BatchSize int
}

// DumpData writes the rows of the selected models to w as a JSON fixture
// and returns the number of objects written. Models come in registry
// (app) order and rows in primary-key order, read BatchSize rows at a time
// so that a large table is never held in memory; soft-deleted rows are
// included. db must use reg's table names (Registry.Install, as the orm
// app does). An unknown label is an error that names it. DumpData is safe
// for concurrent use.
func DumpData(ctx context.Context, db *gorm.DB, reg *Registry, w io.Writer, opts DumpOptions) (int, error) {
	models, err := selectModels(reg, opts.Labels, opts.Exclude)
	if err != nil {
		return 0, err
	}
	batch := opts.BatchSize
	if batch <= 0 {
		batch = DefaultDumpBatch
	}
	bw := bufio.NewWriter(w)
	d := &dumper{w: bw, indent: opts.Indent}
	if _, err := bw.WriteString("["); err != nil {
		return 0, fmt.Errorf("orm: dumpdata: write: %w", err)
	}
	for _, m := range models {
		if err := d.dumpModel(ctx, db, m, batch); err != nil {
			return d.n, err
		}
	}
	end := "]\n"
	if opts.Indent > 0 && d.n > 0 {
		end = "\n]\n"
	}
	if _, err := bw.WriteString(end); err != nil {
		return d.n, fmt.Errorf("orm: dumpdata: write: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return d.n, fmt.Errorf("orm: dumpdata: write: %w", err)
	}
	return d.n, nil
}

// modelKey is a model's name in a fixture: "polls.question".
func modelKey(m *Model) string { return m.App + "." + strings.ToLower(m.Name) }

// selectModels returns the registry's models named by labels (all when
// empty) minus those named by exclude, in registry order.
func selectModels(reg *Registry, labels, exclude []string) ([]*Model, error) {
	match := func(list []string) (map[*Model]bool, error) {
		out := map[*Model]bool{}
		for _, l := range list {
			found := false
			for _, m := range reg.Models() {
				if l == m.App || strings.EqualFold(l, modelKey(m)) {
					out[m], found = true, true
				}
			}
			if !found {
				if app, _, ok := strings.Cut(l, "."); ok && len(reg.ForApp(app)) > 0 {
					return nil, fmt.Errorf("orm: app %q has no model %q", app, l)
				}
				return nil, fmt.Errorf("orm: no app %q with models (give an app label or app.model)", l)
			}
		}
		return out, nil
	}
	only, err := match(labels)
	if err != nil {
		return nil, err
	}
	skip, err := match(exclude)
	if err != nil {
		return nil, err
	}
	var out []*Model
	for _, m := range reg.Models() {
		if (len(only) == 0 || only[m]) && !skip[m] {
			out = append(out, m)
		}
	}
	return out, nil
}

// modelSchema returns gorm's schema of m on db.
func modelSchema(db *gorm.DB, m *Model) (*schema.Schema, error) {
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(reflect.New(m.Type).Interface()); err != nil {
		return nil, fmt.Errorf("orm: model %s: %w", m, err)
	}
	return stmt.Schema, nil
}

// columnFields returns the gorm fields of m's columns, the primary key
// first when m has a single one.
func columnFields(m *Model, s *schema.Schema) (pk *schema.Field, fields []*schema.Field) {
	if m.PrimaryKey != nil && m.PrimaryKey.Column != "" {
		pk = s.LookUpField(m.PrimaryKey.Name)
	}
	for _, f := range m.Fields {
		if f.Column == "" {
			continue
		}
		sf := s.LookUpField(f.Name)
		if sf == nil || sf == pk {
			continue
		}
		fields = append(fields, sf)
	}
	return pk, fields
}

type dumper struct {
	w      *bufio.Writer
	indent int
	n      int
	buf    bytes.Buffer
	out    bytes.Buffer
}

func (d *dumper) dumpModel(ctx context.Context, db *gorm.DB, m *Model, batch int) error {
	s, err := modelSchema(db, m)
	if err != nil {
		return err
	}
	pk, fields := columnFields(m, s)
	var last any
	for offset := 0; ; offset += batch {
		rows := reflect.New(reflect.SliceOf(m.Type))
		q := db.WithContext(ctx).Unscoped().Table(m.Table).Limit(batch)
		switch {
		case pk != nil:
			q = q.Order(clause.OrderByColumn{Column: clause.Column{Name: pk.DBName}})
			if last != nil {
				q = q.Where(clause.Gt{Column: clause.Column{Name: pk.DBName}, Value: last})
			}
		default:
			for _, f := range s.PrimaryFields {
				q = q.Order(clause.OrderByColumn{Column: clause.Column{Name: f.DBName}})
			}
			q = q.Offset(offset)
		}
		if err := q.Find(rows.Interface()).Error; err != nil {
			return fmt.Errorf("orm: dumpdata: read %s (table %s): %w", m, m.Table, err)
		}
		list := rows.Elem()
		for i := range list.Len() {
			if err := d.writeObject(ctx, m, pk, fields, list.Index(i)); err != nil {
				return err
			}
		}
		if list.Len() < batch {
			return nil
		}
		if pk != nil {
			last = pk.ReflectValueOf(ctx, list.Index(list.Len()-1)).Interface()
		}
	}
}

func (d *dumper) writeObject(ctx context.Context, m *Model, pk *schema.Field, fields []*schema.Field, rv reflect.Value) error {
	b := &d.buf
	b.Reset()
	b.WriteString(`{"model": `)
	writeJSON(b, modelKey(m))
	if pk != nil {
		b.WriteString(`, "pk": `)
		if err := writeValue(b, pk.ReflectValueOf(ctx, rv)); err != nil {
			return fmt.Errorf("orm: dumpdata: %s: primary key: %w", m, err)
		}
	}
	b.WriteString(`, "fields": {`)
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSON(b, f.DBName)
		b.WriteString(": ")
		if err := writeValue(b, f.ReflectValueOf(ctx, rv)); err != nil {
			return fmt.Errorf("orm: dumpdata: %s: field %q: %w", m, f.DBName, err)
		}
	}
	b.WriteString("}}")

	sep := ", "
	if d.n == 0 {
		sep = ""
	}
	obj := b.Bytes()
	if d.indent > 0 {
		sep = ",\n"
		if d.n == 0 {
			sep = "\n"
		}
		d.out.Reset()
		if err := json.Indent(&d.out, obj, "", strings.Repeat(" ", d.indent)); err != nil {
			return fmt.Errorf("orm: dumpdata: %s: %w", m, err)
		}
		obj = d.out.Bytes()
	}
	if _, err := d.w.WriteString(sep); err != nil {
		return fmt.Errorf("orm: dumpdata: write: %w", err)
	}
	if _, err := d.w.Write(obj); err != nil {
		return fmt.Errorf("orm: dumpdata: write: %w", err)
	}
	d.n++
	return nil
}

func writeJSON(b *bytes.Buffer, s string) {
	v, _ := json.Marshal(s) // a string always marshals
	b.Write(v)
}

// writeValue writes v as encoding/json does, times in UTC so that a dump
// reads the same whichever zone the driver returned them in.
func writeValue(b *bytes.Buffer, v reflect.Value) error {
	x := v.Interface()
	switch t := x.(type) {
	case time.Time:
		x = t.UTC()
	case *time.Time:
		if t != nil {
			x = t.UTC()
		}
	}
	out, err := json.Marshal(x)
	if err != nil {
		return err
	}
	b.Write(out)
	return nil
}

// Fixture is one fixture file for LoadData: Name says where it came from
// in errors ("polls.json", "-" for standard input).
//
// A fixture is Django's JSON serialisation of model rows, as DumpData
// writes it:
//
//	[{"model": "polls.question", "pk": 1, "fields": {"question_text": "What's up?", "pub_date": "2024-01-02T03:04:05Z"}}]
//
// "model" is the app label and the lowercased Go type name; "pk" is the
// primary key and "fields" holds the other columns, keyed by column name,
// each value as encoding/json writes the Go field (times in RFC 3339, in
// UTC when dumped; []byte in base64; nil pointers as null). A model
// without a single primary key has no "pk" and all its columns in
// "fields"; a field left out of "fields" keeps its Go zero value.
//
// Only columns are dumped and loaded: many-to-many join rows are not (a
// fixture names no relation fields), so a join table is filled again by
// the code that fills it.
type Fixture struct {
	Name string
	R    io.Reader
}

// object is one decoded object of a fixture.
type object struct {
	fixture string
	index   int
	model   *Model
	pk      json.RawMessage
	value   reflect.Value // *T
}

func (o *object) where() string {
	w := fmt.Sprintf("fixture %s: object [%d] (%s", o.fixture, o.index, modelKey(o.model))
	if len(o.pk) > 0 {
		w += " pk " + string(o.pk)
	}
	return w + ")"
}

// LoadData inserts the objects of the fixtures into the database in one
// transaction and returns how many it inserted: all of them, or none and
// an error naming the fixture, the object's index and, where it applies,
// the field at fault (malformed JSON with its line:column, an unknown
// model or field, a value of the wrong type, a duplicate key, a foreign
// key to a missing row).
//
// Each object is decoded into a new value of its model's struct and
// created through gorm with its primary key (without associations), so
// the model's hooks and serializers run as they do in the app, and, as in
// any gorm Create, a zero field with a `default:` tag takes the default.
// Models are created parents first (following belongs-to relations) and
// the objects of one model in fixture order, so a model that refers to
// itself needs each parent row before its children, as primary-key order
// gives; foreign keys are not deferred, so that a violation names its
// object. On Postgres the sequences of the loaded tables are then moved
// past the largest primary key, so that the next Create does not collide.
// db must use reg's table names. LoadData is safe for concurrent use.
func LoadData(ctx context.Context, db *gorm.DB, reg *Registry, fixtures ...Fixture) (int, error) {
	byKey := map[string]*Model{}
	for _, m := range reg.Models() {
		byKey[modelKey(m)] = m
	}
	schemas := map[*Model]*schema.Schema{}
	var objs []*object
	for _, f := range fixtures {
		list, err := decodeFixture(ctx, db, byKey, schemas, f)
		if err != nil {
			return 0, err
		}
		objs = append(objs, list...)
	}
	order := loadOrder(reg, objs)
	slices.SortStableFunc(objs, func(a, b *object) int { return order[a.model] - order[b.model] })

	err := Atomic(ctx, db, func(tx *gorm.DB) error {
		loaded := map[*Model]bool{}
		for _, o := range objs {
			if err := tx.Omit(clause.Associations).Create(o.value.Interface()).Error; err != nil {
				return createError(tx, o, schemas[o.model], err)
			}
			loaded[o.model] = true
		}
		if tx.Dialector.Name() != "postgres" {
			return nil
		}
		for _, m := range reg.Models() {
			if loaded[m] {
				if err := resetSequence(tx, m); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(objs), nil
}

// decodeFixture reads and decodes one fixture.
func decodeFixture(ctx context.Context, db *gorm.DB, byKey map[string]*Model, schemas map[*Model]*schema.Schema, f Fixture) ([]*object, error) {
	data, err := io.ReadAll(f.R)
	if err != nil {
		return nil, fmt.Errorf("orm: fixture %s: read: %w", f.Name, err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("orm: fixture %s: %w", f.Name, jsonError(data, 0, err))
	}
	out := make([]*object, 0, len(raw))
	offset := arrayOffsets(data)
	for i, r := range raw {
		var base int64
		if i < len(offset) {
			base = offset[i]
		}
		var shape struct {
			Model  *string                    `json:"model"`
			PK     json.RawMessage            `json:"pk"`
			Fields map[string]json.RawMessage `json:"fields"`
		}
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&shape); err != nil {
			return nil, fmt.Errorf("orm: fixture %s: object [%d]: %w", f.Name, i, jsonError(data, base, err))
		}
		if shape.Model == nil {
			return nil, fmt.Errorf(`orm: fixture %s: object [%d]: no "model"`, f.Name, i)
		}
		m, ok := byKey[strings.ToLower(*shape.Model)]
		if !ok {
			return nil, fmt.Errorf("orm: fixture %s: object [%d]: unknown model %q (want app.model, e.g. %s)", f.Name, i, *shape.Model, exampleKey(byKey))
		}
		s, ok := schemas[m]
		if !ok {
			if s, err = modelSchema(db, m); err != nil {
				return nil, err
			}
			schemas[m] = s
		}
		o := &object{fixture: f.Name, index: i, model: m, value: reflect.New(m.Type)}
		if string(shape.PK) != "null" {
			o.pk = shape.PK
		}
		if err := o.decode(ctx, s, shape.Fields); err != nil {
			return nil, fmt.Errorf("orm: %s: %w", o.where(), err)
		}
		out = append(out, o)
	}
	return out, nil
}

func exampleKey(byKey map[string]*Model) string {
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return "polls.question; no models are registered"
	}
	return strings.Join(keys, ", ")
}

// decode sets the object's primary key and fields.
func (o *object) decode(ctx context.Context, s *schema.Schema, fields map[string]json.RawMessage) error {
	m := o.model
	pk, cols := columnFields(m, s)
	rv := o.value.Elem()
	if pk != nil && len(o.pk) > 0 {
		if err := setField(ctx, pk, rv, o.pk); err != nil {
			return fmt.Errorf(`"pk": %w`, err)
		}
	} else if pk == nil && len(o.pk) > 0 {
		return fmt.Errorf(`"pk" given but %s has no single primary key; put its key columns in "fields"`, m)
	}
	byColumn := make(map[string]*schema.Field, len(cols))
	for _, f := range cols {
		byColumn[f.DBName] = f
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f, ok := byColumn[name]
		if !ok {
			switch {
			case pk != nil && name == pk.DBName:
				return fmt.Errorf(`field %q is the primary key; give it as "pk"`, name)
			case isRelation(m, name):
				return fmt.Errorf("field %q is a relation; fixtures hold columns only (many-to-many join rows are not loaded)", name)
			default:
				return fmt.Errorf("unknown field %q (table %s has no such column)", name, m.Table)
			}
		}
		if err := setField(ctx, f, rv, fields[name]); err != nil {
			return fmt.Errorf("field %q: %w", name, err)
		}
	}
	return nil
}

// isRelation reports whether name ("answers", "choice_items") names a
// relation field of m.
func isRelation(m *Model, name string) bool {
	for _, f := range m.Fields {
		if f.Relation != nil && strings.EqualFold(f.Name, strings.ReplaceAll(name, "_", "")) {
			return true
		}
	}
	return false
}

// setField decodes raw into a new value of f's Go type and sets it.
func setField(ctx context.Context, f *schema.Field, rv reflect.Value, raw json.RawMessage) error {
	v := reflect.New(f.FieldType)
	if err := json.Unmarshal(raw, v.Interface()); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("wrong type: got JSON %s %s, want %s", te.Value, string(raw), f.FieldType)
		}
		return fmt.Errorf("bad value %s for %s: %w", string(raw), f.FieldType, err)
	}
	f.ReflectValueOf(ctx, rv).Set(v.Elem())
	return nil
}

// jsonError adds the line and column of a syntax or type error in data;
// base is the offset in data of the text that was decoded.
func jsonError(data []byte, base int64, err error) error {
	var off int64
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	default:
		return err
	}
	line, col := lineColumn(data, base+off)
	if te != nil && te.Field == "" && base == 0 {
		return fmt.Errorf("line %d:%d: a fixture is a JSON array of objects, got %s", line, col, te.Value)
	}
	return fmt.Errorf("line %d:%d: %w", line, col, err)
}

// lineColumn returns the 1-based line and column of byte offset off.
func lineColumn(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col == 0 {
		col = 1
	}
	return line, col
}

// arrayOffsets returns the byte offset in data of each element of the
// top-level JSON array (data is known to be valid).
func arrayOffsets(data []byte) []int64 {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // [
		return nil
	}
	var out []int64
	for dec.More() {
		var skip json.RawMessage
		start := dec.InputOffset()
		if err := dec.Decode(&skip); err != nil {
			return out
		}
		// InputOffset is before the separator and white space; find the
		// element's first byte.
		for start < int64(len(data)) && strings.IndexByte(", \t\r\n", data[start]) >= 0 {
			start++
		}
		out = append(out, start)
	}
	return out
}

// loadOrder ranks the models of objs so that the model a belongs-to
// relation points at comes first; models in a cycle keep registry order.
func loadOrder(reg *Registry, objs []*object) map[*Model]int {
	present := map[*Model]bool{}
	for _, o := range objs {
		present[o.model] = true
	}
	rank := map[*Model]int{}
	var visit func(m *Model, path map[*Model]bool)
	visit = func(m *Model, path map[*Model]bool) {
		if _, done := rank[m]; done || path[m] {
			return
		}
		path[m] = true
		for _, f := range m.Fields {
			if f.Relation == nil || f.Relation.Kind != BelongsTo {
				continue
			}
			if parent, ok := reg.ByTable(f.Relation.Table); ok && present[parent] && parent != m {
				visit(parent, path)
			}
		}
		delete(path, m)
		rank[m] = len(rank)
	}
	for _, m := range reg.Models() {
		if present[m] {
			visit(m, map[*Model]bool{})
		}
	}
	return rank
}

// createError explains why creating o failed, naming the field when it
// can: for a foreign key violation, the belongs-to field whose row is
// missing.
func createError(tx *gorm.DB, o *object, s *schema.Schema, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return fmt.Errorf("orm: %s: %w", o.where(), err)
	}
	switch e.Kind {
	case ErrDuplicate:
		what := "the primary key"
		if e.Column != "" && (o.model.PrimaryKey == nil || e.Column != o.model.PrimaryKey.Column) {
			what = fmt.Sprintf("field %q", e.Column)
		}
		return fmt.Errorf("orm: %s: %s duplicates a row of table %s (already there or earlier in the fixtures): %w", o.where(), what, o.model.Table, err)
	case ErrForeignKey:
		// Postgres names the column; a failed statement aborts its
		// transaction, so no probe could run anyway.
		var pg *pgconn.PgError
		if errors.As(err, &pg) {
			if col := keyColumns(pg.Detail); col != "" {
				return fmt.Errorf("orm: %s: field %q: %s: %w", o.where(), col, strings.TrimSuffix(pg.Detail, "."), err)
			}
		} else if field := missingParent(tx, o, s); field != "" {
			// SQLite names no column, but its transaction goes on.
			return fmt.Errorf("orm: %s: %s: %w", o.where(), field, err)
		}
	}
	return fmt.Errorf("orm: %s: %w", o.where(), err)
}

// missingParent describes the first belongs-to field of o that points at
// a missing row, or returns "".
func missingParent(tx *gorm.DB, o *object, s *schema.Schema) string {
	ctx := tx.Statement.Context
	for _, f := range o.model.Fields {
		r := f.Relation
		if r == nil || r.Kind != BelongsTo || len(r.ForeignKeys) != 1 {
			continue
		}
		fk := s.LookUpField(r.ForeignKeys[0])
		if fk == nil {
			continue
		}
		v, zero := fk.ValueOf(ctx, o.value.Elem())
		if zero && fk.FieldType.Kind() == reflect.Pointer {
			continue
		}
		var n int64
		err := tx.Table(r.Table).Where(clause.Eq{Column: clause.Column{Name: r.References[0]}, Value: v}).Count(&n).Error
		if err == nil && n == 0 {
			return fmt.Sprintf("field %q: no %s row with %s = %v", fk.DBName, r.Table, r.References[0], v)
		}
	}
	return ""
}

// resetSequence moves the sequence of m's serial primary key, if any, to
// the largest key in its table.
func resetSequence(tx *gorm.DB, m *Model) error {
	pk := m.PrimaryKey
	if pk == nil || pk.Column == "" || !pk.AutoIncrement {
		return nil
	}
	table, col := quoteIdent(m.Table), quoteIdent(pk.Column)
	q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX(%s), 1), MAX(%s) IS NOT NULL) FROM %s", col, col, table)
	if err := tx.Exec(q, table, pk.Column).Error; err != nil {
		return fmt.Errorf("orm: loaddata: reset the sequence of %s.%s: %w", m.Table, pk.Column, err)
	}
	return nil
}

// quoteIdent quotes a table or column name for Postgres and SQLite.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// Flush deletes every row of the registered models' tables and of their
// many-to-many join tables, in one transaction, and returns the tables it
// emptied. Tables that do not exist yet are skipped; other tables, such as
// the migrations' version tables, are left alone. On Postgres it is one
// TRUNCATE … RESTART IDENTITY CASCADE (which also empties tables of other
// code that reference these); on SQLite a DELETE per table with foreign
// keys deferred, and the tables' AUTOINCREMENT counters are reset.
func Flush(ctx context.Context, db *gorm.DB, reg *Registry) ([]string, error) {
	var tables []string
	seen := map[string]bool{}
	add := func(t string) {
		if t != "" && !seen[t] && !strings.HasPrefix(t, "djinn_migrations_") {
			seen[t] = true
			tables = append(tables, t)
		}
	}
	for _, m := range reg.Models() {
		add(m.Table)
		for _, f := range m.Fields {
			if f.Relation != nil {
				add(f.Relation.JoinTable)
			}
		}
	}
	db = db.WithContext(ctx)
	var existing []string
	for _, t := range tables {
		if db.Migrator().HasTable(t) {
			existing = append(existing, t)
		}
	}
	if len(existing) == 0 {
		return nil, nil
	}
	quoted := make([]string, len(existing))
	for i, t := range existing {
		quoted[i] = quoteIdent(t)
	}
	err := Atomic(ctx, db, func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			return tx.Exec("TRUNCATE " + strings.Join(quoted, ", ") + " RESTART IDENTITY CASCADE").Error
		}
		if err := tx.Exec("PRAGMA defer_foreign_keys = ON").Error; err != nil {
			return err
		}
		// Children (registered later, as a rule) first.
		for _, q := range slices.Backward(quoted) {
			if err := tx.Exec("DELETE FROM " + q).Error; err != nil {
				return fmt.Errorf("delete from %s: %w", q, err)
			}
		}
		var n int64
		if err := tx.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").Scan(&n).Error; err != nil || n == 0 {
			return err
		}
		return tx.Exec("DELETE FROM sqlite_sequence WHERE name IN ?", existing).Error
	})
	if err != nil {
		return nil, fmt.Errorf("orm: flush: %w", err)
	}
	return existing, nil
}
