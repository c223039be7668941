package mail_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/mail"
)

// signupApp has a view that sends a welcome e-mail.
type signupApp struct{}

func (signupApp) Label() string { return "signup" }
func (signupApp) URLs(r *urls.Router) {
	r.Handle("POST /{$}", respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		err := mail.Send(r.Context(), &mail.Message{
			To: []string{r.FormValue("email")}, Subject: "Welcome", Body: "Hello!",
		})
		if err != nil {
			return respond.NewError(http.StatusBadRequest, err.Error())
		}
		_, err = fmt.Fprint(w, "sent")
		return err
	}), "signup")
}

func newProject(t *testing.T, edit func(*core.Settings)) *core.Project {
	t.Helper()
	s := core.Defaults()
	s.Debug = true
	s.SecretKey = "test-secret-key-for-the-mail-package-0123456789"
	s.Logging.Handler = slog.DiscardHandler
	s.AllowedHosts = []string{"example.com"}
	s.InstalledApps = []core.App{mail.New(), signupApp{}}
	if edit != nil {
		edit(&s)
	}
	p := core.New(s)
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAppSendFromView(t *testing.T) {
	p := newProject(t, func(s *core.Settings) {
		s.Mail.Backend = "memory"
		s.Mail.From = "Polls <noreply@polls.example>"
	})
	a, err := mail.From(p)
	if err != nil {
		t.Fatal(err)
	}
	outbox, ok := a.Outbox()
	if !ok {
		t.Fatal("Outbox() = false with the memory backend")
	}
	for _, tc := range []struct {
		email      string
		wantStatus int
	}{
		{"ada@example.com", http.StatusOK},
		{"ada@example.com\r\nBcc: victim@example.com", http.StatusBadRequest},
	} {
		form := "email=" + strings.NewReplacer("@", "%40", "\r", "%0D", "\n", "%0A", " ", "+", ":", "%3A").Replace(tc.email)
		req := httptest.NewRequest("POST", "/signup/", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, req)
		if rec.Code != tc.wantStatus {
			t.Errorf("POST email=%q: status %d; want %d (%s)", tc.email, rec.Code, tc.wantStatus, rec.Body)
		}
	}
	msgs := outbox.Messages()
	if len(msgs) != 1 {
		t.Fatalf("outbox has %d messages; want 1", len(msgs))
	}
	if msgs[0].From != "Polls <noreply@polls.example>" || msgs[0].To[0] != "ada@example.com" {
		t.Errorf("sent From %q To %v; want the settings' From to ada", msgs[0].From, msgs[0].To)
	}
}

func TestAppChoosesBackend(t *testing.T) {
	tests := []struct {
		name    string
		debug   bool
		backend string
		want    string
	}{
		{"debug default is console", true, "", "*mail.Console"},
		{"production default is smtp", false, "", "*mail.SMTP"},
		{"memory", false, "memory", "*mail.Outbox"},
		{"console in production", false, "console", "*mail.Console"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t, func(s *core.Settings) {
				s.Debug = tc.debug
				s.AllowedHosts = []string{"example.com"}
				s.Mail.Backend = tc.backend
			})
			a, _ := mail.From(p)
			if got := fmt.Sprintf("%T", a.Backend()); got != tc.want {
				t.Errorf("backend = %s; want %s", got, tc.want)
			}
			if _, ok := a.Outbox(); ok != (tc.backend == "memory") {
				t.Errorf("Outbox() ok = %v", ok)
			}
		})
	}
}

func TestCheckConsoleInProduction(t *testing.T) {
	for _, tc := range []struct {
		name    string
		debug   bool
		backend string
		want    bool
	}{
		{"console without debug", false, "console", true},
		{"console with debug", true, "", false},
		{"smtp", false, "smtp", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t, func(s *core.Settings) {
				s.Debug = tc.debug
				s.AllowedHosts = []string{"example.com"}
				s.Mail.Backend = tc.backend
			})
			var out, errb bytes.Buffer
			command.Run(t.Context(), p, command.Stdio{Out: &out, Err: &errb}, "check", "--deploy")
			if got := strings.Contains(out.String()+errb.String(), "mail.W001"); got != tc.want {
				t.Errorf("check --deploy reports mail.W001: %v; want %v\n%s%s", got, tc.want, out.String(), errb.String())
			}
		})
	}
}

func TestSendWithoutBackend(t *testing.T) {
	err := mail.Send(t.Context(), &mail.Message{From: "a@example.com", To: []string{"b@example.com"}})
	if err == nil || !strings.Contains(err.Error(), "mail.New()") {
		t.Errorf("Send without a backend = %v; want an error saying to install mail.New()", err)
	}
}
