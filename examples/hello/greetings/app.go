// Package greetings is the hello example's only app: a home page with a
// form (validated, re-rendered with its errors), a greeting view that
// counts visits in the database, and a JSON view; pages are templates
// with a layout, styled by a static stylesheet.
package greetings

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"regexp"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/templates"
)

// App is the greetings app. Use New; the project calls Ready before any
// request.
type App struct {
	router *urls.Router
	db     *gorm.DB
	limits forms.Option
}

// New returns the app.
func New() *App { return &App{} }

var (
	_ urls.Provider      = (*App)(nil)
	_ core.Readier       = (*App)(nil)
	_ core.Dependent     = (*App)(nil)
	_ orm.ModelProvider  = (*App)(nil)
	_ templates.Provider = (*App)(nil)
)

// Label names the app; it is also the URL namespace ("greetings:greet").
func (a *App) Label() string { return "greetings" }

// Dependencies: the app's models need the orm app.
func (a *App) Dependencies() []string { return []string{orm.Label} }

// Models returns the app's models, for the registry and makemigrations.
func (a *App) Models() []any { return []any{&Greeting{}} }

//go:embed migrations templates static
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

// Templates returns the app's templates (greetings/*.html).
func (a *App) Templates() fs.FS { return sub("templates") }

// Static returns the app's static files (greetings/style.css).
func (a *App) Static() fs.FS { return sub("static") }

// Ready keeps the project's database handle and form limits.
func (a *App) Ready(_ context.Context, p *core.Project) error {
	oa, err := orm.From(p)
	if err != nil {
		return err
	}
	a.db = oa.DB()
	a.limits = forms.WithLimits(p.Settings().Forms)
	return nil
}

// URLs registers the app's views.
func (a *App) URLs(r *urls.Router) {
	a.router = r
	r.Handle("GET /{$}", respond.HandlerFunc(a.index), "index")
	r.Handle("POST /{$}", respond.HandlerFunc(a.greetForm), "greet_form")
	r.Handle("GET /hello/{name:slug}/{$}", respond.HandlerFunc(a.greet), "greet")
	r.Handle("GET /json", respond.HandlerFunc(a.json), "json")
}

// nameForm is the home page's form.
type nameForm struct {
	Name string `form:"name" validate:"required,max=50" label:"Your name" help:"Letters, digits, hyphens and underscores."`
}

var slug = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)

// Clean checks what the tags cannot say.
func (f *nameForm) Clean() error {
	if !slug.MatchString(f.Name) {
		return forms.FieldError("name", "Enter a name of letters, digits, hyphens or underscores.")
	}
	return nil
}

// indexData is the home page's template data.
type indexData struct {
	Form   *forms.Form
	Recent []Greeting
}

func (a *App) index(w http.ResponseWriter, r *http.Request) error {
	return a.renderIndex(w, r, &nameForm{}, nil)
}

func (a *App) renderIndex(w http.ResponseWriter, r *http.Request, f *nameForm, errs forms.Errors) error {
	var recent []Greeting
	if err := orm.DB(r.Context(), a.db).Order("updated_at DESC").Limit(5).Find(&recent).Error; err != nil {
		return err
	}
	return templates.Render(w, r, http.StatusOK, "greetings/index.html", indexData{Form: forms.New(f, errs), Recent: recent})
}

// greetForm validates the name and sends the browser to its greeting, or
// shows the form again with the errors (Django's form flow).
func (a *App) greetForm(w http.ResponseWriter, r *http.Request) error {
	f, errs := forms.Bind[nameForm](r, a.limits)
	if errs.Any() {
		if len(errs.Field("name")) == 0 && len(errs.NonField()) > 0 {
			return errs // a malformed or oversized body: 400
		}
		return a.renderIndex(w, r, &f, errs)
	}
	path, err := a.router.Reverse("greetings:greet", f.Name)
	if err != nil {
		return err
	}
	respond.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}

// greetData is the greeting page's template data.
type greetData struct {
	Name  string
	Count int
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
	return templates.Render(w, r, http.StatusOK, "greetings/greet.html", greetData{Name: g.Name, Count: g.Count})
}

// greeting is the JSON view's body (TechEmpower's JSON test).
type greeting struct {
	Message string `json:"message"`
}

func (a *App) json(w http.ResponseWriter, r *http.Request) error {
	return respond.JSON(w, http.StatusOK, greeting{Message: "Hello, World!"})
}
