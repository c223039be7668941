package orm

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/djinntest"
)

// lengthQuestion has limits from a size tag, a type tag on a *string and a
// type tag on a []byte.
type lengthQuestion struct {
	ID           int64
	QuestionText string  `gorm:"size:200"`
	Note         *string `gorm:"type:varchar(10)"`
	Code         []byte  `gorm:"type:varchar(4)"`
}

func (lengthQuestion) TableName() string { return "polls_question" }

// lengthNote has no limit.
type lengthNote struct {
	ID   int64
	Body string
}

func (lengthNote) TableName() string { return "polls_note" }

// lengthText is another struct updating polls_question.
type lengthText struct {
	QuestionText string
}

var lengthSchema = []string{
	`CREATE TABLE polls_question (
		id INTEGER PRIMARY KEY,
		question_text VARCHAR(200) NOT NULL DEFAULT '',
		note VARCHAR(10),
		code VARCHAR(4))`,
	`CREATE TABLE polls_note (id INTEGER PRIMARY KEY, body VARCHAR(5) NOT NULL)`,
}

// openLength opens url with Open, registers the length check (a no-op
// once Open does it) and creates lengthSchema.
func openLength(t *testing.T, url string) *gorm.DB {
	t.Helper()
	s := core.Defaults().Database
	s.URL = url
	db, err := Open(t.Context(), s, nil)
	if err != nil {
		t.Fatalf("Open(%q) error: %v", url, err)
	}
	t.Cleanup(func() {
		sqlDB, _ := db.DB()
		_ = sqlDB.Close()
	})
	for range 2 { // registering twice is harmless
		if err := registerLengthCheck(db); err != nil {
			t.Fatalf("registerLengthCheck: %v", err)
		}
	}
	for _, stmt := range lengthSchema {
		if err := db.Exec(stmt).Error; err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestLengthCheck(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := openLength(t, url)
		sqlite := db.Dialector.Name() == "sqlite"
		ascii200 := strings.Repeat("q", 200)
		ascii201 := strings.Repeat("q", 201)
		e200 := strings.Repeat("é", 200)
		e201 := strings.Repeat("é", 201)
		long := "0123456789x"
		if err := db.Create(&lengthQuestion{ID: 1, QuestionText: "old"}).Error; err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name string
			do   func(db *gorm.DB) error
			// column is "" for a statement that must succeed.
			column string
			// n is the length the SQLite message reports, max the limit.
			n, max int
		}{
			{"create too long", func(db *gorm.DB) error {
				return db.Create(&lengthQuestion{ID: 10, QuestionText: ascii201}).Error
			}, "question_text", 201, 200},
			{"create multi-byte too long", func(db *gorm.DB) error {
				return db.Create(&lengthQuestion{ID: 11, QuestionText: e201}).Error
			}, "question_text", 201, 200},
			{"create *string from type tag", func(db *gorm.DB) error {
				return db.Create(&lengthQuestion{ID: 12, Note: &long}).Error
			}, "note", 11, 10},
			{"create []byte from type tag", func(db *gorm.DB) error {
				return db.Create(&lengthQuestion{ID: 13, Code: []byte("abcde")}).Error
			}, "code", 5, 4},
			{"create map", func(db *gorm.DB) error {
				return db.Model(&lengthQuestion{}).Create(map[string]any{"id": 14, "question_text": ascii201}).Error
			}, "question_text", 201, 200},
			{"create in one batch", func(db *gorm.DB) error {
				qs := []lengthQuestion{{ID: 20, QuestionText: "a"}, {ID: 21, QuestionText: ascii201}, {ID: 22, QuestionText: "c"}}
				return db.CreateInBatches(&qs, 10).Error
			}, "question_text", 201, 200},
			{"create pointers", func(db *gorm.DB) error {
				qs := []*lengthQuestion{{ID: 23, QuestionText: "a"}, {ID: 24, QuestionText: ascii201}}
				return db.Create(&qs).Error
			}, "question_text", 201, 200},
			{"BulkCreate in several batches", func(db *gorm.DB) error {
				qs := []lengthQuestion{{ID: 30}, {ID: 31}, {ID: 32}, {ID: 33, QuestionText: e201}, {ID: 34}}
				return BulkCreate(t.Context(), db, qs, 2)
			}, "question_text", 201, 200},
			{"Updates struct", func(db *gorm.DB) error {
				return db.Model(&lengthQuestion{ID: 1}).Updates(lengthQuestion{QuestionText: ascii201}).Error
			}, "question_text", 201, 200},
			{"Updates other struct", func(db *gorm.DB) error {
				return db.Model(&lengthQuestion{ID: 1}).Updates(lengthText{QuestionText: ascii201}).Error
			}, "question_text", 201, 200},
			{"Updates map by column", func(db *gorm.DB) error {
				return db.Model(&lengthQuestion{ID: 1}).Updates(map[string]any{"question_text": ascii201}).Error
			}, "question_text", 201, 200},
			{"Updates map by field", func(db *gorm.DB) error {
				return db.Model(&lengthQuestion{ID: 1}).Updates(map[string]any{"QuestionText": ascii201}).Error
			}, "question_text", 201, 200},
			{"Update column", func(db *gorm.DB) error {
				return db.Model(&lengthQuestion{ID: 1}).Update("question_text", e201).Error
			}, "question_text", 201, 200},
			{"Update *string", func(db *gorm.DB) error {
				return db.Model(&lengthQuestion{ID: 1}).Update("note", &long).Error
			}, "note", 11, 10},
			{"Save", func(db *gorm.DB) error {
				return db.Save(&lengthQuestion{ID: 1, QuestionText: ascii201}).Error
			}, "question_text", 201, 200},
			{"Omit skips the column", func(db *gorm.DB) error {
				return db.Model(&lengthQuestion{ID: 1}).Omit("question_text").Updates(map[string]any{"question_text": ascii201, "note": "n"}).Error
			}, "", 0, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := lengthRows(t, db)
				err := tt.do(db)
				if tt.column == "" {
					if err != nil {
						t.Fatalf("error = %v; want nil", err)
					}
					return
				}
				if !errors.Is(err, ErrTooLong) {
					t.Fatalf("error = %v; want errors.Is ErrTooLong", err)
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error = %v (%T); want an *orm.Error", err, err)
				}
				t.Logf("error: %v", err)
				if got := respond.Status(fmt.Errorf("view: %w", err)); got != 500 {
					t.Errorf("respond.Status = %d; want 500", got)
				}
				if !strings.Contains(err.Error(), "value too long") {
					t.Errorf("error %q does not say the value is too long", err)
				}
				if sqlite {
					if e.Table != "polls_question" || e.Column != tt.column {
						t.Errorf("Table, Column = %q, %q; want polls_question, %q", e.Table, e.Column, tt.column)
					}
					want := fmt.Sprintf(`orm: value too long for column (table "polls_question", column %q): value for polls_question.%s is %d characters; the column allows %d`,
						tt.column, tt.column, tt.n, tt.max)
					if err.Error() != want {
						t.Errorf("error = %q; want %q", err, want)
					}
				}
				if after := lengthRows(t, db); after != before {
					t.Errorf("rows after the failure:\n%s\nwant unchanged:\n%s", after, before)
				}
			})
		}

		// What passes: exactly at the limit, in characters not bytes.
		ok := []struct {
			name string
			do   func(db *gorm.DB) error
		}{
			{"create 200 ascii", func(db *gorm.DB) error {
				return db.Create(&lengthQuestion{ID: 100, QuestionText: ascii200, Note: new("0123456789"), Code: []byte("abcd")}).Error
			}},
			{"create 200 é", func(db *gorm.DB) error {
				return db.Create(&lengthQuestion{ID: 101, QuestionText: e200}).Error
			}},
			{"create slice at the limit", func(db *gorm.DB) error {
				return db.CreateInBatches([]lengthQuestion{{ID: 102, QuestionText: e200}, {ID: 103, QuestionText: ascii200}}, 1).Error
			}},
			{"Update 200 é", func(db *gorm.DB) error {
				return db.Model(&lengthQuestion{ID: 1}).Update("question_text", e200).Error
			}},
			{"Updates with an expression", func(db *gorm.DB) error {
				return db.Model(&lengthQuestion{ID: 100}).Update("note", gorm.Expr("?", "expr")).Error
			}},
		}
		for _, tt := range ok {
			if err := tt.do(db); err != nil {
				t.Errorf("%s: error = %v; want nil", tt.name, err)
			}
		}
		var got []lengthQuestion
		if err := db.Order("id").Find(&got, []int64{1, 100, 101, 102, 103}).Error; err != nil {
			t.Fatal(err)
		}
		want := map[int64]int{1: 200, 100: 200, 101: 200, 102: 200, 103: 200}
		if len(got) != len(want) {
			t.Fatalf("rows %v; want ids 1, 100, 101, 102, 103", got)
		}
		for _, q := range got {
			if n := utf8.RuneCountInString(q.QuestionText); n != want[q.ID] {
				t.Errorf("row %d has %d characters; want %d", q.ID, n, want[q.ID])
			}
		}
		if q := got[0]; q.QuestionText != e200 || q.Note == nil || *q.Note != "n" {
			t.Errorf("row 1 = %q, %v; want 200 é and note \"n\"", q.QuestionText, q.Note)
		}

		// A model without limits: the check lets anything through, and the
		// database has its say (Postgres enforces varchar(5), SQLite not).
		err := db.Create(&lengthNote{ID: 1, Body: "too long for five"}).Error
		if sqlite && err != nil {
			t.Errorf("create of an unlimited model on SQLite: %v; want nil", err)
		}
		if !sqlite && !errors.Is(err, ErrTooLong) {
			t.Errorf("create of an unlimited model on Postgres: %v; want ErrTooLong", err)
		}
	})
}

// lengthRows describes every row of polls_question.
func lengthRows(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var qs []lengthQuestion
	if err := db.Order("id").Find(&qs).Error; err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, q := range qs {
		note := "<nil>"
		if q.Note != nil {
			note = *q.Note
		}
		fmt.Fprintf(&b, "%d %q %q %q\n", q.ID, q.QuestionText, note, q.Code)
	}
	return b.String()
}

func TestLengthCheckPostgresOnly(t *testing.T) {
	// On Postgres the server checks; no callback is added.
	db := openLength(t, djinntest.PostgresURL(t))
	if db.Callback().Create().Get(lengthCheckName) != nil || db.Callback().Update().Get(lengthCheckName) != nil {
		t.Errorf("registerLengthCheck added %s on Postgres; want it on SQLite only", lengthCheckName)
	}
}

func TestTypeLength(t *testing.T) {
	tests := []struct {
		typ  string
		want int
	}{
		{"varchar(200)", 200},
		{"VARCHAR(20)", 20},
		{"character varying (30)", 30},
		{"char(2)", 2},
		{"nvarchar( 7 )", 7},
		{"varchar(10) COLLATE \"C\"", 10},
		{"text", 0},
		{"numeric(10,2)", 0},
		{"varchar", 0},
		{"varchar(x)", 0},
	}
	for _, tt := range tests {
		if got := typeLength(tt.typ); got != tt.want {
			t.Errorf("typeLength(%q) = %d; want %d", tt.typ, got, tt.want)
		}
	}
}

func BenchmarkCreateUnlimited(b *testing.B) {
	s := core.Defaults().Database
	s.URL = djinntest.SQLiteURL(b)
	db, err := Open(b.Context(), s, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { sqlDB, _ := db.DB(); _ = sqlDB.Close() }()
	if err := registerLengthCheck(db); err != nil {
		b.Fatal(err)
	}
	if err := db.Exec(`CREATE TABLE polls_note (id INTEGER PRIMARY KEY, body VARCHAR(5) NOT NULL)`).Error; err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := range b.N {
		if err := db.Create(&lengthNote{ID: int64(i + 1), Body: "x"}).Error; err != nil {
			b.Fatal(err)
		}
	}
}
