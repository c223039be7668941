package faulttest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	// The SQLite database/sql driver, to read the version tables.
	_ "modernc.org/sqlite"
)

// TestTwoNodesMigrateAtOnce starts two `polls migrate` processes at the
// same instant on one fresh database, as two nodes released at once
// would, three times on PostgreSQL and three times on SQLite (two
// processes on one file). Both exit 0; each migration is applied by exactly one of
// them (its "Applying ... OK" line appears once over both outputs, the
// other says "No migrations to apply."); every app's version table holds
// one row, at its last migration, not dirty; and the schema is there.
func TestTwoNodesMigrateAtOnce(t *testing.T) {
	Enabled(t)
	pg := StartPostgres(t)
	polls := Polls(t)
	const rounds = 3
	for i := range rounds {
		t.Run(fmt.Sprintf("postgres round %d", i+1), func(t *testing.T) {
			name := fmt.Sprintf("migrate_%d", i+1)
			dbURL := pg.CreateDB(t, name)
			db := pg.Open(t, name)
			migrateTwice(t, polls.With("DATABASE_URL="+dbURL), db, "postgres")
		})
	}
	for i := range rounds {
		t.Run(fmt.Sprintf("sqlite round %d", i+1), func(t *testing.T) {
			if !sqliteMigrateLocked {
				t.Skip("known bug: on SQLite, migrations take no lock across processes; two at once can both apply a migration and leave the app dirty (see sqliteMigrateLocked)")
			}
			file := filepath.Join(t.TempDir(), "db.sqlite3")
			db, err := sql.Open("sqlite", file)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			migrateTwice(t, polls.With("DATABASE_URL=sqlite:///"+file), db, "sqlite")
		})
	}
}

// sqliteMigrateLocked turns on the SQLite rounds. Without a lock, two
// processes on one SQLite file both read version 0, both run
// 0001_initial, and the loser fails with "table ... already exists" and
// leaves its app marked dirty (seen in 1 round of 3); the migration runner
// now holds an flock on <file>-migrate.lock for the run, as it holds
// pg_advisory_lock on PostgreSQL.
const sqliteMigrateLocked = true

// applyLine matches a migrate progress line, "  Applying polls.0001_initial... OK (12ms)".
var applyLine = regexp.MustCompile(`(?m)^\s*Applying (\S+)\.\.\. (\S+)`)

// migrateTwice runs `migrate` twice at once with b and checks the result
// in db.
func migrateTwice(t *testing.T, b *Bin, db *sql.DB, dialect string) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		outs  [2]string
		errs  [2]error
		took  [2]time.Duration
	)
	for i := range 2 {
		wg.Go(func() {
			<-start
			t0 := time.Now()
			outs[i], errs[i] = b.Output(t.Context(), "migrate")
			took[i] = time.Since(t0)
		})
	}
	close(start)
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Errorf("migrate #%d: %v\n%s", i+1, errs[i], outs[i])
		}
	}

	// Each migration applied once, by one process.
	applied := map[string]int{}
	var byProc [2]int
	for i, out := range outs {
		for _, m := range applyLine.FindAllStringSubmatch(out, -1) {
			applied[m[1]]++
			byProc[i]++
			if m[2] != "OK" {
				t.Errorf("migrate #%d: Applying %s... %s; want OK", i+1, m[1], m[2])
			}
		}
	}
	for name, n := range applied {
		if n != 1 {
			t.Errorf("migration %s applied %d times over both processes; want once", name, n)
		}
	}
	idle := 0
	for i, out := range outs {
		if byProc[i] == 0 && strings.Contains(out, "No migrations to apply.") {
			idle++
		}
	}
	if len(applied) == 0 || idle != 1 {
		t.Errorf("applied by process: %v (%d migrations); want all by one and \"No migrations to apply.\" from the other\n#1:\n%s\n#2:\n%s",
			byProc, len(applied), outs[0], outs[1])
	}

	// The version tables: one row each, at the last migration of the app,
	// not dirty.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	tables := versionTables(ctx, t, db, dialect)
	if len(tables) == 0 {
		t.Fatalf("no djinn_migrations_* tables after migrate")
	}
	last := map[string]int64{} // app -> highest version applied, from the output
	for name := range applied {
		app, file, _ := strings.Cut(name, ".")
		var v int64
		fmt.Sscanf(file, "%d", &v)
		last[app] = max(last[app], v)
	}
	for _, table := range tables {
		app := strings.TrimPrefix(table, "djinn_migrations_")
		rows, err := db.QueryContext(ctx, `SELECT version, dirty FROM "`+table+`"`)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		var got []string
		for rows.Next() {
			var v int64
			var dirty bool
			if err := rows.Scan(&v, &dirty); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%d dirty=%v", v, dirty))
		}
		rows.Close()
		want := fmt.Sprintf("%d dirty=false", last[app])
		if len(got) != 1 || got[0] != want {
			t.Errorf("%s = %v; want one row %q", table, got, want)
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM polls_choice").Scan(&n); err != nil {
		t.Errorf("the schema is missing after migrate: %v", err)
	}
	t.Logf("FIGURES: two nodes migrate at once (%s): exit=[%v %v] applied_by=[%d %d] migrations=%d version_tables=%d took=[%.2fs %.2fs]",
		dialect, errs[0] == nil, errs[1] == nil, byProc[0], byProc[1], len(applied), len(tables), took[0].Seconds(), took[1].Seconds())
}

// versionTables lists the djinn_migrations_* tables.
func versionTables(ctx context.Context, t *testing.T, db *sql.DB, dialect string) []string {
	t.Helper()
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'djinn\_migrations\_%' ORDER BY 1`
	if dialect == "sqlite" {
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'djinn\_migrations\_%' ESCAPE '\' ORDER BY 1`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("list the version tables: %v", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		names = append(names, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}
