package orm

import (
	"context"
	"fmt"
	"net/url"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/checks"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/core/server"
)

// Label is the label of the ORM's app in a project's InstalledApps. Apps
// that use the database list it in their Dependencies.
const Label = "orm"

// App installs the database in a project: at start-up it collects every
// app's models into a Registry, opens the database of Settings.Database,
// and makes gorm use the registry's table names. It contributes the
// "database" readiness probe and the database system checks, and closes
// the pool when the project stops.
//
// Install it before the apps that use it (or let their Dependencies order
// it). Its zero value is not usable; use New. After Ready it is safe for
// concurrent use.
type App struct {
	db       *gorm.DB
	registry *Registry
	settings core.DatabaseSettings
}

// New returns the ORM app.
func New() *App { return &App{} }

var (
	_ core.Readier       = (*App)(nil)
	_ core.Prober        = (*App)(nil)
	_ core.CheckProvider = (*App)(nil)
	_ core.Closer        = (*App)(nil)
	_ command.Provider   = (*App)(nil)
)

// Label returns "orm".
func (a *App) Label() string { return Label }

// Ready builds the model registry from the project's apps and opens the
// database. An unreachable database stops the start-up with an error that
// names Database.URL.
func (a *App) Ready(ctx context.Context, p *core.Project) error {
	reg, err := NewRegistry(p.Apps())
	if err != nil {
		return err
	}
	s := p.Settings().Database
	db, err := Open(ctx, s, p.Logger())
	if err != nil {
		return err
	}
	if err := reg.Install(db); err != nil {
		closeDB(db)
		return err
	}
	a.db, a.registry, a.settings = db, reg, s
	return nil
}

// DB returns the project's database handle. It panics before Ready: using
// the database before the project is set up is a programming error.
func (a *App) DB() *gorm.DB {
	if a.db == nil {
		panic("orm: App.DB called before the project was set up")
	}
	return a.db
}

// Registry returns the project's model registry (nil before Ready).
func (a *App) Registry() *Registry { return a.registry }

// Probes returns the "database" readiness probe.
func (a *App) Probes() []server.Probe {
	if a.db == nil {
		return nil
	}
	return []server.Probe{Probe(a.db)}
}

// Checks returns the database system checks: with check --deploy, a warning
// when production runs on the embedded SQLite database, which one machine
// alone can write and which a second node cannot share.
func (a *App) Checks() []checks.Check {
	return []checks.Check{{
		Name:   "database",
		Deploy: true,
		Run: func(context.Context) []checks.Message {
			u, err := url.Parse(a.settings.URL)
			if err != nil || u.Scheme != "sqlite" {
				return nil
			}
			return []checks.Message{{
				Level: checks.Warning, ID: "orm.W001", Object: "Database.URL",
				Msg:  "the site runs on the embedded SQLite database: one node only, and no shared database to scale out to",
				Hint: "Set DATABASE_URL to a PostgreSQL database for production.",
			}}
		},
	}}
}

// Close closes the connection pool.
func (a *App) Close(context.Context) error {
	if a.db == nil {
		return nil
	}
	return closeDB(a.db)
}

func closeDB(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("orm: close: %w", err)
	}
	if err := sqlDB.Close(); err != nil {
		return fmt.Errorf("orm: close: %w", err)
	}
	return nil
}

// From returns the ORM app of a set-up project, for apps that need the
// database in their Ready hook or views.
func From(p *core.Project) (*App, error) {
	return core.AppAs[*App](p, Label, "orm.New()")
}
