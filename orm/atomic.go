package orm

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/djinn-go/djinn/core/respond"
)

// txState is one Atomic block (the transaction or one of its savepoints)
// and the OnCommit hooks registered inside it.
type txState struct {
	parent *txState
	mu     sync.Mutex
	hooks  []func()
}

func (s *txState) add(fns ...func()) {
	s.mu.Lock()
	s.hooks = append(s.hooks, fns...)
	s.mu.Unlock()
}

func (s *txState) take() []func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hooks
	s.hooks = nil
	return h
}

// finish passes the hooks of a released savepoint to the enclosing block,
// or runs them after the outermost commit.
func (s *txState) finish() {
	hooks := s.take()
	if s.parent != nil {
		s.parent.add(hooks...)
		return
	}
	for _, fn := range hooks {
		fn()
	}
}

// Atomic runs fn in a transaction, like Django's transaction.atomic.
//
// The outermost call begins a transaction on db and commits it when fn
// returns nil. A call nested in another Atomic block or in AtomicRequests
// — found through ctx (WithDB, AtomicRequests) or db (the tx of the
// enclosing block) — runs on the enclosing transaction inside a SAVEPOINT
// instead, whatever db is, so that the block never takes a second
// connection. When fn returns an error Atomic rolls back (to the savepoint
// when nested) and returns that error; when fn panics it rolls back and
// panics again with the same value. The enclosing block may go on after a
// nested block's error.
//
// fn must use tx (or DB(ctx) on a context derived from WithDB(ctx, tx))
// for its statements; tx carries ctx and is for fn's goroutine only.
// OnCommit hooks registered in the block run after the outermost commit,
// in registration order, and are dropped when the block rolls back.
// Passing a transaction Atomic did not start (gorm's db.Begin) as db
// nests as a savepoint too, but its hooks then run when the block ends.
// Atomic is safe for concurrent use on a shared *gorm.DB; each call
// outside a transaction gets its own.
func Atomic(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	base, parent := db, (*txState)(nil)
	if h, st, ok := resolve(ctx); ok && st != nil {
		base, parent = h, st
	} else if h, st, ok := resolve(db.Statement.Context); ok && st != nil {
		base, parent = h, st
	}
	st := &txState{parent: parent}
	err := base.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		tx = tx.WithContext(context.WithValue(ctx, ctxKey{}, &binding{db: tx, st: st}))
		return fn(tx)
	})
	if err != nil {
		return err
	}
	st.finish()
	return nil
}

// OnCommit registers fn to run after the transaction in progress commits,
// like Django's transaction.on_commit: the transaction ctx carries (WithDB,
// AtomicRequests) or else the one db belongs to (the tx of an Atomic
// block; db may be nil). Hooks run in order on the goroutine that
// commits, after the outermost commit only; a rollback drops them,
// including the hooks of a savepoint rolled back while the outer
// transaction commits. Outside any Atomic block or AtomicRequests
// transaction fn runs at once, as in autocommit. A panicking hook panics
// out of the Atomic call (or the request) after the commit; the later
// hooks do not run.
func OnCommit(ctx context.Context, db *gorm.DB, fn func()) {
	if _, st, ok := resolve(ctx); ok && st != nil {
		st.add(fn)
		return
	}
	if db != nil {
		if _, st, ok := resolve(db.Statement.Context); ok && st != nil {
			st.add(fn)
			return
		}
	}
	fn()
}

// ForUpdate returns db with SELECT … FOR UPDATE row locks on PostgreSQL,
// like Django's select_for_update, and db unchanged on SQLite, which has
// no row locks: there a write locks the whole database until commit, so
// lock-then-update still cannot interleave (a competing writer waits for
// busy_timeout, then fails with "database is locked"). Use it inside
// Atomic or AtomicRequests; outside a transaction the lock ends with the
// statement.
func ForUpdate(db *gorm.DB) *gorm.DB {
	if db.Dialector != nil && db.Dialector.Name() == "postgres" {
		return db.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
	}
	return db
}

// requestTx is the transaction of one request under AtomicRequests, begun
// on first use.
type requestTx struct {
	db  *gorm.DB
	ctx context.Context

	mu   sync.Mutex
	tx   *gorm.DB
	st   *txState
	off  bool // NonAtomic view
	done bool // committed or rolled back
}

// handle returns the transaction, beginning it, or the autocommit handle
// when the view is NonAtomic or the transaction has ended.
func (rt *requestTx) handle() (*gorm.DB, *txState) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.off || rt.done {
		return rt.db.WithContext(rt.ctx), nil
	}
	if rt.tx == nil {
		rt.tx = rt.db.WithContext(rt.ctx).Begin()
		rt.st = &txState{}
	}
	return rt.tx, rt.st
}

// end commits or rolls back once and returns the commit error; the
// hooks run after a successful commit, outside the lock.
func (rt *requestTx) end(commit bool) error {
	rt.mu.Lock()
	if rt.done {
		rt.mu.Unlock()
		return nil
	}
	rt.done = true
	tx, st := rt.tx, rt.st
	rt.mu.Unlock()
	if tx == nil {
		return nil
	}
	if tx.Error != nil { // Begin failed; the view saw the error.
		return nil
	}
	if !commit {
		tx.Rollback()
		return nil
	}
	if err := tx.Commit().Error; err != nil {
		return err
	}
	st.finish()
	return nil
}

// AtomicRequests returns middleware giving each request a transaction on
// db, like Django's ATOMIC_REQUESTS: views reach it with DB(r.Context(),
// …), and Atomic inside it nests as a savepoint. The transaction begins on
// the first DB call, so requests that touch no database hold no
// connection. It commits when the view sends a status below 400 — as the
// header is written, before the client sees success, so that a failed
// commit renders a 500 through respond.Error instead (what the view
// writes after that is discarded) — or when the view returns without
// writing. It rolls back when the status is 400 or more (when the view
// returns, so everything the view did is undone) and when the view panics
// (the panic then continues). Statements after a commit run in
// autocommit. OnCommit hooks run after the commit. Wrap views that must
// manage their own transactions with NonAtomic. The middleware is safe
// for concurrent use.
func AtomicRequests(db *gorm.DB) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rt := &requestTx{db: db}
			ctx := context.WithValue(r.Context(), ctxKey{}, &binding{rt: rt})
			rt.ctx = ctx
			r = r.WithContext(ctx)
			sw := &statusWriter{ResponseWriter: w, rt: rt, r: r}
			panicked := true
			defer func() {
				if panicked {
					_ = rt.end(false)
					return // the panic continues
				}
				if sw.status == 0 {
					if err := rt.end(true); err != nil {
						respond.Error(w, r, err)
					}
					return
				}
				_ = rt.end(false) // status >= 400, or already committed
			}()
			next.ServeHTTP(sw, r)
			panicked = false
		})
	}
}

// NonAtomic marks h as a view that runs outside the AtomicRequests
// transaction, like Django's non_atomic_requests: DB then returns the
// autocommit handle and Atomic begins transactions of its own. It must
// run before the view's first DB call (statements already run in the
// request's transaction stay in it, and commit with the request's status).
func NonAtomic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, _ := r.Context().Value(ctxKey{}).(*binding); b != nil && b.rt != nil {
			b.rt.mu.Lock()
			if b.rt.tx == nil {
				b.rt.off = true
			}
			b.rt.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

// statusWriter records the status and commits the request's transaction
// before a success status reaches the client.
type statusWriter struct {
	http.ResponseWriter
	rt     *requestTx
	r      *http.Request
	status int
	failed bool // the commit failed; the 500 is written
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status != 0 || w.failed {
		return
	}
	if code >= 100 && code < 200 { // informational: not the final status
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
	if code < 400 {
		if err := w.rt.end(true); err != nil {
			w.failed = true
			respond.Error(w.ResponseWriter, w.r, err)
			return
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return 0, errCommitFailed
	}
	return w.ResponseWriter.Write(p)
}

// Flush sends the header (committing first) and flushes.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var errCommitFailed = errors.New("orm: transaction commit failed; response discarded")
