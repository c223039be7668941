// Package greetings is the hello example's only app: a home page that
// links to a greeting through a reversed URL, a greeting view that counts
// visits in the database, and a JSON view.
package greetings

import (
	"context"
	"embed"
	"fmt"
	"html"
	"io/fs"
	"net/http"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/orm"
)

// App is the greetings app. Use New; the project calls Ready before any
// request.
type App struct {
	router *urls.Router
	db     *gorm.DB
}

// New returns the app.
func New() *App { return &App{} }

var (
	_ urls.Provider     = (*App)(nil)
	_ core.Readier      = (*App)(nil)
	_ core.Dependent    = (*App)(nil)
	_ orm.ModelProvider = (*App)(nil)
)

// Label names the app; it is also the URL namespace ("greetings:greet").
func (a *App) Label() string { return "greetings" }

// Dependencies: the app's models need the orm app.
func (a *App) Dependencies() []string { return []string{orm.Label} }

// Models returns the app's models, for the registry and makemigrations.
func (a *App) Models() []any { return []any{&Greeting{}} }

//go:embed migrations
var migrationFiles embed.FS

// Migrations returns the app's SQL migrations (sqlite/ and postgres/).
func (a *App) Migrations() fs.FS {
	f, _ := fs.Sub(migrationFiles, "migrations")
	return f
}

// Ready keeps the project's database handle.
func (a *App) Ready(_ context.Context, p *core.Project) error {
	oa, err := orm.From(p)
	if err != nil {
		return err
	}
	a.db = oa.DB()
	return nil
}

// URLs registers the app's views.
func (a *App) URLs(r *urls.Router) {
	a.router = r
	r.Handle("GET /{$}", respond.HandlerFunc(a.index), "index")
	r.Handle("GET /hello/{name:slug}/{$}", respond.HandlerFunc(a.greet), "greet")
	r.Handle("GET /json", respond.HandlerFunc(a.json), "json")
}

func (a *App) index(w http.ResponseWriter, r *http.Request) error {
	link, err := a.router.Reverse("greetings:greet", "world")
	if err != nil {
		return err
	}
	return respond.HTML(w, http.StatusOK, fmt.Sprintf(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Djinn says hello</title></head>
<body><h1>It worked!</h1>
<p>This page is served by Djinn. Say <a href="%s">hello to the world</a>,
or read <a href="/json">some JSON</a>.</p></body></html>
`, html.EscapeString(link)))
}

func (a *App) greet(w http.ResponseWriter, r *http.Request) error {
	name := urls.Param(r, "name")
	if len(name) > 50 {
		return respond.NewError(http.StatusNotFound, "no such name")
	}
	var g Greeting
	err := orm.Atomic(r.Context(), a.db, func(tx *gorm.DB) error {
		// One statement on both dialects: insert the name or count one more.
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "name"}},
			DoUpdates: clause.Assignments(map[string]any{"count": gorm.Expr("greetings_greeting.count + 1"), "updated_at": gorm.Expr("excluded.updated_at")}),
		}).Create(&Greeting{Name: name, Count: 1}).Error
		if err != nil {
			return err
		}
		return tx.Where("name = ?", name).Take(&g).Error
	})
	if err != nil {
		return err
	}
	times := "once"
	if g.Count > 1 {
		times = fmt.Sprintf("%d times", g.Count)
	}
	return respond.HTML(w, http.StatusOK, fmt.Sprintf(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hello</title></head>
<body><h1>Hello, %s!</h1><p>Greeted %s.</p></body></html>
`, html.EscapeString(name), times))
}

// greeting is the JSON view's body (TechEmpower's JSON test).
type greeting struct {
	Message string `json:"message"`
}

func (a *App) json(w http.ResponseWriter, r *http.Request) error {
	return respond.JSON(w, http.StatusOK, greeting{Message: "Hello, World!"})
}
