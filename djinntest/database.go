package djinntest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	// The pgx database/sql driver ("pgx") for the admin connection; gorm's
	// postgres dialect depends on it already.
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/djinn-go/djinn/core/respond"
)

// DefaultPostgresURL is the server PostgresURL uses when
// DJINN_TEST_POSTGRES is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// adminTimeout bounds each statement on the admin connection.
const adminTimeout = 30 * time.Second

// EachDialect runs fn as a subtest per supported database, "sqlite" with
// SQLiteURL and "postgres" with PostgresURL, each with a database of its
// own, so that a test covers both dialects. The Postgres subtest skips, or
// fails when CI=true, if the server is unreachable.
func EachDialect(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresURL(t)) })
}

// SQLiteURL returns the DATABASE_URL of a new SQLite file in t.TempDir(),
// removed with it.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:///" + filepath.Join(t.TempDir(), "db.sqlite3")
}

// PostgresURL creates a throwaway database djinntest_<random> on the
// server at DJINN_TEST_POSTGRES (default DefaultPostgresURL), drops it
// with FORCE when the test ends, and returns its URL. When the server is
// unreachable it calls t.Skip, or t.Fatal when the CI environment variable
// is "true" so that CI never passes by skipping.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("DJINN_TEST_POSTGRES")
	if admin == "" {
		admin = DefaultPostgresURL
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("djinntest: DJINN_TEST_POSTGRES %s is not a valid URL", respond.MaskString(admin))
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("djinntest: DJINN_TEST_POSTGRES %s: %v", respond.MaskString(admin), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	pingCtx, cancelPing := context.WithTimeout(ctx, 5*time.Second)
	err = db.PingContext(pingCtx)
	cancelPing()
	if err != nil {
		_ = db.Close()
		msg := "djinntest: PostgreSQL at DJINN_TEST_POSTGRES=%s is unreachable (%v); start it or point DJINN_TEST_POSTGRES at a server"
		if os.Getenv("CI") == "true" {
			t.Fatalf(msg, respond.MaskString(admin), err)
		}
		t.Skipf(msg+"; skipping", respond.MaskString(admin), err)
	}
	name := "djinntest_" + randomHex(8)
	// name is generated here from [a-z0-9_], so it needs no quoting.
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = db.Close()
		t.Fatalf("djinntest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("djinntest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
