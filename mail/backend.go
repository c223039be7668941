package mail

import (
	"context"
	"errors"
	"time"
)

// Backend sends e-mail (Django's EMAIL_BACKEND). Send validates every
// message before sending any: an invalid message (see Message) makes it
// return an error with nothing sent. Implementations are safe for
// concurrent use.
type Backend interface {
	Send(ctx context.Context, msgs ...*Message) error
}

var (
	_ Backend = (*Console)(nil)
	_ Backend = (*Outbox)(nil)
	_ Backend = (*SMTP)(nil)
	_ Backend = (*App)(nil)
)

type backendKey struct{}

// WithBackend returns a copy of ctx carrying b for Send. The mail app adds
// itself to every request's base context this way; tests and programs
// without the app can do the same.
func WithBackend(ctx context.Context, b Backend) context.Context {
	return context.WithValue(ctx, backendKey{}, b)
}

// BackendFrom returns the backend ctx carries (WithBackend), or nil.
func BackendFrom(ctx context.Context) Backend {
	b, _ := ctx.Value(backendKey{}).(Backend)
	return b
}

// errNoBackend is Send's error when ctx carries no backend.
var errNoBackend = errors.New("mail: the context has no mail backend: install mail.New() in Settings.InstalledApps (or use mail.WithBackend)")

// Send sends msg with the backend of ctx: in a view, the mail app's, which
// fills an empty From with Settings.Mail.From.
//
//	err := mail.Send(r.Context(), &mail.Message{
//		To: []string{u.Email}, Subject: "Welcome", Body: "Hello " + u.Username,
//	})
func Send(ctx context.Context, msg *Message) error {
	b := BackendFrom(ctx)
	if b == nil {
		return errNoBackend
	}
	return b.Send(ctx, msg)
}

// buildAll validates and renders msgs, stopping at the first invalid one.
func buildAll(msgs []*Message) ([]*built, error) {
	out := make([]*built, 0, len(msgs))
	for i, m := range msgs {
		if m == nil {
			return nil, errors.New("mail: nil message")
		}
		b, err := build(m, time.Now())
		if err != nil {
			if len(msgs) > 1 {
				return nil, &MessageError{Index: i, Subject: m.Subject, Err: err}
			}
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
