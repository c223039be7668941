package orm

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

// MaxPerPage caps the page size of Paginate and the limit of Keyset, so
// that a client-chosen ?per_page cannot load a whole table.
const MaxPerPage = 1000

// Page is one page of a query, like Django's Page. Number counts from 1.
// NumPages is at least 1: an empty result has one empty page. The zero
// Page is an empty first page of nothing.
type Page[T any] struct {
	Items       []T
	Number      int
	PerPage     int
	Total       int64
	NumPages    int
	HasNext     bool
	HasPrevious bool
}

// PageError reports a page number outside 1…NumPages, like Django's
// EmptyPage. errors.Is(err, ErrNotFound) holds and it renders as 404, as
// Paginator.page does in Django views.
type PageError struct {
	Number, NumPages int
}

// Error says which page was asked for and how many there are.
func (e *PageError) Error() string {
	return fmt.Sprintf("orm: page %d out of range (1 to %d)", e.Number, e.NumPages)
}

// HTTPStatus is 404, for respond.Status.
func (*PageError) HTTPStatus() int { return http.StatusNotFound }

// Is reports whether target is ErrNotFound.
func (*PageError) Is(target error) bool { return target == ErrNotFound }

// Paginate returns page number page (from 1) of the rows of T that db
// selects, perPage to a page (clamped to 1…MaxPerPage), with the total
// from a COUNT(*) of the same query. db may carry Where and Order; without
// an Order the rows are ordered by T's primary key so that pages do not
// overlap. A page outside 1…NumPages is a *PageError (404); page 1 of an
// empty result is valid and empty. Large offsets get slow: use Keyset for
// deep pages of large tables. Safe for concurrent use when db is.
func Paginate[T any](ctx context.Context, db *gorm.DB, page, perPage int) (Page[T], error) {
	perPage = min(max(perPage, 1), MaxPerPage)
	q := db.WithContext(ctx).Model(new(T)).Session(&gorm.Session{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return Page[T]{}, err
	}
	numPages := max(1, int((total+int64(perPage)-1)/int64(perPage)))
	if page < 1 || page > numPages {
		return Page[T]{}, &PageError{Number: page, NumPages: numPages}
	}
	if _, ordered := q.Statement.Clauses["ORDER BY"]; !ordered {
		s, err := parseSchema[T](q)
		if err != nil {
			return Page[T]{}, err
		}
		for _, f := range s.PrimaryFields {
			q = q.Order(clause.OrderByColumn{Column: clause.Column{Table: clause.CurrentTable, Name: f.DBName}})
		}
	}
	var items []T
	if err := q.Offset((page - 1) * perPage).Limit(perPage).Find(&items).Error; err != nil {
		return Page[T]{}, err
	}
	return Page[T]{
		Items:       items,
		Number:      page,
		PerPage:     perPage,
		Total:       total,
		NumPages:    numPages,
		HasNext:     page < numPages,
		HasPrevious: page > 1,
	}, nil
}

// Keyset returns up to limit rows of T (clamped to 1…MaxPerPage) that
// come after the value after in orderColumn, in that column's order:
// keyset ("seek") pagination, whose cost does not grow with the depth of
// the page as OFFSET's does. orderColumn is a database column name of T
// ("id", "created_at"), with a leading "-" for descending order (rows
// before after); a nil after starts at the beginning. Pass the last row's
// value as after to get the next page. The column should be unique (the
// primary key, or a unique timestamp); ties at a page boundary are
// skipped otherwise.
//
// orderColumn may come from the client: it is checked against the columns
// of T's schema, and anything else — an unknown name, an expression, an
// injection attempt such as "id; DROP TABLE x" — is an error before any
// SQL runs. db may carry Where conditions. Safe for concurrent use when
// db is.
func Keyset[T any](ctx context.Context, db *gorm.DB, orderColumn string, after any, limit int) ([]T, error) {
	limit = min(max(limit, 1), MaxPerPage)
	q := db.WithContext(ctx).Model(new(T))
	s, err := parseSchema[T](q)
	if err != nil {
		return nil, err
	}
	name, desc := strings.CutPrefix(orderColumn, "-")
	if _, ok := s.FieldsByDBName[name]; !ok {
		return nil, fmt.Errorf("orm: keyset: %q is not a column of %s", orderColumn, s.Table)
	}
	col := clause.Column{Table: clause.CurrentTable, Name: name}
	if after != nil {
		if desc {
			q = q.Where(clause.Lt{Column: col, Value: after})
		} else {
			q = q.Where(clause.Gt{Column: col, Value: after})
		}
	}
	var items []T
	err = q.Order(clause.OrderByColumn{Column: col, Desc: desc}).Limit(limit).Find(&items).Error
	return items, err
}

// parseSchema returns T's schema through db's cache and naming.
func parseSchema[T any](db *gorm.DB) (*schema.Schema, error) {
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(new(T)); err != nil {
		return nil, fmt.Errorf("orm: parse model: %w", err)
	}
	return stmt.Schema, nil
}
