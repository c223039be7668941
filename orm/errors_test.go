package orm_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

type author struct {
	ID    int64
	Email string
	Age   *int
}

type book struct {
	ID       int64
	AuthorID int64
	Title    string
}

// schema is valid on both dialects.
var schema = []string{
	`CREATE TABLE authors (
		id INTEGER PRIMARY KEY,
		email VARCHAR(100) NOT NULL,
		age INTEGER,
		CONSTRAINT authors_email_key UNIQUE (email),
		CONSTRAINT authors_age_check CHECK (age >= 0))`,
	`CREATE TABLE books (
		id INTEGER PRIMARY KEY,
		author_id INTEGER NOT NULL REFERENCES authors (id),
		title VARCHAR(100) NOT NULL)`,
}

func TestErrorTranslation(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := open(t, url, nil, nil)
		for _, stmt := range schema {
			if err := db.Exec(stmt).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Create(&author{ID: 1, Email: "a@example.com"}).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&book{ID: 1, AuthorID: 1, Title: "Go"}).Error; err != nil {
			t.Fatal(err)
		}
		postgres := db.Dialector.Name() == "postgres"
		minus := -1
		tests := []struct {
			name           string
			do             func(db *gorm.DB) error
			kind           orm.ErrorKind
			column         string
			constraint     string // checked on Postgres
			constraintLite string // checked on SQLite
			status         int
		}{
			{"unique", func(db *gorm.DB) error {
				return db.Create(&author{ID: 2, Email: "a@example.com"}).Error
			}, orm.ErrDuplicate, "email", "authors_email_key", "", 500},
			{"primary key", func(db *gorm.DB) error {
				return db.Create(&author{ID: 1, Email: "b@example.com"}).Error
			}, orm.ErrDuplicate, "id", "authors_pkey", "", 500},
			{"foreign key on insert", func(db *gorm.DB) error {
				return db.Create(&book{ID: 2, AuthorID: 99, Title: "Lost"}).Error
			}, orm.ErrForeignKey, "", "books_author_id_fkey", "", 500},
			{"foreign key on delete", func(db *gorm.DB) error {
				return db.Delete(&author{ID: 1}).Error
			}, orm.ErrForeignKey, "", "books_author_id_fkey", "", 500},
			{"check", func(db *gorm.DB) error {
				return db.Create(&author{ID: 3, Email: "c@example.com", Age: &minus}).Error
			}, orm.ErrCheck, "", "authors_age_check", "authors_age_check", 500},
			{"not null", func(db *gorm.DB) error {
				return db.Exec("INSERT INTO books (id, author_id, title) VALUES (?, ?, NULL)", 3, 1).Error
			}, orm.ErrNotNull, "title", "", "", 500},
			{"not found", func(db *gorm.DB) error {
				return db.First(&author{}, 42).Error
			}, orm.ErrNotFound, "", "", "", http.StatusNotFound},
			{"in a transaction", func(db *gorm.DB) error {
				return db.Transaction(func(tx *gorm.DB) error {
					return tx.Create(&author{ID: 4, Email: "a@example.com"}).Error
				})
			}, orm.ErrDuplicate, "email", "authors_email_key", "", 500},
			{"update", func(db *gorm.DB) error {
				return db.Model(&book{ID: 1}).Update("author_id", 99).Error
			}, orm.ErrForeignKey, "", "books_author_id_fkey", "", 500},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.do(db)
				if !errors.Is(err, tt.kind) {
					t.Fatalf("error = %v; want errors.Is %v", err, tt.kind)
				}
				for _, other := range []orm.ErrorKind{orm.ErrNotFound, orm.ErrDuplicate, orm.ErrForeignKey, orm.ErrCheck, orm.ErrNotNull, orm.ErrMultiple, orm.ErrTooLong} {
					if other != tt.kind && errors.Is(err, other) {
						t.Errorf("error = %v; errors.Is %v too", err, other)
					}
				}
				var e *orm.Error
				if !errors.As(err, &e) {
					t.Fatalf("error = %v (%T); want an *orm.Error", err, err)
				}
				if e.Column != tt.column {
					t.Errorf("Column = %q; want %q (error %v)", e.Column, tt.column, err)
				}
				want := tt.constraintLite
				if postgres {
					want = tt.constraint
				}
				if e.Constraint != want {
					t.Errorf("Constraint = %q; want %q (error %v)", e.Constraint, want, err)
				}
				for _, s := range []string{tt.column, want} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not name %q", err, s)
					}
				}
				if got := respond.Status(fmt.Errorf("view: %w", err)); got != tt.status {
					t.Errorf("respond.Status = %d; want %d", got, tt.status)
				}
			})
		}

		var n int64
		if err := db.Model(&author{}).Count(&n).Error; err != nil || n != 1 {
			t.Errorf("authors after the failures = %d, %v; want 1, nil", n, err)
		}
		// Other errors pass through untranslated.
		err := db.Exec("SELECT * FROM no_such_table").Error
		var e *orm.Error
		if err == nil || errors.As(err, &e) {
			t.Errorf("error for a missing table = %v; want an untranslated error", err)
		}
	})
}

func TestTranslate(t *testing.T) {
	plain := errors.New("boom")
	translated := orm.Translate(gorm.ErrRecordNotFound)
	tests := []struct {
		name string
		in   error
		want error // errors.Is target; nil means Translate returns nil
		same bool  // Translate returns in itself
	}{
		{"nil", nil, nil, true},
		{"plain error unchanged", plain, plain, true},
		{"record not found", gorm.ErrRecordNotFound, orm.ErrNotFound, false},
		{"wrapped record not found", fmt.Errorf("load: %w", gorm.ErrRecordNotFound), orm.ErrNotFound, false},
		{"gorm duplicate", gorm.ErrDuplicatedKey, orm.ErrDuplicate, false},
		{"gorm foreign key", gorm.ErrForeignKeyViolated, orm.ErrForeignKey, false},
		{"gorm check", gorm.ErrCheckConstraintViolated, orm.ErrCheck, false},
		{"already translated", translated, orm.ErrNotFound, true},
		{"postgres value too long", &pgconn.PgError{Code: "22001"}, orm.ErrTooLong, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := orm.Translate(tt.in)
			if tt.want == nil {
				if got != nil {
					t.Errorf("Translate(nil) = %v; want nil", got)
				}
				return
			}
			if !errors.Is(got, tt.want) {
				t.Errorf("Translate(%v) = %v; want errors.Is %v", tt.in, got, tt.want)
			}
			if tt.same && got != tt.in {
				t.Errorf("Translate(%v) = %v; want it unchanged", tt.in, got)
			}
			if tt.in != nil && !errors.Is(got, tt.in) {
				t.Errorf("Translate(%v) = %v; lost the original error", tt.in, got)
			}
		})
	}
}

func TestErrorKindStatus(t *testing.T) {
	tests := []struct {
		kind orm.ErrorKind
		want int
	}{
		{orm.ErrNotFound, 404},
		{orm.ErrDuplicate, 500},
		{orm.ErrForeignKey, 500},
		{orm.ErrCheck, 500},
		{orm.ErrNotNull, 500},
		{orm.ErrMultiple, 500},
		{orm.ErrTooLong, 500},
		{orm.ErrUnavailable, 503},
	}
	for _, tt := range tests {
		t.Run(tt.kind.Error(), func(t *testing.T) {
			if got := respond.Status(tt.kind); got != tt.want {
				t.Errorf("respond.Status(%v) = %d; want %d", tt.kind, got, tt.want)
			}
		})
	}
}

// TestTranslateTooLong covers SQLSTATE 22001, which Postgres raises without
// naming the column (TestLengthCheck runs it against the server).
func TestTranslateTooLong(t *testing.T) {
	tests := []struct {
		name          string
		pg            *pgconn.PgError
		table, column string
		want          string
	}{
		{"no column", &pgconn.PgError{Severity: "ERROR", Code: "22001", Message: "value too long for type character varying(200)"},
			"", "", "orm: value too long for column: ERROR: value too long for type character varying(200) (SQLSTATE 22001)"},
		{"column reported", &pgconn.PgError{Severity: "ERROR", Code: "22001", Message: "value too long", TableName: "polls_question", ColumnName: "question_text"},
			"polls_question", "question_text", `orm: value too long for column (table "polls_question", column "question_text"): ERROR: value too long (SQLSTATE 22001)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := orm.Translate(tt.pg)
			var e *orm.Error
			if !errors.As(err, &e) || e.Kind != orm.ErrTooLong {
				t.Fatalf("Translate = %v (%T); want an *orm.Error of Kind ErrTooLong", err, err)
			}
			if e.Table != tt.table || e.Column != tt.column {
				t.Errorf("Table, Column = %q, %q; want %q, %q", e.Table, e.Column, tt.table, tt.column)
			}
			if err.Error() != tt.want {
				t.Errorf("Error() = %q; want %q", err, tt.want)
			}
			if !errors.Is(err, tt.pg) {
				t.Errorf("Translate = %v; lost the driver's error", err)
			}
		})
	}
}
