package templates_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing/fstest"

	"github.com/djinn-go/djinn/templates"
)

func Example() {
	app := fstest.MapFS{
		"base.html": {Data: []byte(`<h1>{{block "title" .}}Site{{end}}</h1>{{block "content" .}}{{end}}`)},
		"polls/index.html": {Data: []byte(`{{/* extends "base.html" */}}
{{define "title"}}Polls{{end}}
{{define "content"}}<ul>{{range .Data.Questions}}<li>{{.}}</li>{{end}}</ul> {{len .Data.Questions}} question{{len .Data.Questions | pluralize}}{{end}}`)},
	}
	e, err := templates.NewEngine(templates.Config{Sources: []templates.Source{{Name: `app "polls"`, FS: app}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := httptest.NewRequest("GET", "/polls/", nil)
	w := httptest.NewRecorder()
	data := map[string]any{"Questions": []string{"Tea or coffee?", "<script>?"}}
	if err := e.Render(w, r, http.StatusOK, "polls/index.html", data); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(w.Code, w.Body)
	// Output: 200 <h1>Polls</h1><ul><li>Tea or coffee?</li><li>&lt;script&gt;?</li></ul> 2 questions
}

func ExampleEngine_Execute() {
	e, err := templates.NewEngine(templates.Config{Sources: []templates.Source{{Name: "mail", FS: fstest.MapFS{
		"mail/welcome.txt": {Data: []byte(`Welcome, {{.Data.Name}}! You have {{.Data.Points | floatformat 2}} point{{.Data.Points | pluralize}}.`)},
	}}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := e.Execute(os.Stdout, "mail/welcome.txt", map[string]any{"Name": "Ada", "Points": 1.5}); err != nil {
		fmt.Println(err)
	}
	// Output: Welcome, Ada! You have 1.50 points.
}

func ExampleRender() {
	e, _ := templates.NewEngine(templates.Config{Sources: []templates.Source{{Name: "app", FS: fstest.MapFS{
		"hello.html": {Data: []byte(`Hello, {{.Data}}!`)},
	}}}})
	view := func(w http.ResponseWriter, r *http.Request) error {
		return templates.Render(w, r, http.StatusOK, "hello.html", "world")
	}
	// The templates app puts the engine in every request's context; here
	// WithEngine does.
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(templates.WithEngine(r.Context(), e))
	w := httptest.NewRecorder()
	if err := view(w, r); err != nil {
		fmt.Println(err)
	}
	fmt.Println(w.Body)
	// Output: Hello, world!
}
