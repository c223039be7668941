package orm_test

import (
	"testing"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

// entry is the model of the helper tests (get, atomic, paginate).
type entry struct {
	ID   int64
	Name string `gorm:"size:100;uniqueIndex"`
	N    int
}

// openEntries opens url with a table of entries, closed at the end.
func openEntries(t *testing.T, url string) *gorm.DB {
	t.Helper()
	s := core.Defaults().Database
	s.URL = url
	s.MaxOpenConns = 4
	db, err := orm.Open(t.Context(), s, nil)
	if err != nil {
		t.Fatalf("Open(%q): %v", url, err)
	}
	t.Cleanup(func() {
		sqlDB, _ := db.DB()
		_ = sqlDB.Close()
	})
	if err := db.AutoMigrate(&entry{}); err != nil {
		t.Fatalf("AutoMigrate: %v", err)
	}
	return db
}

// names returns the entry names in the table, by id, read outside any
// transaction.
func names(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var got []string
	if err := db.Session(&gorm.Session{NewDB: true}).Model(&entry{}).Order("id").Pluck("name", &got).Error; err != nil {
		t.Fatalf("read names: %v", err)
	}
	return got
}

func TestDB(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := openEntries(t, url)
		ctx := t.Context()
		if got := orm.DB(ctx, db); got.Statement.Context != ctx {
			t.Errorf("DB(ctx without handle) has another context; want fallback.WithContext(ctx)")
		}
		// A handle bound with WithDB is what DB returns: here a
		// transaction whose rows the fallback does not see before commit.
		tx := db.Begin()
		defer tx.Rollback()
		bound := orm.WithDB(ctx, tx)
		if err := orm.DB(bound, db).Create(&entry{Name: "in-tx"}).Error; err != nil {
			t.Fatal(err)
		}
		var inside, outside int64
		orm.DB(bound, db).Model(&entry{}).Count(&inside)
		if inside != 1 {
			t.Errorf("count through DB(WithDB(tx)) = %d; want 1", inside)
		}
		if tx.Rollback().Error != nil {
			t.Fatal("rollback failed")
		}
		db.Model(&entry{}).Count(&outside)
		if outside != 0 {
			t.Errorf("count after rollback = %d; want 0", outside)
		}
		if got := orm.DB(orm.WithDB(ctx, nil), db); got.Statement.ConnPool != db.Statement.ConnPool {
			t.Errorf("DB(WithDB(ctx, nil), db) is not the fallback")
		}
	})
}
