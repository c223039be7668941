package core_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
)

// greetings is a tiny app: a label and some URLs.
type greetings struct{}

func (greetings) Label() string { return "greetings" }
func (greetings) URLs(r *urls.Router) {
	r.HandleFunc("GET /hello/{name:slug}/{$}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Hello, "+urls.Param(r, "name")+"!")
	}, "hello")
}

func ExampleNew() {
	s := core.Defaults()
	s.Debug = true
	s.Logging.Handler = slog.DiscardHandler
	s.InstalledApps = []core.App{greetings{}}

	p := core.New(s)
	if err := p.Setup(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	// Without Settings.URLs, apps are mounted under /<label>/.
	path, _ := p.Reverse("greetings:hello", "world")
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "http://localhost"+path, nil))
	fmt.Println(path, rec.Code, rec.Body)
	// Output: /greetings/hello/world/ 200 Hello, world!
}

func ExampleSettings_FromLookup() {
	s := core.Defaults()
	env := map[string]string{
		"DEBUG":                     "false",
		"SECRET_KEY":                "",
		"DATABASE_URL":              "mysql://root:hunter2@db/site",
		"DJINN_SERVER_READ_TIMEOUT": "soon",
	}
	if err := s.FromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		fmt.Println(err)
	}
	// Validate reports every problem at once, naming each setting and
	// never showing the password.
	fmt.Println(s.Validate())
	// Output:
	// core: settings: Server.ReadTimeout: environment variable DJINN_SERVER_READ_TIMEOUT: "soon" is not a duration (use e.g. 30s or 2m)
	// core: settings: 2 problems:
	//   SecretKey: must be set when Debug is off (set SECRET_KEY in the environment)
	//   Database.URL: mysql://root:xxxxx@db/site: unsupported scheme "mysql"; use sqlite or postgres
}
