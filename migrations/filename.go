package migrations

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4/source"
)

// fileName is a migration file's name taken apart: 0002_greeting_mood.up.sql
// is version 2, name "greeting_mood", up.
type fileName struct {
	Version uint
	Name    string
	Up      bool
}

// String formats f as its file name: the version in four digits or more,
// "_", the name, ".up.sql" or ".down.sql".
func (f fileName) String() string {
	dir := "down"
	if f.Up {
		dir = "up"
	}
	return fmt.Sprintf("%04d_%s.%s.sql", f.Version, f.Name, dir)
}

// parseFileName parses a migration file name, NNNN_name.up.sql or
// NNNN_name.down.sql: the version in decimal with at least four digits
// and no more leading zeros than that takes (0002, 0123, 12345; not
// 0000), then a name of ASCII letters, digits and underscores. Every name
// it accepts
// formats back to itself with String, and golang-migrate (which runs the
// files) reads the same version, name and direction from it.
func parseFileName(file string) (fileName, error) {
	bad := func(why string) (fileName, error) {
		return fileName{}, fmt.Errorf("%q is not a migration file name (NNNN_name.up.sql or NNNN_name.down.sql): %s", file, why)
	}
	var f fileName
	rest, ok := strings.CutSuffix(file, ".up.sql")
	if ok {
		f.Up = true
	} else if rest, ok = strings.CutSuffix(file, ".down.sql"); !ok {
		return bad(`it does not end in ".up.sql" or ".down.sql"`)
	}
	num, name, ok := strings.Cut(rest, "_")
	if !ok || num == "" {
		return bad("it does not start with a version number and an underscore")
	}
	for i := range len(num) {
		if num[i] < '0' || num[i] > '9' {
			return bad(fmt.Sprintf("version %q is not a decimal number", num))
		}
	}
	v, err := strconv.ParseUint(num, 10, strconv.IntSize)
	if err != nil {
		return bad(fmt.Sprintf("version %s is too large", num))
	}
	if v == 0 {
		return bad("version 0000 means no migration applied; start at 0001")
	}
	f.Version = uint(v)
	if want := fmt.Sprintf("%04d", v); num != want {
		return bad(fmt.Sprintf("write version %s as %s", num, want))
	}
	if name == "" {
		return bad("the name after the version is empty")
	}
	for i := range len(name) {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return bad(fmt.Sprintf("the name %q has %q; use letters, digits and underscores", name, c))
		}
	}
	f.Name = name
	return f, nil
}

// checkFileNames returns an error naming the first file in fsys's dir
// that golang-migrate would read as a migration, or that ends in ".sql",
// but is not a well-formed migration file name: golang-migrate skips
// misnamed files without a word (0002-mood.up.sql would never run) and
// reads some names that are not meant as migrations (0002_mood.up.sql.orig).
func checkFileNames(fsys fs.FS, dir string) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if _, err := source.Parse(e.Name()); err != nil && !strings.HasSuffix(e.Name(), ".sql") {
			continue // not a migration to anyone: README.md, .gitkeep
		}
		if _, err := parseFileName(e.Name()); err != nil {
			return fmt.Errorf("%s/: %w", dir, err)
		}
	}
	return nil
}
