// Package polls is the polls example's app, the Django tutorial's: questions
// with choices to vote on, their models, views, URLs, migrations,
// templates, static files and a seed command.
package polls

import (
	"context"
	"embed"
	"io/fs"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/static"
	"github.com/djinn-go/djinn/templates"
)

// Label is the app's label: its URL namespace ("polls:index"), the
// prefix of its tables (polls_question, polls_choice) and the directory
// of its templates and static files.
const Label = "polls"

// App is the polls app. Install New() in settings.go; the project calls
// Ready before any request. Its views are safe for concurrent use.
type App struct {
	router *urls.Router
	db     *gorm.DB
	cache  cache.Cache
	limits forms.Option
}

// New returns the app.
func New() *App { return &App{} }

var (
	_ core.Dependent      = (*App)(nil)
	_ core.Readier        = (*App)(nil)
	_ orm.ModelProvider   = (*App)(nil)
	_ migrations.Provider = (*App)(nil)
	_ templates.Provider  = (*App)(nil)
	_ static.Provider     = (*App)(nil)
	_ urls.Provider       = (*App)(nil)
	_ command.Provider    = (*App)(nil)
)

// Label returns "polls".
func (a *App) Label() string { return Label }

// Dependencies: the models need the orm app, the results page the cache
// app.
func (a *App) Dependencies() []string { return []string{orm.Label, cache.Label} }

// Models returns the app's models, for the registry and makemigrations.
func (a *App) Models() []any { return []any{&Question{}, &Choice{}} }

//go:embed migrations templates static
var files embed.FS

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directories are embedded above
	}
	return f
}

// Migrations returns the app's SQL migrations (sqlite/ and postgres/),
// written by makemigrations.
func (a *App) Migrations() fs.FS { return sub("migrations") }

// Templates returns the app's templates (polls/*.html).
func (a *App) Templates() fs.FS { return sub("templates") }

// Static returns the app's static files (polls/style.css).
func (a *App) Static() fs.FS { return sub("static") }

// Ready keeps the project's database handle, default cache and form
// limits for the views.
func (a *App) Ready(_ context.Context, p *core.Project) error {
	oa, err := orm.From(p)
	if err != nil {
		return err
	}
	ca, err := cache.From(p)
	if err != nil {
		return err
	}
	a.db = oa.DB()
	a.cache = ca.Default()
	a.limits = forms.WithLimits(p.Settings().Forms)
	return nil
}
