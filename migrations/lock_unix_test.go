//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package migrations_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/migrations"
)

// helperFileEnv, when set in the environment of the test binary, makes
// TestConcurrentMigrateOnSQLiteFile run `migrate` once on the SQLite file
// it names and print the output: the child process of its "processes"
// rows.
const helperFileEnv = "DJINN_MIGRATIONS_HELPER_SQLITE_FILE"

// loggedPolls is pollsApp whose migrations each add a row to polls_log:
// a migration applied twice leaves an extra row (or fails on SQLite).
func loggedPolls() testApp {
	app := pollsApp()
	app.files["0001_initial.up.sql"] = "CREATE TABLE polls_poll (id integer PRIMARY KEY, question varchar(200) NOT NULL);\n" +
		"CREATE TABLE polls_log (n integer NOT NULL);\nINSERT INTO polls_log VALUES (1);\n"
	app.files["0001_initial.down.sql"] = "DROP TABLE polls_log;\nDROP TABLE polls_poll;\n"
	app.files["0002_add_votes.up.sql"] = "ALTER TABLE polls_poll ADD COLUMN votes integer NOT NULL DEFAULT 0;\nINSERT INTO polls_log VALUES (2);\n"
	return app
}

// TestConcurrentMigrateOnSQLiteFile runs `migrate` twice at once on one
// fresh SQLite file, from two goroutines (two projects, two pools) and
// from two processes, several rounds each: both succeed, one applies
// each migration once and the other finds nothing to apply, the version
// is clean and the lock file is gone.
func TestConcurrentMigrateOnSQLiteFile(t *testing.T) {
	if file := os.Getenv(helperFileEnv); file != "" {
		p := project(t, "sqlite:///"+file, loggedPolls())
		code, out, errs := run(t, p, "migrate")
		fmt.Printf("--- stdout\n%s--- stderr\n%s--- end\n", out, errs)
		if code != command.ExitOK {
			t.Fatalf("migrate: exit %d", code)
		}
		return
	}
	type result struct {
		ok       bool
		out, err string
	}
	inGoroutine := func(t *testing.T, file string) result {
		p := project(t, "sqlite:///"+file, loggedPolls())
		code, out, errs := run(t, p, "migrate")
		return result{code == command.ExitOK, out, errs}
	}
	inProcess := func(t *testing.T, file string) result {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestConcurrentMigrateOnSQLiteFile$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperFileEnv+"="+file)
		b, err := cmd.CombinedOutput()
		out := string(b)
		if i := strings.Index(out, "--- stdout\n"); i >= 0 {
			out = out[i+len("--- stdout\n"):]
		}
		return result{err == nil, out, fmt.Sprint(err)}
	}
	for _, row := range []struct {
		name   string
		rounds int
		run    func(*testing.T, string) result
	}{
		{"goroutines", 8, inGoroutine},
		{"processes", 6, inProcess},
	} {
		t.Run(row.name, func(t *testing.T) {
			for round := range row.rounds {
				file := filepath.Join(t.TempDir(), "db.sqlite3")
				// The file exists, in WAL mode, before the runs start: two
				// processes opening a new file at once can fail in
				// orm.Open (SQLITE_BUSY on journal_mode=WAL) before any
				// migration code runs, which is not what this test is about.
				db := rawDB(t, setUp(t, project(t, "sqlite:///"+file)))
				var results [2]result
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range results {
					wg.Go(func() {
						<-start
						results[i] = row.run(t, file)
					})
				}
				close(start)
				wg.Wait()

				applied, idle := 0, 0
				for i, r := range results {
					if !r.ok {
						t.Errorf("round %d: migrate #%d failed: %s\n%s", round+1, i+1, r.err, r.out)
					}
					n := strings.Count(r.out, "... OK")
					applied += n
					if n == 0 && strings.Contains(r.out, "No migrations to apply.") {
						idle++
					}
				}
				if applied != 2 || idle != 1 {
					t.Errorf("round %d: %d migrations applied in all, %d runs with nothing to apply; want 2 by one run, and 1\n#1: %s\n#2: %s",
						round+1, applied, idle, results[0].out, results[1].out)
				}
				if got, want := version(t, db, "polls"), "2 dirty=false"; got != want {
					t.Errorf("round %d: version = %q; want %q", round+1, got, want)
				}
				if n := countRows(t, db, "SELECT count(*) FROM polls_log"); n != 2 {
					t.Errorf("round %d: polls_log has %d rows; want 2 (each migration once)", round+1, n)
				}
				if _, err := os.Stat(file + migrations.LockFileSuffix); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("round %d: after both runs, stat %s: %v; want the lock file removed", round+1, file+migrations.LockFileSuffix, err)
				}
				if t.Failed() {
					return
				}
			}
		})
	}
}

// setUp sets p up, as a command would.
func setUp(t *testing.T, p *core.Project) *core.Project {
	t.Helper()
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	return p
}

// holdLock takes the migration lock of file as another process would,
// until the returned function runs.
func holdLock(t *testing.T, file string) func() {
	t.Helper()
	f, err := os.OpenFile(file+migrations.LockFileSuffix, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(func() { _ = f.Close() }) }
	t.Cleanup(release)
	return release
}

// TestSQLiteLockWait checks what a run does while another holds the lock
// file: it logs once that it waits, gives up after LockTimeout or when its
// context ends with an error naming the file, touches nothing, and
// migrates once the lock is free.
func TestSQLiteLockWait(t *testing.T) {
	file := filepath.Join(t.TempDir(), "db.sqlite3")
	lockPath := file + migrations.LockFileSuffix
	p := setUp(t, project(t, "sqlite:///"+file, loggedPolls()))
	r, err := migrations.RunnerFor(p)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var mu sync.Mutex
	r.Logger = slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &logs}, nil))
	release := holdLock(t, file)

	r.LockTimeout = 300 * time.Millisecond
	steps, err := r.Migrate(t.Context())
	if err == nil || !strings.Contains(err.Error(), "another migrate holds "+lockPath) || !strings.Contains(err.Error(), "gave up waiting after 300ms") {
		t.Errorf("Migrate while the lock is held = %v, %v; want an error naming %s and the timeout", steps, err, lockPath)
	}
	mu.Lock()
	got := logs.String()
	logs.Reset()
	mu.Unlock()
	if n := strings.Count(got, "another migrate holds "+lockPath+"; waiting"); n != 1 {
		t.Errorf("log = %q; want one line saying it waits for %s", got, lockPath)
	}
	db := rawDB(t, p)
	if n := countRows(t, db, "SELECT count(*) FROM sqlite_master WHERE name = 'djinn_migrations_polls'"); n != 0 {
		t.Errorf("a run that never got the lock created djinn_migrations_polls; want nothing touched")
	}

	r.LockTimeout = time.Minute
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := r.Fake(ctx); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), lockPath) {
		t.Errorf("Fake with a context ending while the lock is held = %v; want context.DeadlineExceeded naming %s", err, lockPath)
	}

	time.AfterFunc(300*time.Millisecond, release)
	steps, err = r.Migrate(t.Context())
	if err != nil || len(steps) != 2 {
		t.Fatalf("Migrate once the lock is released = %v, %v; want 2 steps", steps, err)
	}
	if got, want := version(t, db, "polls"), "2 dirty=false"; got != want {
		t.Errorf("version = %q; want %q", got, want)
	}
	if _, err := os.Stat(lockPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Migrate, stat %s: %v; want the lock file removed", lockPath, err)
	}
}

// TestSQLiteInMemoryTakesNoLock migrates an in-memory database: there is
// no file to put a lock beside, and nothing may be created for one.
func TestSQLiteInMemoryTakesNoLock(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	p := project(t, "sqlite:///:memory:", loggedPolls())
	mustRun(t, p, "migrate")
	if got, want := version(t, rawDB(t, p), "polls"), "2 dirty=false"; got != want {
		t.Errorf("version = %q; want %q", got, want)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("migrating an in-memory database left %v in the working directory; want nothing", entries)
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
