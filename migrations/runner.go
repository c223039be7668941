package migrations

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4/source"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/orm"
)

// Provider is an App with SQL migrations. Migrations returns a file system
// with a directory per dialect, "sqlite" and "postgres", each holding
// NNNN_name.up.sql and NNNN_name.down.sql files (golang-migrate's naming).
// Versions need not be contiguous; they run in increasing order.
type Provider interface {
	Label() string
	Migrations() fs.FS
}

// Dependent is a Provider whose migrations need other apps' migrations to
// run first (a foreign key to their tables). MigrationDependencies returns
// their labels.
type Dependent interface {
	MigrationDependencies() []string
}

// Zero is the version of an app with no migration applied; migrating to it
// unapplies them all.
const Zero = 0

// Latest as a Target's Version migrates the app to its newest migration.
const Latest = -1

// Target is the version an app should be at after Migrate or Fake.
type Target struct {
	App string
	// Version is a migration's number, Zero, or Latest.
	Version int
}

// Step is one migration to apply (Up) or unapply.
type Step struct {
	App     string
	Version uint
	Name    string // "0001_initial"
	Up      bool
}

func (s Step) String() string { return s.App + "." + s.Name }

// Migration is one migration of an app and whether it is applied.
type Migration struct {
	App     string
	Version uint
	Name    string
	Applied bool
	// Dirty marks the migration recorded as current whose last run failed
	// or was interrupted.
	Dirty bool
}

// AdvisoryLockKey is the PostgreSQL advisory lock a Runner holds while it
// migrates or fakes, so that two nodes never migrate at once.
const AdvisoryLockKey int64 = 0x646a696e6e6d6967 // "djinnmig"

// Runner applies the migrations of a project's apps to its database. Its
// zero value is not usable; use NewRunner. Its methods may be called from
// several goroutines and several processes: Migrate and Fake take turns,
// each reading the recorded versions once it has its turn, so that each
// migration is applied once. On PostgreSQL they hold the session advisory
// lock AdvisoryLockKey. On a SQLite file they hold an exclusive flock(2)
// on a lock file beside it, the database's path plus LockFileSuffix,
// removed when the run ends; a process that dies releases it. This needs
// every process to see the same file system with working flock (a local
// disk: not every network file system has it), and Linux, macOS or a BSD:
// on other systems (Windows among them) there is no such lock and two
// runs on one file must not overlap. An in-memory SQLite database belongs
// to one pool and needs no lock. Set the exported fields before the first
// call, not during one.
type Runner struct {
	db      *gorm.DB
	dialect string
	apps    []*appMigrations
	// Progress, if set, is called after each step Migrate or Fake takes,
	// with the time it took and its error.
	Progress func(s Step, took time.Duration, err error)
	// Logger, if set, is told when a run waits for another one's SQLite
	// lock file (once per run); nil logs nothing.
	Logger *slog.Logger
	// LockTimeout bounds the wait for a SQLite lock file, after which
	// Migrate and Fake fail with an error naming it; zero means
	// DefaultLockTimeout. The context passed to them bounds it too. The
	// PostgreSQL advisory lock is waited for within the context only.
	LockTimeout time.Duration
}

type appMigrations struct {
	label string
	deps  []string
	src   source.Driver
	list  []Migration // Applied and Dirty unset
}

// NewRunner returns a Runner for the Providers among apps, ordered so that
// every app comes after its MigrationDependencies (otherwise in the order
// given). db's dialect ("sqlite" or "postgres") chooses the directory read
// from each app's Migrations.
func NewRunner(db *gorm.DB, apps []core.App) (*Runner, error) {
	dialect := db.Dialector.Name()
	if dialect != "sqlite" && dialect != "postgres" {
		return nil, fmt.Errorf("migrations: unsupported database dialect %q", dialect)
	}
	ordered, err := orderProviders(apps)
	if err != nil {
		return nil, err
	}
	r := &Runner{db: db, dialect: dialect}
	for _, p := range ordered {
		am, err := loadApp(p, dialect)
		if err != nil {
			return nil, err
		}
		r.apps = append(r.apps, am)
	}
	return r, nil
}

func loadApp(p Provider, dialect string) (*appMigrations, error) {
	label := p.Label()
	fsys := p.Migrations()
	if fsys == nil {
		return nil, fmt.Errorf("migrations: app %q: Migrations returned nil", label)
	}
	if _, err := fs.Stat(fsys, dialect); err != nil {
		return nil, fmt.Errorf("migrations: app %q has no %s/ directory in its Migrations", label, dialect)
	}
	if err := checkFileNames(fsys, dialect); err != nil {
		return nil, fmt.Errorf("migrations: app %q: %w", label, err)
	}
	src, err := iofs.New(fsys, dialect)
	if err != nil {
		return nil, fmt.Errorf("migrations: app %q: %s/: %w", label, dialect, err)
	}
	am := &appMigrations{label: label, src: src}
	if d, ok := p.(Dependent); ok {
		am.deps = append([]string{}, d.MigrationDependencies()...)
	}
	v, err := src.First()
	for err == nil {
		rc, ident, rerr := src.ReadUp(v)
		if rerr != nil {
			return nil, fmt.Errorf("migrations: app %q: %s/ version %d has no .up.sql file", label, dialect, v)
		}
		_ = rc.Close()
		am.list = append(am.list, Migration{App: label, Version: v, Name: fmt.Sprintf("%04d_%s", v, ident)})
		v, err = src.Next(v)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("migrations: app %q: %s/: %w", label, dialect, err)
	}
	return am, nil
}

func orderProviders(apps []core.App) ([]Provider, error) {
	byLabel := map[string]Provider{}
	var labels []string
	for _, a := range apps {
		if p, ok := a.(Provider); ok {
			byLabel[p.Label()] = p
			labels = append(labels, p.Label())
		}
	}
	var out []Provider
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(l string, path []string) error
	visit = func(l string, path []string) error {
		switch state[l] {
		case 2:
			return nil
		case 1:
			return fmt.Errorf("migrations: dependency cycle: %s", strings.Join(append(path, l), " -> "))
		}
		state[l] = 1
		p := byLabel[l]
		if d, ok := p.(Dependent); ok {
			for _, dep := range d.MigrationDependencies() {
				if _, ok := byLabel[dep]; !ok {
					return fmt.Errorf("migrations: app %q depends on the migrations of %q, which is not an installed app with migrations", l, dep)
				}
				if err := visit(dep, append(path, l)); err != nil {
					return err
				}
			}
		}
		state[l] = 2
		out = append(out, p)
		return nil
	}
	for _, l := range labels {
		if err := visit(l, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Apps returns the labels of the apps with migrations, in the order they
// migrate.
func (r *Runner) Apps() []string {
	out := make([]string, len(r.apps))
	for i, a := range r.apps {
		out[i] = a.label
	}
	return out
}

func (r *Runner) app(label string) (*appMigrations, error) {
	for _, a := range r.apps {
		if a.label == label {
			return a, nil
		}
	}
	return nil, fmt.Errorf("migrations: app %q has no migrations (or is not installed)", label)
}

// TableName returns the version table of app: djinn_migrations_<app>.
func TableName(app string) string { return "djinn_migrations_" + app }

// state is an app's recorded version (0 when none) and dirty mark.
type state struct {
	version uint
	dirty   bool
}

// session is a connection held for one operation, with the lock taken.
type session struct {
	r    *Runner
	conn *sql.Conn
	// lost is why conn was discarded (foreign keys could not be turned
	// back on); nil while it is usable.
	lost error
}

// discard closes conn and keeps database/sql from returning its driver
// connection to the pool: a connection whose session state could not be
// restored must not serve anyone else.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

func (r *Runner) open(ctx context.Context, lock bool) (*session, func(), error) {
	sqlDB, err := r.db.DB()
	if err != nil {
		return nil, nil, fmt.Errorf("migrations: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("migrations: connect: %w", err)
	}
	release := func() { _ = conn.Close() }
	if lock && r.dialect == "postgres" {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", AdvisoryLockKey); err != nil {
			release()
			return nil, nil, fmt.Errorf("migrations: take the migration lock: %w", err)
		}
		release = func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", AdvisoryLockKey); err != nil {
				// The session lock dies with the connection: drop it.
				discard(conn)
			}
			_ = conn.Close()
		}
	}
	if lock && r.dialect == "sqlite" {
		unlock, err := r.lockSQLite(ctx, conn)
		if err != nil {
			release()
			return nil, nil, err
		}
		release = func() {
			_ = conn.Close()
			unlock()
		}
	}
	return &session{r: r, conn: conn}, release, nil
}

func (s *session) ph(n int) string {
	if s.r.dialect == "postgres" {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

func (s *session) ensureTable(ctx context.Context, app string) error {
	q := `CREATE TABLE IF NOT EXISTS "` + TableName(app) + `" (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)`
	if _, err := s.conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("migrations: create %s: %w", TableName(app), err)
	}
	return nil
}

func (s *session) tableExists(ctx context.Context, app string) (bool, error) {
	var q string
	if s.r.dialect == "postgres" {
		q = "SELECT to_regclass($1) IS NOT NULL"
	} else {
		q = "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?"
	}
	var ok bool
	if err := s.conn.QueryRowContext(ctx, q, TableName(app)).Scan(&ok); err != nil {
		return false, fmt.Errorf("migrations: look for %s: %w", TableName(app), err)
	}
	return ok, nil
}

func (s *session) state(ctx context.Context, app string) (state, error) {
	ok, err := s.tableExists(ctx, app)
	if err != nil || !ok {
		return state{}, err
	}
	var v int64
	var st state
	err = s.conn.QueryRowContext(ctx, `SELECT version, dirty FROM "`+TableName(app)+`" LIMIT 1`).Scan(&v, &st.dirty)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return state{}, nil
	case err != nil:
		return state{}, fmt.Errorf("migrations: read %s: %w", TableName(app), err)
	}
	st.version = uint(v)
	return st, nil
}

func (s *session) setState(ctx context.Context, app string, st state) error {
	tx, err := s.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrations: record version of %s: %w", app, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `DELETE FROM "`+TableName(app)+`"`); err != nil {
		return fmt.Errorf("migrations: record version of %s: %w", app, err)
	}
	if st.version != 0 || st.dirty {
		q := `INSERT INTO "` + TableName(app) + `" (version, dirty) VALUES (` + s.ph(1) + `, ` + s.ph(2) + `)`
		if _, err := tx.ExecContext(ctx, q, int64(st.version), st.dirty); err != nil {
			return fmt.Errorf("migrations: record version of %s: %w", app, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrations: record version of %s: %w", app, err)
	}
	return nil
}

// runFile executes the statements of one migration file, one by one, in
// a transaction: on both dialects DDL is transactional, so a failing
// statement leaves nothing of the file. A statement's failure is a
// *statementError.
//
// On SQLite, foreign key enforcement is turned off around the transaction
// (PRAGMA foreign_keys is a no-op inside one), as Django's schema editor
// does: a table rebuild (create the new table, copy, drop the old one,
// rename) would otherwise fail, or cascade the DROP's implicit DELETE into
// child tables. PRAGMA foreign_key_check then runs before COMMIT, and a
// violation rolls the file back with a *ForeignKeyError. Enforcement is
// back on when runFile returns, whatever happened, or the connection is
// discarded and s.lost set.
func (s *session) runFile(ctx context.Context, body string) error {
	sqlite := s.r.dialect == "sqlite"
	stmts := splitSQL(body, !sqlite)
	if sqlite {
		if _, err := s.conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return fmt.Errorf("turn foreign keys off: %w", err)
		}
		defer s.foreignKeysOn(ctx)
	}
	tx, err := s.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for i, st := range stmts {
		if sqlite && isForeignKeysPragma(st.text) {
			continue
		}
		if _, err := tx.ExecContext(ctx, st.text); err != nil {
			_ = tx.Rollback()
			return &statementError{index: i + 1, line: st.line, sql: st.text, err: err}
		}
	}
	if sqlite {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// foreignKeysOn turns SQLite's foreign key enforcement back on, even when
// ctx is cancelled: the connection goes back to the pool. If it cannot, it
// discards the connection.
func (s *session) foreignKeysOn(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := s.conn.ExecContext(ctx, "PRAGMA foreign_keys = ON"); err != nil {
		s.lost = fmt.Errorf("turn SQLite foreign keys back on: %w (connection discarded)", err)
		discard(s.conn)
	}
}

// statementError is a statement of a migration file that failed.
type statementError struct {
	index, line int
	sql         string
	err         error
}

func (e *statementError) Error() string { return e.err.Error() }

// maxViolations is how many foreign key violations a ForeignKeyError
// lists.
const maxViolations = 5

func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("PRAGMA foreign_key_check: %w", err)
	}
	defer rows.Close()
	fe := &ForeignKeyError{}
	for rows.Next() {
		var v ForeignKeyViolation
		var rowid sql.NullInt64
		var fkid int64
		if err := rows.Scan(&v.Table, &rowid, &v.Parent, &fkid); err != nil {
			return fmt.Errorf("PRAGMA foreign_key_check: %w", err)
		}
		v.RowID = rowid.Int64
		fe.Count++
		if len(fe.Violations) < maxViolations {
			fe.Violations = append(fe.Violations, v)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("PRAGMA foreign_key_check: %w", err)
	}
	if fe.Count > 0 {
		return fe
	}
	return nil
}

// ForeignKeyViolation is a row PRAGMA foreign_key_check reports: row RowID
// of Table references a row of Parent that does not exist. RowID is 0 for
// a WITHOUT ROWID table.
type ForeignKeyViolation struct {
	Table  string
	RowID  int64
	Parent string
}

// ForeignKeyError is the Err of an *Error when a SQLite migration file,
// which runs with foreign key enforcement off, left rows that reference
// missing rows; the file was rolled back. errors.Is(err,
// orm.ErrForeignKey) reports true for it.
type ForeignKeyError struct {
	// Violations are the first few violations, Count how many there are.
	Violations []ForeignKeyViolation
	Count      int
}

func (e *ForeignKeyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "foreign key check failed, %d row(s) reference missing rows: ", e.Count)
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s rowid %d references a missing row of %s", v.Table, v.RowID, v.Parent)
	}
	if more := e.Count - len(e.Violations); more > 0 {
		fmt.Fprintf(&b, "; and %d more", more)
	}
	return b.String()
}

// Is reports whether target is orm.ErrForeignKey.
func (e *ForeignKeyError) Is(target error) bool { return target == orm.ErrForeignKey }

// Status returns every migration of every app, in migration order, with
// whether it is applied.
func (r *Runner) Status(ctx context.Context) ([]Migration, error) {
	s, release, err := r.open(ctx, false)
	if err != nil {
		return nil, err
	}
	defer release()
	var out []Migration
	for _, a := range r.apps {
		st, err := s.state(ctx, a.label)
		if err != nil {
			return nil, err
		}
		for _, m := range a.list {
			m.Applied = m.Version <= st.version
			m.Dirty = st.dirty && m.Version == st.version
			out = append(out, m)
		}
	}
	return out, nil
}

// SQL returns the text of app's migration version, its .up.sql file when
// up is true and its .down.sql file otherwise (for sqlmigrate).
func (r *Runner) SQL(app string, version uint, up bool) (string, error) {
	a, err := r.app(app)
	if err != nil {
		return "", err
	}
	m, ok := a.find(version)
	if !ok {
		return "", fmt.Errorf("migrations: app %q has no migration %04d", app, version)
	}
	return a.read(r.dialect, m, up)
}

func (a *appMigrations) find(v uint) (Migration, bool) {
	for _, m := range a.list {
		if m.Version == v {
			return m, true
		}
	}
	return Migration{}, false
}

func (a *appMigrations) read(dialect string, m Migration, up bool) (string, error) {
	var rc io.ReadCloser
	var err error
	if up {
		rc, _, err = a.src.ReadUp(m.Version)
	} else {
		rc, _, err = a.src.ReadDown(m.Version)
	}
	if err != nil {
		kind := "down"
		if up {
			kind = "up"
		}
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("migrations: %s.%s has no %s file %s/%s.%s.sql: it cannot be unapplied", a.label, m.Name, kind, dialect, m.Name, kind)
		}
		return "", fmt.Errorf("migrations: %s.%s: read %s file: %w", a.label, m.Name, kind, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return "", fmt.Errorf("migrations: %s.%s: %w", a.label, m.Name, err)
	}
	return string(b), nil
}

// resolve turns targets into the version each app should reach; nil
// targets mean every app at Latest. A forward target of an app also
// migrates its dependencies to Latest, as Django does.
func (r *Runner) resolve(targets []Target) (map[string]uint, error) {
	want := map[string]uint{}
	if len(targets) == 0 {
		for _, a := range r.apps {
			want[a.label] = a.latest()
		}
		return want, nil
	}
	for _, t := range targets {
		a, err := r.app(t.App)
		if err != nil {
			return nil, err
		}
		switch {
		case t.Version == Latest:
			want[a.label] = a.latest()
		case t.Version < 0:
			return nil, fmt.Errorf("migrations: %s: bad target version %d", a.label, t.Version)
		case t.Version == Zero:
			want[a.label] = 0
		default:
			if _, ok := a.find(uint(t.Version)); !ok {
				return nil, fmt.Errorf("migrations: app %q has no migration %04d", a.label, t.Version)
			}
			want[a.label] = uint(t.Version)
		}
	}
	return want, nil
}

func (a *appMigrations) latest() uint {
	if len(a.list) == 0 {
		return 0
	}
	return a.list[len(a.list)-1].Version
}

// plan computes the steps from the recorded states: forward steps in app
// dependency order, then backward steps in reverse order. With deps, it
// adds to want the apps that must move along (see Migrate): the
// dependencies of an app migrating forward go to Latest, and the apps
// depending on an app migrating backward go to Zero.
func (r *Runner) plan(states map[string]state, want map[string]uint, deps bool) ([]Step, error) {
	if deps {
		// Dependencies of an app migrating forward go to Latest too.
		for i := len(r.apps) - 1; i >= 0; i-- {
			a := r.apps[i]
			w, ok := want[a.label]
			if !ok || w <= states[a.label].version {
				continue
			}
			for _, dep := range a.deps {
				if _, set := want[dep]; !set {
					da, _ := r.app(dep)
					want[dep] = da.latest()
				}
			}
		}
		if err := r.unapplyDependents(states, want); err != nil {
			return nil, err
		}
	}
	var fwd, back []Step
	for _, a := range r.apps {
		w, ok := want[a.label]
		if !ok {
			continue
		}
		cur := states[a.label].version
		for _, m := range a.list {
			if m.Version > cur && m.Version <= w {
				fwd = append(fwd, Step{App: a.label, Version: m.Version, Name: m.Name, Up: true})
			}
		}
	}
	for i := len(r.apps) - 1; i >= 0; i-- {
		a := r.apps[i]
		w, ok := want[a.label]
		if !ok {
			continue
		}
		cur := states[a.label].version
		for j := len(a.list) - 1; j >= 0; j-- {
			if m := a.list[j]; m.Version <= cur && m.Version > w {
				back = append(back, Step{App: a.label, Version: m.Version, Name: m.Name})
			}
		}
	}
	return append(fwd, back...), nil
}

// unapplyDependents sets want to Zero for every app with applied
// migrations that depends, directly or transitively, on an app that want
// takes backward, and fails if want moves such an app anywhere else.
func (r *Runner) unapplyDependents(states map[string]state, want map[string]uint) error {
	back := map[string]string{} // app → the app unapplying that it depends on
	// r.apps has every app after its dependencies.
	for _, a := range r.apps {
		var cause string
		for _, dep := range a.deps {
			if c, ok := back[dep]; ok {
				cause = c
				break
			}
		}
		w, set := want[a.label]
		switch {
		case cause != "":
			if set && w > 0 {
				return fmt.Errorf("migrations: cannot migrate %s to %s while unapplying migrations of %s: %s depends on it (MigrationDependencies), so it must go to zero first",
					a.label, versionArg(w), cause, a.label)
			}
			back[a.label] = cause
			if states[a.label].version > 0 {
				want[a.label] = Zero
			}
		case set && a.unapplies(states[a.label].version, w):
			back[a.label] = a.label
		}
	}
	return nil
}

// unapplies reports whether going from version cur to w unapplies any of
// a's migrations.
func (a *appMigrations) unapplies(cur, w uint) bool {
	for _, m := range a.list {
		if m.Version > w && m.Version <= cur {
			return true
		}
	}
	return false
}

func (r *Runner) states(ctx context.Context, s *session) (map[string]state, error) {
	out := map[string]state{}
	for _, a := range r.apps {
		st, err := s.state(ctx, a.label)
		if err != nil {
			return nil, err
		}
		out[a.label] = st
	}
	return out, nil
}

// Plan returns the steps Migrate would take for targets, without taking
// them.
func (r *Runner) Plan(ctx context.Context, targets ...Target) ([]Step, error) {
	want, err := r.resolve(targets)
	if err != nil {
		return nil, err
	}
	s, release, err := r.open(ctx, false)
	if err != nil {
		return nil, err
	}
	defer release()
	states, err := r.states(ctx, s)
	if err != nil {
		return nil, err
	}
	return r.plan(states, want, true)
}

// Migrate applies and unapplies migrations until every app of targets is at
// its target version (every app at Latest without targets), and returns
// the steps it took. An app migrating forward takes its
// MigrationDependencies to Latest first. An app migrating backward (any of
// its applied migrations unapplied) first takes to Zero every app that
// depends on it, directly or transitively, and has migrations applied,
// dependents before their dependencies, as Django unapplies the
// migrations that depend on those it removes; dependencies are declared
// per app, so a dependent goes all the way to Zero. Plan shows those
// steps too. A target that keeps such a dependent above Zero is an error.
//
// Each file runs in a transaction, its statements one by one (split on the
// semicolons outside strings, comments, dollar quotes and trigger bodies).
// On SQLite, foreign key enforcement is off during the file, as table
// rebuilds need, and PRAGMA foreign_key_check must find no violation
// before COMMIT; statements setting PRAGMA foreign_keys are skipped.
// Before a file runs, the app's version table records the version it
// moves to as dirty; a failed file leaves it so and Migrate stops with an
// *Error naming the app, the file, the failed statement (its number, line
// and text) and the database's message, and saying how to recover. A
// dirty app refuses to migrate until Fake clears the mark.
func (r *Runner) Migrate(ctx context.Context, targets ...Target) ([]Step, error) {
	return r.run(ctx, false, targets)
}

// Fake records apps as migrated to targets without running any SQL, and
// clears a dirty mark: the way to recover from a failed migration once the
// database is in the state of the target version.
func (r *Runner) Fake(ctx context.Context, targets ...Target) ([]Step, error) {
	return r.run(ctx, true, targets)
}

func (r *Runner) run(ctx context.Context, fake bool, targets []Target) ([]Step, error) {
	want, err := r.resolve(targets)
	if err != nil {
		return nil, err
	}
	s, release, err := r.open(ctx, true)
	if err != nil {
		return nil, err
	}
	defer release()
	for _, a := range r.apps {
		if err := s.ensureTable(ctx, a.label); err != nil {
			return nil, err
		}
	}
	// Read the states under the lock: another node may just have migrated.
	states, err := r.states(ctx, s)
	if err != nil {
		return nil, err
	}
	if fake {
		return r.fake(ctx, s, states, want)
	}
	steps, err := r.plan(states, want, true) // adds dependencies to want
	if err != nil {
		return nil, err
	}
	for _, a := range r.apps {
		if _, ok := want[a.label]; ok && states[a.label].dirty {
			return nil, dirtyError(a, states[a.label].version)
		}
	}
	var done []Step
	for _, st := range steps {
		start := time.Now()
		err := r.step(ctx, s, st)
		if r.Progress != nil {
			r.Progress(st, time.Since(start), err)
		}
		if err != nil {
			return done, err
		}
		done = append(done, st)
	}
	return done, nil
}

func (r *Runner) step(ctx context.Context, s *session, st Step) error {
	a, _ := r.app(st.App)
	m, _ := a.find(st.Version)
	body, err := a.read(r.dialect, m, st.Up)
	if err != nil {
		return err
	}
	to := st.Version
	if !st.Up {
		to = a.prev(st.Version)
	}
	if err := s.setState(ctx, a.label, state{version: to, dirty: true}); err != nil {
		return err
	}
	kind := "up"
	if !st.Up {
		kind = "down"
	}
	file := r.dialect + "/" + m.Name + "." + kind + ".sql"
	if err := s.runFile(ctx, body); err != nil {
		e := &Error{App: a.label, File: file, Version: to, Prev: prevOf(a, st), Err: err}
		var se *statementError
		if errors.As(err, &se) {
			e.Statement, e.Line, e.SQL, e.Err = se.index, se.line, shorten(se.sql, maxSQL), se.err
		}
		return e
	}
	if s.lost != nil {
		return fmt.Errorf("migrations: %s: %s was applied, but %w; %s is marked dirty at version %04d: run `migrate %s %s --fake`",
			a.label, file, s.lost, a.label, to, a.label, versionArg(to))
	}
	return s.setState(ctx, a.label, state{version: to})
}

// prevOf is the version the app was at before the failed step.
func prevOf(a *appMigrations, st Step) uint {
	if st.Up {
		return a.prev(st.Version)
	}
	return st.Version
}

func (a *appMigrations) prev(v uint) uint {
	var p uint
	for _, m := range a.list {
		if m.Version < v {
			p = m.Version
		}
	}
	return p
}

func (r *Runner) fake(ctx context.Context, s *session, states map[string]state, want map[string]uint) ([]Step, error) {
	steps, err := r.plan(states, want, false)
	if err != nil {
		return nil, err
	}
	for _, a := range r.apps {
		w, ok := want[a.label]
		if !ok {
			continue
		}
		if err := s.setState(ctx, a.label, state{version: w}); err != nil {
			return nil, err
		}
	}
	if r.Progress != nil {
		for _, st := range steps {
			r.Progress(st, 0, nil)
		}
	}
	return steps, nil
}

// maxSQL is about how many bytes of a failed statement an Error keeps.
const maxSQL = 200

// Error is a migration file that failed. The app's version table marks
// Version dirty.
type Error struct {
	App  string
	File string // "postgres/0002_add_column.up.sql"
	// Version is the version recorded dirty; Prev the one before the step.
	Version, Prev uint
	// Statement is the 1-based index of the failed statement among the
	// file's statements, Line the line of the file it starts on and SQL
	// its text on one line, cut to about 200 bytes. They are zero when the
	// file failed as a whole: its transaction's BEGIN or COMMIT, or, on
	// SQLite, the foreign key check after its statements (Err is then a
	// *ForeignKeyError).
	Statement, Line int
	SQL             string
	Err             error // the database's error
}

// Error reads "migrations: polls: postgres/0003_bad.up.sql failed:
// statement 2 (line 2): CREATE TABLE …: ERROR: …", then how to recover.
func (e *Error) Error() string {
	at := ""
	if e.Statement > 0 {
		at = fmt.Sprintf(" at statement %d (line %d): %s", e.Statement, e.Line, e.SQL)
	}
	return fmt.Sprintf("migrations: %s: %s failed%s: %v\n%s", e.App, e.File, at, e.Err, recovery(e.App, e.Version, e.Prev))
}

func (e *Error) Unwrap() error { return e.Err }

func recovery(app string, dirty, prev uint) string {
	at := fmt.Sprintf("version %04d", dirty)
	if dirty == 0 {
		at = "zero"
	}
	return fmt.Sprintf("%s is marked dirty at %s. The file ran in a transaction, so none of it was applied: "+
		"fix the file, run `migrate %s %s --fake` to clear the mark, then migrate again. "+
		"If you instead brought the database to %s by hand, run `migrate %s %s --fake`.",
		app, at, app, versionArg(prev), at, app, versionArg(dirty))
}

func versionArg(v uint) string {
	if v == 0 {
		return "zero"
	}
	return fmt.Sprintf("%04d", v)
}

// ErrDirty is the error Migrate returns for an app whose last migration
// failed or was interrupted; test for it with errors.Is.
var ErrDirty = errors.New("migrations: dirty")

func dirtyError(a *appMigrations, v uint) error {
	if v == 0 {
		// Unapplying the first migration failed.
		first := a.latest()
		if len(a.list) > 0 {
			first = a.list[0].Version
		}
		return fmt.Errorf("%w: %s is marked dirty at zero: unapplying its first migration failed or was interrupted.\n"+
			"Check the database, then run `migrate %s zero --fake` if none of its migrations is in place, or `migrate %s %s --fake` if %s still is, and migrate again.",
			ErrDirty, a.label, a.label, a.label, versionArg(first), versionArg(first))
	}
	return fmt.Errorf("%w: %s is marked dirty at version %04d: its last migration failed or was interrupted.\n%s", ErrDirty, a.label, v,
		fmt.Sprintf("Check the database, then run `migrate %s %s --fake` if version %04d is fully in place, or `migrate %s %s --fake` if none of it is, and migrate again.",
			a.label, versionArg(v), v, a.label, versionArg(a.prev(v))))
}
