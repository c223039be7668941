package migrations

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// lined is a statement as the tests write it: its line and text.
type lined struct {
	Line int
	Text string
}

func splitLined(body string, postgres bool) []lined {
	var out []lined
	for _, s := range splitSQL(body, postgres) {
		out = append(out, lined{s.line, s.text})
	}
	return out
}

func TestSplitSQL(t *testing.T) {
	const (
		both = iota
		sqliteOnly
		postgresOnly
	)
	tests := []struct {
		name    string
		dialect int
		body    string
		want    []lined
	}{
		{"empty", both, "", nil},
		{"only whitespace, comments and semicolons", both, "\n  -- a comment;\n/* another; */ ;;\n", nil},
		{"one statement without semicolon", both, "SELECT 1", []lined{{1, "SELECT 1"}}},
		{"two statements with lines", both, "CREATE TABLE a (id integer);\n\nCREATE TABLE b (id integer);\n",
			[]lined{{1, "CREATE TABLE a (id integer)"}, {3, "CREATE TABLE b (id integer)"}}},
		{"several on one line", both, "SELECT 1; SELECT 2 ;SELECT 3", []lined{{1, "SELECT 1"}, {1, "SELECT 2"}, {1, "SELECT 3"}}},
		{"leading and trailing comments are not part of the text", both,
			"-- create a\n/* multi\nline */ CREATE TABLE a (id integer) -- trailing; not a split\n;\nSELECT 2;",
			[]lined{{3, "CREATE TABLE a (id integer)"}, {5, "SELECT 2"}}},
		{"comment inside a statement is kept", both, "SELECT 1 /* ; */ + 2;", []lined{{1, "SELECT 1 /* ; */ + 2"}}},
		{"semicolon in a string", both, "INSERT INTO t VALUES ('a;b');SELECT 2;",
			[]lined{{1, "INSERT INTO t VALUES ('a;b')"}, {1, "SELECT 2"}}},
		{"doubled quote in a string", both, "INSERT INTO t VALUES ('it''s; fine');SELECT 2;",
			[]lined{{1, "INSERT INTO t VALUES ('it''s; fine')"}, {1, "SELECT 2"}}},
		{"string across lines counts its lines", both, "SELECT 'a\nb\n';\nSELECT 2;",
			[]lined{{1, "SELECT 'a\nb\n'"}, {4, "SELECT 2"}}},
		{"comment markers in a string", both, "SELECT '-- no', '/* no';SELECT 2;",
			[]lined{{1, "SELECT '-- no', '/* no'"}, {1, "SELECT 2"}}},
		{"quoted identifier", both, `CREATE TABLE "a;b" ("x""; y" integer);SELECT 2;`,
			[]lined{{1, `CREATE TABLE "a;b" ("x""; y" integer)`}, {1, "SELECT 2"}}},
		{"backquoted identifier", sqliteOnly, "CREATE TABLE `a;b` (x integer);SELECT 2;",
			[]lined{{1, "CREATE TABLE `a;b` (x integer)"}, {1, "SELECT 2"}}},
		{"line comment at the end of the file", both, "SELECT 1; -- done", []lined{{1, "SELECT 1"}}},
		{"unterminated string runs to the end", both, "SELECT 'abc; SELECT 2;", []lined{{1, "SELECT 'abc; SELECT 2;"}}},
		{"unterminated comment runs to the end", both, "SELECT 1 /* ; SELECT 2;", []lined{{1, "SELECT 1"}}},

		{"nested block comment", postgresOnly, "/* a /* b; */ still; */ SELECT 1; SELECT 2;",
			[]lined{{1, "SELECT 1"}, {1, "SELECT 2"}}},
		{"block comments do not nest in SQLite", sqliteOnly, "/* a /* b; */ SELECT 1; SELECT 2;",
			[]lined{{1, "SELECT 1"}, {1, "SELECT 2"}}},
		{"dollar quotes", postgresOnly,
			"CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 'a;b';\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\nSELECT 2;",
			[]lined{{1, "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 'a;b';\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql"}, {7, "SELECT 2"}}},
		{"tagged dollar quotes hold $$", postgresOnly,
			"DO $body$ BEGIN PERFORM $$;$$; END $body$;SELECT 2;",
			[]lined{{1, "DO $body$ BEGIN PERFORM $$;$$; END $body$"}, {1, "SELECT 2"}}},
		{"parameters are not dollar quotes", postgresOnly, "SELECT $1; SELECT $2;", []lined{{1, "SELECT $1"}, {1, "SELECT $2"}}},
		{"dollar inside an identifier", postgresOnly, "SELECT a$b$c; SELECT 2;", []lined{{1, "SELECT a$b$c"}, {1, "SELECT 2"}}},
		{"dollar is not a quote in SQLite", sqliteOnly, "SELECT $$; SELECT 2;", []lined{{1, "SELECT $$"}, {1, "SELECT 2"}}},
		{"E string with backslash escapes", postgresOnly, `SELECT E'a\';b'; SELECT 2;`, []lined{{1, `SELECT E'a\';b'`}, {1, "SELECT 2"}}},
		{"backslash is plain in standard strings", both, `SELECT 'a\'; SELECT 2;`, []lined{{1, `SELECT 'a\'`}, {1, "SELECT 2"}}},
		{"BEGIN ATOMIC function body", postgresOnly,
			"CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT 3;",
			[]lined{{1, "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END"}, {2, "SELECT 3"}}},

		{"trigger body", both,
			"CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  INSERT INTO log VALUES (1);\n  UPDATE a SET n = n + 1;\nEND;\nSELECT 2;",
			[]lined{{1, "CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  INSERT INTO log VALUES (1);\n  UPDATE a SET n = n + 1;\nEND"}, {6, "SELECT 2"}}},
		{"temporary trigger with CASE … END in its body", both,
			"create temp trigger if not exists t after update on a begin\n" +
				"  update a set k = case when new.x > 0 then 'pos;' else 'neg' end;\n" +
				"  select case new.y when 1 then raise(abort, 'no; way') end;\nend ;\ninsert into a values (1);",
			[]lined{{1, "create temp trigger if not exists t after update on a begin\n" +
				"  update a set k = case when new.x > 0 then 'pos;' else 'neg' end;\n" +
				"  select case new.y when 1 then raise(abort, 'no; way') end;\nend"}, {5, "insert into a values (1)"}}},
		{"TEMPORARY trigger with WHEN CASE … END before BEGIN", both,
			"CREATE TEMPORARY TRIGGER t BEFORE DELETE ON a WHEN CASE WHEN old.id > 1 THEN 1 END BEGIN DELETE FROM b; END; SELECT 2",
			[]lined{{1, "CREATE TEMPORARY TRIGGER t BEFORE DELETE ON a WHEN CASE WHEN old.id > 1 THEN 1 END BEGIN DELETE FROM b; END"}, {1, "SELECT 2"}}},
		{"END in a trigger's string or comment does not close it", both,
			"CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO log VALUES ('END'); -- END;\n INSERT INTO log VALUES (\"end\"); END; SELECT 2;",
			[]lined{{1, "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO log VALUES ('END'); -- END;\n INSERT INTO log VALUES (\"end\"); END"}, {2, "SELECT 2"}}},
		{"Postgres trigger without a body ends at its semicolon", postgresOnly,
			"CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION f();\nSELECT 2;",
			[]lined{{1, "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION f()"}, {2, "SELECT 2"}}},
		{"BEGIN of a transaction is a statement", both, "BEGIN; SELECT 1; END;",
			[]lined{{1, "BEGIN"}, {1, "SELECT 1"}, {1, "END"}}},
		{"CASE … END in an ordinary statement", both, "SELECT CASE WHEN 1 THEN 2 END; SELECT 3;",
			[]lined{{1, "SELECT CASE WHEN 1 THEN 2 END"}, {1, "SELECT 3"}}},
		{"table named like a trigger", both, "CREATE TABLE trigger_begin (id integer); SELECT 2;",
			[]lined{{1, "CREATE TABLE trigger_begin (id integer)"}, {1, "SELECT 2"}}},
		{"CRLF line endings", both, "SELECT 1;\r\nSELECT 2;\r\n", []lined{{1, "SELECT 1"}, {2, "SELECT 2"}}},
	}
	for _, tt := range tests {
		for _, pg := range []bool{false, true} {
			if tt.dialect == sqliteOnly && pg || tt.dialect == postgresOnly && !pg {
				continue
			}
			name := tt.name + "/sqlite"
			if pg {
				name = tt.name + "/postgres"
			}
			t.Run(name, func(t *testing.T) {
				got := splitLined(tt.body, pg)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("splitSQL(%q, postgres=%v) mismatch (-want +got):\n%s", tt.body, pg, diff)
				}
				checkSplit(t, tt.body, pg)
			})
		}
	}
}

func TestIsForeignKeysPragma(t *testing.T) {
	tests := []struct {
		sql  string
		want bool
	}{
		{"PRAGMA foreign_keys = OFF", true},
		{"pragma foreign_keys=on", true},
		{"PRAGMA  foreign_keys\n=\t0", true},
		{"PRAGMA foreign_keys = 'off'", true},
		{"PRAGMA foreign_keys", false},
		{"PRAGMA foreign_key_check", false},
		{"PRAGMA main.foreign_keys = OFF", false},
		{"PRAGMA legacy_alter_table = ON", false},
		{"SELECT 'PRAGMA foreign_keys = OFF'", false},
	}
	for _, tt := range tests {
		if got := isForeignKeysPragma(tt.sql); got != tt.want {
			t.Errorf("isForeignKeysPragma(%q) = %v; want %v", tt.sql, got, tt.want)
		}
	}
}

func TestShorten(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes
	tests := []struct {
		name, sql, want string
	}{
		{"collapses whitespace", "CREATE TABLE a (\n\tid integer\n)", "CREATE TABLE a ( id integer )"},
		{"cuts on a rune boundary", long, strings.Repeat("é", 100) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shorten(tt.sql, 201)
			if got != tt.want {
				t.Errorf("shorten(%q, 201) = %q; want %q", tt.sql, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("shorten(%q, 201) = %q: not valid UTF-8", tt.sql, got)
			}
		})
	}
}

// checkSplit checks the invariants of splitSQL on body: statements are
// not blank (in SQL's ASCII sense of whitespace) and in order at their offsets and lines; what lies between
// them splits into nothing (only whitespace, comments and semicolons), so
// joining the statements back covers everything else; and a statement
// splits into itself.
func checkSplit(t *testing.T, body string, pg bool) {
	t.Helper()
	stmts := splitSQL(body, pg)
	prev := 0
	for i, s := range stmts {
		// SQL's whitespace is ASCII's: other Unicode spaces (U+00A0) are
		// text the database must see, and reject, as a statement.
		if strings.Trim(s.text, " \t\n\r\f\v") == "" {
			t.Fatalf("splitSQL(%q): statement %d is empty", body, i+1)
		}
		if s.offset < prev || s.offset+len(s.text) > len(body) || body[s.offset:s.offset+len(s.text)] != s.text {
			t.Fatalf("splitSQL(%q): statement %d %q is not at offset %d after %d", body, i+1, s.text, s.offset, prev)
		}
		if want := 1 + strings.Count(body[:s.offset], "\n"); s.line != want {
			t.Fatalf("splitSQL(%q): statement %d %q on line %d; want %d", body, i+1, s.text, s.line, want)
		}
		if gap := body[prev:s.offset]; len(splitSQL(gap, pg)) != 0 {
			t.Fatalf("splitSQL(%q): the text %q before statement %d holds statements %+v", body, gap, i+1, splitSQL(gap, pg))
		}
		if again := splitSQL(s.text, pg); len(again) != 1 || again[0].text != s.text {
			t.Fatalf("splitSQL(%q): statement %d %q splits again into %+v", body, i+1, s.text, again)
		}
		prev = s.offset + len(s.text)
	}
	if gap := body[prev:]; len(splitSQL(gap, pg)) != 0 {
		t.Fatalf("splitSQL(%q): the text %q after the last statement holds statements %+v", body, gap, splitSQL(gap, pg))
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		"CREATE TABLE a (id integer);\nINSERT INTO a VALUES ('x;''y');",
		"/* a /* b */ c */ SELECT 1; -- x\nSELECT \"a;b\";",
		"CREATE FUNCTION f() AS $t$ BEGIN; $$ $t$; SELECT $1;",
		"CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT CASE WHEN 1 THEN 2 END; END; SELECT 2;",
		"SELECT E'\\';'; SELECT `a;b`;",
		"CREATE TEMP TRIGGER t BEGIN END END; ;;",
		"'unterminated; \"x",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, body string, pg bool) {
		checkSplit(t, body, pg)
	})
}
