package mail

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/checks"
)

// Label is the mail app's label in InstalledApps.
const Label = "mail"

// App installs e-mail in a project: at start-up it builds the backend
// Settings.Mail.Backend names ("console", "smtp", "memory"; empty is
// console when Debug is on and smtp otherwise) and adds itself to every
// request's base context, so that views call Send(r.Context(), msg). It
// fills an empty Message.From with Settings.Mail.From, and contributes the
// check mail.W001 (check --deploy: the console backend in production).
//
// Its zero value is not usable; use New. After Ready it is safe for
// concurrent use.
type App struct {
	backend Backend
	outbox  *Outbox // the backend when it is "memory"
	from    string
	kind    string
	debug   bool
}

// New returns the mail app.
func New() *App { return &App{} }

var (
	_ core.Readier         = (*App)(nil)
	_ core.ContextProvider = (*App)(nil)
	_ core.CheckProvider   = (*App)(nil)
)

// Label returns "mail".
func (a *App) Label() string { return Label }

// Ready builds the backend from Settings.Mail. It does no network I/O: the
// SMTP backend connects when it sends.
func (a *App) Ready(_ context.Context, p *core.Project) error {
	s := p.Settings()
	ms := s.Mail
	kind := ms.Backend
	if kind == "" {
		kind = "smtp"
		if s.Debug {
			kind = "console"
		}
	}
	switch kind {
	case "console":
		a.backend = NewConsole(os.Stderr)
	case "memory":
		a.outbox = NewOutbox()
		a.backend = a.outbox
	case "smtp":
		if ms.TLS && ms.StartTLS {
			return errors.New("mail: Mail.TLS and Mail.StartTLS are both set; use TLS for port 465 and StartTLS for port 587")
		}
		a.backend = NewSMTP(SMTPConfig{
			Host: ms.Host, Port: ms.Port,
			Username: ms.Username, Password: ms.Password,
			StartTLS: ms.StartTLS, TLS: ms.TLS,
			Timeout: ms.Timeout,
		})
	default:
		return fmt.Errorf(`mail: Mail.Backend is %q; it must be "console", "smtp", "memory" or empty`, ms.Backend)
	}
	if ms.From != "" {
		if _, err := parseAddress("Mail.From", ms.From); err != nil {
			return err
		}
	}
	a.from, a.kind, a.debug = ms.From, kind, s.Debug
	return nil
}

// Backend returns the backend the settings chose (nil before Ready).
func (a *App) Backend() Backend { return a.backend }

// Outbox returns the in-memory outbox when Mail.Backend is "memory", for
// tests; false otherwise.
func (a *App) Outbox() (*Outbox, bool) { return a.outbox, a.outbox != nil }

// Send sends msgs with the project's backend, an empty From replaced by
// Settings.Mail.From (msgs themselves are not modified).
func (a *App) Send(ctx context.Context, msgs ...*Message) error {
	if a.backend == nil {
		return errors.New("mail: App.Send called before the project was set up")
	}
	out := make([]*Message, len(msgs))
	for i, m := range msgs {
		if m != nil && m.From == "" && a.from != "" {
			c := *m
			c.From = a.from
			m = &c
		}
		out[i] = m
	}
	return a.backend.Send(ctx, out...)
}

// BaseContext adds the app to ctx as the backend of Send.
func (a *App) BaseContext(ctx context.Context) context.Context {
	return WithBackend(ctx, a)
}

// Checks returns mail.W001: with check --deploy, a warning when Debug is
// off and the e-mail goes to the console, where nobody reads it.
func (a *App) Checks() []checks.Check {
	return []checks.Check{{
		Name:   "mail",
		Deploy: true,
		Run: func(context.Context) []checks.Message {
			if a.kind != "console" || a.debug {
				return nil
			}
			return []checks.Message{{
				Level: checks.Warning, ID: "mail.W001", Object: "Mail.Backend",
				Msg:  "e-mail is written to the console, not sent (password reset messages never arrive)",
				Hint: `Set DJINN_MAIL_BACKEND=smtp and the Mail.Host, Port, Username, Password and StartTLS settings.`,
			}}
		},
	}}
}

// From returns the mail app of a set-up project.
func From(p *core.Project) (*App, error) {
	return core.AppAs[*App](p, Label, "mail.New()")
}
