package orm_test

import (
	"log/slog"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

type Note struct {
	ID   uint
	Text string
}

// TestReadReplicas uses two separate databases as "primary" and "replica"
// so that where a statement went shows in what it reads: reads come from
// the replica, writes and transactions go to the primary.
func TestReadReplicas(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(testing.TB) string
	}{
		{"sqlite", djinntest.SQLiteURL},
		{"postgres", djinntest.PostgresURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			primaryURL, replicaURL := tc.url(t), tc.url(t)
			seed := func(url, text string) {
				db, err := orm.Open(t.Context(), core.DatabaseSettings{URL: url}, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer closeTestDB(db)
				if err := db.AutoMigrate(&Note{}); err != nil {
					t.Fatal(err)
				}
				if err := db.Create(&Note{Text: text}).Error; err != nil {
					t.Fatal(err)
				}
			}
			seed(primaryURL, "on the primary")
			seed(replicaURL, "on the replica")

			db, err := orm.Open(t.Context(), core.DatabaseSettings{URL: primaryURL, ReplicaURLs: []string{replicaURL}}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer closeTestDB(db)
			var n Note
			if err := db.WithContext(t.Context()).First(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n.Text != "on the replica" {
				t.Errorf("read got %q; want the replica's row", n.Text)
			}
			if err := db.Create(&Note{Text: "written"}).Error; err != nil {
				t.Fatal(err)
			}
			var inTx []Note
			err = db.Transaction(func(tx *gorm.DB) error { return tx.Order("id").Find(&inTx).Error })
			if err != nil {
				t.Fatal(err)
			}
			if len(inTx) != 2 || inTx[1].Text != "written" {
				t.Errorf("read inside a transaction = %+v; want the primary's two rows", inTx)
			}
		})
	}
}

func TestReplicaErrorsNameTheSetting(t *testing.T) {
	primary := djinntest.SQLiteURL(t)
	tests := []struct {
		name, replica, want string
	}{
		{"other engine", "postgres://u:hunter2@127.0.0.1:1/x", "Database.ReplicaURLs[0]"},
		{"unreachable", "postgres://u:hunter2@127.0.0.1:1/x", "Database.ReplicaURLs[0]"},
		{"bad scheme", "mysql://u:hunter2@h/x", "Database.ReplicaURLs[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := primary
			if tt.name == "unreachable" {
				url = djinntest.PostgresURL(t)
			}
			_, err := orm.Open(t.Context(), core.DatabaseSettings{URL: url, ReplicaURLs: []string{tt.replica}}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Open = %v; want an error naming %s without the password", err, tt.want)
			}
		})
	}
}

func closeTestDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.Close()
	}
}
