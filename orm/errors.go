package orm

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"modernc.org/sqlite"
)

// ErrorKind classifies a database error. The kinds are themselves errors,
// the sentinels ErrNotFound, ErrDuplicate, ErrForeignKey, ErrCheck,
// ErrNotNull, ErrMultiple, ErrTooLong and ErrUnavailable, so that errors.Is(err, orm.ErrDuplicate) works on any error a
// *gorm.DB from Open returns. Being constants, they cannot be reassigned.
// The zero ErrorKind is not a sentinel and matches nothing.
type ErrorKind int

const (
	// ErrNotFound reports that a query expecting a row found none (gorm's
	// ErrRecordNotFound from First, Take, Last). respond renders it as 404.
	ErrNotFound ErrorKind = iota + 1
	// ErrDuplicate reports a unique or primary-key violation.
	ErrDuplicate
	// ErrForeignKey reports a foreign-key violation: a reference to a
	// missing row, or deleting a row still referenced.
	ErrForeignKey
	// ErrCheck reports a CHECK constraint violation.
	ErrCheck
	// ErrNotNull reports a NULL stored into a NOT NULL column.
	ErrNotNull
	// ErrMultiple reports that Get matched more than one row (Django's
	// MultipleObjectsReturned).
	ErrMultiple
	// ErrTooLong reports a string longer than its column allows, such as
	// 201 characters for a varchar(200): Postgres's SQLSTATE 22001, and on
	// SQLite, which does not enforce varchar(n), the check that Open adds
	// before every create and update of a model with sized fields.
	ErrTooLong
	// ErrUnavailable reports that the database could not be reached or
	// dropped the connection: connection refused or reset, a failed
	// connection attempt, the server shutting down or starting up
	// (Postgres SQLSTATE class 08, 57P01, 57P02, 57P03), a bad or closed
	// driver connection, a connection cut in the middle of a reply. It is
	// transient: the pool reconnects once the server is back, and a
	// statement that failed this way did not commit (unless the
	// connection dropped during COMMIT itself, where the outcome is
	// unknown). respond renders it as 503 Service Unavailable.
	ErrUnavailable
)

// Error returns the kind's message.
func (k ErrorKind) Error() string {
	switch k {
	case ErrNotFound:
		return "orm: record not found"
	case ErrDuplicate:
		return "orm: duplicate key"
	case ErrForeignKey:
		return "orm: foreign key violation"
	case ErrCheck:
		return "orm: check constraint violation"
	case ErrNotNull:
		return "orm: null value in not-null column"
	case ErrMultiple:
		return "orm: more than one row matches"
	case ErrTooLong:
		return "orm: value too long for column"
	case ErrUnavailable:
		return "orm: database unavailable"
	}
	return "orm: database error"
}

// HTTPStatus is 404 for ErrNotFound, 503 for ErrUnavailable (the client
// may retry) and 500 for the other kinds (a constraint violation that
// reaches the response is a bug to fix with validation), for
// respond.Status.
func (k ErrorKind) HTTPStatus() int {
	switch k {
	case ErrNotFound:
		return http.StatusNotFound
	case ErrUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// HTTPHeader returns the headers a response for the kind should carry:
// "Retry-After: 1" for ErrUnavailable (a restarting database is usually
// back within seconds), nil for the other kinds. The result is a new map
// for every call.
func (k ErrorKind) HTTPHeader() http.Header {
	if k == ErrUnavailable {
		return http.Header{"Retry-After": {"1"}}
	}
	return nil
}

// Error is a translated database error: its Kind, where the driver reports
// them the Table, Constraint and Column at fault, and the driver's error.
// errors.Is(err, k) holds for its Kind k; errors.As reaches the details and
// Unwrap the driver's error. An Error is not modified after Translate
// returns it and is safe for concurrent use.
type Error struct {
	Kind ErrorKind
	// Table, Constraint and Column are "" when the driver does not report
	// them. SQLite names no unique constraint, only the columns; Postgres
	// names the constraint, and the column for unique and NOT NULL errors,
	// but neither table nor column for a value too long. Column lists
	// several columns as "a, b".
	Table, Constraint, Column string
	// Err is the driver's (or gorm's) error.
	Err error
}

// Error describes the violation, e.g. `orm: duplicate key (constraint
// "users_email_key", column "email"): ERROR: duplicate key value violates
// unique constraint "users_email_key" (SQLSTATE 23505)`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	var parts []string
	if e.Table != "" {
		parts = append(parts, "table "+quote(e.Table))
	}
	if e.Constraint != "" {
		parts = append(parts, "constraint "+quote(e.Constraint))
	}
	if e.Column != "" {
		parts = append(parts, "column "+quote(e.Column))
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	if e.Err != nil && e.Kind != ErrNotFound {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func quote(s string) string { return `"` + s + `"` }

// Unwrap returns the driver's error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(ErrorKind)
	return ok && k == e.Kind
}

// HTTPStatus is the status of e's Kind.
func (e *Error) HTTPStatus() int { return e.Kind.HTTPStatus() }

// HTTPHeader returns the headers of e's Kind (Retry-After for
// ErrUnavailable).
func (e *Error) HTTPHeader() http.Header { return e.Kind.HTTPHeader() }

// SQLite extended result codes (https://www.sqlite.org/rescode.html).
const (
	sqliteConstraintCheck      = 275
	sqliteConstraintForeignKey = 787
	sqliteConstraintNotNull    = 1299
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
	sqliteBusyCode             = 5 // SQLITE_BUSY; extended codes add bits above 0xff
)

// sqliteBusy reports whether err is SQLite's SQLITE_BUSY or one of its
// extended codes.
func sqliteBusy(err error) bool {
	lite, ok := errors.AsType[*sqlite.Error](err)
	return ok && lite.Code()&0xff == sqliteBusyCode
}

// Translate returns err as an *Error when it is a not-found, constraint,
// value-too-long or database-unavailable error from PostgreSQL (pgx),
// SQLite (modernc.org/sqlite), database/sql or gorm, and err unchanged
// otherwise (nil included, and an error already translated). A
// *gorm.DB from Open already returns translated errors; Translate is for
// errors from elsewhere, such as a *sql.DB or another *gorm.DB.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	var done *Error
	if errors.As(err, &done) {
		return err
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return translatePostgres(err, pg)
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return translateSQLite(err, lite)
	}
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return &Error{Kind: ErrNotFound, Err: err}
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &Error{Kind: ErrDuplicate, Err: err}
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return &Error{Kind: ErrForeignKey, Err: err}
	case errors.Is(err, gorm.ErrCheckConstraintViolated):
		return &Error{Kind: ErrCheck, Err: err}
	case unavailable(err):
		return &Error{Kind: ErrUnavailable, Err: err}
	}
	return err
}

// unavailable reports whether err, which carries no server error, says
// that the database could not be reached or the connection broke: a
// failed connection attempt (pgx's ConnectError: refused, timed out, DNS),
// a connection refused, reset or cut (EOF in the middle of a reply), or a
// connection database/sql or pgx already knows to be broken.
//
// A context's cancellation or deadline is never unavailability, even when
// it interrupted a connection attempt: respond has its own statuses for
// those (499, 503).
func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var connect *pgconn.ConnectError
	var op *net.OpError
	switch {
	case errors.As(err, &connect),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.As(err, &op):
		return true
	}
	return false
}

// pgUnavailable reports whether a Postgres SQLSTATE says the server is
// not available: class 08 (connection exception), 57P01
// (admin_shutdown), 57P02 (crash_shutdown), 57P03 (cannot_connect_now:
// starting up or shutting down).
func pgUnavailable(code string) bool {
	return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03"
}

func translatePostgres(err error, pg *pgconn.PgError) error {
	var kind ErrorKind
	switch pg.Code {
	case "23505":
		kind = ErrDuplicate
	case "23503":
		kind = ErrForeignKey
	case "23514":
		kind = ErrCheck
	case "23502":
		kind = ErrNotNull
	case "22001": // string_data_right_truncation; names no column as a rule
		kind = ErrTooLong
	default:
		if pgUnavailable(pg.Code) {
			return &Error{Kind: ErrUnavailable, Err: err}
		}
		return err
	}
	e := &Error{Kind: kind, Table: pg.TableName, Constraint: pg.ConstraintName, Column: pg.ColumnName, Err: err}
	if e.Column == "" && kind == ErrDuplicate {
		e.Column = keyColumns(pg.Detail)
	}
	return e
}

// keyColumns returns "email" from the detail `Key (email)=(a@b.c) already
// exists.`, or "".
func keyColumns(detail string) string {
	rest, ok := strings.CutPrefix(detail, "Key (")
	if !ok {
		return ""
	}
	cols, _, ok := strings.Cut(rest, ")=(")
	if !ok {
		return ""
	}
	return cols
}

func translateSQLite(err error, lite *sqlite.Error) error {
	var kind ErrorKind
	var marker string
	switch lite.Code() {
	case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
		kind = ErrDuplicate
		marker = "UNIQUE constraint failed: "
	case sqliteConstraintForeignKey:
		kind = ErrForeignKey
	case sqliteConstraintCheck:
		kind = ErrCheck
		marker = "CHECK constraint failed: "
	case sqliteConstraintNotNull:
		kind = ErrNotNull
		marker = "NOT NULL constraint failed: "
	default:
		return err
	}
	e := &Error{Kind: kind, Err: err}
	if marker == "" {
		return e
	}
	_, detail, ok := strings.Cut(lite.Error(), marker)
	if !ok {
		return e
	}
	// modernc appends " (code)" to the message.
	if i := strings.LastIndex(detail, " ("); i >= 0 {
		detail = detail[:i]
	}
	if kind == ErrCheck {
		e.Constraint = detail
		return e
	}
	// "table.col" or "table.a, table.b".
	var cols []string
	for c := range strings.SplitSeq(detail, ", ") {
		table, col, ok := strings.Cut(c, ".")
		if !ok {
			return e
		}
		e.Table = table
		cols = append(cols, col)
	}
	e.Column = strings.Join(cols, ", ")
	return e
}
