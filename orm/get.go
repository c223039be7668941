package orm

import (
	"context"

	"gorm.io/gorm"
)

// Get returns the one row of T that conds select, like Django's
// Model.objects.get. conds are gorm's inline conditions, as for First: a
// primary key (Get[Poll](ctx, db, 7)), a query with arguments ("slug = ?",
// s), a struct or a map; none selects every row. It reads at most two rows
// (LIMIT 2). No row is an *Error of Kind ErrNotFound, which respond renders
// as 404 — so Get already is Django's get_object_or_404, and there is no
// GetOr404. Two or more rows is an *Error wrapping ErrMultiple. Other
// errors are the database's, translated.
//
// Get runs on db with ctx; inside AtomicRequests pass DB(ctx, db) to read
// within the request's transaction. It is safe for concurrent use when db
// is.
//
// A lookup by an integer primary key on a handle from Open, with no
// conditions or scopes of its own, reads the row with a statement and a
// scan plan built once per model type, without gorm's per-call statement
// building and reflection: the same row, errors and query log as gorm's
// Take. Models with an AfterFind hook, serializer fields or field types
// other than Go's scalars, time.Time, []byte, pointers to those and the
// database/sql Null types, and handles with read replicas or extra query
// callbacks (tracing plugins) are read by gorm.
func Get[T any](ctx context.Context, db *gorm.DB, conds ...any) (*T, error) {
	if len(conds) == 1 && isIntegerKey(conds[0]) {
		if f := fastReadsOf(db); f != nil {
			if row, ok, err := get[T](ctx, f, db, conds[0]); ok {
				return row, err
			}
		}
		// A primary key selects at most one row: read one, into a T (no
		// LIMIT 2, no slice), the common case of a detail view.
		row := new(T)
		if err := db.WithContext(ctx).Take(row, conds[0]).Error; err != nil {
			return nil, err
		}
		return row, nil
	}
	var rows []T
	q := db.WithContext(ctx).Limit(2).Find(&rows, conds...)
	if q.Error != nil {
		return nil, q.Error
	}
	switch len(rows) {
	case 0:
		return nil, &Error{Kind: ErrNotFound, Table: q.Statement.Table, Err: gorm.ErrRecordNotFound}
	case 1:
		return &rows[0], nil
	}
	return nil, &Error{Kind: ErrMultiple, Table: q.Statement.Table, Err: ErrMultiple}
}

// isIntegerKey reports whether v is an integer, which gorm's inline
// conditions take as the primary key.
func isIntegerKey(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}

// All returns every row of T, in the database's order, like Django's
// Model.objects.all() evaluated: All[Fortune](ctx, db). Soft-deleted rows
// (a gorm.DeletedAt field) are left out, as gorm's Find leaves them. It
// reads the whole table into memory, so keep it for small tables (lookup
// lists, settings) and page anything that grows (Paginate). No rows is an
// empty slice and a nil error.
//
// On a handle from Open with no conditions or scopes of its own, All reads
// with a statement and a scan plan built once per model type, as Get does
// by primary key; otherwise, and for the models Get leaves to gorm, it is
// db.WithContext(ctx).Find. Errors are translated as every error of a
// handle from Open. It is safe for concurrent use when db is.
func All[T any](ctx context.Context, db *gorm.DB) ([]T, error) {
	if f := fastReadsOf(db); f != nil {
		if rows, ok, err := all[T](ctx, f, db); ok {
			return rows, err
		}
	}
	rows := []T{}
	if err := db.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, err
	}
	return rows, nil
}

// DefaultBatchSize is the batch size BulkCreate uses when given 0 or less.
const DefaultBatchSize = 500

// BulkCreate inserts items in INSERT statements of batchSize rows
// (DefaultBatchSize when batchSize < 1), like Django's bulk_create with
// batch_size, filling in the generated primary keys. Several batches run
// in one Atomic block (a savepoint inside a transaction ctx or db
// carries), so an error such as a duplicate key inserts nothing. Keep batchSize × columns under the
// dialects' bound-parameter limits (65535 on PostgreSQL, 32766 on
// SQLite). An empty items is a no-op. Safe for concurrent use when db is;
// items must not be shared while it runs.
func BulkCreate[T any](ctx context.Context, db *gorm.DB, items []T, batchSize int) error {
	if len(items) == 0 {
		return nil
	}
	if batchSize < 1 {
		batchSize = DefaultBatchSize
	}
	if len(items) <= batchSize {
		return db.WithContext(ctx).Create(&items).Error
	}
	// Open sets SkipDefaultTransaction, so CreateInBatches would commit
	// each batch on its own: wrap them.
	return Atomic(ctx, db, func(tx *gorm.DB) error {
		return tx.CreateInBatches(&items, batchSize).Error
	})
}
