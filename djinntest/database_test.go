package djinntest_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/djinn-go/djinn/djinntest"
)

func TestEachDialect(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{}
	djinntest.EachDialect(t, func(t *testing.T, u string) {
		mu.Lock()
		seen[t.Name()] = u
		mu.Unlock()
	})
	for _, name := range []string{"TestEachDialect/sqlite", "TestEachDialect/postgres"} {
		if seen[name] == "" && !(name == "TestEachDialect/postgres" && os.Getenv("CI") != "true") {
			t.Errorf("EachDialect ran %v; want a subtest %s with a URL", seen, name)
		}
	}
}

func TestSQLiteURL(t *testing.T) {
	u := djinntest.SQLiteURL(t)
	path, ok := strings.CutPrefix(u, "sqlite:///")
	if !ok || !filepath.IsAbs(path) || filepath.Base(path) != "db.sqlite3" {
		t.Fatalf("SQLiteURL() = %q; want sqlite:/// and an absolute path to db.sqlite3", u)
	}
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		t.Errorf("SQLiteURL() = %q; its directory: %v", u, err)
	}
}

func TestPostgresURL(t *testing.T) {
	var name string
	admin := os.Getenv("DJINN_TEST_POSTGRES")
	if admin == "" {
		admin = djinntest.DefaultPostgresURL
	}
	t.Run("throwaway database", func(t *testing.T) {
		u := djinntest.PostgresURL(t)
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		name = strings.TrimPrefix(parsed.Path, "/")
		if !strings.HasPrefix(name, "djinntest_") {
			t.Errorf("PostgresURL() = %q; want a database named djinntest_…", u)
		}
		db := openPG(t, u)
		if _, err := db.ExecContext(t.Context(), "CREATE TABLE t (x int)"); err != nil {
			t.Fatalf("CREATE TABLE in %s: %v", name, err)
		}
		var current string
		if err := db.QueryRowContext(t.Context(), "SELECT current_database()").Scan(&current); err != nil || current != name {
			t.Errorf("current_database() = %q, %v; want %q", current, err, name)
		}
	})
	if name == "" {
		t.Skip("PostgreSQL unreachable")
	}
	var exists bool
	db := openPG(t, admin)
	if err := db.QueryRowContext(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after its test ended; want it dropped", name)
	}
}

func openPG(t *testing.T, u string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// recorder is a testing.TB that records Skipf and Fatalf instead of
// ending the test, so that the unreachable-server paths can be tested.
type recorder struct {
	testing.TB
	skipped, fatal string
}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestPostgresURLUnreachable(t *testing.T) {
	t.Setenv("DJINN_TEST_POSTGRES", "postgres://u:s3cret@127.0.0.1:1/postgres?sslmode=disable")
	tests := []struct {
		name      string
		ci        string
		wantSkip  bool
		wantFatal bool
	}{
		{"locally skips", "", true, false},
		{"CI fails", "true", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				djinntest.PostgresURL(r)
			}()
			<-done
			if (r.skipped != "") != tt.wantSkip || (r.fatal != "") != tt.wantFatal {
				t.Fatalf("PostgresURL skipped %q, failed %q; want skip %v, fail %v", r.skipped, r.fatal, tt.wantSkip, tt.wantFatal)
			}
			msg := r.skipped + r.fatal
			if !strings.Contains(msg, "DJINN_TEST_POSTGRES") || !strings.Contains(msg, "unreachable") || strings.Contains(msg, "s3cret") {
				t.Errorf("message = %q; want it to name DJINN_TEST_POSTGRES and unreachable, without the password", msg)
			}
		})
	}
}
