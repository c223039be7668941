package orm_test

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

// TestTranslateUnavailable covers the errors that say the database is
// out of reach, as drivers and database/sql report them.
func TestTranslateUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		in   error
		want bool
	}{
		{"connection refused", fmt.Errorf("dial: %w", refused), true},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"broken pipe", syscall.EPIPE, true},
		{"bad connection", fmt.Errorf("query: %w", driver.ErrBadConn), true},
		{"conn closed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), true},
		{"unexpected EOF", fmt.Errorf("read reply: %w", io.ErrUnexpectedEOF), true},
		{"admin shutdown", &pgconn.PgError{Severity: "FATAL", Code: "57P01"}, true},
		{"crash shutdown", &pgconn.PgError{Severity: "FATAL", Code: "57P02"}, true},
		{"starting up", &pgconn.PgError{Severity: "FATAL", Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Severity: "FATAL", Code: "08006"}, true},
		{"authentication failed", &pgconn.PgError{Severity: "FATAL", Code: "28P01"}, false},
		{"syntax error", &pgconn.PgError{Severity: "ERROR", Code: "42601"}, false},
		{"plain", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := orm.Translate(tt.in)
			if is := errors.Is(got, orm.ErrUnavailable); is != tt.want {
				t.Fatalf("errors.Is(Translate(%v), ErrUnavailable) = %v; want %v", tt.in, is, tt.want)
			}
			if !errors.Is(got, tt.in) {
				t.Errorf("Translate(%v) = %v; lost the driver's error", tt.in, got)
			}
			if !tt.want {
				return
			}
			if s := respond.Status(got); s != http.StatusServiceUnavailable {
				t.Errorf("respond.Status(Translate(%v)) = %d; want 503", tt.in, s)
			}
			var e *orm.Error
			if !errors.As(got, &e) || e.HTTPHeader().Get("Retry-After") != "1" {
				t.Errorf("Translate(%v).HTTPHeader() lacks Retry-After: 1", tt.in)
			}
		})
	}
}

// TestUnavailableClosedPort: connecting to a port nobody listens on is
// ErrUnavailable, a 503, not a 500.
func TestUnavailableClosedPort(t *testing.T) {
	addr := djinntest.ClosedAddr(t)
	db, err := sql.Open("pgx", "postgres://postgres@"+addr+"/none?sslmode=disable&connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = orm.Translate(db.PingContext(t.Context()))
	if !errors.Is(err, orm.ErrUnavailable) {
		t.Fatalf("Translate(Ping on closed %s) = %v (%T); want ErrUnavailable", addr, err, err)
	}
	if s := respond.Status(err); s != http.StatusServiceUnavailable {
		t.Errorf("respond.Status(%v) = %d; want 503", err, s)
	}
}

// TestUnavailableTerminatedBackend: a connection the server ends in the
// middle of a transaction (pg_terminate_backend, as a restart does) fails
// the transaction's next statement with ErrUnavailable, and the pool then
// serves the next query on a new connection.
func TestUnavailableTerminatedBackend(t *testing.T) {
	url := djinntest.PostgresURL(t)
	db := open(t, url, nil, nil)
	tx := db.WithContext(t.Context()).Begin()
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	defer tx.Rollback()
	var pid int
	if err := tx.Raw("SELECT pg_backend_pid()").Scan(&pid).Error; err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var ok bool
	if err := other.QueryRowContext(t.Context(), "SELECT pg_terminate_backend($1)", pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v; want true", pid, ok, err)
	}
	// The backend may take a moment to go.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := other.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var one int
	err = tx.Exec("SELECT 1").Error
	if !errors.Is(err, orm.ErrUnavailable) {
		t.Fatalf("query on a terminated connection = %v (%T); want ErrUnavailable", err, err)
	}
	if s := respond.Status(err); s != http.StatusServiceUnavailable {
		t.Errorf("respond.Status(%v) = %d; want 503", err, s)
	}
	_ = tx.Rollback()
	if err := db.WithContext(t.Context()).Raw("SELECT 1").Scan(&one).Error; err != nil || one != 1 {
		t.Errorf("query after the terminated connection = %d, %v; want 1 on a new connection", one, err)
	}
}
