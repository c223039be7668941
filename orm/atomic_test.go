package orm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

var errBoom = errors.New("boom")

func TestAtomic(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := openEntries(t, url)
		tests := []struct {
			name      string
			run       func(ctx context.Context, hook func(string) func()) error
			wantRows  []string
			wantHooks []string
			wantErr   error
			wantPanic bool
		}{
			{
				name: "commit",
				run: func(ctx context.Context, hook func(string) func()) error {
					return orm.Atomic(ctx, db, func(tx *gorm.DB) error {
						orm.OnCommit(ctx, tx, hook("h"))
						return tx.Create(&entry{Name: "a"}).Error
					})
				},
				wantRows: []string{"a"}, wantHooks: []string{"h"},
			},
			{
				name: "error rolls back and drops hooks",
				run: func(ctx context.Context, hook func(string) func()) error {
					return orm.Atomic(ctx, db, func(tx *gorm.DB) error {
						orm.OnCommit(ctx, tx, hook("h"))
						tx.Create(&entry{Name: "a"})
						return errBoom
					})
				},
				wantErr: errBoom,
			},
			{
				name: "panic rolls back and panics again",
				run: func(ctx context.Context, hook func(string) func()) error {
					return orm.Atomic(ctx, db, func(tx *gorm.DB) error {
						orm.OnCommit(ctx, tx, hook("h"))
						tx.Create(&entry{Name: "a"})
						panic("boom")
					})
				},
				wantPanic: true,
			},
			{
				name: "nested savepoint rolled back, outer commits",
				run: func(ctx context.Context, hook func(string) func()) error {
					return orm.Atomic(ctx, db, func(tx *gorm.DB) error {
						tx.Create(&entry{Name: "outer"})
						orm.OnCommit(ctx, tx, hook("outer"))
						err := orm.Atomic(ctx, tx, func(tx *gorm.DB) error {
							tx.Create(&entry{Name: "inner"})
							orm.OnCommit(ctx, tx, hook("inner"))
							return errBoom
						})
						if !errors.Is(err, errBoom) {
							return fmt.Errorf("nested Atomic = %v; want boom", err)
						}
						return tx.Create(&entry{Name: "after"}).Error
					})
				},
				wantRows: []string{"outer", "after"}, wantHooks: []string{"outer"},
			},
			{
				name: "nested via WithDB, hooks wait for the outer commit",
				run: func(ctx context.Context, hook func(string) func()) error {
					var early []string
					err := orm.Atomic(ctx, db, func(tx *gorm.DB) error {
						rctx := orm.WithDB(ctx, tx)
						// db, not tx: the context makes it a savepoint.
						err := orm.Atomic(rctx, db, func(tx *gorm.DB) error {
							orm.OnCommit(rctx, nil, hook("inner"))
							return tx.Create(&entry{Name: "inner"}).Error
						})
						early = names(t, db) // another connection: nothing committed yet
						return err
					})
					if len(early) != 0 {
						return fmt.Errorf("rows visible before the outer commit: %v", early)
					}
					return err
				},
				wantRows: []string{"inner"}, wantHooks: []string{"inner"},
			},
			{
				name: "nested success, outer error drops both",
				run: func(ctx context.Context, hook func(string) func()) error {
					return orm.Atomic(ctx, db, func(tx *gorm.DB) error {
						if err := orm.Atomic(ctx, tx, func(tx *gorm.DB) error {
							orm.OnCommit(ctx, tx, hook("inner"))
							return tx.Create(&entry{Name: "inner"}).Error
						}); err != nil {
							return err
						}
						return errBoom
					})
				},
				wantErr: errBoom,
			},
			{
				name: "duplicate in nested block recovers on postgres too",
				run: func(ctx context.Context, hook func(string) func()) error {
					return orm.Atomic(ctx, db, func(tx *gorm.DB) error {
						tx.Create(&entry{Name: "x"})
						err := orm.Atomic(ctx, tx, func(tx *gorm.DB) error {
							return tx.Create(&entry{Name: "x"}).Error
						})
						if !errors.Is(err, orm.ErrDuplicate) {
							return fmt.Errorf("nested duplicate = %v; want ErrDuplicate", err)
						}
						return tx.Create(&entry{Name: "y"}).Error
					})
				},
				wantRows: []string{"x", "y"},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db.Exec("DELETE FROM entries")
				var hooks []string
				hook := func(s string) func() { return func() { hooks = append(hooks, s) } }
				var err error
				panicked := func() (p bool) {
					defer func() { p = recover() != nil }()
					err = tt.run(t.Context(), hook)
					return false
				}()
				if panicked != tt.wantPanic {
					t.Errorf("panicked = %v; want %v", panicked, tt.wantPanic)
				}
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
					t.Errorf("Atomic = %v; want %v", err, tt.wantErr)
				}
				if diff := cmp.Diff(tt.wantRows, names(t, db), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("rows after Atomic (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.wantHooks, hooks, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("hooks run (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestOnCommitOutsideTransactionRunsNow(t *testing.T) {
	ran := false
	orm.OnCommit(t.Context(), nil, func() { ran = true })
	if !ran {
		t.Errorf("OnCommit outside a transaction did not run the hook")
	}
}

func TestAtomicRequests(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := openEntries(t, url)
		create := func(name string, status int) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				ctx := r.Context()
				if err := orm.DB(ctx, db).Create(&entry{Name: name}).Error; err != nil {
					t.Errorf("create %q: %v", name, err)
				}
				// Atomic inside the request nests as a savepoint.
				err := orm.Atomic(ctx, db, func(tx *gorm.DB) error {
					return tx.Create(&entry{Name: name + "-nested"}).Error
				})
				if err != nil {
					t.Errorf("nested Atomic: %v", err)
				}
				orm.OnCommit(ctx, nil, func() { w.Header().Set("X-Hook", "ran") })
				if status == 0 {
					panic("view panics")
				}
				w.WriteHeader(status)
				fmt.Fprint(w, "done")
			}
		}
		tests := []struct {
			name       string
			view       http.Handler
			wantStatus int
			wantPanic  bool
			wantRows   []string
			wantHook   string
		}{
			{"200 commits", create("ok", 200), 200, false, []string{"ok", "ok-nested"}, "ran"},
			{"302 commits", create("moved", 302), 302, false, []string{"moved", "moved-nested"}, "ran"},
			{"404 rolls back", create("nf", 404), 404, false, nil, ""},
			{"500 rolls back", create("err", 500), 500, false, nil, ""},
			{"panic rolls back", create("p", 0), 0, true, nil, ""},
			{"implicit 200 commits", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				orm.DB(r.Context(), db).Create(&entry{Name: "quiet"})
			}), 200, false, []string{"quiet"}, ""},
			{"NonAtomic 500 keeps rows", orm.NonAtomic(create("na", 500)), 500, false, []string{"na", "na-nested"}, "ran"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db.Exec("DELETE FROM entries")
				h := orm.AtomicRequests(db)(tt.view)
				rec := httptest.NewRecorder()
				panicked := func() (p bool) {
					defer func() { p = recover() != nil }()
					h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
					return false
				}()
				if panicked != tt.wantPanic {
					t.Errorf("panicked = %v; want %v", panicked, tt.wantPanic)
				}
				if !tt.wantPanic && rec.Code != tt.wantStatus {
					t.Errorf("status = %d; want %d", rec.Code, tt.wantStatus)
				}
				if diff := cmp.Diff(tt.wantRows, names(t, db), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("rows after the request (-want +got):\n%s", diff)
				}
				if got := rec.Header().Get("X-Hook"); got != tt.wantHook {
					t.Errorf("X-Hook = %q; want %q (OnCommit ran before the header)", got, tt.wantHook)
				}
			})
		}
	})
}

func TestAtomicRequestsCommitFailureIs500(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := openEntries(t, url)
		view := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tx := orm.DB(r.Context(), db)
			tx.Create(&entry{Name: "a"})
			tx.Rollback() // the commit that follows fails
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, "created")
		})
		rec := httptest.NewRecorder()
		orm.AtomicRequests(db)(view).ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("status after a failed commit = %d; want 500", rec.Code)
		}
		if got := names(t, db); len(got) != 0 {
			t.Errorf("rows = %v; want none", got)
		}
	})
}

func TestForUpdate(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := openEntries(t, url)
		db.Create(&entry{Name: "a", N: 1})
		err := orm.Atomic(t.Context(), db, func(tx *gorm.DB) error {
			var e entry
			stmt := orm.ForUpdate(tx).Session(&gorm.Session{DryRun: true}).First(&e).Statement
			wantLock := db.Dialector.Name() == "postgres"
			if got := strings.Contains(stmt.SQL.String(), "FOR UPDATE"); got != wantLock {
				t.Errorf("ForUpdate SQL %q has FOR UPDATE = %v; want %v", stmt.SQL.String(), got, wantLock)
			}
			if err := orm.ForUpdate(tx).First(&e).Error; err != nil {
				return err
			}
			return tx.Model(&e).Update("n", e.N+1).Error
		})
		var got entry
		db.First(&got)
		if err != nil || got.N != 2 {
			t.Errorf("lock-then-update = %v, n = %d; want nil, 2", err, got.N)
		}
	})
}

func ExampleAtomic() {
	// An in-memory SQLite database lives as long as the handle.
	db, err := orm.Open(context.Background(), core.DatabaseSettings{URL: "sqlite:///:memory:"}, nil)
	if err != nil {
		panic(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	type Account struct {
		ID      int64
		Balance int
	}
	db.AutoMigrate(&Account{})
	db.Create(&Account{ID: 1, Balance: 100})

	ctx := context.Background()
	err = orm.Atomic(ctx, db, func(tx *gorm.DB) error {
		tx.Model(&Account{ID: 1}).Update("balance", 50)
		orm.OnCommit(ctx, tx, func() { fmt.Println("never: rolled back") })
		return errors.New("insufficient funds")
	})
	var a Account
	db.First(&a, 1)
	fmt.Println(err, a.Balance)

	err = orm.Atomic(ctx, db, func(tx *gorm.DB) error {
		orm.OnCommit(ctx, tx, func() { fmt.Println("committed") })
		return tx.Model(&Account{ID: 1}).Update("balance", 70).Error
	})
	db.First(&a, 1)
	fmt.Println(err, a.Balance)
	// Output:
	// insufficient funds 100
	// committed
	// <nil> 70
}
