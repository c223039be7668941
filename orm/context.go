package orm

import (
	"context"

	"gorm.io/gorm"
)

// ctxKey is the context key of the request's database binding.
type ctxKey struct{}

// binding is what a context carries: a fixed handle (WithDB, Atomic) with
// the Atomic block it belongs to, or the lazy transaction of
// AtomicRequests.
type binding struct {
	db *gorm.DB
	st *txState
	rt *requestTx
}

// WithDB returns a copy of ctx carrying db as the request's handle, which
// DB, Atomic and OnCommit then find. When db is the tx of an Atomic block,
// an Atomic call given the returned context nests inside that block (a
// SAVEPOINT) and OnCommit defers to its commit. A nil db makes DB use its
// fallback. The context is safe for concurrent use; a transaction handle
// itself should be used by one goroutine at a time.
func WithDB(ctx context.Context, db *gorm.DB) context.Context {
	if db == nil {
		return context.WithValue(ctx, ctxKey{}, (*binding)(nil))
	}
	_, st, _ := resolve(db.Statement.Context)
	return context.WithValue(ctx, ctxKey{}, &binding{db: db, st: st})
}

// DB returns the request's handle bound to ctx: the request's transaction
// inside AtomicRequests (begun on the first call; the autocommit handle in
// a NonAtomic view or once the transaction has ended), the handle given to
// WithDB, else fallback.WithContext(ctx). fallback may be nil only when ctx
// carries a handle. The result is a new session with ctx as its context.
func DB(ctx context.Context, fallback *gorm.DB) *gorm.DB {
	if h, _, ok := resolve(ctx); ok {
		return h.WithContext(ctx)
	}
	return fallback.WithContext(ctx)
}

// resolve returns the handle ctx carries and the Atomic state it belongs
// to (nil outside a transaction Atomic or AtomicRequests started).
func resolve(ctx context.Context) (*gorm.DB, *txState, bool) {
	if ctx == nil {
		return nil, nil, false
	}
	b, _ := ctx.Value(ctxKey{}).(*binding)
	switch {
	case b == nil:
		return nil, nil, false
	case b.rt != nil:
		h, st := b.rt.handle()
		return h, st, true
	case b.db != nil:
		return b.db, b.st, true
	}
	return nil, nil, false
}
