package polls

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/messages"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/migrations/migrationstest"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/sessions"
	"github.com/djinn-go/djinn/static"
	"github.com/djinn-go/djinn/templates"
)

// site is the app served as the project serves it, for a test.
type site struct {
	srv    *httptest.Server
	app    *App
	client *http.Client // keeps cookies, does not follow redirects
}

// newSite serves the app as the project does, with the project's
// templates and static files (../templates, ../static) and its apps, on
// the database at dbURL, migrated, with DEBUG on.
func newSite(t *testing.T, dbURL string) *site {
	t.Helper()
	s := core.Defaults()
	s.Debug = true
	s.SecretKey = "test-secret-key-for-the-polls-app"
	s.AllowedHosts = []string{"127.0.0.1"}
	s.Database.URL = dbURL
	s.Templates.Dirs = []string{"../templates"}
	s.Static.Dirs = []string{"../static"}
	app := New()
	a := auth.New()
	s.InstalledApps = []core.App{
		orm.New(), migrations.New(), cache.New(), sessions.New(), a,
		messages.New(), templates.New(), static.New(), app,
	}
	s.URLs = func(r *urls.Router) {
		r.Handle("GET /{$}", http.NotFoundHandler(), "home") // base.html links home
		r.Include("/accounts/", "accounts", urls.Of(a))
		r.Include("/polls/", Label, urls.Of(app))
	}
	p := migrationstest.Setup(t, s)
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &site{srv: srv, app: app, client: client}
}

// question creates a question published at pubDate with the choices.
func (s *site) question(t *testing.T, text string, pubDate time.Time, choices ...string) *Question {
	t.Helper()
	q := &Question{QuestionText: text, PubDate: pubDate}
	for _, c := range choices {
		q.Choices = append(q.Choices, Choice{ChoiceText: c})
	}
	if err := s.app.db.WithContext(t.Context()).Create(q).Error; err != nil {
		t.Fatalf("create question %q: %v", text, err)
	}
	return q
}

// votes returns the votes of the choice from the database.
func (s *site) votes(t *testing.T, choiceID uint) int {
	t.Helper()
	var c Choice
	if err := s.app.db.WithContext(t.Context()).Take(&c, choiceID).Error; err != nil {
		t.Fatalf("load choice %d: %v", choiceID, err)
	}
	return c.Votes
}

// get requests path and returns the response and its body.
func (s *site) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	return s.do(t, http.MethodGet, path, nil)
}

// post posts the form to path and returns the response and its body.
func (s *site) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	return s.do(t, http.MethodPost, path, form)
}

func (s *site) do(t *testing.T, method, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read the body: %v", method, path, err)
	}
	return resp, string(b)
}
