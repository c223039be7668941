package orm_test

import (
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/djinntest"
)

// manage runs a manage command with stdin and returns its exit status,
// stdout and stderr.
func manage(t *testing.T, p *core.Project, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := command.Run(t.Context(), p, command.Stdio{In: strings.NewReader(stdin), Out: &out, Err: &errb}, args...)
	return code, out.String(), errb.String()
}

func mustManage(t *testing.T, p *core.Project, stdin string, args ...string) string {
	t.Helper()
	code, out, errs := manage(t, p, stdin, args...)
	if code != command.ExitOK {
		t.Fatalf("manage %s: exit %d; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func TestDumpFlushLoadCommands(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		p, oa := quizProject(t, url)
		db := oa.DB()
		seed(t, db)
		before := readAll(t, db)

		file := filepath.Join(t.TempDir(), "dump.json")
		if out := mustManage(t, p, "", "dumpdata", "--indent", "2", "--output", file); out != "" {
			t.Errorf("dumpdata --output printed %q; want nothing", out)
		}
		stdout := mustManage(t, p, "", "dumpdata", "--indent", "2")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != stdout {
			t.Errorf("dumpdata --output wrote %q; want what dumpdata prints, %q", data, stdout)
		}
		if !strings.Contains(stdout, `"model": "quizzes.answer"`) || !strings.Contains(stdout, `"blob": "AAEC/w=="`) {
			t.Errorf("dumpdata = %q; want answers and the sample's blob in base64", stdout)
		}

		out := mustManage(t, p, "", "flush", "--no-input")
		if want := "Deleted all rows of 3 table(s).\n"; out != want {
			t.Errorf("flush --no-input = %q; want %q", out, want)
		}
		if out := mustManage(t, p, "", "dumpdata"); out != "[]\n" {
			t.Errorf("dumpdata after flush = %q; want []", out)
		}

		// Two fixtures, one from standard input.
		var quizzes, rest strings.Builder
		if err := splitFixture(data, &quizzes, &rest); err != nil {
			t.Fatal(err)
		}
		restFile := filepath.Join(t.TempDir(), "rest.json")
		if err := os.WriteFile(restFile, []byte(rest.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		out = mustManage(t, p, quizzes.String(), "loaddata", restFile, "-")
		if want := "Installed 7 object(s) from 2 fixture(s)\n"; out != want {
			t.Errorf("loaddata = %q; want %q", out, want)
		}
		if diff := cmp.Diff(before, readAll(t, db)); diff != "" {
			t.Errorf("rows after dumpdata, flush, loaddata (-before +after):\n%s", diff)
		}
		q := Quiz{Text: "next", PubDate: time.Now()}
		if err := db.WithContext(t.Context()).Create(&q).Error; err != nil {
			t.Fatalf("create after loaddata: %v", err)
		}
		if q.ID != 3 {
			t.Errorf("new quiz after loaddata got ID %d; want 3", q.ID)
		}
	})
}

// splitFixture writes the quizzes of an indented dump to quizzes and the
// other objects to rest, as two fixtures.
func splitFixture(data []byte, quizzes, rest *strings.Builder) error {
	objs := strings.Split(strings.TrimSuffix(strings.TrimPrefix(string(data), "[\n"), "\n]\n"), "\n},\n")
	var q, r []string
	for i, o := range objs {
		if i < len(objs)-1 {
			o += "\n}"
		}
		if strings.Contains(o, `"model": "quizzes.quiz"`) {
			q = append(q, o)
		} else {
			r = append(r, o)
		}
	}
	quizzes.WriteString("[" + strings.Join(q, ",") + "]")
	rest.WriteString("[" + strings.Join(r, ",") + "]")
	return nil
}

func TestLoadDataCommandErrors(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		p, oa := quizProject(t, url)
		db := oa.DB()
		seed(t, db)
		before := readAll(t, db)
		dir := t.TempDir()
		// good is a valid fixture; each bad one starts with a valid object
		// (quiz 50) that must not survive the failed load.
		good := `[{"model": "quizzes.quiz", "pk": 60, "fields": {"text": "fine"}}]`
		first := `{"model": "quizzes.quiz", "pk": 50, "fields": {"text": "first"}}`
		tests := []struct {
			name  string
			files []string // contents; each written to <i>.json
			want  []string // in stderr
		}{
			{"malformed JSON", []string{"[\n  " + first + ",\n  {\"model\" \"x\"}\n]"},
				[]string{"fixture " + dir + "/0.json: line 3:12: invalid character"}},
			{"not an array", []string{`{"model": "quizzes.quiz"}`},
				[]string{"0.json: line 1:", "a fixture is a JSON array of objects, got object"}},
			{"unknown model", []string{"[" + first + `, {"model": "quizzes.nope", "pk": 1, "fields": {}}]`},
				[]string{`0.json: object [1]: unknown model "quizzes.nope"`}},
			{"unknown field", []string{"[" + first + `, {"model": "quizzes.quiz", "pk": 51, "fields": {"text": "x", "colour": "red"}}]`},
				[]string{`0.json: object [1] (quizzes.quiz pk 51): unknown field "colour"`}},
			{"relation field", []string{"[" + first + `, {"model": "quizzes.quiz", "pk": 51, "fields": {"answers": [1]}}]`},
				[]string{`object [1] (quizzes.quiz pk 51): field "answers" is a relation`}},
			{"wrong type", []string{"[" + first + `, {"model": "quizzes.answer", "pk": 9, "fields": {"quiz_id": 50, "votes": "many"}}]`},
				[]string{`0.json: object [1] (quizzes.answer pk 9): field "votes": wrong type: got JSON string "many", want int`}},
			{"bad time", []string{"[" + first + `, {"model": "quizzes.quiz", "pk": 51, "fields": {"pub_date": "yesterday"}}]`},
				[]string{`0.json: object [1] (quizzes.quiz pk 51): field "pub_date": bad value "yesterday" for time.Time`}},
			{"duplicate pk", []string{"[" + first + `, {"model": "quizzes.quiz", "pk": 2, "fields": {"text": "again"}}]`},
				[]string{`0.json: object [1] (quizzes.quiz pk 2): the primary key duplicates a row of table quizzes_quiz`, "orm: duplicate key"}},
			{"missing parent", []string{"[" + first + `, {"model": "quizzes.answer", "pk": 9, "fields": {"quiz_id": 77, "text": "orphan"}}]`},
				[]string{`0.json: object [1] (quizzes.answer pk 9): field "quiz_id": `, "orm: foreign key violation"}},
			{"second file bad", []string{good, "[" + first + `, {"model": "quizzes.quiz", "pk": 1, "fields": {}}]`},
				[]string{`1.json: object [1] (quizzes.quiz pk 1): the primary key duplicates`}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				args := []string{"loaddata"}
				for i, body := range tt.files {
					name := filepath.Join(dir, string(rune('0'+i))+".json")
					if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
						t.Fatal(err)
					}
					args = append(args, name)
				}
				code, out, errs := manage(t, p, "", args...)
				t.Logf("stderr: %s", errs)
				if code != command.ExitError {
					t.Errorf("loaddata: exit %d; want %d; stdout %q", code, command.ExitError, out)
				}
				for _, w := range tt.want {
					if !strings.Contains(errs, w) {
						t.Errorf("loaddata stderr = %q; want it to contain %q", errs, w)
					}
				}
				if diff := cmp.Diff(before, readAll(t, db)); diff != "" {
					t.Errorf("rows after a failed loaddata (-before +after):\n%s", diff)
				}
			})
		}
		code, _, errs := manage(t, p, "", "loaddata", filepath.Join(dir, "missing.json"))
		if code != command.ExitError || !strings.Contains(errs, "missing.json: no such file") {
			t.Errorf("loaddata missing.json: exit %d, stderr %q; want an error naming the file", code, errs)
		}
	})
}

func TestFlushCommand(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		p, oa := quizProject(t, url)
		db := oa.DB().WithContext(t.Context())
		seed(t, db)
		if err := db.Exec("CREATE TABLE djinn_migrations_quizzes (version bigint NOT NULL, dirty boolean NOT NULL)").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("INSERT INTO djinn_migrations_quizzes VALUES (3, false)").Error; err != nil {
			t.Fatal(err)
		}
		before := readAll(t, db)

		for _, answer := range []string{"", "no\n", "YES\n", "y\n"} {
			out := mustManage(t, p, answer, "flush")
			if !strings.Contains(out, "This will DELETE ALL DATA in the database ") || !strings.Contains(out, "Type 'yes' to continue") {
				t.Errorf("flush prompt = %q; want the DELETE ALL DATA warning", out)
			}
			if !strings.HasSuffix(out, "Flush cancelled.\n") {
				t.Errorf("flush answered %q = %q; want it to end with Flush cancelled.", answer, out)
			}
			if diff := cmp.Diff(before, readAll(t, db)); diff != "" {
				t.Errorf("rows after a cancelled flush (-before +after):\n%s", diff)
			}
		}

		out := mustManage(t, p, "yes\n", "flush")
		if !strings.HasSuffix(out, "Deleted all rows of 3 table(s).\n") {
			t.Errorf("flush answered yes = %q; want it to end with Deleted all rows of 3 table(s).", out)
		}
		if got := readAll(t, db); len(got.Quizzes)+len(got.Answers)+len(got.Samples) != 0 {
			t.Errorf("after flush: %+v; want no rows", got)
		}
		var version int64
		if err := db.Raw("SELECT version FROM djinn_migrations_quizzes").Scan(&version).Error; err != nil || version != 3 {
			t.Errorf("djinn_migrations_quizzes after flush: version %d, %v; want the row kept (3)", version, err)
		}
		// The counters restart.
		q := Quiz{Text: "first again"}
		if err := db.Create(&q).Error; err != nil {
			t.Fatal(err)
		}
		if q.ID != 1 {
			t.Errorf("first quiz after flush got ID %d; want 1", q.ID)
		}
	})
}

func TestFlushPromptHidesPassword(t *testing.T) {
	u, err := url.Parse(djinntest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("postgres", "s3cret") // trust auth ignores it
	p, _ := quizProject(t, u.String())
	out := mustManage(t, p, "", "flush")
	if strings.Contains(out, "s3cret") || !strings.Contains(out, "postgres:xxxxx@") {
		t.Errorf("flush prompt = %q; want the URL with its password hidden", out)
	}
}

// fakeClient puts a script called name on an otherwise empty PATH; it
// prints its arguments and PGPASSWORD and exits with status 3.
func fakeClient(t *testing.T, name string) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\necho \"args: $*\"\necho \"PGPASSWORD=$PGPASSWORD\"\nexit 3\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
}

func TestDBShellCommand(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh for the stand-in clients")
	}
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		client, hint := "sqlite3", "apt-get install sqlite3"
		wantArgs := "args: " + strings.TrimPrefix(dbURL, "sqlite:///") + " .tables"
		args := []string{"dbshell", "--", ".tables"}
		if strings.HasPrefix(dbURL, "postgres") {
			client, hint = "psql", "apt-get install postgresql-client"
			u, err := url.Parse(dbURL)
			if err != nil {
				t.Fatal(err)
			}
			u.User = url.UserPassword("postgres", "s3cret")
			q := u.Query()
			q.Set("statement_timeout", "5000") // pgx's, not psql's
			u.RawQuery = q.Encode()
			dbURL = u.String()
			u.User = url.User("postgres")
			q.Del("statement_timeout")
			u.RawQuery = q.Encode()
			wantArgs = "args: -c select 1 " + u.String()
			args = []string{"dbshell", "--", "-c", "select 1"}
		}
		p, _ := quizProject(t, dbURL)
		realClient, lookErr := exec.LookPath(client)

		t.Run("missing client", func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			code, _, errs := manage(t, p, "", "dbshell")
			want := "dbshell: " + client + " is not installed or not on PATH (" + hint + ")"
			if code != command.ExitError || !strings.Contains(errs, want) {
				t.Errorf("dbshell without %s: exit %d, stderr %q; want %q", client, code, errs, want)
			}
		})

		t.Run("arguments and status", func(t *testing.T) {
			fakeClient(t, client)
			code, out, errs := manage(t, p, "", args...)
			if !strings.Contains(out, wantArgs+"\n") {
				t.Errorf("%s got %q; want %q", client, out, wantArgs)
			}
			if client == "psql" && !strings.Contains(out, "PGPASSWORD=s3cret\n") {
				t.Errorf("psql got %q; want the password in PGPASSWORD", out)
			}
			if want := "dbshell: " + client + " exited with status 3"; code != command.ExitError || !strings.Contains(errs, want) {
				t.Errorf("dbshell: exit %d, stderr %q; want %d and %q", code, errs, command.ExitError, want)
			}
			if strings.Contains(errs, "s3cret") {
				t.Errorf("dbshell stderr %q shows the password", errs)
			}
		})

		t.Run("real client", func(t *testing.T) {
			if lookErr != nil {
				t.Skipf("%s is not installed", client)
			}
			t.Setenv("PATH", filepath.Dir(realClient))
			sqlArgs := []string{"dbshell", "--", "select 40 + 2;"}
			if client == "psql" {
				sqlArgs = []string{"dbshell", "--", "-tAc", "select 40 + 2"}
			}
			out := mustManage(t, p, "", sqlArgs...)
			if out != "42\n" {
				t.Errorf("dbshell %q = %q; want %q", sqlArgs[2:], out, "42\n")
			}
		})
	})
}
