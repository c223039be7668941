package migrations_test

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
)

// oneConnProject is project with a pool of one connection, so that what
// the runner leaves on its connection is what the next query meets.
func oneConnProject(t *testing.T, url string, apps ...core.App) *core.Project {
	t.Helper()
	return projectWith(t, url, func(s *core.Settings) {
		s.Database.MaxOpenConns = 1
		s.Database.MaxIdleConns = 1
	}, apps...)
}

func execSQL(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func countRows(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestFailedStatementIsNamed(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		bad := pollsApp()
		bad.files["0003_bad.up.sql"] = "-- Two tables; the second is broken.\nCREATE TABLE polls_half (id integer, note varchar(10) DEFAULT 'a;b');\n\n" +
			"/* here; */ CREATE TABLE polls_broken (id integer,,);\nCREATE TABLE polls_never (id integer);\n"
		bad.files["0003_bad.down.sql"] = "DROP TABLE polls_half;\n"
		p := project(t, url, bad)
		code, _, errs := run(t, p, "migrate")
		if code != command.ExitError {
			t.Fatalf("migrate with a bad file: exit %d; want %d; stderr %q", code, command.ExitError, errs)
		}
		dialect := strings.SplitN(url, ":", 2)[0]
		for _, want := range []string{
			"migrations: polls: " + dialect + "/0003_bad.up.sql failed at statement 2 (line 4): CREATE TABLE polls_broken (id integer,,): ",
			"syntax error", "marked dirty at version 0003", "migrate polls 0002 --fake",
		} {
			if !strings.Contains(errs, want) {
				t.Errorf("stderr = %q; want it to contain %q", errs, want)
			}
		}
		db := rawDB(t, p)
		for _, table := range []string{"polls_half", "polls_never"} {
			if cols := columns(t, db, table); cols != nil {
				t.Errorf("after the failed file, %s has columns %q; want no table", table, cols)
			}
		}
		if got, want := version(t, db, "polls"), "3 dirty=true"; got != want {
			t.Errorf("version = %q; want %q", got, want)
		}

		// The same through the Runner, with a statement too long to quote whole.
		long := "CREATE TABLE polls_long ("
		for i := range 40 {
			long += fmt.Sprintf("c%d integer, ", i)
		}
		long += ",)"
		bad.files["0003_bad.up.sql"] = "SELECT 1;\n" + long + ";\n"
		p = project(t, url, bad)
		mustRun(t, p, "migrate", "polls", "0002", "--fake")
		r, err := migrations.RunnerFor(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Migrate(t.Context())
		var me *migrations.Error
		if !errors.As(err, &me) {
			t.Fatalf("Migrate = %v; want a *migrations.Error", err)
		}
		if me.Statement != 2 || me.Line != 2 || !strings.HasPrefix(me.SQL, "CREATE TABLE polls_long (c0 integer, c1 integer,") ||
			len(me.SQL) > 210 || !strings.HasSuffix(me.SQL, "…") {
			t.Errorf("Error{Statement: %d, Line: %d, SQL: %q}; want statement 2, line 2, the SQL cut to about 200 bytes", me.Statement, me.Line, me.SQL)
		}
		if me.Err == nil || !strings.Contains(me.Err.Error(), "syntax error") {
			t.Errorf("Error.Err = %v; want the database's syntax error", me.Err)
		}
	})
}

func TestStatementsRunOneByOne(t *testing.T) {
	const table = "CREATE TABLE polls_vote (id integer PRIMARY KEY, note varchar(20) NOT NULL DEFAULT 'x;y');\n" +
		"CREATE TABLE polls_log (msg varchar(50));\n"
	app := testApp{label: "polls", files: map[string]string{
		"sqlite/0001_initial.up.sql": "-- A trigger whose body holds statements and CASE … END.\n" + table +
			"CREATE TRIGGER polls_vote_log AFTER INSERT ON polls_vote\nBEGIN\n" +
			"  INSERT INTO polls_log VALUES (CASE WHEN NEW.id > 1 THEN 'many; ' || NEW.note ELSE 'one' END);\n" +
			"  INSERT INTO polls_log VALUES ('end');\nEND;\n" +
			"PRAGMA foreign_keys = OFF;\n",
		"postgres/0001_initial.up.sql": "/* A trigger /* nested */ through a dollar-quoted function. */\n" + table +
			"CREATE FUNCTION polls_vote_log() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n" +
			"  INSERT INTO polls_log VALUES (CASE WHEN NEW.id > 1 THEN 'many; ' || NEW.note ELSE 'one' END);\n" +
			"  INSERT INTO polls_log VALUES ($$end$$);\n  RETURN NEW;\nEND;\n$fn$;\n" +
			"CREATE TRIGGER polls_vote_log AFTER INSERT ON polls_vote FOR EACH ROW EXECUTE FUNCTION polls_vote_log();\n" +
			"CREATE FUNCTION polls_twice(n integer) RETURNS integer LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN n > 0 THEN n * 2 END;\nEND;\n",
		"0001_initial.down.sql": "DROP TABLE polls_vote;\nDROP TABLE polls_log;\n",
	}}
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		p := project(t, url, app)
		mustRun(t, p, "migrate")
		db := rawDB(t, p)
		execSQL(t, db, "INSERT INTO polls_vote (id) VALUES (2)")
		rows, err := db.QueryContext(t.Context(), "SELECT msg FROM polls_log ORDER BY msg")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		if strings.Join(got, "|") != "end|many; x;y" {
			t.Errorf("polls_log after an insert = %q; want the trigger's rows [end, many; x;y]", got)
		}
		if strings.HasPrefix(url, "postgres") {
			if n := countRows(t, db, "SELECT polls_twice(21)"); n != 42 {
				t.Errorf("polls_twice(21) = %d; want 42 (the BEGIN ATOMIC function's last statement)", n)
			}
		}
	})
}

// familyApp has a parent table and a child table whose rows go with their
// parent (ON DELETE CASCADE), three children of two parents, then the
// migrations in more.
func familyApp(more map[string]string) testApp {
	files := map[string]string{
		"sqlite/0001_initial.up.sql": "CREATE TABLE fam_parent (id integer PRIMARY KEY, name varchar(20) NOT NULL);\n" +
			"CREATE TABLE fam_child (id integer PRIMARY KEY, parent_id integer NOT NULL REFERENCES fam_parent (id) ON DELETE CASCADE);\n" +
			"INSERT INTO fam_parent VALUES (1, 'a'), (2, 'b');\nINSERT INTO fam_child VALUES (1, 1), (2, 1), (3, 2);\n",
		"sqlite/0001_initial.down.sql": "DROP TABLE fam_child;\nDROP TABLE fam_parent;\n",
	}
	for k, v := range more {
		files[k] = v
	}
	return testApp{label: "fam", files: files}
}

// rebuildParent is a table rebuild as schema tools write it for SQLite,
// which cannot alter a column: a new table, a copy, a drop, a rename.
const rebuildParent = "PRAGMA foreign_keys=OFF;\n" +
	"CREATE TABLE fam_parent_new (id integer PRIMARY KEY, name varchar(40) NOT NULL, rank integer NOT NULL DEFAULT 0);\n" +
	"INSERT INTO fam_parent_new (id, name) SELECT id, name FROM fam_parent;\n" +
	"DROP TABLE fam_parent;\n" +
	"ALTER TABLE fam_parent_new RENAME TO fam_parent;\n" +
	"PRAGMA foreign_keys=ON;\n"

// assertForeignKeysEnforced inserts a child of a missing parent through
// the project's gorm DB and wants orm.ErrForeignKey.
func assertForeignKeysEnforced(t *testing.T, p *core.Project) {
	t.Helper()
	oa, err := orm.From(p)
	if err != nil {
		t.Fatal(err)
	}
	err = oa.DB().WithContext(t.Context()).Exec("INSERT INTO fam_child (id, parent_id) VALUES (100, 99)").Error
	if !errors.Is(err, orm.ErrForeignKey) {
		t.Errorf("after migrate, inserting a child of a missing parent = %v; want orm.ErrForeignKey (foreign keys enforced again)", err)
	}
}

func TestSQLiteTableRebuildKeepsChildren(t *testing.T) {
	app := familyApp(map[string]string{
		"sqlite/0002_rebuild.up.sql":   rebuildParent,
		"sqlite/0002_rebuild.down.sql": "ALTER TABLE fam_parent DROP COLUMN rank;\n",
	})
	p := oneConnProject(t, djinntest.SQLiteURL(t), app)
	mustRun(t, p, "migrate")
	db := rawDB(t, p)
	if got, want := strings.Join(columns(t, db, "fam_parent"), ","), "id,name,rank"; got != want {
		t.Errorf("fam_parent columns after the rebuild = %q; want %q", got, want)
	}
	if got := countRows(t, db, "SELECT count(*) FROM fam_child"); got != 3 {
		t.Errorf("fam_child has %d rows after the parent's rebuild; want 3 (none cascaded away)", got)
	}
	assertForeignKeysEnforced(t, p)
	// The children reference the rebuilt table: deleting a parent cascades.
	execSQL(t, db, "DELETE FROM fam_parent WHERE id = 2")
	if got := countRows(t, db, "SELECT count(*) FROM fam_child"); got != 2 {
		t.Errorf("fam_child has %d rows after deleting parent 2; want 2 (its child cascaded)", got)
	}
}

func TestSQLiteForeignKeyCheck(t *testing.T) {
	app := familyApp(map[string]string{
		"sqlite/0002_orphans.up.sql": "CREATE TABLE fam_extra (id integer);\n" +
			"DELETE FROM fam_parent WHERE id = 1;\n",
		"sqlite/0002_orphans.down.sql": "DROP TABLE fam_extra;\n",
	})
	p := oneConnProject(t, djinntest.SQLiteURL(t), app)
	code, _, errs := run(t, p, "migrate")
	if code != command.ExitError {
		t.Fatalf("migrate leaving orphans: exit %d; want %d; stderr %q", code, command.ExitError, errs)
	}
	for _, want := range []string{
		"migrations: fam: sqlite/0002_orphans.up.sql failed: foreign key check failed, 2 row(s) reference missing rows: " +
			"fam_child rowid 1 references a missing row of fam_parent; fam_child rowid 2 references a missing row of fam_parent\n",
		"fam is marked dirty at version 0002",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr = %q; want it to contain %q", errs, want)
		}
	}
	db := rawDB(t, p)
	if got := countRows(t, db, "SELECT count(*) FROM fam_parent WHERE id = 1"); got != 1 {
		t.Errorf("parent 1 rows = %d after the failed file; want 1 (rolled back)", got)
	}
	if got := countRows(t, db, "SELECT count(*) FROM fam_child"); got != 3 {
		t.Errorf("fam_child rows = %d after the failed file; want 3", got)
	}
	if cols := columns(t, db, "fam_extra"); cols != nil {
		t.Errorf("fam_extra has columns %q after the failed file; want no table", cols)
	}
	assertForeignKeysEnforced(t, p)

	// Through the Runner, the error is a ForeignKeyError and orm.ErrForeignKey.
	mustRun(t, p, "migrate", "fam", "0001", "--fake")
	r, err := migrations.RunnerFor(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Migrate(t.Context())
	var fe *migrations.ForeignKeyError
	if !errors.As(err, &fe) || !errors.Is(err, orm.ErrForeignKey) {
		t.Fatalf("Migrate = %v; want a *migrations.ForeignKeyError matching orm.ErrForeignKey", err)
	}
	want := []migrations.ForeignKeyViolation{{Table: "fam_child", RowID: 1, Parent: "fam_parent"}, {Table: "fam_child", RowID: 2, Parent: "fam_parent"}}
	if fe.Count != 2 || len(fe.Violations) != 2 || fe.Violations[0] != want[0] || fe.Violations[1] != want[1] {
		t.Errorf("ForeignKeyError = %+v; want Count 2, Violations %+v", fe, want)
	}
	assertForeignKeysEnforced(t, p)
}

func choicesOnPolls() testApp {
	return testApp{label: "choices", deps: []string{"polls"}, files: map[string]string{
		"0001_initial.up.sql":   "CREATE TABLE choices_choice (id integer PRIMARY KEY, poll_id integer NOT NULL REFERENCES polls_poll (id));\n",
		"0001_initial.down.sql": "DROP TABLE choices_choice;\n",
	}}
}

func TestUnapplyDependentsFirst(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		p := project(t, url, pollsApp(), choicesOnPolls())
		mustRun(t, p, "migrate")
		db := rawDB(t, p)
		execSQL(t, db, "INSERT INTO polls_poll (id, question) VALUES (1, 'Why?')")
		execSQL(t, db, "INSERT INTO choices_choice (id, poll_id) VALUES (1, 1)")

		out := mustRun(t, p, "migrate", "polls", "zero", "--plan")
		want := "Planned operations:\n  Unapply choices.0001_initial\n  Unapply polls.0002_add_votes\n  Unapply polls.0001_initial\n"
		if out != want {
			t.Errorf("migrate polls zero --plan = %q; want %q", out, want)
		}
		out = mustRun(t, p, "migrate", "polls", "0001", "--plan")
		want = "Planned operations:\n  Unapply choices.0001_initial\n  Unapply polls.0002_add_votes\n"
		if out != want {
			t.Errorf("migrate polls 0001 --plan = %q; want %q", out, want)
		}
		if got := version(t, db, "choices"); got != "1 dirty=false" {
			t.Errorf("choices version after --plan = %q; want it unchanged", got)
		}

		// A target keeping the dependent is refused, and nothing runs.
		r, err := migrations.RunnerFor(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Migrate(t.Context(), migrations.Target{App: "polls", Version: migrations.Zero}, migrations.Target{App: "choices", Version: migrations.Latest})
		if err == nil || !strings.Contains(err.Error(), "cannot migrate choices to 0001 while unapplying migrations of polls") {
			t.Errorf("Migrate(polls zero, choices latest) = %v; want an error about choices depending on polls", err)
		}
		if got := version(t, db, "polls"); got != "2 dirty=false" {
			t.Errorf("polls version after the refused Migrate = %q; want 2", got)
		}

		out = timing.ReplaceAllString(mustRun(t, p, "migrate", "polls", "zero"), "(Nms)")
		want = "Running migrations:\n  Unapplying choices.0001_initial... OK (Nms)\n" +
			"  Unapplying polls.0002_add_votes... OK (Nms)\n  Unapplying polls.0001_initial... OK (Nms)\n"
		if !strings.HasSuffix(out, want) {
			t.Errorf("migrate polls zero = %q; want it to end with %q", out, want)
		}
		for _, table := range []string{"choices_choice", "polls_poll"} {
			if cols := columns(t, db, table); cols != nil {
				t.Errorf("after migrate polls zero, %s has columns %q; want no table", table, cols)
			}
		}
		for _, app := range []string{"choices", "polls"} {
			if got := version(t, db, app); got != "none" {
				t.Errorf("%s version after migrate polls zero = %q; want none", app, got)
			}
		}

		// A dependent with nothing applied is left out of the plan.
		mustRun(t, p, "migrate", "polls")
		out = mustRun(t, p, "migrate", "polls", "zero", "--plan")
		want = "Planned operations:\n  Unapply polls.0002_add_votes\n  Unapply polls.0001_initial\n"
		if out != want {
			t.Errorf("migrate polls zero --plan without choices applied = %q; want %q", out, want)
		}

		// --fake records the target alone: it is how one recovers an app.
		mustRun(t, p, "migrate", "choices")
		mustRun(t, p, "migrate", "polls", "0001", "--fake")
		if got := version(t, db, "choices"); got != "1 dirty=false" {
			t.Errorf("choices version after migrate polls 0001 --fake = %q; want 1 (fake does not cascade)", got)
		}
	})
}
