package polls

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/migrations/migrationstest"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/static"
	"github.com/djinn-go/djinn/templates"
)

// newSite serves the app as the project does, with the project's
// templates and static files (../templates, ../static), on a migrated
// throwaway SQLite database. It returns the server and the app.
func newSite(t *testing.T) (*httptest.Server, *App) {
	t.Helper()
	s := core.Defaults()
	s.Debug = true
	s.SecretKey = "test-secret-key-for-the-polls-app"
	s.Database.URL = djinntest.SQLiteURL(t)
	s.Templates.Dirs = []string{"../templates"}
	s.Static.Dirs = []string{"../static"}
	app := New()
	s.InstalledApps = []core.App{orm.New(), migrations.New(), templates.New(), static.New(), app}
	s.URLs = func(r *urls.Router) {
		r.Handle("GET /{$}", http.NotFoundHandler(), "home") // base.html links home
		r.Include("/polls/", Label, urls.Of(app))
	}
	p := migrationstest.Setup(t, s)
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	return srv, app
}

func TestIndex(t *testing.T) {
	srv, app := newSite(t)
	if err := app.db.WithContext(t.Context()).Create(&Item{Title: "First item"}).Error; err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL + "/polls/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /polls/ = %d; want 200\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"<h1>Polls</h1>", "<li>First item</li>", "/static/polls/style.css"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("GET /polls/: the page lacks %q:\n%s", want, body)
		}
	}
}
