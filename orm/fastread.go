package orm

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	pgxv5 "github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// fastReadsName is the name under which Open installs the fast read path
// in the handle's Config.Plugins; handles that lack it (a *gorm.DB not from
// Open) always take gorm's path.
const fastReadsName = "djinn:fast_reads"

// fastReads is the read path of Get by primary key and of All: per model
// type, the SQL and a scan plan built once from gorm's parsed schema, run
// on the handle's connection pool (the prepared-statement pool, *sql.DB
// or the transaction) without gorm's statement clone, clause building,
// callbacks and reflective scan. It serves only what it can serve exactly
// as gorm would — a plain handle, a model without AfterFind, serializers
// or field types it does not know, gorm's own query callbacks and nothing
// else (no read replicas, no tracing plugin) — and reports false
// otherwise, so that the caller takes gorm's path. It logs each statement
// through the handle's Logger.Trace as gorm does. One fastReads belongs to
// one *gorm.DB from Open and its sessions; it is safe for concurrent use.
type fastReads struct {
	plans sync.Map // reflect.Type → *readPlan; a nil *readPlan when unsupported
	chain atomic.Pointer[chainState]
	// pgx: the pool's connections are pgx's (PostgreSQL), so that reads
	// outside a transaction may run on pgx itself.
	pgx bool

	// Indexes of gorm internals read through reflect (unexported fields):
	// Statement.scopes, processor.fns and processor.callbacks, and the
	// name and replace fields of a callback.
	scopes, fns, callbacks, cbName, cbReplace int
}

// chainState is the verdict on one compiled query callback chain,
// identified by its slice of functions.
type chainState struct {
	fns uintptr
	n   int
	ok  bool
}

var _ gorm.Plugin = (*fastReads)(nil)

// Name is fastReadsName.
func (*fastReads) Name() string { return fastReadsName }

// Initialize does nothing: fastReads registers no callbacks.
func (*fastReads) Initialize(*gorm.DB) error { return nil }

// newFastReads returns the fast read path for db, or nil when gorm's
// internals are not laid out as this code expects (a gorm upgrade), in
// which case every read takes gorm's path.
func newFastReads(db *gorm.DB) *fastReads {
	f := &fastReads{pgx: db.Dialector.Name() == "postgres"}
	field := func(t reflect.Type, name string, kind reflect.Kind) (int, bool) {
		if t.Kind() != reflect.Struct {
			return 0, false
		}
		sf, ok := t.FieldByName(name)
		if !ok || len(sf.Index) != 1 || sf.Type.Kind() != kind {
			return 0, false
		}
		return sf.Index[0], true
	}
	var ok [5]bool
	f.scopes, ok[0] = field(reflect.TypeFor[gorm.Statement](), "scopes", reflect.Slice)
	p := reflect.TypeOf(db.Callback().Query())
	if p == nil || p.Kind() != reflect.Pointer {
		return nil
	}
	f.fns, ok[1] = field(p.Elem(), "fns", reflect.Slice)
	f.callbacks, ok[2] = field(p.Elem(), "callbacks", reflect.Slice)
	if !ok[2] {
		return nil
	}
	cb := p.Elem().Field(f.callbacks).Type.Elem()
	if cb.Kind() != reflect.Pointer {
		return nil
	}
	f.cbName, ok[3] = field(cb.Elem(), "name", reflect.String)
	f.cbReplace, ok[4] = field(cb.Elem(), "replace", reflect.Bool)
	for _, v := range ok {
		if !v {
			return nil
		}
	}
	return f
}

// fastReadsOf returns the fast read path installed in db, or nil.
func fastReadsOf(db *gorm.DB) *fastReads {
	if db == nil || db.Config == nil {
		return nil
	}
	f, _ := db.Plugins[fastReadsName].(*fastReads)
	return f
}

// usable reports whether a read on db may take the fast path: the handle
// carries no error, conditions, scopes, clauses, joins, preloads, model,
// table or Unscoped; no dry run or default timeout; and the query
// callbacks are gorm's own.
func (f *fastReads) usable(ctx context.Context, db *gorm.DB) bool {
	if ctx == nil || db.Error != nil || db.DryRun || db.DefaultContextTimeout > 0 || db.Statement == nil {
		return false
	}
	s := db.Statement
	if s.ConnPool == nil || s.Table != "" || s.TableExpr != nil || s.Model != nil || s.Dest != nil ||
		s.Unscoped || s.Distinct || len(s.Clauses) > 0 || len(s.Selects) > 0 || len(s.Omits) > 0 ||
		len(s.ColumnMapping) > 0 || len(s.Joins) > 0 || len(s.Preloads) > 0 || s.SQL.Len() > 0 || len(s.Vars) > 0 {
		return false
	}
	if reflect.ValueOf(s).Elem().Field(f.scopes).Len() > 0 {
		return false
	}
	return f.plainChain(db)
}

// plainChain reports whether db's query callbacks are exactly the three
// gorm registers, none replaced: any other (dbresolver's replica switch,
// a tracing plugin) sends reads to gorm. The verdict is cached until the chain is
// compiled again (a Register, Replace or Remove).
func (f *fastReads) plainChain(db *gorm.DB) bool {
	p := reflect.ValueOf(db.Callback().Query()).Elem()
	fns := p.Field(f.fns)
	ptr, n := fns.Pointer(), fns.Len()
	if c := f.chain.Load(); c != nil && c.fns == ptr && c.n == n {
		return c.ok
	}
	cbs := p.Field(f.callbacks)
	ok := cbs.Len() == 3
	for i := 0; ok && i < cbs.Len(); i++ {
		cb := cbs.Index(i).Elem()
		switch cb.Field(f.cbName).String() {
		case "gorm:query", "gorm:preload", "gorm:after_query":
			ok = !cb.Field(f.cbReplace).Bool()
		default:
			ok = false
		}
	}
	f.chain.Store(&chainState{fns: ptr, n: n, ok: ok})
	return ok
}

// readPlan is how to read rows of one model type: the SQL of a read by
// primary key and of all rows, and where each selected column goes.
type readPlan struct {
	table  string
	getSQL string // one row by primary key: one bind variable, LIMIT 1
	allSQL string // every row
	cols   []scanCol
}

// plan returns the read plan of T on db, building it on first use, or nil
// when T must be read by gorm.
func (f *fastReads) plan(db *gorm.DB, t reflect.Type) *readPlan {
	if p, ok := f.plans.Load(t); ok {
		return p.(*readPlan)
	}
	p := buildPlan(db, t)
	f.plans.Store(t, p)
	return p
}

// buildPlan parses t with db's naming strategy and schema cache and
// returns its plan, or nil when gorm's read would differ from a plain
// SELECT of the columns into the fields.
func buildPlan(db *gorm.DB, t reflect.Type) *readPlan {
	if t.Kind() != reflect.Struct {
		return nil
	}
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(reflect.New(t).Interface()); err != nil {
		return nil
	}
	sch := stmt.Schema
	if sch == nil || sch.AfterFind || sch.Table == "" || strings.Contains(sch.Table, ".") ||
		sch.PrioritizedPrimaryField == nil || sch.PrioritizedPrimaryField.DBName == "" {
		return nil
	}
	// Soft delete: gorm adds "deleted_at IS NULL" for the first
	// gorm.DeletedAt field (without a ZeroValue tag); anything else that
	// adds query clauses (other soft-delete plugins) goes to gorm.
	softDelete := ""
	for i, c := range sch.QueryClauses {
		sd, ok := c.(gorm.SoftDeleteQueryClause)
		if !ok || i > 0 || sd.ZeroValue.Valid || sd.Field == nil || sd.Field.DBName == "" {
			return nil
		}
		softDelete = sd.Field.DBName
	}
	p := &readPlan{table: sch.Table}
	var cols strings.Builder
	for _, name := range sch.DBNames {
		field := sch.FieldsByDBName[name]
		if field == nil || field.IgnoreMigration || field.Serializer != nil {
			return nil
		}
		if !field.Readable {
			continue // gorm scans it and drops the value
		}
		col, ok := scanColFor(t, field)
		if !ok {
			return nil
		}
		if len(p.cols) > 0 {
			cols.WriteString(", ")
		}
		quoteColumn(db, &cols, sch.Table, name)
		p.cols = append(p.cols, col)
	}
	if len(p.cols) == 0 {
		return nil
	}
	var from strings.Builder
	from.WriteString("SELECT ")
	from.WriteString(cols.String())
	from.WriteString(" FROM ")
	db.Dialector.QuoteTo(&from, sch.Table)
	var all strings.Builder
	all.WriteString(from.String())
	if softDelete != "" {
		all.WriteString(" WHERE ")
		quoteColumn(db, &all, sch.Table, softDelete)
		all.WriteString(" IS NULL")
	}
	p.allSQL = all.String()

	get := &from
	get.WriteString(" WHERE ")
	quoteColumn(db, get, sch.Table, sch.PrioritizedPrimaryField.DBName)
	get.WriteString(" = ")
	db.Dialector.BindVarTo(get, &gorm.Statement{DB: db, Vars: []any{0}}, 0)
	if softDelete != "" {
		get.WriteString(" AND ")
		quoteColumn(db, get, sch.Table, softDelete)
		get.WriteString(" IS NULL")
	}
	get.WriteString(" LIMIT 1")
	p.getSQL = get.String()
	return p
}

// quoteColumn writes "table"."column" in db's quoting.
func quoteColumn(db *gorm.DB, b *strings.Builder, table, column string) {
	db.Dialector.QuoteTo(b, table)
	b.WriteByte('.')
	db.Dialector.QuoteTo(b, column)
}

// get reads the row of T whose primary key is id into a new T. ok false
// means the fast path does not apply and nothing was sent.
func get[T any](ctx context.Context, f *fastReads, db *gorm.DB, id any) (row *T, ok bool, err error) {
	if !f.usable(ctx, db) {
		return nil, false, nil
	}
	p := f.plan(db, reflect.TypeFor[T]())
	if p == nil {
		return nil, false, nil
	}
	begin := time.Now()
	row = new(T)
	dest := make([]any, len(p.cols))
	p.dests(unsafe.Pointer(row), dest)
	err = queryRow(ctx, f.pgx, db.Statement.ConnPool, p.getSQL, id, dest)
	var n int64 = 1
	switch {
	case errors.Is(err, sql.ErrNoRows):
		n, row = 0, nil
		err = &Error{Kind: ErrNotFound, Table: p.table, Err: gorm.ErrRecordNotFound}
	case err != nil:
		n, row = 0, nil
		err = translateAs(db, err)
	}
	trace(ctx, db, begin, p.getSQL, id, n, err)
	return row, true, err
}

// all reads every row of T. ok false means the fast path does not apply
// and nothing was sent.
func all[T any](ctx context.Context, f *fastReads, db *gorm.DB) (rows []T, ok bool, err error) {
	if !f.usable(ctx, db) {
		return nil, false, nil
	}
	p := f.plan(db, reflect.TypeFor[T]())
	if p == nil {
		return nil, false, nil
	}
	begin := time.Now()
	rows, err = scanAll[T](ctx, f.pgx, p, db.Statement.ConnPool)
	if err != nil {
		rows, err = nil, translateAs(db, err)
	}
	trace(ctx, db, begin, p.allSQL, nil, int64(len(rows)), err)
	return rows, true, err
}

// queryRow runs sql with arg on pool and scans its one row into dest; no
// row is an error wrapping sql.ErrNoRows. On PostgreSQL outside a
// transaction it runs on pgx itself (see onPgx).
func queryRow(ctx context.Context, pgx bool, pool gorm.ConnPool, sql string, arg any, dest []any) error {
	ran, err := onPgx(ctx, pgx, pool, func(c *pgxConn) error {
		return c.QueryRow(ctx, sql, arg).Scan(dest...)
	})
	if ran {
		return err
	}
	return pool.QueryRowContext(ctx, sql, arg).Scan(dest...)
}

// scanAll reads every row of p.allSQL on pool, on pgx itself on
// PostgreSQL outside a transaction (see onPgx).
func scanAll[T any](ctx context.Context, pgx bool, p *readPlan, pool gorm.ConnPool) ([]T, error) {
	var rows []T
	ran, err := onPgx(ctx, pgx, pool, func(c *pgxConn) error {
		rs, err := c.Query(ctx, p.allSQL)
		if err != nil {
			return err
		}
		defer rs.Close()
		rows, err = scanRows[T](p, rs)
		return err
	})
	if ran {
		return rows, err
	}
	rs, err := pool.QueryContext(ctx, p.allSQL)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	if rows, err = scanRows[T](p, rs); err != nil {
		return nil, err
	}
	return rows, rs.Close()
}

// pgxConn is the pgx connection under a database/sql one.
type pgxConn = pgxv5.Conn

// onPgx runs fn on one of pool's connections as pgx itself, when pgx is
// set (a handle from Open on PostgreSQL) and pool is the handle's own pool
// rather than a transaction: pgx's own statement cache and scanning skip
// database/sql's statement, rows and driver-value layers. The connection
// is borrowed from the *sql.DB, so the pool's size and lifetime settings
// hold. ran is false when fn did not run and the caller should use pool
// through database/sql.
func onPgx(ctx context.Context, pgx bool, pool gorm.ConnPool, fn func(*pgxConn) error) (ran bool, err error) {
	std := plainSQLDB(pool)
	if !pgx || std == nil {
		return false, nil
	}
	conn, err := std.Conn(ctx)
	if err != nil {
		return true, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return nil
		}
		ran = true
		return fn(c.Conn())
	})
	return ran || err != nil, err
}

// plainSQLDB returns the *sql.DB under pool when pool is a handle's own
// pool (gorm's prepared-statement pool or the *sql.DB), not a
// transaction.
func plainSQLDB(pool gorm.ConnPool) *sql.DB {
	switch p := pool.(type) {
	case *gorm.PreparedStmtDB:
		std, _ := p.ConnPool.(*sql.DB)
		return std
	case *sql.DB:
		return p
	}
	return nil
}

// rowScanner is what pgx.Rows and *sql.Rows have in common for reading.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanRows reads the rows of rs with p's plan.
func scanRows[T any](p *readPlan, rs rowScanner) ([]T, error) {
	rows := make([]T, 0, 16)
	dest := make([]any, len(p.cols))
	var zero T
	for rs.Next() {
		rows = append(rows, zero)
		p.dests(unsafe.Pointer(&rows[len(rows)-1]), dest)
		if err := rs.Scan(dest...); err != nil {
			return nil, err
		}
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	return rows, nil
}

// translateAs passes err through db's dialector as gorm's DB.AddError does
// (Open's dialectors call Translate).
func translateAs(db *gorm.DB, err error) error {
	if db.TranslateError {
		if t, ok := db.Dialector.(gorm.ErrorTranslator); ok {
			return t.Translate(err)
		}
	}
	return err
}

// trace logs one statement through db's logger the way gorm's processor
// does: bound values (arg, none when nil) through the logger's
// ParamsFilter, then the dialector's Explain.
func trace(ctx context.Context, db *gorm.DB, begin time.Time, sql string, arg any, rows int64, err error) {
	db.Logger.Trace(ctx, begin, func() (string, int64) {
		var vars []any
		if arg != nil {
			vars = []any{arg}
		}
		if filter, ok := db.Logger.(gorm.ParamsFilter); ok {
			sql, vars = filter.ParamsFilter(ctx, sql, vars...)
		}
		return db.Dialector.Explain(sql, vars...), rows
	}, err)
}
