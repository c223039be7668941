package orm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

func TestPaginate(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := openEntries(t, url)
		items := make([]entry, 25)
		for i := range items {
			items[i] = entry{Name: fmt.Sprintf("e%02d", i), N: i}
		}
		if err := orm.BulkCreate(t.Context(), db, items, 10); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			page, perPage      int
			wantFirst          string
			wantLen, wantPages int
			wantNext, wantPrev bool
			wantPerPage        int
		}{
			{1, 10, "e00", 10, 3, true, false, 10},
			{2, 10, "e10", 10, 3, true, true, 10},
			{3, 10, "e20", 5, 3, false, true, 10},
			{1, 0, "e00", 1, 25, true, false, 1},
			{1, 5000, "e00", 25, 1, false, false, orm.MaxPerPage},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("page %d of %d", tt.page, tt.perPage), func(t *testing.T) {
				p, err := orm.Paginate[entry](t.Context(), db, tt.page, tt.perPage)
				if err != nil {
					t.Fatalf("Paginate(%d, %d): %v", tt.page, tt.perPage, err)
				}
				if len(p.Items) != tt.wantLen || p.Items[0].Name != tt.wantFirst || p.Total != 25 ||
					p.NumPages != tt.wantPages || p.HasNext != tt.wantNext || p.HasPrevious != tt.wantPrev ||
					p.Number != tt.page || p.PerPage != tt.wantPerPage {
					t.Errorf("Paginate(%d, %d) = %d items from %q, total %d, %d pages, next %v, prev %v, per page %d; want %d from %q, 25, %d, %v, %v, %d",
						tt.page, tt.perPage, len(p.Items), p.Items[0].Name, p.Total, p.NumPages, p.HasNext, p.HasPrevious, p.PerPage,
						tt.wantLen, tt.wantFirst, tt.wantPages, tt.wantNext, tt.wantPrev, tt.wantPerPage)
				}
			})
		}
		for _, page := range []int{0, -1, 4} {
			_, err := orm.Paginate[entry](t.Context(), db, page, 10)
			var pe *orm.PageError
			if !errors.As(err, &pe) || !errors.Is(err, orm.ErrNotFound) || respond.Status(err) != http.StatusNotFound {
				t.Errorf("Paginate(page %d) = %v; want a *PageError rendering 404", page, err)
			}
		}
		// Filters and order from db apply to count and page alike.
		p, err := orm.Paginate[entry](t.Context(), db.Where("n >= ?", 20).Order("n DESC"), 1, 3)
		if err != nil || p.Total != 5 || p.NumPages != 2 || p.Items[0].Name != "e24" {
			t.Errorf("Paginate(filtered, ordered) = %+v, %v; want 5 rows from e24", p, err)
		}
		db.Exec("DELETE FROM entries")
		p, err = orm.Paginate[entry](t.Context(), db, 1, 10)
		if err != nil || len(p.Items) != 0 || p.NumPages != 1 {
			t.Errorf("Paginate(empty table, 1) = %+v, %v; want an empty first page", p, err)
		}
	})
}

func TestKeyset(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := openEntries(t, url)
		items := make([]entry, 7)
		for i := range items {
			items[i] = entry{Name: fmt.Sprintf("k%d", i), N: i}
		}
		if err := orm.BulkCreate(t.Context(), db, items, 0); err != nil {
			t.Fatal(err)
		}
		var got []string
		var after any
		for range 10 { // bounded: 7 rows at 3 a page
			page, err := orm.Keyset[entry](t.Context(), db, "n", after, 3)
			if err != nil {
				t.Fatalf("Keyset(n, %v): %v", after, err)
			}
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				got = append(got, e.Name)
			}
			after = page[len(page)-1].N
		}
		if want := "[k0 k1 k2 k3 k4 k5 k6]"; fmt.Sprint(got) != want {
			t.Errorf("Keyset pages = %v; want %s", got, want)
		}
		desc, err := orm.Keyset[entry](t.Context(), db, "-id", items[3].ID, 2)
		if err != nil || len(desc) != 2 || desc[0].Name != "k2" || desc[1].Name != "k1" {
			t.Errorf("Keyset(-id, after k3) = %+v, %v; want k2, k1", desc, err)
		}
		bad := []string{"id; DROP TABLE entries", "nope", "N", "n DESC", "entries.id", "(SELECT 1)", "--", ""}
		for _, col := range bad {
			t.Run(col, func(t *testing.T) {
				if rows, err := orm.Keyset[entry](t.Context(), db, col, nil, 3); err == nil {
					t.Errorf("Keyset(%q) = %v, nil; want an unknown-column error", col, rows)
				}
			})
		}
		var n int64
		if err := db.Model(&entry{}).Count(&n).Error; err != nil || n != 7 {
			t.Errorf("rows after the attempts = %d, %v; want 7 (table intact)", n, err)
		}
	})
}

func ExamplePaginate() {
	// An in-memory SQLite database lives as long as the handle.
	db, err := orm.Open(context.Background(), core.DatabaseSettings{URL: "sqlite:///:memory:"}, nil)
	if err != nil {
		panic(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	type Article struct {
		ID    int64
		Title string
	}
	db.AutoMigrate(&Article{})
	for i := 1; i <= 12; i++ {
		db.Create(&Article{Title: fmt.Sprintf("post %d", i)})
	}

	ctx := context.Background()
	p, _ := orm.Paginate[Article](ctx, db, 3, 5)
	fmt.Println(len(p.Items), p.Items[0].Title, p.Total, p.NumPages, p.HasNext, p.HasPrevious)

	_, err = orm.Paginate[Article](ctx, db, 4, 5)
	fmt.Println(err, respond.Status(err))
	// Output:
	// 2 post 11 12 3 false true
	// orm: page 4 out of range (1 to 3) 404
}
