package orm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"

	"github.com/djinn-go/djinn/core"
)

// PingTimeout bounds the connection check Open makes when the context
// passed to it has no earlier deadline.
const PingTimeout = 10 * time.Second

// sqlitePragmas run on every new SQLite connection, in modernc's DSN form.
var sqlitePragmas = [...]struct{ name, value string }{
	{"busy_timeout", "5000"},
	{"foreign_keys", "1"},
	{"journal_mode", "WAL"},
	{"synchronous", "NORMAL"},
}

// Open connects to the database s.URL names and returns a ready *gorm.DB.
//
// "sqlite:///relative/db.sqlite3" and "sqlite:////absolute/db.sqlite3" open
// a SQLite file (created when missing) through the pure-Go
// modernc.org/sqlite driver, with every connection set to journal_mode WAL,
// busy_timeout 5000, foreign_keys on and synchronous NORMAL. Query
// parameters of the URL pass to modernc.org/sqlite (its underscore keys,
// such as _pragma and _txlock; SQLite's own URI keys are ignored), and a
// _pragma naming one of those four replaces the default. "sqlite:///:memory:" opens a private
// in-memory database: since each connection would otherwise get its own,
// the pool is then one connection that is never recycled.
//
// "postgres://" and "postgresql://" URLs connect through pgx v5 with
// prepared statements cached per connection and, unless the URL sets it,
// statement_timeout set to s.StatementTimeout (0 keeps the server's).
//
// s.MaxOpenConns, s.MaxIdleConns and s.ConnMaxLifetime size the pool; 0
// keeps database/sql's default (unlimited, 2, never). Queries log through
// logger as NewLogger(logger, s.SlowQuery) describes; a nil logger discards.
// Errors of every call on the returned *gorm.DB are translated as Translate
// does: test them with errors.Is(err, orm.ErrNotFound) and the like. Its
// Dialector.Name() is "sqlite" or "postgres"; the Dialector is a wrapper,
// so do not type-assert it to the driver packages' types.
//
// Open pings the database within ctx and PingTimeout. A bad URL or an
// unreachable server is an error naming the setting, with any password
// hidden: `orm: Database.URL postgres://u:xxxxx@127.0.0.1:1/db: connect:
// …`. The caller closes the pool (db.DB() then Close) at shutdown. The
// *gorm.DB is safe for concurrent use.
func Open(ctx context.Context, s core.DatabaseSettings, logger *slog.Logger) (*gorm.DB, error) {
	dialector, memory, err := dialectorFor(s)
	if err != nil {
		return nil, settingError(s.URL, "", err)
	}
	cfg := &gorm.Config{
		Logger:               NewLogger(logger, s.SlowQuery),
		TranslateError:       true,
		DisableAutomaticPing: true,
		PrepareStmt:          dialector.Name() == "postgres",
		// Autocommit, as in Django: a single statement is atomic by itself,
		// and gorm's implicit BEGIN/COMMIT around every write tripled the
		// round trips of a Create (BenchmarkCreate). Several statements that
		// must stand or fall together — a create that also saves its
		// associations included — go in orm.Atomic.
		SkipDefaultTransaction: true,
	}
	// The first connection (gorm.Open's version query) and the ping are
	// bounded by ctx and PingTimeout.
	pingCtx, cancel := context.WithTimeout(ctx, PingTimeout)
	defer cancel()
	var db *gorm.DB
	err = retryBusy(pingCtx, func() (err error) {
		db, err = gorm.Open(dialector, cfg)
		return err
	})
	if err != nil {
		return nil, settingError(s.URL, "open", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, settingError(s.URL, "open", err)
	}
	if memory {
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
	} else {
		if s.MaxOpenConns > 0 {
			sqlDB.SetMaxOpenConns(s.MaxOpenConns)
		}
		if s.MaxIdleConns > 0 {
			sqlDB.SetMaxIdleConns(s.MaxIdleConns)
		}
		if s.ConnMaxLifetime > 0 {
			sqlDB.SetConnMaxLifetime(s.ConnMaxLifetime)
		}
	}
	if err := retryBusy(pingCtx, func() error { return sqlDB.PingContext(pingCtx) }); err != nil {
		_ = sqlDB.Close()
		return nil, settingError(s.URL, "connect", err)
	}
	if err := useReplicas(pingCtx, db, dialector.Name(), s); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	if err := registerLengthCheck(db); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	if f := newFastReads(db); f != nil {
		if err := db.Use(f); err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("orm: install the fast read path: %w", err)
		}
	}
	return db, nil
}

// retryBusy runs connect until it succeeds, fails with anything but
// SQLite's SQLITE_BUSY, or ctx ends. Two processes opening a new SQLite
// file at the same moment (two `migrate` runs, two workers) race to switch
// it to WAL, and SQLite answers the loser's journal_mode pragma with
// SQLITE_BUSY, at once or after busy_timeout: the loser then opens the
// file a moment later instead of failing.
func retryBusy(ctx context.Context, connect func() error) error {
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := connect()
		if !sqliteBusy(err) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// useReplicas routes reads to the read replicas of s through gorm's
// dbresolver: queries (Find, First, Raw SELECTs) go to a replica chosen at
// random, writes and everything inside a transaction to the primary. Each
// replica is checked at start-up, so a wrong replica URL stops the start-up
// with an error naming its setting.
func useReplicas(ctx context.Context, db *gorm.DB, primary string, s core.DatabaseSettings) error {
	if len(s.ReplicaURLs) == 0 {
		return nil
	}
	replicas := make([]gorm.Dialector, 0, len(s.ReplicaURLs))
	for i, raw := range s.ReplicaURLs {
		setting := fmt.Sprintf("Database.ReplicaURLs[%d]", i)
		d, memory, err := dialectorFor(core.DatabaseSettings{URL: raw, StatementTimeout: s.StatementTimeout})
		switch {
		case err != nil:
			return namedSettingError(setting, raw, "", err)
		case memory:
			return namedSettingError(setting, raw, "", errors.New("an in-memory database cannot be a replica"))
		case d.Name() != primary:
			return namedSettingError(setting, raw, "", fmt.Errorf("is %s but Database.URL is %s; a replica uses the primary's engine", d.Name(), primary))
		}
		if err := pingDialector(ctx, d); err != nil {
			return namedSettingError(setting, raw, "connect", err)
		}
		replicas = append(replicas, d)
	}
	resolver := dbresolver.Register(dbresolver.Config{Replicas: replicas, Policy: dbresolver.RandomPolicy{}})
	if s.MaxOpenConns > 0 {
		resolver.SetMaxOpenConns(s.MaxOpenConns)
	}
	if s.MaxIdleConns > 0 {
		resolver.SetMaxIdleConns(s.MaxIdleConns)
	}
	if s.ConnMaxLifetime > 0 {
		resolver.SetConnMaxLifetime(s.ConnMaxLifetime)
	}
	if err := db.Use(resolver); err != nil {
		return fmt.Errorf("orm: Database.ReplicaURLs: %w", err)
	}
	return nil
}

// pingDialector opens d on its own, pings it and closes it again.
func pingDialector(ctx context.Context, d gorm.Dialector) error {
	db, err := gorm.Open(d, &gorm.Config{DisableAutomaticPing: true, Logger: NewLogger(nil, 0)})
	if err != nil {
		return err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	return sqlDB.PingContext(ctx)
}

// settingError names the setting and hides the password, also from the
// driver's message should it ever quote the URL.
func settingError(raw, op string, err error) error {
	return namedSettingError("Database.URL", raw, op, err)
}

// namedSettingError is settingError for any URL-valued setting.
func namedSettingError(setting, raw, op string, err error) error {
	prefix := "orm: " + setting + " " + core.RedactURL(raw) + ": "
	if op != "" {
		prefix += op + ": "
	}
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" && strings.Contains(err.Error(), pw) {
			return errors.New(prefix + strings.ReplaceAll(err.Error(), pw, "xxxxx"))
		}
	}
	return fmt.Errorf("%s%w", prefix, err)
}

func dialectorFor(s core.DatabaseSettings) (d gorm.Dialector, memory bool, err error) {
	if s.URL == "" {
		return nil, false, errors.New("is empty; use e.g. sqlite:///db.sqlite3 or postgres://user@host/name")
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		return nil, false, errors.New("is not a valid URL")
	}
	switch u.Scheme {
	case "sqlite":
		return sqliteDialectorFor(u)
	case "postgres", "postgresql":
		d, err := postgresDialectorFor(u, s.StatementTimeout)
		return d, false, err
	}
	return nil, false, fmt.Errorf("unsupported scheme %q; use sqlite or postgres", u.Scheme)
}

func sqliteDialectorFor(u *url.URL) (gorm.Dialector, bool, error) {
	if u.Host != "" {
		return nil, false, errors.New("a sqlite URL has no host; use sqlite:///relative/path or sqlite:////absolute/path")
	}
	path := strings.TrimPrefix(u.Path, "/")
	if path == "" {
		return nil, false, errors.New("names no database file; use e.g. sqlite:///db.sqlite3")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, false, errors.New("has a malformed query string")
	}
	for _, p := range sqlitePragmas {
		if !hasPragma(q, p.name) {
			q.Add("_pragma", p.name+"("+p.value+")")
		}
	}
	memory := path == ":memory:"
	// A plain file name, not a "file:" URI: the path is used as written
	// and the driver consumes the query.
	dsn := path + "?" + q.Encode()
	return sqliteDialector{&sqlite.Dialector{DriverName: "sqlite", DSN: dsn}}, memory, nil
}

func hasPragma(q url.Values, name string) bool {
	for _, v := range q["_pragma"] {
		v = strings.ToLower(strings.TrimSpace(v))
		if strings.HasPrefix(v, name+"(") || strings.HasPrefix(v, name+"=") || v == name {
			return true
		}
	}
	return false
}

func postgresDialectorFor(u *url.URL, timeout time.Duration) (gorm.Dialector, error) {
	if u.Host == "" {
		return nil, errors.New("names no host")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, errors.New("has a malformed query string")
	}
	if timeout > 0 && q.Get("statement_timeout") == "" {
		q.Set("statement_timeout", strconv.FormatInt(timeout.Milliseconds(), 10))
	}
	c := *u
	c.RawQuery = q.Encode()
	return postgresDialector{&postgres.Dialector{Config: &postgres.Config{DSN: c.String()}}}, nil
}

// sqliteDialector and postgresDialector are gorm's dialects with Translate
// replaced, so that gorm passes every error through orm.Translate (gorm
// calls it from DB.AddError when Config.TranslateError is set). Embedding
// the concrete dialects keeps their optional interfaces (savepoints).
type sqliteDialector struct{ *sqlite.Dialector }

func (sqliteDialector) Translate(err error) error { return Translate(err) }

type postgresDialector struct{ *postgres.Dialector }

func (postgresDialector) Translate(err error) error { return Translate(err) }

var (
	_ gorm.ErrorTranslator               = sqliteDialector{}
	_ gorm.ErrorTranslator               = postgresDialector{}
	_ gorm.SavePointerDialectorInterface = sqliteDialector{}
	_ gorm.SavePointerDialectorInterface = postgresDialector{}
)
