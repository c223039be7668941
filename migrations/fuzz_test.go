package migrations

import (
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/golang-migrate/migrate/v4/source"
)

// FuzzFileName checks parseFileName on arbitrary names: an accepted name
// formats back to itself and golang-migrate (which runs the files) reads
// the same version, name and direction from it; a rejected name gives an
// error that quotes it. It never panics.
func FuzzFileName(f *testing.F) {
	for _, s := range []string{
		"0001_initial.up.sql", "0002_greeting_mood.down.sql", "12345_big.up.sql", "0010_CamelCase2.up.sql",
		"1_initial.up.sql", "00002_x.up.sql", "0000_zero.up.sql", "0002-mood.up.sql", "0002_mood.sql",
		"0002_mood.up.sql.orig", "0002_mood.up.sql~", "0002_.up.sql", "_x.up.sql", "x.up.sql", ".up.sql",
		"0002_a.down.up.sql", "0002_a b.up.sql", "0002_a/b.up.sql", "0002_é.up.sql", "+2_x.up.sql",
		"-0002_x.up.sql", "0002_x.UP.SQL", "99999999999999999999999_x.up.sql", "18446744073709551615_x.up.sql",
		"0002_x.up.txt", "0002_x.down.sql\x00", "", "README.md",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := parseFileName(name)
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(name)) {
				t.Fatalf("parseFileName(%q) error %q does not name the file", name, err)
			}
			return
		}
		if s := got.String(); s != name {
			t.Fatalf("parseFileName(%q) = %+v, which formats as %q", name, got, s)
		}
		if got.Version == 0 || got.Name == "" {
			t.Fatalf("parseFileName(%q) = %+v; want a version and a name", name, got)
		}
		m, err := source.Parse(name)
		if err != nil {
			t.Fatalf("parseFileName(%q) = %+v, but golang-migrate does not read it: %v", name, got, err)
		}
		wantDir := source.Down
		if got.Up {
			wantDir = source.Up
		}
		if m.Version != got.Version || m.Identifier != got.Name || m.Direction != wantDir {
			t.Fatalf("parseFileName(%q) = %+v; golang-migrate reads %d %q %s", name, got, m.Version, m.Identifier, m.Direction)
		}
	})
}

// testProvider is an app whose migrations are files.
type testProvider fstest.MapFS

func (testProvider) Label() string       { return "polls" }
func (p testProvider) Migrations() fs.FS { return fstest.MapFS(p) }

func TestMisnamedFileIsAnError(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	good := map[string]*fstest.MapFile{
		"sqlite/0001_initial.up.sql":   file("CREATE TABLE t (id integer);"),
		"sqlite/0001_initial.down.sql": file("DROP TABLE t;"),
		"sqlite/README.md":             file("notes"),
	}
	tests := []struct {
		name, file, want string // want: in the error; "" means no error
	}{
		{"good", "", ""},
		{"dash", "0002-mood.up.sql", `sqlite/: "0002-mood.up.sql" is not a migration file name`},
		{"no direction", "0002_mood.sql", `"0002_mood.sql"`},
		{"backup", "0001_initial.up.sql.orig", `"0001_initial.up.sql.orig"`},
		{"short version", "2_mood.up.sql", "write version 2 as 0002"},
		{"not sql", "notes.txt", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := testProvider{}
			for k, v := range good {
				fsys[k] = v
			}
			if tc.file != "" {
				fsys["sqlite/"+tc.file] = file("SELECT 1;")
			}
			am, err := loadApp(fsys, "sqlite")
			if tc.want == "" {
				if err != nil || len(am.list) != 1 || am.list[0].Name != "0001_initial" {
					t.Fatalf("loadApp = %+v, %v; want the one migration 0001_initial", am, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `app "polls"`) {
				t.Fatalf("loadApp with %s = %v; want an error naming the app and containing %q", tc.file, err, tc.want)
			}
		})
	}
}
