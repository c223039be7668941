// Package greetings is the hello example's only app: a home page that
// links to a greeting through a reversed URL, and a JSON view.
package greetings

import (
	"fmt"
	"html"
	"net/http"

	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
)

// App is the greetings app. The zero value is ready to use.
type App struct {
	router *urls.Router
}

// New returns the app.
func New() *App { return &App{} }

var _ urls.Provider = (*App)(nil)

// Label names the app; it is also the URL namespace ("greetings:greet").
func (a *App) Label() string { return "greetings" }

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
	return respond.HTML(w, http.StatusOK, fmt.Sprintf(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hello</title></head>
<body><h1>Hello, %s!</h1></body></html>
`, html.EscapeString(name)))
}

// greeting is the JSON view's body (TechEmpower's JSON test).
type greeting struct {
	Message string `json:"message"`
}

func (a *App) json(w http.ResponseWriter, r *http.Request) error {
	return respond.JSON(w, http.StatusOK, greeting{Message: "Hello, World!"})
}
