package migrations_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
)

// testApp is an app with migrations given as a map of file name to SQL,
// used for both dialects unless a name starts with "sqlite/" or "postgres/".
type testApp struct {
	label string
	files map[string]string
	deps  []string
}

func (a testApp) Label() string                   { return a.label }
func (a testApp) Dependencies() []string          { return []string{orm.Label} }
func (a testApp) MigrationDependencies() []string { return a.deps }
func (a testApp) Migrations() fs.FS {
	m := fstest.MapFS{}
	for name, body := range a.files {
		if strings.Contains(name, "/") {
			m[name] = &fstest.MapFile{Data: []byte(body)}
			continue
		}
		m["sqlite/"+name] = &fstest.MapFile{Data: []byte(body)}
		m["postgres/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	return m
}

func pollsApp() testApp {
	return testApp{label: "polls", files: map[string]string{
		"0001_initial.up.sql":     "CREATE TABLE polls_poll (id integer PRIMARY KEY, question varchar(200) NOT NULL);\n",
		"0001_initial.down.sql":   "DROP TABLE polls_poll;\n",
		"0002_add_votes.up.sql":   "ALTER TABLE polls_poll ADD COLUMN votes integer NOT NULL DEFAULT 0;\n",
		"0002_add_votes.down.sql": "ALTER TABLE polls_poll DROP COLUMN votes;\n",
	}}
}

// project returns a project with the orm, migrations and apps on url.
func project(t *testing.T, url string, apps ...core.App) *core.Project {
	t.Helper()
	return projectWith(t, url, nil, apps...)
}

// projectWith is project with settings changed by edit (when not nil).
func projectWith(t *testing.T, url string, edit func(*core.Settings), apps ...core.App) *core.Project {
	t.Helper()
	s := core.Defaults()
	s.Debug = true
	s.Logging.Handler = slog.DiscardHandler
	s.Database.URL = url
	s.InstalledApps = append([]core.App{orm.New(), migrations.New()}, apps...)
	if edit != nil {
		edit(&s)
	}
	p := core.New(s)
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

// run runs a manage command and returns its exit status, stdout and stderr.
func run(t *testing.T, p *core.Project, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := command.Run(t.Context(), p, command.Stdio{Out: &out, Err: &errb}, args...)
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, p *core.Project, args ...string) string {
	t.Helper()
	code, out, errs := run(t, p, args...)
	if code != command.ExitOK {
		t.Fatalf("manage %s: exit %d; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func rawDB(t *testing.T, p *core.Project) *sql.DB {
	t.Helper()
	oa, err := orm.From(p)
	if err != nil {
		t.Fatal(err)
	}
	db, err := oa.DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

var queryCount atomic.Int64

// columns returns the columns of table, empty when it does not exist.
func columns(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	// A distinct text each time: pgx caches the description of a statement
	// it has seen, which an ALTER TABLE makes stale.
	rows, err := db.QueryContext(t.Context(), fmt.Sprintf("SELECT * FROM %s WHERE 1 = 0 /* %d */", table, queryCount.Add(1)))
	if err != nil {
		return nil
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

func version(t *testing.T, db *sql.DB, app string) string {
	t.Helper()
	var v int64
	var dirty bool
	err := db.QueryRowContext(t.Context(), "SELECT version, dirty FROM "+migrations.TableName(app)).Scan(&v, &dirty)
	if err == sql.ErrNoRows {
		return "none"
	}
	if err != nil {
		t.Fatalf("read %s: %v", migrations.TableName(app), err)
	}
	return fmt.Sprintf("%d dirty=%v", v, dirty)
}

var timing = regexp.MustCompile(`\(\d+ms\)`)

func TestLifecycle(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		p := project(t, url, pollsApp())

		out := mustRun(t, p, "migrate", "--plan")
		if want := "Planned operations:\n  Apply polls.0001_initial\n  Apply polls.0002_add_votes\n"; out != want {
			t.Errorf("migrate --plan = %q; want %q", out, want)
		}
		if cols := columns(t, rawDB(t, p), "polls_poll"); cols != nil {
			t.Fatalf("after --plan, polls_poll has columns %q; want no table", cols)
		}

		out = mustRun(t, p, "migrate")
		want := "Operations to perform:\n  Apply all migrations: polls\nRunning migrations:\n" +
			"  Applying polls.0001_initial... OK (Nms)\n  Applying polls.0002_add_votes... OK (Nms)\n"
		if got := timing.ReplaceAllString(out, "(Nms)"); got != want {
			t.Errorf("migrate = %q; want %q", got, want)
		}
		db := rawDB(t, p)
		if got, want := strings.Join(columns(t, db, "polls_poll"), ","), "id,question,votes"; got != want {
			t.Errorf("polls_poll columns = %q; want %q", got, want)
		}
		if got, want := version(t, db, "polls"), "2 dirty=false"; got != want {
			t.Errorf("version = %q; want %q", got, want)
		}

		out = mustRun(t, p, "migrate")
		if !strings.HasSuffix(out, "  No migrations to apply.\n") {
			t.Errorf("second migrate = %q; want it to end with No migrations to apply", out)
		}

		out = mustRun(t, p, "showmigrations")
		if want := "polls\n [X] 0001_initial\n [X] 0002_add_votes\n"; out != want {
			t.Errorf("showmigrations = %q; want %q", out, want)
		}

		out = mustRun(t, p, "sqlmigrate", "polls", "0002")
		if want := pollsApp().files["0002_add_votes.up.sql"]; out != want {
			t.Errorf("sqlmigrate polls 0002 = %q; want %q", out, want)
		}
		out = mustRun(t, p, "sqlmigrate", "polls", "0002", "--backwards")
		if want := pollsApp().files["0002_add_votes.down.sql"]; out != want {
			t.Errorf("sqlmigrate polls 0002 --backwards = %q; want %q", out, want)
		}

		out = mustRun(t, p, "migrate", "polls", "0001")
		if got, want := timing.ReplaceAllString(out, "(Nms)"), "  Unapplying polls.0002_add_votes... OK (Nms)\n"; !strings.HasSuffix(got, want) {
			t.Errorf("migrate polls 0001 = %q; want it to end with %q", got, want)
		}
		out = mustRun(t, p, "showmigrations", "polls")
		if want := "polls\n [X] 0001_initial\n [ ] 0002_add_votes\n"; out != want {
			t.Errorf("showmigrations after migrate polls 0001 = %q; want %q", out, want)
		}
		if got, want := strings.Join(columns(t, db, "polls_poll"), ","), "id,question"; got != want {
			t.Errorf("polls_poll columns after 0001 = %q; want %q", got, want)
		}

		mustRun(t, p, "migrate", "polls", "zero")
		if cols := columns(t, db, "polls_poll"); cols != nil {
			t.Errorf("after migrate polls zero, polls_poll has columns %q; want no table", cols)
		}
		if got, want := version(t, db, "polls"), "none"; got != want {
			t.Errorf("version after zero = %q; want %q", got, want)
		}
		out = mustRun(t, p, "showmigrations")
		if want := "polls\n [ ] 0001_initial\n [ ] 0002_add_votes\n"; out != want {
			t.Errorf("showmigrations after zero = %q; want %q", out, want)
		}

		// --fake records without running SQL.
		out = mustRun(t, p, "migrate", "polls", "0001", "--fake")
		if !strings.Contains(out, "  Applying polls.0001_initial... FAKED\n") {
			t.Errorf("migrate --fake = %q; want a FAKED line", out)
		}
		if cols := columns(t, db, "polls_poll"); cols != nil {
			t.Errorf("after --fake, polls_poll has columns %q; want no table", cols)
		}
		if got, want := version(t, db, "polls"), "1 dirty=false"; got != want {
			t.Errorf("version after fake = %q; want %q", got, want)
		}
	})
}

func TestDependencyOrder(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		// choices (installed first) references polls' table: polls must run first.
		choices := testApp{label: "choices", deps: []string{"polls"}, files: map[string]string{
			"0001_initial.up.sql":   "CREATE TABLE choices_choice (id integer PRIMARY KEY, poll_id integer NOT NULL REFERENCES polls_poll (id));\n",
			"0001_initial.down.sql": "DROP TABLE choices_choice;\n",
		}}
		p := project(t, url, choices, pollsApp())
		out := timing.ReplaceAllString(mustRun(t, p, "migrate", "choices"), "(Nms)")
		want := "Running migrations:\n  Applying polls.0001_initial... OK (Nms)\n  Applying polls.0002_add_votes... OK (Nms)\n" +
			"  Applying choices.0001_initial... OK (Nms)\n"
		if !strings.HasSuffix(out, want) {
			t.Errorf("migrate choices = %q; want it to end with %q", out, want)
		}
		out = mustRun(t, p, "showmigrations")
		if want := "polls\n [X] 0001_initial\n [X] 0002_add_votes\nchoices\n [X] 0001_initial\n"; out != want {
			t.Errorf("showmigrations = %q; want %q", out, want)
		}
	})
}

func TestBadMigration(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		bad := pollsApp()
		bad.files["0003_bad.up.sql"] = "CREATE TABLE polls_half (id integer);\nCREATE TABLE polls_broken (id integer,,);\n"
		bad.files["0003_bad.down.sql"] = "DROP TABLE polls_half;\n"
		p := project(t, url, bad)
		code, out, errs := run(t, p, "migrate")
		if code != command.ExitError {
			t.Fatalf("migrate with a bad file: exit %d; want %d; stderr %q", code, command.ExitError, errs)
		}
		if !strings.Contains(out, "  Applying polls.0003_bad... FAILED") {
			t.Errorf("stdout = %q; want a FAILED line for polls.0003_bad", out)
		}
		dialect := strings.SplitN(url, ":", 2)[0]
		for _, want := range []string{"polls: " + dialect + "/0003_bad.up.sql failed at statement 2 (line 2): CREATE TABLE polls_broken (id integer,,): ", "syntax error", "marked dirty at version 0003", "migrate polls 0002 --fake"} {
			if !strings.Contains(errs, want) {
				t.Errorf("stderr = %q; want it to contain %q", errs, want)
			}
		}
		db := rawDB(t, p)
		if got, want := version(t, db, "polls"), "3 dirty=true"; got != want {
			t.Errorf("version = %q; want %q", got, want)
		}
		if cols := columns(t, db, "polls_half"); cols != nil {
			t.Errorf("the failed file's first statement was applied (polls_half has %q); want nothing of it", cols)
		}
		if got, want := strings.Join(columns(t, db, "polls_poll"), ","), "id,question,votes"; got != want {
			t.Errorf("earlier migrations: polls_poll columns = %q; want %q", got, want)
		}
		out = mustRun(t, p, "showmigrations")
		if !strings.Contains(out, " [!] 0003_bad (dirty") {
			t.Errorf("showmigrations = %q; want 0003_bad marked [!] dirty", out)
		}

		// A dirty app refuses to migrate until faked clean.
		code, _, errs = run(t, p, "migrate")
		if code != command.ExitError || !strings.Contains(errs, "dirty") || !strings.Contains(errs, "--fake") {
			t.Errorf("migrate on a dirty app: exit %d, stderr %q; want an error about the dirty mark and --fake", code, errs)
		}
		mustRun(t, p, "migrate", "polls", "0002", "--fake")
		if got, want := version(t, db, "polls"), "2 dirty=false"; got != want {
			t.Errorf("version after fake recovery = %q; want %q", got, want)
		}
	})
}

func TestMissingDownFile(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		app := pollsApp()
		delete(app.files, "0002_add_votes.down.sql")
		p := project(t, url, app)
		mustRun(t, p, "migrate")
		code, _, errs := run(t, p, "migrate", "polls", "zero")
		if code != command.ExitError {
			t.Fatalf("migrate polls zero without a down file: exit %d; want %d", code, command.ExitError)
		}
		if want := "polls.0002_add_votes has no down file"; !strings.Contains(errs, want) {
			t.Errorf("stderr = %q; want it to contain %q", errs, want)
		}
		db := rawDB(t, p)
		if got, want := version(t, db, "polls"), "2 dirty=false"; got != want {
			t.Errorf("version = %q; want %q (nothing changed)", got, want)
		}
		if got, want := strings.Join(columns(t, db, "polls_poll"), ","), "id,question,votes"; got != want {
			t.Errorf("polls_poll columns = %q; want %q", got, want)
		}
	})
}

func TestConcurrentRunsOnPostgres(t *testing.T) {
	url := djinntest.PostgresURL(t)
	app := pollsApp()
	// Each application of 0002 leaves a row: applied twice would leave two.
	app.files["0002_add_votes.up.sql"] = "ALTER TABLE polls_poll ADD COLUMN votes integer NOT NULL DEFAULT 0;\n" +
		"CREATE TABLE IF NOT EXISTS polls_log (n integer);\nINSERT INTO polls_log VALUES (1);\nSELECT pg_sleep(0.2);\n"
	app.files["0002_add_votes.down.sql"] = "DROP TABLE polls_log;\nALTER TABLE polls_poll DROP COLUMN votes;\n"
	const nodes = 2
	var wg sync.WaitGroup
	type result struct {
		code     int
		out, err string
	}
	results := make([]result, nodes)
	projects := make([]*core.Project, nodes)
	for i := range nodes {
		projects[i] = project(t, url, app)
	}
	for i := range nodes {
		wg.Go(func() {
			var out, errb bytes.Buffer
			code := command.Run(t.Context(), projects[i], command.Stdio{Out: &out, Err: &errb}, "migrate")
			results[i] = result{code, out.String(), errb.String()}
		})
	}
	wg.Wait()
	applied := 0
	for i, r := range results {
		if r.code != command.ExitOK {
			t.Errorf("node %d: exit %d; stderr %q", i, r.code, r.err)
		}
		applied += strings.Count(r.out, "... OK")
	}
	if applied != 2 {
		t.Errorf("the two nodes applied %d migrations in all; want 2 (each once)\n%+v", applied, results)
	}
	db := rawDB(t, projects[0])
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM polls_log").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("0002 ran %d times; want 1", n)
	}
	if got, want := version(t, db, "polls"), "2 dirty=false"; got != want {
		t.Errorf("version = %q; want %q", got, want)
	}
}
