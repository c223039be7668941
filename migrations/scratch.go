package migrations

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/orm"
)

// scratch creates an empty database of dialect d and returns it with the
// function that closes and removes it.
func (mk *maker) scratch(ctx context.Context, d string) (*gorm.DB, func(), error) {
	settings := core.Defaults().Database
	var drop func()
	switch d {
	case "sqlite":
		dir, err := os.MkdirTemp("", "djinn-makemigrations-")
		if err != nil {
			return nil, nil, fmt.Errorf("migrations: scratch database: %w", err)
		}
		settings.URL = "sqlite:///" + filepath.ToSlash(filepath.Join(dir, "scratch.sqlite3"))
		drop = func() { _ = os.RemoveAll(dir) }
	case "postgres":
		u, cleanup, err := scratchPostgres(ctx, mk.opts.PostgresURL)
		if err != nil {
			return nil, nil, err
		}
		settings.URL, drop = u, cleanup
	}
	settings.MaxOpenConns, settings.MaxIdleConns = 2, 2
	db, err := orm.Open(ctx, settings, scratchLogger)
	if err != nil {
		drop()
		return nil, nil, fmt.Errorf("migrations: open a scratch %s database: %w", d, err)
	}
	return db, func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
		drop()
	}, nil
}

// scratchPostgres creates database djinn_scratch_<random> on the server of
// admin and returns its URL and the function that drops it.
func scratchPostgres(ctx context.Context, admin string) (string, func(), error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("migrations: the scratch PostgreSQL URL %s is not a postgres:// URL", respond.MaskString(admin))
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return "", nil, fmt.Errorf("migrations: scratch PostgreSQL %s: %w", respond.MaskString(admin), err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "djinn_scratch_" + hex.EncodeToString(b[:])
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// name is [a-z0-9_] generated here: no quoting needed.
	if _, err := db.ExecContext(cctx, "CREATE DATABASE "+name); err != nil {
		_ = db.Close()
		return "", nil, fmt.Errorf("migrations: create a scratch database on %s (the user needs CREATEDB): %w", respond.MaskString(admin), err)
	}
	su := *u
	su.Path = "/" + name
	drop := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = db.Close()
	}
	return su.String(), drop, nil
}

// inspector reads and plans schemas with Atlas over one database.
type inspector struct {
	drv     migrate.Driver
	dialect string
}

func newInspector(ctx context.Context, db *gorm.DB) (*inspector, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	in := &inspector{dialect: db.Dialector.Name()}
	switch in.dialect {
	case "sqlite":
		in.drv, err = sqlite.Open(sqlDB)
	case "postgres":
		in.drv, err = postgres.Open(sqlDB)
	default:
		return nil, fmt.Errorf("migrations: unsupported dialect %q", in.dialect)
	}
	if err != nil {
		return nil, fmt.Errorf("migrations: inspect the %s schema: %w", in.dialect, err)
	}
	return in, nil
}

// inspect returns the tables of the connected schema.
func (in *inspector) inspect(ctx context.Context) (*schema.Schema, error) {
	s, err := in.drv.InspectSchema(ctx, "", &schema.InspectOptions{Mode: schema.InspectTables})
	if err != nil {
		return nil, fmt.Errorf("migrations: inspect the %s schema: %w", in.dialect, err)
	}
	return s, nil
}

// planSQL returns the statements that make changes, without the schema
// qualifier, and without the foreign-key pragmas that SQLite ignores in a
// transaction (the runner turns foreign keys off around each file).
func (in *inspector) planSQL(ctx context.Context, changes []schema.Change) ([]planStmt, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	plan, err := in.drv.PlanChanges(ctx, "djinn", changes, func(o *migrate.PlanOptions) {
		o.SchemaQualifier = new(string)
		o.Indent = "  "
	})
	if err != nil {
		return nil, err
	}
	var out []planStmt
	for _, c := range plan.Changes {
		cmd := strings.TrimRight(strings.TrimSpace(c.Cmd), ";")
		if strings.HasPrefix(strings.ToUpper(cmd), "PRAGMA FOREIGN_KEY") {
			continue
		}
		out = append(out, planStmt{comment: c.Comment, sql: cmd})
	}
	return out, nil
}
