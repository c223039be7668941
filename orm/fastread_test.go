package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

// fastKinds has a field of every kind the fast read path scans itself.
type fastKinds struct {
	gorm.Model
	Count    int
	Small    int16
	Big      uint64
	Name     string `gorm:"size:100"`
	Active   bool
	Score    float64
	Ratio    float32
	Seen     time.Time
	Nickname *string
	Age      *int32
	Blob     []byte
	Label    string `gorm:"column:the_label;size:50"`
	Note     sql.NullString
	Status   fastStatus `gorm:"size:20"`
	Skipped  string     `gorm:"-"`
}

// fastStatus is a named string type, scanned as a string.
type fastStatus string

// hooked has an AfterFind hook, which only gorm's path runs.
type hooked struct {
	ID    int64
	Name  string
	Found string `gorm:"-"`
}

func (h *hooked) AfterFind(*gorm.DB) error {
	h.Found = "after find: " + h.Name
	return nil
}

// lastQuery returns the SQL of the last "orm: query" record in logs.
func lastQuery(t *testing.T, logs *djinntest.Logs) string {
	t.Helper()
	sql := ""
	for _, rec := range logs.Records(t) {
		if rec["msg"] == "orm: query" {
			sql, _ = rec["sql"].(string)
		}
	}
	return sql
}

// fastSQL reports whether a logged statement is the fast path's: columns
// named, no "SELECT *".
func fastSQL(sql string) bool {
	return strings.HasPrefix(sql, "SELECT ") && !strings.HasPrefix(sql, "SELECT *")
}

func TestGetFastPathMatchesGorm(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		logger, logs := djinntest.NewLogs()
		db := open(t, url, logger, nil)
		if err := db.AutoMigrate(&fastKinds{}); err != nil {
			t.Fatal(err)
		}
		nick, age := "nick", int32(42)
		rows := []fastKinds{
			{Count: -7, Small: 300, Big: 1 << 40, Name: "full <é>", Active: true, Score: 3.25, Ratio: 0.5,
				Seen: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), Nickname: &nick, Age: &age,
				Blob: []byte{0, 1, 2, 255}, Label: "custom column", Note: sql.NullString{String: "n", Valid: true}, Status: "open"},
			{Name: "zero values"},
		}
		for i := range rows {
			if err := db.Create(&rows[i]).Error; err != nil {
				t.Fatal(err)
			}
		}
		// NULL in columns of non-pointer fields: gorm reads the zero value.
		if err := db.Exec("INSERT INTO fast_kinds (count, name, active, score, seen, the_label) VALUES (NULL, NULL, NULL, NULL, NULL, NULL)").Error; err != nil {
			t.Fatal(err)
		}
		ids := []uint{rows[0].ID, rows[1].ID, rows[1].ID + 1}
		for _, id := range ids {
			var want fastKinds
			if err := db.WithContext(t.Context()).Take(&want, id).Error; err != nil {
				t.Fatalf("Take(%d): %v", id, err)
			}
			got, err := orm.Get[fastKinds](t.Context(), db, id)
			if err != nil {
				t.Fatalf("Get(%d): %v", id, err)
			}
			if diff := cmp.Diff(want, *got); diff != "" {
				t.Errorf("Get(%d) differs from gorm's Take (-gorm +Get):\n%s", id, diff)
			}
			if sql := lastQuery(t, logs); !fastSQL(sql) || !strings.Contains(sql, "LIMIT 1") {
				t.Errorf("Get(%d) logged %q; want the fast path's SELECT of named columns", id, sql)
			}
		}
		if got, _ := orm.Get[fastKinds](t.Context(), db, rows[0].ID); got == nil || got.Seen.IsZero() || *got.Age != 42 || string(got.Blob) != "\x00\x01\x02\xff" {
			t.Errorf("Get(%d) = %+v; want the row as created", rows[0].ID, got)
		}

		var want []fastKinds
		if err := db.WithContext(t.Context()).Find(&want).Error; err != nil {
			t.Fatal(err)
		}
		got, err := orm.All[fastKinds](t.Context(), db)
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		if len(got) != 3 {
			t.Errorf("All returned %d rows; want 3", len(got))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("All differs from gorm's Find (-gorm +All):\n%s", diff)
		}
		if sql := lastQuery(t, logs); !fastSQL(sql) {
			t.Errorf("All logged %q; want the fast path's SELECT of named columns", sql)
		}
	})
}

func TestGetFastPathErrors(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := openEntries(t, url)
		e := entry{Name: "a", N: 1}
		if err := db.Create(&e).Error; err != nil {
			t.Fatal(err)
		}

		got, err := orm.Get[entry](t.Context(), db, e.ID+100)
		var oe *orm.Error
		if got != nil || !errors.Is(err, orm.ErrNotFound) || !errors.As(err, &oe) || oe.Table != "entries" {
			t.Errorf("Get(missing) = %+v, %#v; want nil, an *orm.Error of Kind ErrNotFound with Table %q", got, err, "entries")
		}
		if code := respond.Status(err); code != http.StatusNotFound {
			t.Errorf("respond.Status(%v) = %d; want 404", err, code)
		}

		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if got, err := orm.Get[entry](ctx, db, e.ID); got != nil || !errors.Is(err, context.Canceled) {
			t.Errorf("Get(cancelled context) = %+v, %v; want nil, context.Canceled", got, err)
		}
		if got, err := orm.All[entry](ctx, db); got != nil || !errors.Is(err, context.Canceled) {
			t.Errorf("All(cancelled context) = %+v, %v; want nil, context.Canceled", got, err)
		}

		// A handle with conditions of its own is read by gorm, with them.
		if got, err := orm.Get[entry](t.Context(), db.Where("name = ?", "other"), e.ID); got != nil || !errors.Is(err, orm.ErrNotFound) {
			t.Errorf("Get(db.Where(name = other), %d) = %+v, %v; want nil, ErrNotFound", e.ID, got, err)
		}
		scoped := db.Scopes(func(d *gorm.DB) *gorm.DB { return d.Where("n = ?", 2) })
		if got, err := orm.Get[entry](t.Context(), scoped, e.ID); got != nil || !errors.Is(err, orm.ErrNotFound) {
			t.Errorf("Get(scoped to n = 2, %d) = %+v, %v; want nil, ErrNotFound", e.ID, got, err)
		}

		if err := db.Exec("DELETE FROM entries").Error; err != nil {
			t.Fatal(err)
		}
		if got, err := orm.All[entry](t.Context(), db); err != nil || got == nil || len(got) != 0 {
			t.Errorf("All(empty table) = %#v, %v; want an empty slice, nil", got, err)
		}
	})
}

func TestGetFastPathInAtomic(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		logger, logs := djinntest.NewLogs()
		db := open(t, url, logger, nil)
		if err := db.AutoMigrate(&entry{}); err != nil {
			t.Fatal(err)
		}
		err := orm.Atomic(t.Context(), db, func(tx *gorm.DB) error {
			e := entry{Name: "uncommitted", N: 5}
			if err := tx.Create(&e).Error; err != nil {
				return err
			}
			got, err := orm.Get[entry](t.Context(), tx, e.ID)
			if err != nil || got.Name != "uncommitted" {
				t.Errorf("Get(tx, %d) inside Atomic = %+v, %v; want the uncommitted row", e.ID, got, err)
			}
			if sql := lastQuery(t, logs); !fastSQL(sql) {
				t.Errorf("Get inside Atomic logged %q; want the fast path", sql)
			}
			all, err := orm.All[entry](t.Context(), tx)
			if err != nil || len(all) != 1 || all[0].Name != "uncommitted" {
				t.Errorf("All(tx) inside Atomic = %+v, %v; want the uncommitted row", all, err)
			}
			return errors.New("roll back")
		})
		if err == nil || err.Error() != "roll back" {
			t.Fatalf("Atomic = %v; want the block's error", err)
		}
		if all, err := orm.All[entry](t.Context(), db); err != nil || len(all) != 0 {
			t.Errorf("All after the rollback = %+v, %v; want no rows", all, err)
		}
	})
}

func TestGetFastPathSoftDelete(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := open(t, url, nil, nil)
		if err := db.AutoMigrate(&fastKinds{}); err != nil {
			t.Fatal(err)
		}
		kept, gone := fastKinds{Name: "kept"}, fastKinds{Name: "gone"}
		for _, r := range []*fastKinds{&kept, &gone} {
			if err := db.Create(r).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Delete(&gone).Error; err != nil {
			t.Fatal(err)
		}
		if got, err := orm.Get[fastKinds](t.Context(), db, gone.ID); got != nil || !errors.Is(err, orm.ErrNotFound) {
			t.Errorf("Get(soft-deleted %d) = %+v, %v; want nil, ErrNotFound", gone.ID, got, err)
		}
		if got, err := orm.Get[fastKinds](t.Context(), db.Unscoped(), gone.ID); err != nil || got.Name != "gone" {
			t.Errorf("Get(db.Unscoped(), %d) = %+v, %v; want the soft-deleted row", gone.ID, got, err)
		}
		all, err := orm.All[fastKinds](t.Context(), db)
		if err != nil || len(all) != 1 || all[0].Name != "kept" {
			t.Errorf("All = %+v, %v; want only %q", all, err, "kept")
		}
	})
}

func TestGetFastPathFallsBackForHooks(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		logger, logs := djinntest.NewLogs()
		db := open(t, url, logger, nil)
		if err := db.AutoMigrate(&hooked{}); err != nil {
			t.Fatal(err)
		}
		h := hooked{Name: "x"}
		if err := db.Create(&h).Error; err != nil {
			t.Fatal(err)
		}
		got, err := orm.Get[hooked](t.Context(), db, h.ID)
		if err != nil || got.Found != "after find: x" {
			t.Errorf("Get(hooked %d) = %+v, %v; want AfterFind to have run", h.ID, got, err)
		}
		if sql := lastQuery(t, logs); fastSQL(sql) {
			t.Errorf("Get(hooked) logged %q; want gorm's SELECT *", sql)
		}
		all, err := orm.All[hooked](t.Context(), db)
		if err != nil || len(all) != 1 || all[0].Found != "after find: x" {
			t.Errorf("All[hooked] = %+v, %v; want AfterFind to have run", all, err)
		}
	})
}

func TestGetFastPathFallsBackForCallbacks(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := openEntries(t, url)
		e := entry{Name: "a", N: 1}
		if err := db.Create(&e).Error; err != nil {
			t.Fatal(err)
		}
		// A plugin's query callback (tracing, replicas) must keep seeing
		// every read.
		seen := 0
		if err := db.Callback().Query().Before("gorm:query").Register("test:count", func(*gorm.DB) { seen++ }); err != nil {
			t.Fatal(err)
		}
		if got, err := orm.Get[entry](t.Context(), db, e.ID); err != nil || got.Name != "a" {
			t.Fatalf("Get(%d) = %+v, %v; want %q", e.ID, got, err, "a")
		}
		if _, err := orm.All[entry](t.Context(), db); err != nil {
			t.Fatal(err)
		}
		if seen != 2 {
			t.Errorf("the registered query callback ran %d times for Get and All; want 2", seen)
		}
	})
}

// concurrentRow is read only by TestGetFastPathConcurrent, so that its
// read plan is built while goroutines race for it.
type concurrentRow struct {
	ID   int64
	Name string
}

func TestGetFastPathConcurrent(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := open(t, url, nil, nil)
		if err := db.AutoMigrate(&concurrentRow{}); err != nil {
			t.Fatal(err)
		}
		rows := []concurrentRow{{Name: "a"}, {Name: "b"}, {Name: "c"}}
		if err := db.Create(&rows).Error; err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 8)
		for g := range 8 {
			go func() {
				for i := range 20 {
					r := rows[(g+i)%len(rows)]
					got, err := orm.Get[concurrentRow](t.Context(), db, r.ID)
					if err == nil && got.Name != r.Name {
						err = errors.New("Get(" + r.Name + ") read " + got.Name)
					}
					if err == nil {
						var all []concurrentRow
						if all, err = orm.All[concurrentRow](t.Context(), db); err == nil && len(all) != len(rows) {
							err = errors.New("All read a wrong number of rows")
						}
					}
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
}
