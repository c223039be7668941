package core_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/checks"
	"github.com/djinn-go/djinn/core/urls"
)

// app is a configurable test app.
type app struct {
	label string
	deps  []string
	ready func(context.Context, *core.Project) error
	urls  func(*urls.Router)
}

func (a *app) Label() string          { return a.label }
func (a *app) Dependencies() []string { return a.deps }
func (a *app) Ready(ctx context.Context, p *core.Project) error {
	if a.ready != nil {
		return a.ready(ctx, p)
	}
	return nil
}

type urlApp struct{ app }

func (a *urlApp) URLs(r *urls.Router) { a.urls(r) }

func testSettings(apps ...core.App) core.Settings {
	s := core.Defaults()
	s.Debug = true
	s.Logging.Handler = slog.DiscardHandler
	s.InstalledApps = apps
	return s
}

func labels(apps []core.App) []string {
	var out []string
	for _, a := range apps {
		out = append(out, a.Label())
	}
	return out
}

func TestSetupOrdersApps(t *testing.T) {
	var readyOrder []string
	ready := func(l string) func(context.Context, *core.Project) error {
		return func(context.Context, *core.Project) error { readyOrder = append(readyOrder, l); return nil }
	}
	p := core.New(testSettings(
		&app{label: "admin", deps: []string{"auth", "sessions"}, ready: ready("admin")},
		&app{label: "polls", ready: ready("polls")},
		&app{label: "auth", deps: []string{"sessions"}, ready: ready("auth")},
		&app{label: "sessions", ready: ready("sessions")},
	))
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := []string{"sessions", "auth", "admin", "polls"}
	if diff := cmp.Diff(want, labels(p.Apps())); diff != "" {
		t.Errorf("Apps() order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, readyOrder); diff != "" {
		t.Errorf("Ready order (-want +got):\n%s", diff)
	}
}

func TestSetupRejects(t *testing.T) {
	tests := []struct {
		name string
		apps []core.App
		want []string // substrings of the error
	}{
		{"duplicate label", []core.App{&app{label: "polls"}, &app{label: "polls"}}, []string{`"polls" is installed twice`, "InstalledApps[1]"}},
		{"missing dependency", []core.App{&app{label: "admin", deps: []string{"auth"}}}, []string{`app "admin" needs app "auth"`}},
		{"cycle", []core.App{&app{label: "a", deps: []string{"b"}}, &app{label: "b", deps: []string{"a"}}}, []string{"cycle", "a -> b -> a"}},
		{"bad label", []core.App{&app{label: "Polls-App"}}, []string{`"Polls-App" is not a valid app label`}},
		{"ready fails", []core.App{&app{label: "db", ready: func(context.Context, *core.Project) error {
			return errors.New("connection refused")
		}}}, []string{`app "db": ready: connection refused`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := core.New(testSettings(tt.apps...))
			err := p.Setup(t.Context())
			if err == nil {
				t.Fatal("Setup() = nil; want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Setup() = %q; want it to contain %q", err, w)
				}
			}
			if again := p.Setup(t.Context()); again != err {
				t.Errorf("second Setup() = %v; want the first result %v", again, err)
			}
		})
	}
}

func TestSetupReportsAllSettingsProblems(t *testing.T) {
	s := testSettings(&app{label: "a"}, &app{label: "a"})
	s.Debug = false
	s.Server.Addr = "bogus"
	err := core.New(s).Setup(t.Context())
	var se *core.SettingsError
	if !errors.As(err, &se) {
		t.Fatalf("Setup() = %v; want *core.SettingsError", err)
	}
	var got []string
	for _, pr := range se.Problems {
		got = append(got, pr.Setting)
	}
	if diff := cmp.Diff([]string{"SecretKey", "Server.Addr", "InstalledApps[1]"}, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestDefaultURLsMountAppsUnderTheirLabel(t *testing.T) {
	polls := &urlApp{app{label: "polls", urls: func(r *urls.Router) {
		r.HandleFunc("GET /{id:int}/", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("poll " + urls.Param(r, "id")))
		}, "detail")
	}}}
	p := core.New(testSettings(polls))
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	path, err := p.Reverse("polls:detail", 7)
	if err != nil || path != "/polls/7/" {
		t.Fatalf(`Reverse("polls:detail", 7) = %q, %v; want "/polls/7/"`, path, err)
	}
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "http://localhost"+path, nil))
	if rec.Code != 200 || rec.Body.String() != "poll 7" {
		t.Errorf("GET %s = %d %q; want 200 \"poll 7\"", path, rec.Code, rec.Body)
	}
}

func TestURLRegistrationPanicIsSetupError(t *testing.T) {
	s := testSettings()
	s.URLs = func(r *urls.Router) {
		h := http.NotFoundHandler()
		r.Handle("GET /a/", h, "same")
		r.Handle("GET /b/", h, "same")
	}
	err := core.New(s).Setup(t.Context())
	if err == nil || !strings.Contains(err.Error(), "same") {
		t.Errorf("Setup() = %v; want an error naming the duplicate route", err)
	}
}

func TestHandlerBeforeSetupPanics(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.Contains(v.(string), "before a successful Setup") {
			t.Errorf("Handler() before Setup panicked with %v; want a clear message", v)
		}
	}()
	core.New(core.Defaults()).Handler()
}

func TestCheckWarnsAboutSubtreeRoutes(t *testing.T) {
	s := testSettings()
	s.URLs = func(r *urls.Router) {
		h := http.NotFoundHandler()
		r.Handle("GET /polls/{id:int}/", h, "detail")
		r.Handle("GET /exact/{$}", h, "exact")
		r.Handle("/static/", h, "")
	}
	p := core.New(s)
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	res := checks.Run(t.Context(), p.Checks(), checks.Options{})
	var got []string
	for _, m := range res.Messages {
		got = append(got, m.ID+" "+m.Object)
	}
	if diff := cmp.Diff([]string{"urls.W001 GET /polls/{id:int}/"}, got); diff != "" {
		t.Errorf("check messages (-want +got):\n%s", diff)
	}
}

func TestBehindTrustedProxy(t *testing.T) {
	s := testSettings()
	s.Debug = false
	s.SecretKey = "proxy-test-secret-key-0123456789"
	s.AllowedHosts = []string{"example.com"}
	s.Server.TrustedProxies = []string{"10.0.0.0/8"}
	s.Security.SSLRedirect = true
	s.Security.HSTSSeconds = 3600
	s.URLs = func(r *urls.Router) {
		r.HandleFunc("GET /who", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(r.RemoteAddr)) }, "who")
	}
	p := core.New(s)
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, peer, proto, xff string
		wantCode               int
		wantBody, wantHSTS     string
	}{
		{"https at the proxy", "10.1.2.3:5000", "https", "203.0.113.9", 200, "203.0.113.9", "max-age=3600"},
		{"http at the proxy is redirected", "10.1.2.3:5000", "http", "203.0.113.9", 301, "", ""},
		{"untrusted peer cannot claim https", "198.51.100.7:5000", "https", "203.0.113.9", 301, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "http://example.com/who", nil)
			req.RemoteAddr = tt.peer
			req.Header.Set("X-Forwarded-Proto", tt.proto)
			req.Header.Set("X-Forwarded-For", tt.xff)
			rec := httptest.NewRecorder()
			p.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.wantCode {
				t.Fatalf("status = %d; want %d (Location %q)", rec.Code, tt.wantCode, rec.Header().Get("Location"))
			}
			if tt.wantBody != "" && !strings.HasPrefix(rec.Body.String(), tt.wantBody) {
				t.Errorf("client address = %q; want %q", rec.Body, tt.wantBody)
			}
			if got := rec.Header().Get("Strict-Transport-Security"); tt.wantHSTS != "" && !strings.HasPrefix(got, tt.wantHSTS) {
				t.Errorf("HSTS = %q; want %q", got, tt.wantHSTS)
			}
			if tt.wantCode == 301 && rec.Header().Get("Location") != "https://example.com/who" {
				t.Errorf("Location = %q; want https://example.com/who", rec.Header().Get("Location"))
			}
		})
	}
}
