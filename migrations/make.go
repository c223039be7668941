package migrations

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"
	"time"

	"ariga.io/atlas/sql/schema"
	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/orm"
)

// Dialects are the database dialects an app's migrations are written for,
// each in a directory of its own.
var dialects = [...]string{"sqlite", "postgres"}

// MakeOptions configures MakeMigrations. Its zero value makes migrations
// for every app with models, on SQLite only.
type MakeOptions struct {
	// Apps limits the run to these app labels; every installed app with
	// models when empty.
	Apps []string
	// Name names the new migrations ("add_votes" → 0002_add_votes); when
	// empty a name is derived from the changes.
	Name string
	// Empty makes empty up and down files to fill by hand (a data
	// migration), without looking at the models.
	Empty bool
	// Dialects limits the run to "sqlite" or "postgres"; both when empty.
	Dialects []string
	// PostgresURL is a server on which MakeMigrations creates (and drops)
	// scratch databases to compute the PostgreSQL files; the user needs
	// CREATEDB. When empty, PostgreSQL is skipped with a note in
	// MakeResult.Skipped.
	PostgresURL string
	// Rename is asked, for each column dropped and another of the same
	// type added in one table, whether it was renamed; nil answers no.
	Rename func(RenameQuestion) (bool, error)
	// Now stamps the files and auto names; time.Now when nil.
	Now func() time.Time
}

// RenameQuestion is a column that MakeMigrations sees dropped from Table
// while a column of the same Type is added: a rename, or a drop and an add?
type RenameQuestion struct {
	App, Table, From, To, Type string
}

func (q RenameQuestion) String() string {
	return fmt.Sprintf("Was %s.%s renamed to %s.%s (a %s column)?", q.Table, q.From, q.Table, q.To, q.Type)
}

// MadeFile is one generated migration file.
type MadeFile struct {
	// Path is relative to the app's migrations directory:
	// "sqlite/0002_question_votes.up.sql".
	Path string
	Body string
}

// Made is the new migration of one app.
type Made struct {
	App string
	// Dir is the app's migrations directory on disk, holding sqlite/ and
	// postgres/.
	Dir     string
	Version uint
	// Name is "0002_question_votes".
	Name  string
	Files []MadeFile
	// Operations describe the changes ("Add column votes to
	// polls_question"), for the first dialect that has them.
	Operations []string
	// Warnings name the data the migration destroys (dropped tables and
	// columns).
	Warnings []string
}

// MakeResult is what MakeMigrations found.
type MakeResult struct {
	// Made has a migration per app with changes, in migration order.
	Made []*Made
	// Unchanged lists the apps whose models match their migrations.
	Unchanged []string
	// Skipped explains what was not looked at (a dialect without a
	// server, an app without a Migrations method).
	Skipped []string
}

// ErrChanges is returned by the makemigrations command with --check when
// the models have changes without migrations.
var ErrChanges = errors.New("migrations: the models have changes that are not in migrations")

// DirProvider is an App that says where its migrations live on disk.
// Without it, MakeMigrations asks the go tool for the directory of the
// app's package (the current directory for package main) and uses its
// migrations/ subdirectory.
type DirProvider interface {
	MigrationsDir() string
}

// MakeMigrations compares each app's models with the schema its existing
// migrations produce and returns, per app with differences, a new
// migration (up and down SQL per dialect). Nothing is written: call
// Write on each Made.
//
// For each dialect it creates two scratch databases (temporary SQLite
// files; databases on opts.PostgresURL's server), applies every app's
// existing migrations, read from disk, to one and creates the models'
// tables with gorm to the other, inspects both with Atlas and plans the
// changes between them for the tables an app owns: its models' tables,
// their many-to-many join tables, and tables named "<app>_…" that no
// other app's model claims (these are dropped when no model remains).
// The down file is the plan of the reverse changes. Before returning, the
// new files are applied up and down on the scratch database and the
// result compared with the models and with the old state: a plan that
// does not reproduce them is an error, not a file.
func MakeMigrations(ctx context.Context, p *core.Project, opts MakeOptions) (*MakeResult, error) {
	oa, err := orm.From(p)
	if err != nil {
		return nil, err
	}
	mk, err := newMaker(p.Apps(), oa.Registry(), opts)
	if err != nil {
		return nil, err
	}
	return mk.run(ctx)
}

type maker struct {
	opts    MakeOptions
	reg     *orm.Registry
	apps    []*diskApp // every Provider, in migration order
	targets []*diskApp // the apps to make migrations for
	answers map[RenameQuestion]bool
	res     *MakeResult
	now     time.Time
}

// diskApp is a Provider whose migrations are read from its directory on
// disk when it has one: the files makemigrations wrote earlier may not be
// embedded in the running binary yet.
type diskApp struct {
	label string
	deps  []string
	dir   string // "" when unknown (not a target)
	fsys  fs.FS
	made  *Made
}

func (a *diskApp) Label() string                   { return a.label }
func (a *diskApp) Migrations() fs.FS               { return a.fsys }
func (a *diskApp) MigrationDependencies() []string { return a.deps }

func newMaker(apps []core.App, reg *orm.Registry, opts MakeOptions) (*maker, error) {
	if opts.Name != "" && !validName.MatchString(opts.Name) {
		return nil, fmt.Errorf("migrations: --name %q: use lowercase letters, digits and underscores, starting with a letter", opts.Name)
	}
	for _, d := range opts.Dialects {
		if !slices.Contains(dialects[:], d) {
			return nil, fmt.Errorf("migrations: unknown dialect %q: use sqlite or postgres", d)
		}
	}
	mk := &maker{opts: opts, reg: reg, answers: map[RenameQuestion]bool{}, res: &MakeResult{}, now: time.Now()}
	if opts.Now != nil {
		mk.now = opts.Now()
	}
	ordered, err := orderProviders(apps)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, l := range opts.Apps {
		want[l] = true
	}
	isProvider := map[string]bool{}
	for _, p := range ordered {
		isProvider[p.Label()] = true
		da := &diskApp{label: p.Label(), fsys: p.Migrations()}
		if d, ok := p.(Dependent); ok {
			da.deps = d.MigrationDependencies()
		}
		target := len(reg.ForApp(da.label)) > 0 || opts.Empty && want[da.label]
		if len(want) > 0 && !want[da.label] {
			target = false
		}
		if target {
			if da.dir, err = appDir(p); err != nil {
				return nil, err
			}
			src := da.fsys
			if st, err := os.Stat(da.dir); err == nil && st.IsDir() {
				src = os.DirFS(da.dir)
			}
			if da.fsys, err = snapshot(src, nil); err != nil {
				return nil, fmt.Errorf("migrations: app %q: read %s: %w", da.label, da.dir, err)
			}
			mk.targets = append(mk.targets, da)
		}
		mk.apps = append(mk.apps, da)
	}
	installed := map[string]bool{}
	for _, a := range apps {
		installed[a.Label()] = true
		if !isProvider[a.Label()] && len(reg.ForApp(a.Label())) > 0 {
			note := fmt.Sprintf("app %q has models but no migrations: give it a Migrations() fs.FS method over an embedded migrations/ directory (//go:embed migrations)", a.Label())
			if want[a.Label()] {
				return nil, errors.New("migrations: " + note)
			}
			mk.res.Skipped = append(mk.res.Skipped, note)
		}
	}
	for _, l := range opts.Apps {
		switch {
		case !installed[l]:
			return nil, fmt.Errorf("migrations: app %q is not installed", l)
		case isProvider[l] && len(reg.ForApp(l)) == 0 && !opts.Empty:
			return nil, fmt.Errorf("migrations: app %q has no models (use --empty for a migration to write by hand)", l)
		}
	}
	return mk, nil
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func (mk *maker) dialects() []string {
	if len(mk.opts.Dialects) > 0 {
		return mk.opts.Dialects
	}
	return dialects[:]
}

func (mk *maker) run(ctx context.Context) (*MakeResult, error) {
	for _, a := range mk.targets {
		v, err := nextVersion(a.fsys)
		if err != nil {
			return nil, fmt.Errorf("migrations: app %q: %w", a.label, err)
		}
		a.made = &Made{App: a.label, Dir: a.dir, Version: v}
	}
	if mk.opts.Empty {
		for _, a := range mk.targets {
			mk.empty(a)
		}
		return mk.result(), nil
	}
	for _, d := range mk.dialects() {
		if d == "postgres" && mk.opts.PostgresURL == "" {
			mk.res.Skipped = append(mk.res.Skipped, "postgres: no PostgreSQL server for the scratch databases (pass --postgres URL, set DJINN_SCRATCH_POSTGRES, or use a postgres DATABASE_URL); run makemigrations again with one before deploying on PostgreSQL")
			continue
		}
		if err := mk.dialect(ctx, d); err != nil {
			return nil, err
		}
	}
	return mk.result(), nil
}

func (mk *maker) result() *MakeResult {
	for _, a := range mk.targets {
		if len(a.made.Files) > 0 {
			mk.res.Made = append(mk.res.Made, a.made)
		} else {
			mk.res.Unchanged = append(mk.res.Unchanged, a.label)
		}
	}
	return mk.res
}

func (mk *maker) empty(a *diskApp) {
	m := a.made
	m.Name = fmt.Sprintf("%04d_%s", m.Version, cmp.Or(mk.opts.Name, "auto_"+mk.now.Format("20060102_1504")))
	for _, d := range mk.dialects() {
		for _, kind := range []string{"up", "down"} {
			m.Files = append(m.Files, MadeFile{
				Path: d + "/" + m.Name + "." + kind + ".sql",
				Body: mk.header() + "-- Write the " + d + " SQL that " + map[string]string{"up": "applies", "down": "reverts"}[kind] + " this migration here.\n",
			})
		}
	}
}

func (mk *maker) header() string {
	return "-- Generated by djinn makemigrations on " + mk.now.UTC().Format("2006-01-02 15:04") + " UTC. Review it before applying.\n"
}

// dialect computes the changes of every target app on one dialect.
func (mk *maker) dialect(ctx context.Context, d string) error {
	from, closeFrom, err := mk.scratch(ctx, d)
	if err != nil {
		return err
	}
	defer closeFrom()
	to, closeTo, err := mk.scratch(ctx, d)
	if err != nil {
		return err
	}
	defer closeTo()

	r, err := NewRunner(from, providers(mk.apps))
	if err != nil {
		return err
	}
	if _, err := r.Migrate(ctx); err != nil {
		return fmt.Errorf("migrations: the existing %s migrations fail on a scratch database: %w", d, err)
	}
	if err := mk.reg.Install(to); err != nil {
		return err
	}
	models := make([]any, 0, len(mk.reg.Models()))
	for _, m := range mk.reg.Models() {
		models = append(models, reflect.New(m.Type).Interface())
	}
	if err := to.AutoMigrate(models...); err != nil {
		return fmt.Errorf("migrations: create the models' tables on a scratch %s database: %w", d, err)
	}
	fromI, err := newInspector(ctx, from)
	if err != nil {
		return err
	}
	toI, err := newInspector(ctx, to)
	if err != nil {
		return err
	}
	want, err := toI.inspect(ctx)
	if err != nil {
		return err
	}
	for _, a := range mk.targets {
		// Re-inspect per app: an earlier app's new migration may have run.
		have, err := fromI.inspect(ctx)
		if err != nil {
			return err
		}
		owned := mk.owned(a.label, have, want)
		plan, err := mk.plan(ctx, fromI, a, d, owned, have, want)
		if err != nil {
			return err
		}
		if plan == nil {
			continue
		}
		if err := mk.verify(ctx, from, fromI, a, d, plan, owned, have, want); err != nil {
			return err
		}
	}
	return nil
}

// owned is the set of tables whose changes belong to app.
func (mk *maker) owned(app string, have, want *schema.Schema) map[string]bool {
	owned := map[string]bool{}
	claimed := map[string]bool{}
	for _, m := range mk.reg.Models() {
		claimed[m.Table] = true
		for _, f := range m.Fields {
			if f.Relation != nil && f.Relation.JoinTable != "" {
				claimed[f.Relation.JoinTable] = true
				if m.App == app {
					owned[f.Relation.JoinTable] = true
				}
			}
		}
		if m.App == app {
			owned[m.Table] = true
		}
	}
	for _, s := range []*schema.Schema{have, want} {
		for _, t := range s.Tables {
			if strings.HasPrefix(t.Name, app+"_") && !claimed[t.Name] && !strings.HasPrefix(t.Name, "djinn_migrations_") {
				owned[t.Name] = true
			}
		}
	}
	return owned
}

// migrationPlan is the SQL of one app's new migration on one dialect.
type migrationPlan struct {
	up, down  []planStmt
	ops, warn []string
	name      string
}

type planStmt struct{ comment, sql string }

func (mk *maker) plan(ctx context.Context, in *inspector, a *diskApp, d string, owned map[string]bool, have, want *schema.Schema) (*migrationPlan, error) {
	from, to := subset(have, owned), subset(want, owned)
	up, err := in.drv.SchemaDiff(from, to)
	if err != nil {
		return nil, fmt.Errorf("migrations: %s: diff the %s schema: %w", a.label, d, err)
	}
	if len(up) == 0 {
		return nil, nil
	}
	down, err := in.drv.SchemaDiff(to, from)
	if err != nil {
		return nil, fmt.Errorf("migrations: %s: diff the %s schema: %w", a.label, d, err)
	}
	renamed, err := mk.renames(a.label, up)
	if err != nil {
		return nil, err
	}
	up = applyRenames(up, renamed, false)
	down = applyRenames(down, renamed, true)
	p := &migrationPlan{ops: describe(up), warn: warnings(up)}
	if p.up, err = in.planSQL(ctx, up); err != nil {
		return nil, fmt.Errorf("migrations: %s: plan the %s migration: %w", a.label, d, err)
	}
	if p.down, err = in.planSQL(ctx, down); err != nil {
		return nil, fmt.Errorf("migrations: %s: plan the %s down migration: %w", a.label, d, err)
	}
	m := a.made
	if m.Name == "" {
		m.Name = fmt.Sprintf("%04d_%s", m.Version, cmp.Or(mk.opts.Name, autoName(a.label, m.Version, up, mk.now)))
	}
	if m.Operations == nil {
		m.Operations, m.Warnings = p.ops, p.warn
	}
	m.Files = append(m.Files,
		MadeFile{Path: d + "/" + m.Name + ".up.sql", Body: mk.render(p.up)},
		MadeFile{Path: d + "/" + m.Name + ".down.sql", Body: mk.render(p.down)},
	)
	return p, nil
}

func (mk *maker) render(stmts []planStmt) string {
	var b strings.Builder
	b.WriteString(mk.header())
	for _, s := range stmts {
		if s.comment != "" {
			b.WriteString("-- " + strings.ToUpper(s.comment[:1]) + s.comment[1:] + "\n")
		}
		b.WriteString(s.sql + ";\n")
	}
	return b.String()
}

// verify applies the new files on the scratch database, up then down then
// up again (later apps may build on it), and checks that up reaches the
// models' schema and down the previous one.
func (mk *maker) verify(ctx context.Context, db *gorm.DB, in *inspector, a *diskApp, d string, p *migrationPlan, owned map[string]bool, have, want *schema.Schema) error {
	m := a.made
	overlay, err := snapshot(a.fsys, m.Files)
	if err != nil {
		return err
	}
	apps := providers(mk.apps)
	for i, x := range mk.apps {
		if x == a {
			c := *a
			c.fsys = overlay
			apps[i] = &c
		}
	}
	r, err := NewRunner(db, apps)
	if err != nil {
		return err
	}
	check := func(stage string, expect *schema.Schema) error {
		got, err := in.inspect(ctx)
		if err != nil {
			return err
		}
		left, err := in.drv.SchemaDiff(subset(got, owned), subset(expect, owned))
		if err != nil {
			return err
		}
		if len(left) > 0 {
			return fmt.Errorf("migrations: %s: the generated %s/%s does not reproduce the %s on a scratch database; still to change: %s. Please report this; write the migration by hand with --empty meanwhile",
				a.label, d, m.Name, stage, strings.Join(describe(left), "; "))
		}
		return nil
	}
	prev := prevVersion(a.fsys, d, m.Version)
	if _, err := r.Migrate(ctx, Target{App: a.label, Version: int(m.Version)}); err != nil {
		return fmt.Errorf("migrations: the generated migration fails on a scratch %s database: %w", d, err)
	}
	if err := check("models' schema (up file)", want); err != nil {
		return err
	}
	if _, err := r.Migrate(ctx, Target{App: a.label, Version: int(prev)}); err != nil {
		return fmt.Errorf("migrations: the generated down migration fails on a scratch %s database: %w", d, err)
	}
	if err := check("previous schema (down file)", have); err != nil {
		return err
	}
	// Back to every app at its latest (unapplying this app's migration may
	// have unapplied its dependents), for the apps that come next.
	if _, err := r.Migrate(ctx); err != nil {
		return fmt.Errorf("migrations: the generated migration fails on a scratch %s database: %w", d, err)
	}
	return nil
}

// prevVersion is the highest version below v that fsys has for dialect
// d (0 when none): where unapplying v leads.
func prevVersion(fsys fs.FS, d string, v uint) uint {
	entries, _ := fs.ReadDir(fsys, d)
	var prev uint
	for _, e := range entries {
		if n, ok := fileVersion(e.Name()); ok && n < v && n > prev {
			prev = n
		}
	}
	return prev
}

func providers(apps []*diskApp) []core.App {
	out := make([]core.App, len(apps))
	for i, a := range apps {
		out[i] = a
	}
	return out
}

// fileVersion parses the NNNN of "NNNN_name.up.sql".
func fileVersion(name string) (uint, bool) {
	i := strings.IndexByte(name, '_')
	if i <= 0 || !strings.HasSuffix(name, ".sql") {
		return 0, false
	}
	n, err := strconv.ParseUint(name[:i], 10, 32)
	return uint(n), err == nil
}

// nextVersion is one more than the highest version of any dialect.
func nextVersion(fsys fs.FS) (uint, error) {
	var top uint
	for _, d := range dialects {
		entries, err := fs.ReadDir(fsys, d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, err
		}
		for _, e := range entries {
			if v, ok := fileVersion(e.Name()); ok && v > top {
				top = v
			}
		}
	}
	return top + 1, nil
}

// snapshot copies the dialect directories of fsys into memory, with
// files added; a missing directory is an empty one.
func snapshot(fsys fs.FS, files []MadeFile) (fstest.MapFS, error) {
	out := fstest.MapFS{}
	for _, d := range dialects {
		out[d] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
		entries, err := fs.ReadDir(fsys, d)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			b, err := fs.ReadFile(fsys, d+"/"+e.Name())
			if err != nil {
				return nil, err
			}
			out[d+"/"+e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	for _, f := range files {
		out[f.Path] = &fstest.MapFile{Data: []byte(f.Body)}
	}
	return out, nil
}

// Write creates the migration's files under Dir, never overwriting one.
func (m *Made) Write() error {
	for _, f := range m.Files {
		p := filepath.Join(m.Dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("migrations: %s: %w", m.App, err)
		}
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("migrations: %s: %w", m.App, err)
		}
		_, err = fh.WriteString(f.Body)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("migrations: %s: write %s: %w", m.App, p, err)
		}
	}
	return nil
}

// autoName names a migration after its only change, like Django
// ("question_votes", "remove_question_votes"), or "initial" for an app's
// first, or "auto_<date>_<time>".
func autoName(app string, v uint, changes []schema.Change, now time.Time) string {
	if v == 1 {
		return "initial"
	}
	short := func(t string) string { return strings.TrimPrefix(t, app+"_") }
	var parts []string
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.AddTable:
			parts = append(parts, short(c.T.Name))
		case *schema.DropTable:
			parts = append(parts, "delete_"+short(c.T.Name))
		case *schema.ModifyTable:
			for _, cc := range c.Changes {
				switch cc := cc.(type) {
				case *schema.AddColumn:
					parts = append(parts, short(c.T.Name)+"_"+cc.C.Name)
				case *schema.DropColumn:
					parts = append(parts, "remove_"+short(c.T.Name)+"_"+cc.C.Name)
				case *schema.RenameColumn:
					parts = append(parts, "rename_"+short(c.T.Name)+"_"+cc.From.Name+"_"+cc.To.Name)
				case *schema.ModifyColumn:
					parts = append(parts, "alter_"+short(c.T.Name)+"_"+cc.To.Name)
				default:
					parts = append(parts, "alter_"+short(c.T.Name))
				}
			}
		}
	}
	parts = slices.Compact(parts)
	name := strings.ToLower(strings.Join(parts, "_and_"))
	if len(parts) == 0 || len(parts) > 2 || len(name) > 52 || !validName.MatchString(name) {
		return "auto_" + now.Format("20060102_1504")
	}
	return name
}

// describe turns changes into lines for people.
func describe(changes []schema.Change) []string {
	var out []string
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.AddTable:
			out = append(out, "Create table "+c.T.Name)
		case *schema.DropTable:
			out = append(out, "Drop table "+c.T.Name)
		case *schema.RenameTable:
			out = append(out, "Rename table "+c.From.Name+" to "+c.To.Name)
		case *schema.ModifyTable:
			for _, cc := range c.Changes {
				out = append(out, describeTable(c.T.Name, cc))
			}
		default:
			out = append(out, fmt.Sprintf("%T", c))
		}
	}
	return out
}

func describeTable(t string, c schema.Change) string {
	switch c := c.(type) {
	case *schema.AddColumn:
		return "Add column " + c.C.Name + " to " + t
	case *schema.DropColumn:
		return "Remove column " + c.C.Name + " from " + t
	case *schema.ModifyColumn:
		return "Alter column " + c.To.Name + " on " + t
	case *schema.RenameColumn:
		return "Rename column " + c.From.Name + " to " + c.To.Name + " on " + t
	case *schema.AddIndex:
		return "Create index " + c.I.Name + " on " + t
	case *schema.DropIndex:
		return "Drop index " + c.I.Name + " on " + t
	case *schema.ModifyIndex:
		return "Alter index " + c.To.Name + " on " + t
	case *schema.RenameIndex:
		return "Rename index " + c.From.Name + " to " + c.To.Name + " on " + t
	case *schema.AddForeignKey:
		return "Add foreign key " + c.F.Symbol + " to " + t
	case *schema.DropForeignKey:
		return "Drop foreign key " + c.F.Symbol + " from " + t
	case *schema.ModifyForeignKey:
		return "Alter foreign key " + c.To.Symbol + " on " + t
	case *schema.AddCheck:
		return "Add check " + c.C.Name + " to " + t
	case *schema.DropCheck:
		return "Drop check " + c.C.Name + " from " + t
	case *schema.ModifyCheck:
		return "Alter check " + c.To.Name + " on " + t
	case *schema.AddPrimaryKey, *schema.DropPrimaryKey, *schema.ModifyPrimaryKey:
		return "Alter the primary key of " + t
	}
	return fmt.Sprintf("Alter %s (%T)", t, c)
}

// warnings name the data that changes destroy.
func warnings(changes []schema.Change) []string {
	var out []string
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.DropTable:
			out = append(out, "Table "+c.T.Name+" is dropped: its rows will be lost.")
		case *schema.ModifyTable:
			for _, cc := range c.Changes {
				if dc, ok := cc.(*schema.DropColumn); ok {
					out = append(out, "Column "+c.T.Name+"."+dc.C.Name+" is dropped: its data will be lost.")
				}
			}
		}
	}
	return out
}

// renames asks, for each column dropped while one of the same type is
// added to the same table, whether it was a rename, and returns the
// columns renamed (table → old → new).
func (mk *maker) renames(app string, changes []schema.Change) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, c := range changes {
		mt, ok := c.(*schema.ModifyTable)
		if !ok {
			continue
		}
		var drops, adds []*schema.Column
		for _, cc := range mt.Changes {
			switch cc := cc.(type) {
			case *schema.DropColumn:
				drops = append(drops, cc.C)
			case *schema.AddColumn:
				adds = append(adds, cc.C)
			}
		}
		used := map[string]bool{}
		for _, d := range drops {
			for _, ad := range adds {
				if used[ad.Name] || typeString(d) != typeString(ad) {
					continue
				}
				q := RenameQuestion{App: app, Table: mt.T.Name, From: d.Name, To: ad.Name, Type: typeString(d)}
				key := RenameQuestion{App: app, Table: q.Table, From: q.From, To: q.To} // asked once for all dialects
				yes, asked := mk.answers[key]
				if !asked {
					if mk.opts.Rename != nil {
						var err error
						if yes, err = mk.opts.Rename(q); err != nil {
							return nil, err
						}
					}
					mk.answers[key] = yes
				}
				if yes {
					if out[mt.T.Name] == nil {
						out[mt.T.Name] = map[string]string{}
					}
					out[mt.T.Name][d.Name] = ad.Name
					used[ad.Name] = true
					break
				}
			}
		}
	}
	return out, nil
}

func typeString(c *schema.Column) string {
	if c.Type == nil || c.Type.Type == nil {
		return "?"
	}
	s := c.Type.Raw
	if s == "" {
		s = fmt.Sprintf("%T", c.Type.Type)
	}
	if c.Type.Null {
		s += " null"
	}
	return strings.ToLower(s)
}

// applyRenames replaces each renamed column's drop and add by a
// RenameColumn; reverse swaps old and new (for the down plan).
func applyRenames(changes []schema.Change, renamed map[string]map[string]string, reverse bool) []schema.Change {
	if len(renamed) == 0 {
		return changes
	}
	for _, c := range changes {
		mt, ok := c.(*schema.ModifyTable)
		if !ok || renamed[mt.T.Name] == nil {
			continue
		}
		pairs := map[string]string{} // dropped name → added name
		added := map[string]bool{}   // the added names that are renames
		for from, to := range renamed[mt.T.Name] {
			if reverse {
				from, to = to, from
			}
			pairs[from], added[to] = to, true
		}
		cols := map[string]*schema.Column{}
		for _, cc := range mt.Changes {
			if a, ok := cc.(*schema.AddColumn); ok {
				cols[a.C.Name] = a.C
			}
		}
		var kept []schema.Change
		for _, cc := range mt.Changes {
			switch cc := cc.(type) {
			case *schema.DropColumn:
				if to, ok := pairs[cc.C.Name]; ok && cols[to] != nil {
					kept = append(kept, &schema.RenameColumn{From: cc.C, To: cols[to]})
					continue
				}
			case *schema.AddColumn:
				if added[cc.C.Name] {
					continue
				}
			}
			kept = append(kept, cc)
		}
		mt.Changes = kept
	}
	return changes
}

// subset is s restricted to the named tables.
func subset(s *schema.Schema, tables map[string]bool) *schema.Schema {
	out := &schema.Schema{Name: s.Name, Realm: s.Realm, Attrs: s.Attrs}
	for _, t := range s.Tables {
		if tables[t.Name] {
			out.Tables = append(out.Tables, t)
		}
	}
	return out
}

// scratchLogger discards the scratch databases' logs.
var scratchLogger = slog.New(slog.DiscardHandler)

// appDir is the directory holding app's sqlite/ and postgres/ migrations.
func appDir(app Provider) (string, error) {
	if d, ok := app.(DirProvider); ok {
		return filepath.Abs(d.MigrationsDir())
	}
	t := reflect.TypeOf(app)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pkg := t.PkgPath()
	if pkg == "" || pkg == "main" {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		return filepath.Join(wd, "migrations"), nil
	}
	out, err := exec.Command("go", "list", "-find", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("migrations: app %q: find the directory of package %s with `go list` (%s); or give the app a MigrationsDir() string method", app.Label(), pkg, msg)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "migrations"), nil
}
