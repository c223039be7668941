package orm_test

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

// open opens url with the default settings, a small pool and s applied,
// closing it when the test ends.
func open(t *testing.T, url string, logger *slog.Logger, edit func(*core.DatabaseSettings)) *gorm.DB {
	t.Helper()
	s := core.Defaults().Database
	s.URL = url
	s.MaxOpenConns = 4
	s.MaxIdleConns = 2
	if edit != nil {
		edit(&s)
	}
	db, err := orm.Open(t.Context(), s, logger)
	if err != nil {
		t.Fatalf("Open(%q) error: %v", url, err)
	}
	t.Cleanup(func() {
		sqlDB, _ := db.DB()
		_ = sqlDB.Close()
	})
	return db
}

func TestOpenSQLitePragmas(t *testing.T) {
	db := open(t, djinntest.SQLiteURL(t), nil, nil)
	// Hold one connection busy so that the pragmas are read on a second
	// one too: they must be set on every connection, not just the first.
	tx := db.Begin()
	defer tx.Rollback()
	if err := tx.Exec("SELECT 1").Error; err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pragma, want string
	}{
		{"foreign_keys", "1"},
		{"journal_mode", "wal"},
		{"busy_timeout", "5000"},
		{"synchronous", "1"}, // NORMAL
	}
	for _, tt := range tests {
		t.Run(tt.pragma, func(t *testing.T) {
			for _, conn := range []*gorm.DB{db, tx} {
				var got string
				if err := conn.Raw("PRAGMA " + tt.pragma).Scan(&got).Error; err != nil {
					t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
				}
				if got != tt.want {
					t.Errorf("PRAGMA %s = %q; want %q", tt.pragma, got, tt.want)
				}
			}
		})
	}
}

func TestOpenSQLitePragmaOverride(t *testing.T) {
	db := open(t, djinntest.SQLiteURL(t)+"?_pragma=busy_timeout(1234)", nil, nil)
	var got string
	if err := db.Raw("PRAGMA busy_timeout").Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if got != "1234" {
		t.Errorf("PRAGMA busy_timeout = %q; want %q (the URL's)", got, "1234")
	}
}

func TestOpenSQLiteMemory(t *testing.T) {
	db := open(t, "sqlite:///:memory:", nil, nil)
	if err := db.Exec("CREATE TABLE t (x INTEGER)").Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("INSERT INTO t VALUES (1)").Error; err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.Table("t").Count(&n).Error; err != nil {
		t.Fatalf("count on the in-memory database: %v", err)
	}
	if n != 1 {
		t.Errorf("count = %d; want 1 (one shared in-memory database)", n)
	}
}

func TestOpenPostgresStatementTimeout(t *testing.T) {
	url := djinntest.PostgresURL(t)
	tests := []struct {
		name    string
		url     string
		timeout time.Duration
		want    string
	}{
		{"from settings", url, 1500 * time.Millisecond, "1500ms"},
		{"URL wins", url + "&statement_timeout=7000", 1500 * time.Millisecond, "7s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := open(t, tt.url, nil, func(s *core.DatabaseSettings) { s.StatementTimeout = tt.timeout })
			var got string
			if err := db.Raw("SHOW statement_timeout").Scan(&got).Error; err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("SHOW statement_timeout = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	missingDir := filepath.Join(t.TempDir(), "missing", "db.sqlite3")
	tests := []struct {
		name string
		url  string
		want string // in the message, after the common prefix
	}{
		{"empty", "", "is empty"},
		{"unsupported scheme", "mysql://u:s3cret@localhost/db", `unsupported scheme "mysql"`},
		{"sqlite with host", "sqlite://host/db.sqlite3", "has no host"},
		{"sqlite without file", "sqlite:///", "names no database file"},
		{"sqlite directory missing", "sqlite:///" + missingDir, "open"},
		{"postgres unreachable", "postgres://u:s3cret@127.0.0.1:1/db?sslmode=disable&connect_timeout=2", "connect: "},
		{"postgres bad query", "postgres://u:s3cret@127.0.0.1:1/db?sslmode=bogus", "open: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := core.Defaults().Database
			s.URL = tt.url
			db, err := orm.Open(t.Context(), s, nil)
			if err == nil {
				sqlDB, _ := db.DB()
				sqlDB.Close()
				t.Fatalf("Open(%q) = nil error; want one", tt.url)
			}
			msg := err.Error()
			prefix := "orm: Database.URL " + core.RedactURL(tt.url) + ": "
			if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tt.want) {
				t.Errorf("Open(%q) error = %q; want prefix %q and %q", tt.url, msg, prefix, tt.want)
			}
			if strings.Contains(msg, "s3cret") {
				t.Errorf("Open(%q) error = %q; leaks the password", tt.url, msg)
			}
		})
	}
}

func TestOpenCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s := core.Defaults().Database
	s.URL = "postgres://u@127.0.0.1:1/db?sslmode=disable"
	if _, err := orm.Open(ctx, s, nil); err == nil || !strings.Contains(err.Error(), "connect") {
		t.Errorf("Open(canceled ctx) error = %v; want a connect error", err)
	}
}

func TestProbe(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := open(t, url, nil, nil)
		p := orm.Probe(db)
		if p.Name != "database" {
			t.Errorf("Probe().Name = %q; want %q", p.Name, "database")
		}
		if err := p.Check(t.Context()); err != nil {
			t.Errorf("Probe().Check() = %v; want nil", err)
		}
		sqlDB, _ := db.DB()
		sqlDB.Close()
		if err := p.Check(t.Context()); err == nil {
			t.Errorf("Probe().Check() after Close = nil; want an error")
		}
	})
}

type item struct {
	ID   int64
	Name string
}

func TestFilterValueIsParameterised(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db := open(t, url, nil, nil)
		if err := db.Exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&item{ID: 1, Name: "a"}).Error; err != nil {
			t.Fatal(err)
		}
		attacks := []string{
			"'; DROP TABLE items; --",
			`a' OR '1'='1`,
			`"; DELETE FROM items; --`,
		}
		for _, v := range attacks {
			var got []item
			if err := db.Where("name = ?", v).Find(&got).Error; err != nil {
				t.Errorf("Where(name = %q): %v", v, err)
			}
			if len(got) != 0 {
				t.Errorf("Where(name = %q) found %v; want nothing", v, got)
			}
		}
		var n int64
		if err := db.Model(&item{}).Count(&n).Error; err != nil || n != 1 {
			t.Errorf("count after the attempts = %d, %v; want 1, nil (table intact)", n, err)
		}
	})
}

func TestLogger(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		logger, logs := djinntest.NewLogs()
		db := open(t, url, logger, func(s *core.DatabaseSettings) { s.SlowQuery = time.Nanosecond })
		if err := db.Exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)").Error; err != nil {
			t.Fatal(err)
		}
		mw, err := middleware.RequestID(middleware.RequestIDConfig{TrustIncoming: true})
		if err != nil {
			t.Fatal(err)
		}
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var got []item
			db.WithContext(r.Context()).Where("name = ?", "hunter2-secret").Find(&got)
		}))
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-Request-ID", "req-42")
		h.ServeHTTP(httptest.NewRecorder(), req)

		var slow map[string]any
		for _, rec := range logs.Records(t) {
			if rec["msg"] == "orm: slow query" && strings.Contains(rec["sql"].(string), "FROM") {
				slow = rec
			}
		}
		if slow == nil {
			t.Fatalf("no slow-query record for the SELECT in:\n%s", logs)
		}
		if slow["level"] != "WARN" {
			t.Errorf("slow query level = %v; want WARN", slow["level"])
		}
		if sql, _ := slow["sql"].(string); !strings.Contains(sql, "items") || strings.Contains(sql, "hunter2") {
			t.Errorf("slow query sql = %q; want the statement without its bound values", sql)
		}
		if d, ok := slow["duration_ms"].(float64); !ok || d < 0 {
			t.Errorf("slow query duration_ms = %v; want a non-negative number", slow["duration_ms"])
		}
		if _, ok := slow["rows"].(float64); !ok {
			t.Errorf("slow query rows = %v; want a number", slow["rows"])
		}
		if slow["request_id"] != "req-42" {
			t.Errorf("slow query request_id = %v; want %q", slow["request_id"], "req-42")
		}

		// A missing row is not an error worth logging; a failed statement is.
		db.First(&item{}, 99)
		db.Exec("SELECT * FROM no_such_table")
		var failed []map[string]any
		for _, rec := range logs.Records(t) {
			if rec["level"] == "ERROR" {
				failed = append(failed, rec)
			}
		}
		if len(failed) != 1 || failed[0]["msg"] != "orm: query failed" || !strings.Contains(failed[0]["sql"].(string), "no_such_table") {
			t.Errorf("error records = %v; want one \"orm: query failed\" for no_such_table", failed)
		}
	})
}

func TestLoggerLevels(t *testing.T) {
	url := djinntest.SQLiteURL(t)
	tests := []struct {
		name  string
		level slog.Level
		slow  time.Duration
		want  string // expected msg of the SELECT's record, "" for none
	}{
		{"debug logs every query", slog.LevelDebug, -1, "orm: query"},
		{"info hides fast queries", slog.LevelInfo, 0, ""},
		{"slow query off", slog.LevelWarn, -1, ""},
		{"slow query at warn", slog.LevelWarn, time.Nanosecond, "orm: slow query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs djinntest.Logs
			logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: tt.level}))
			db := open(t, url, logger, func(s *core.DatabaseSettings) { s.SlowQuery = tt.slow })
			var n int
			db.Raw("SELECT 42").Scan(&n)
			var got string
			for _, rec := range logs.Records(t) {
				if rec["sql"] == "SELECT 42" {
					got, _ = rec["msg"].(string)
				}
			}
			if got != tt.want {
				t.Errorf("record for SELECT 42 = %q; want %q\nlogs:\n%s", got, tt.want, logs.String())
			}
		})
	}
}

// A process that opens a SQLite file while another holds it locked (two
// workers starting on a new file race to switch it to WAL) waits for the
// lock instead of failing with SQLITE_BUSY once busy_timeout (5 s) has
// passed: Open keeps trying within its context.
func TestOpenSQLiteWaitsForALockedFile(t *testing.T) {
	if testing.Short() {
		t.Skip("holds a lock for 6 s")
	}
	url := djinntest.SQLiteURL(t)
	path := strings.TrimPrefix(url, "sqlite:///")
	other, err := sql.Open("sqlite", path) // the modernc driver, rollback journal
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"CREATE TABLE held (a integer)", "BEGIN EXCLUSIVE", "INSERT INTO held VALUES (1)"} {
		if _, err := conn.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	release := time.AfterFunc(6*time.Second, func() { _, _ = conn.ExecContext(context.Background(), "COMMIT") })
	defer release.Stop()

	start := time.Now()
	db := open(t, url, nil, nil)
	var n int
	if err := db.Raw("SELECT count(*) FROM held").Scan(&n).Error; err != nil || n != 1 {
		t.Fatalf("after the lock was released: count = %d, %v; want 1", n, err)
	}
	if waited := time.Since(start); waited < 5*time.Second {
		t.Errorf("Open returned after %v; the file was locked for 6 s", waited)
	}
}
