package migrations_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

// shopApp is an app with models whose migrations live in dir, as a user's
// app keeps them in its source tree.
type shopApp struct {
	dir    string
	models []any
}

func (a shopApp) Label() string          { return "shop" }
func (a shopApp) Dependencies() []string { return []string{orm.Label} }
func (a shopApp) Models() []any          { return a.models }
func (a shopApp) Migrations() fs.FS      { return os.DirFS(a.dir) }
func (a shopApp) MigrationsDir() string  { return a.dir }

// The shop's models as they change from one migration to the next; each
// names its table so that the versions share it.
type productV1 struct {
	ID    uint
	Name  string `gorm:"size:100;not null"`
	Price int
}

func (productV1) TableName() string { return "shop_product" }

type productV2 struct {
	ID    uint
	Title string `gorm:"size:100;not null"` // renamed from Name
	Price int
	Stock int `gorm:"not null;default:0"`
}

func (productV2) TableName() string { return "shop_product" }

type productV3 struct { // Price dropped
	ID    uint
	Title string `gorm:"size:100;not null"`
	Stock int    `gorm:"not null;default:0"`
}

func (productV3) TableName() string { return "shop_product" }

type review struct {
	ID        uint
	ProductID uint
	Product   productV3 `gorm:"constraint:OnDelete:CASCADE"`
	Body      string
	Posted    time.Time
}

func (review) TableName() string { return "shop_review" }

// runIn runs a manage command with stdin.
func runIn(t *testing.T, p *core.Project, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := command.Run(t.Context(), p, command.Stdio{In: strings.NewReader(stdin), Out: &out, Err: &errb}, args...)
	return code, out.String(), errb.String()
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// TestMakeMigrations takes an app with models from nothing through three
// model changes and back to zero: makemigrations → migrate →
// showmigrations → sqlmigrate → migrate shop zero, on each dialect.
func TestMakeMigrations(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		dir := t.TempDir()
		dialect := strings.SplitN(url, ":", 2)[0]
		only := []string{"--dialect", dialect}
		shop := func(models ...any) *core.Project {
			return project(t, url, shopApp{dir: dir, models: models})
		}

		// 1. The initial migration.
		p := shop(&productV1{})
		out := mustRun(t, p, append([]string{"makemigrations"}, only...)...)
		for _, want := range []string{"Migrations for 'shop':", dialect + "/0001_initial.up.sql", "- Create table shop_product"} {
			if !strings.Contains(out, want) {
				t.Errorf("makemigrations stdout = %q; want it to contain %q", out, want)
			}
		}
		if got, want := files(t, dir), []string{dialect + "/0001_initial.down.sql", dialect + "/0001_initial.up.sql"}; !slices.Equal(got, want) {
			t.Fatalf("files = %q; want %q", got, want)
		}
		if out := mustRun(t, p, "makemigrations", "--check", "--dialect", dialect); !strings.Contains(out, "No changes detected") {
			t.Errorf("makemigrations --check after writing the files = %q; want No changes detected", out)
		}
		mustRun(t, p, "migrate")
		if out := mustRun(t, p, "showmigrations", "shop"); !strings.Contains(out, "[X] 0001_initial") {
			t.Errorf("showmigrations = %q; want [X] 0001_initial", out)
		}
		if out := mustRun(t, p, append([]string{"makemigrations"}, only...)...); !strings.Contains(out, "No changes detected") {
			t.Errorf("makemigrations after migrate = %q; want No changes detected", out)
		}
		db := rawDB(t, p)
		if _, err := db.ExecContext(t.Context(), "INSERT INTO shop_product (id, name, price) VALUES (1, 'Widget', 5)"); err != nil {
			t.Fatal(err)
		}

		// 2. A rename (answered yes at the prompt) and a new column.
		p = shop(&productV2{})
		code, out, errs := runIn(t, p, "y\n", append([]string{"makemigrations", "--dry-run"}, only...)...)
		if code != command.ExitOK || !strings.Contains(out, "Was shop_product.name renamed to shop_product.title") {
			t.Fatalf("makemigrations --dry-run: exit %d, stdout %q, stderr %q; want the rename question", code, out, errs)
		}
		if got := files(t, dir); len(got) != 2 {
			t.Fatalf("--dry-run wrote files: %q", got)
		}
		code, _, _ = run(t, p, append([]string{"makemigrations", "--check"}, only...)...)
		if code != command.ExitError || len(files(t, dir)) != 2 {
			t.Fatalf("makemigrations --check with changes: exit %d, files %q; want %d and no new file", code, files(t, dir), command.ExitError)
		}
		out = mustRun(t, p, append([]string{"makemigrations", "--yes", "--name", "title_stock"}, only...)...)
		for _, want := range []string{"- Rename column name to title on shop_product", "- Add column stock to shop_product", "0002_title_stock.up.sql"} {
			if !strings.Contains(out, want) {
				t.Errorf("makemigrations stdout = %q; want it to contain %q", out, want)
			}
		}
		sqlText := mustRun(t, p, "sqlmigrate", "shop", "0002")
		if !strings.Contains(strings.ToUpper(sqlText), "RENAME COLUMN") {
			t.Errorf("sqlmigrate shop 0002 = %q; want a RENAME COLUMN", sqlText)
		}
		mustRun(t, p, "migrate")
		var title string
		var stock int
		if err := db.QueryRowContext(t.Context(), "SELECT title, stock FROM shop_product WHERE id = 1").Scan(&title, &stock); err != nil || title != "Widget" || stock != 0 {
			t.Errorf("after the rename: title %q stock %d err %v; want Widget 0 nil", title, stock, err)
		}

		// 3. A dropped column (with a warning), a new table with a foreign
		// key and an auto name.
		p = shop(&productV3{}, &review{})
		code, out, errs = runIn(t, p, "", append([]string{"makemigrations"}, only...)...)
		if code != command.ExitOK {
			t.Fatalf("makemigrations: exit %d; stderr %q", code, errs)
		}
		if want := "Warning: shop.0003_"; !strings.Contains(errs, want) || !strings.Contains(errs, "Column shop_product.price is dropped: its data will be lost.") {
			t.Errorf("stderr = %q; want a data-loss warning for shop_product.price", errs)
		}
		if !strings.Contains(out, "- Create table shop_review") || !strings.Contains(out, "- Remove column price from shop_product") {
			t.Errorf("stdout = %q; want the new table and the dropped column", out)
		}
		mustRun(t, p, "migrate")
		if _, err := db.ExecContext(t.Context(), "INSERT INTO shop_review (id, product_id, body, posted) VALUES (1, 1, 'good', CURRENT_TIMESTAMP)"); err != nil {
			t.Fatalf("insert a review: %v", err)
		}
		if _, err := db.ExecContext(t.Context(), "INSERT INTO shop_review (id, product_id, body, posted) VALUES (2, 99, 'dangling', CURRENT_TIMESTAMP)"); err == nil {
			t.Error("a review of a missing product was stored; want the foreign key to refuse it")
		}
		if got, want := strings.Join(columns(t, db, "shop_product"), ","), "id,title,stock"; got != want {
			t.Errorf("shop_product columns = %q; want %q", got, want)
		}
		if out := mustRun(t, p, append([]string{"makemigrations"}, only...)...); !strings.Contains(out, "No changes detected") {
			t.Errorf("makemigrations after the third migrate = %q; want No changes detected", out)
		}

		// 4. Back to zero, then forward again.
		mustRun(t, p, "migrate", "shop", "0002")
		if err := db.QueryRowContext(t.Context(), "SELECT title, stock FROM shop_product WHERE id = 1").Scan(&title, &stock); err != nil || title != "Widget" {
			t.Errorf("after migrating back to 0002: title %q err %v; want Widget", title, err)
		}
		mustRun(t, p, "migrate", "shop", "zero")
		if cols := columns(t, db, "shop_product"); cols != nil {
			t.Errorf("after migrate shop zero, shop_product has %q; want no table", cols)
		}
		out = mustRun(t, p, "showmigrations", "shop")
		if strings.Contains(out, "[X]") || strings.Count(out, "[ ]") != 3 {
			t.Errorf("showmigrations after zero = %q; want three [ ]", out)
		}
		mustRun(t, p, "migrate")
		if got, want := strings.Join(columns(t, db, "shop_review"), ","), "id,product_id,body,posted"; got != want {
			t.Errorf("shop_review columns after migrating forward again = %q; want %q", got, want)
		}
	})
}

// TestMakeMigrationsBothDialects writes the SQLite and PostgreSQL files in
// one run, with a scratch PostgreSQL database, from a project on SQLite.
func TestMakeMigrationsBothDialects(t *testing.T) {
	pg := djinntest.PostgresURL(t) // the server hosts the scratch databases
	dir := t.TempDir()
	p := project(t, djinntest.SQLiteURL(t), shopApp{dir: dir, models: []any{&productV3{}, &review{}}})
	out := mustRun(t, p, "makemigrations", "--postgres", pg)
	want := []string{
		"postgres/0001_initial.down.sql", "postgres/0001_initial.up.sql",
		"sqlite/0001_initial.down.sql", "sqlite/0001_initial.up.sql",
	}
	if got := files(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files = %q; want %q (stdout %q)", got, want, out)
	}
	up, _ := os.ReadFile(filepath.Join(dir, "postgres", "0001_initial.up.sql"))
	if s := string(up); !strings.Contains(s, `CREATE TABLE "shop_product"`) || strings.Contains(s, `"public".`) {
		t.Errorf("postgres up file = %q; want CREATE TABLE without a schema qualifier", s)
	}
	// Without a PostgreSQL server the run says what it skipped.
	p = project(t, djinntest.SQLiteURL(t), shopApp{dir: t.TempDir(), models: []any{&productV1{}}})
	t.Setenv("DJINN_SCRATCH_POSTGRES", "")
	code, _, errs := run(t, p, "makemigrations")
	if code != command.ExitOK || !strings.Contains(errs, "Skipped postgres: no PostgreSQL server") {
		t.Errorf("makemigrations without a server: exit %d, stderr %q; want a note that postgres was skipped", code, errs)
	}
}

func TestMakeMigrationsEmptyAndErrors(t *testing.T) {
	dir := t.TempDir()
	p := project(t, djinntest.SQLiteURL(t), shopApp{dir: dir, models: []any{&productV1{}}})
	mustRun(t, p, "makemigrations", "shop", "--empty", "--name", "fill_prices")
	want := []string{
		"postgres/0001_fill_prices.down.sql", "postgres/0001_fill_prices.up.sql",
		"sqlite/0001_fill_prices.down.sql", "sqlite/0001_fill_prices.up.sql",
	}
	if got := files(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files = %q; want %q", got, want)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"makemigrations", "nope"}, `app "nope" is not installed`},
		{[]string{"makemigrations", "--name", "Bad Name"}, `--name "Bad Name"`},
		{[]string{"makemigrations", "--dialect", "mysql"}, `unknown dialect "mysql"`},
		{[]string{"makemigrations", "--yes", "--no"}, "exclude each other"},
	} {
		code, _, errs := run(t, p, tt.args...)
		if code == command.ExitOK || !strings.Contains(errs, tt.want) {
			t.Errorf("manage %s: exit %d, stderr %q; want an error containing %q", strings.Join(tt.args, " "), code, errs, tt.want)
		}
	}
}
