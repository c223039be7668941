// Package techempower is the bench project's only app: the TechEmpower
// framework benchmark's test types (plaintext, JSON, single and multiple
// database queries, fortunes, cached queries) and a session round trip,
// written as a Djinn user writes views — the ORM, the template engine,
// the cache and the session package, no shortcuts.
package techempower

import (
	"context"
	"embed"
	"io/fs"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/templates"
)

// Label names the app and its URL namespace.
const Label = "techempower"

// App is the techempower app. Use New; the project calls Ready before any
// request.
type App struct {
	db    *gorm.DB
	cache cache.Cache
}

// New returns the app.
func New() *App { return &App{} }

var (
	_ urls.Provider      = (*App)(nil)
	_ core.Readier       = (*App)(nil)
	_ core.Dependent     = (*App)(nil)
	_ orm.ModelProvider  = (*App)(nil)
	_ templates.Provider = (*App)(nil)
	_ command.Provider   = (*App)(nil)
)

// Label returns "techempower".
func (a *App) Label() string { return Label }

// Dependencies: the models need the orm app, /cached the cache app.
func (a *App) Dependencies() []string { return []string{orm.Label, cache.Label} }

// Models returns World and Fortune, for the registry and makemigrations.
func (a *App) Models() []any { return []any{&World{}, &Fortune{}} }

//go:embed migrations templates
var files embed.FS

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directories are embedded above
	}
	return f
}

// Migrations returns the app's SQL migrations (sqlite/ and postgres/).
func (a *App) Migrations() fs.FS { return sub("migrations") }

// Templates returns the app's templates (techempower/*.html).
func (a *App) Templates() fs.FS { return sub("templates") }

// Ready keeps the project's database handle and default cache.
func (a *App) Ready(_ context.Context, p *core.Project) error {
	oa, err := orm.From(p)
	if err != nil {
		return err
	}
	ca, err := cache.From(p)
	if err != nil {
		return err
	}
	a.db, a.cache = oa.DB(), ca.Default()
	return nil
}
