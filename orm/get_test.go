package orm_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

func TestGet(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := openEntries(t, url)
		for _, e := range []entry{{Name: "a", N: 1}, {Name: "b", N: 2}, {Name: "c", N: 2}} {
			if err := db.Create(&e).Error; err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name     string
			conds    []any
			want     string // Name of the row, "" for an error
			wantErr  error
			wantCode int
		}{
			{"by primary key", []any{1}, "a", nil, 0},
			{"by query", []any{"name = ?", "b"}, "b", nil, 0},
			{"by map", []any{map[string]any{"n": 1}}, "a", nil, 0},
			{"none", []any{"name = ?", "zzz"}, "", orm.ErrNotFound, http.StatusNotFound},
			{"injection as a value", []any{"name = ?", "a' OR '1'='1"}, "", orm.ErrNotFound, http.StatusNotFound},
			{"several", []any{"n = ?", 2}, "", orm.ErrMultiple, http.StatusInternalServerError},
			{"no conditions, several rows", nil, "", orm.ErrMultiple, http.StatusInternalServerError},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := orm.Get[entry](t.Context(), db, tt.conds...)
				if tt.wantErr == nil {
					if err != nil || got == nil || got.Name != tt.want {
						t.Fatalf("Get(%v) = %+v, %v; want %q, nil", tt.conds, got, err, tt.want)
					}
					return
				}
				if !errors.Is(err, tt.wantErr) || got != nil {
					t.Fatalf("Get(%v) = %+v, %v; want nil, %v", tt.conds, got, err, tt.wantErr)
				}
				var oe *orm.Error
				if !errors.As(err, &oe) || oe.Table != "entries" {
					t.Errorf("Get(%v) error %#v; want an *orm.Error with Table %q", tt.conds, err, "entries")
				}
				if code := respond.Status(err); code != tt.wantCode {
					t.Errorf("respond.Status(%v) = %d; want %d", err, code, tt.wantCode)
				}
			})
		}
	})
}

func TestBulkCreate(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := openEntries(t, url)
		items := make([]entry, 2500)
		for i := range items {
			items[i] = entry{Name: fmt.Sprintf("row%04d", i), N: i}
		}
		if err := orm.BulkCreate(t.Context(), db, items, 500); err != nil {
			t.Fatalf("BulkCreate(2500 rows, 500): %v", err)
		}
		var n, sum int64
		db.Model(&entry{}).Count(&n)
		db.Model(&entry{}).Select("SUM(n)").Scan(&sum)
		if n != 2500 || sum != 2499*2500/2 {
			t.Errorf("after BulkCreate: %d rows, sum %d; want 2500, %d", n, sum, 2499*2500/2)
		}
		// A duplicate in the last batch inserts none of the batches.
		more := make([]entry, 1200)
		for i := range more {
			more[i] = entry{Name: fmt.Sprintf("new%04d", i)}
		}
		more[1100].Name = "row0000"
		err := orm.BulkCreate(t.Context(), db, more, 500)
		if !errors.Is(err, orm.ErrDuplicate) {
			t.Errorf("BulkCreate(with a duplicate) = %v; want ErrDuplicate", err)
		}
		db.Model(&entry{}).Count(&n)
		if n != 2500 {
			t.Errorf("rows after the failed BulkCreate = %d; want 2500 (all or nothing)", n)
		}
		if err := orm.BulkCreate[entry](t.Context(), db, nil, 0); err != nil {
			t.Errorf("BulkCreate(nil) = %v; want nil", err)
		}
	})
}
