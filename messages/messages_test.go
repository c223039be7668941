package messages_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/messages"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/sessions"
	"github.com/djinn-go/djinn/templates"
)

// notesApp is a test app: POST add/ adds a message and redirects to show/,
// show/ displays messages, plain/ does not, same/ adds and shows in one
// request.
type notesApp struct{}

func (notesApp) Label() string { return "notes" }

func (notesApp) Templates() fs.FS {
	return fstest.MapFS{
		"notes/show.html":  {Data: []byte(`<ul>{{range .Vars.messages.All}}<li class="{{.Tags}}">{{.Text}}</li>{{end}}</ul>`)},
		"notes/twice.html": {Data: []byte(`{{with .Vars.messages.All}}<ul>{{range .}}<li class="{{.Tags}}">{{.}}</li>{{end}}</ul>{{end}}{{range .Vars.messages.All}}<li class="{{.Tags}}">{{.Text}}</li>{{end}}`)},
		"notes/plain.html": {Data: []byte(`plain page`)},
	}
}

func (notesApp) URLs(r *urls.Router) {
	r.Handle("POST /add/", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		level, _ := strconv.Atoi(r.FormValue("level"))
		if err := messages.Add(r, messages.Level(level), r.FormValue("text")); err != nil {
			return err
		}
		http.Redirect(w, r, "/notes/show/", http.StatusSeeOther)
		return nil
	}), "add")
	r.Handle("GET /show/", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return templates.Render(w, r, http.StatusOK, "notes/show.html", nil)
	}), "show")
	r.Handle("GET /twice/", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return templates.Render(w, r, http.StatusOK, "notes/twice.html", nil)
	}), "twice")
	r.Handle("GET /plain/", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return templates.Render(w, r, http.StatusOK, "notes/plain.html", nil)
	}), "plain")
	r.Handle("GET /same/", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if err := messages.Warning(r, "added and shown"); err != nil {
			return err
		}
		return templates.Render(w, r, http.StatusOK, "notes/show.html", nil)
	}), "same")
}

// site is a running test project and a browser with a cookie jar.
type site struct {
	t      *testing.T
	srv    *httptest.Server
	client *http.Client
}

func newSite(t *testing.T, dbURL string, edit func(*core.Settings), opts ...messages.Option) *site {
	t.Helper()
	s := core.Defaults()
	s.Debug = true
	s.SecretKey = "test-secret-key-for-the-messages-package-0123456789"
	s.Logging.Handler = slog.DiscardHandler
	s.AllowedHosts = []string{"127.0.0.1"}
	s.Database.URL = dbURL
	s.Sessions.Store = "cookie"
	s.InstalledApps = []core.App{orm.New(), migrations.New(), sessions.New(), templates.New(), messages.New(opts...), notesApp{}}
	if edit != nil {
		edit(&s)
	}
	p := core.New(s)
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Migrate(t.Context(), p, nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &site{t: t, srv: srv, client: &http.Client{Jar: jar}}
}

// do sends a request (following redirects) and returns the final status
// and body.
func (s *site) do(method, path string, form url.Values) (int, string) {
	s.t.Helper()
	req, err := http.NewRequestWithContext(s.t.Context(), method, s.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		s.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

var itemRE = regexp.MustCompile(`<li class="([^"]*)">([^<]*)</li>`)

// shown returns the messages of a page as "tags: text".
func shown(body string) []string {
	var out []string
	for _, m := range itemRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+": "+m[2])
	}
	return out
}

// add posts a message and returns the page the redirect leads to.
func (s *site) add(level messages.Level, text string) (int, string) {
	s.t.Helper()
	return s.do("POST", "/notes/add/", url.Values{"level": {strconv.Itoa(int(level))}, "text": {text}})
}

func TestShownOnceAfterRedirect(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		s := newSite(t, dbURL, nil)
		code, body := s.add(messages.LevelSuccess, "Question saved")
		if code != http.StatusOK {
			t.Fatalf("POST add/ → %d: %s", code, body)
		}
		if diff := cmp.Diff([]string{"success: Question saved"}, shown(body)); diff != "" {
			t.Errorf("page after the redirect (-want +got):\n%s", diff)
		}
		if _, body := s.do("GET", "/notes/show/", nil); len(shown(body)) != 0 {
			t.Errorf("the next page shows %q again; want nothing", shown(body))
		}
	})
}

func TestPageWithoutMessagesKeepsThem(t *testing.T) {
	s := newSite(t, djinntest.SQLiteURL(t), nil)
	// Do not follow the redirect: go to a page that does not show messages.
	s.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if code, body := s.add(messages.LevelInfo, "first"); code != http.StatusSeeOther {
		t.Fatalf("POST add/ → %d; want 303: %s", code, body)
	}
	s.add(messages.LevelError, "second | with a bar")
	if code, body := s.do("GET", "/notes/plain/", nil); code != http.StatusOK || body != "plain page" {
		t.Fatalf("GET plain/ → %d %q", code, body)
	}
	_, body := s.do("GET", "/notes/twice/", nil)
	want := []string{"info: first", "error: second | with a bar", "info: first", "error: second | with a bar"}
	if diff := cmp.Diff(want, shown(body)); diff != "" {
		t.Errorf("a page calling All twice (-want +got):\n%s", diff)
	}
	if _, body := s.do("GET", "/notes/show/", nil); len(shown(body)) != 0 {
		t.Errorf("messages shown again: %q", shown(body))
	}
}

func TestAddAndShowInOneRequest(t *testing.T) {
	s := newSite(t, djinntest.SQLiteURL(t), nil)
	_, body := s.do("GET", "/notes/same/", nil)
	if diff := cmp.Diff([]string{"warning: added and shown"}, shown(body)); diff != "" {
		t.Errorf("same request (-want +got):\n%s", diff)
	}
	if _, body := s.do("GET", "/notes/show/", nil); len(shown(body)) != 0 {
		t.Errorf("messages shown again: %q", shown(body))
	}
}

func TestLevelFiltering(t *testing.T) {
	tests := []struct {
		name string
		opts []messages.Option
		want []string
	}{
		{"default drops debug", nil, []string{"info: i", "success: s", "warning: w", "error: e"}},
		{"MinLevel debug keeps it", []messages.Option{messages.MinLevel(messages.LevelDebug)}, []string{"debug: d", "info: i", "success: s", "warning: w", "error: e"}},
		{"MinLevel warning", []messages.Option{messages.MinLevel(messages.LevelWarning)}, []string{"warning: w", "error: e"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSite(t, djinntest.SQLiteURL(t), nil, tc.opts...)
			s.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			for _, m := range []struct {
				l    messages.Level
				text string
			}{{messages.LevelDebug, "d"}, {messages.LevelInfo, "i"}, {messages.LevelSuccess, "s"}, {messages.LevelWarning, "w"}, {messages.LevelError, "e"}} {
				s.add(m.l, m.text)
			}
			_, body := s.do("GET", "/notes/show/", nil)
			if diff := cmp.Diff(tc.want, shown(body)); diff != "" {
				t.Errorf("shown (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMessageTextIsEscaped(t *testing.T) {
	s := newSite(t, djinntest.SQLiteURL(t), nil)
	_, body := s.add(messages.LevelError, `<script>alert("x")</script>`)
	if strings.Contains(body, "<script>") {
		t.Fatalf("the message text is not escaped: %s", body)
	}
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("the escaped message is missing: %s", body)
	}
}

func TestSessionUnavailable(t *testing.T) {
	s := newSite(t, djinntest.SQLiteURL(t), func(st *core.Settings) {
		st.Sessions.Store = "redis"
		st.Cache.RedisURL = "redis://127.0.0.1:1/0" // nothing listens there
	})
	if code, _ := s.add(messages.LevelInfo, "lost?"); code != http.StatusServiceUnavailable {
		t.Errorf("POST add/ with the session store down → %d; want 503", code)
	}
	code, body := s.do("GET", "/notes/show/", nil)
	if code != http.StatusOK || body != "<ul></ul>" {
		t.Errorf("GET show/ with the session store down → %d %q; want 200 and no messages", code, body)
	}
}

func TestAddWithoutSession(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	err := messages.Info(r, "x")
	if !errors.Is(err, sessions.ErrNoMiddleware) {
		t.Errorf("Info without the session middleware = %v; want ErrNoMiddleware", err)
	}
	// Below the minimum level nothing is stored, so no session is needed.
	if err := messages.Debug(r, "x"); err != nil {
		t.Errorf("Debug = %v; want nil (dropped)", err)
	}
}

func TestLevelTags(t *testing.T) {
	for l, want := range map[messages.Level]string{
		messages.LevelDebug: "debug", messages.LevelInfo: "info", messages.LevelSuccess: "success",
		messages.LevelWarning: "warning", messages.LevelError: "error", 35: "",
	} {
		if got := l.Tag(); got != want {
			t.Errorf("Level(%d).Tag() = %q; want %q", int(l), got, want)
		}
	}
}
