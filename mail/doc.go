// Package mail sends e-mail (Django's django.core.mail).
//
// Install the app and send from a view with the request's context:
//
//	s.InstalledApps = []core.App{..., mail.New()}
//
//	err := mail.Send(r.Context(), &mail.Message{
//		To:      []string{u.Email},
//		Subject: "Reset your password",
//		Body:    text,
//		HTML:    html, // optional: adds a text/html alternative
//	})
//
// Settings.Mail chooses the backend: "console" writes messages to stderr
// (the default with Debug on), "smtp" sends them (the default otherwise;
// STARTTLS with Mail.StartTLS, TLS from the start with Mail.TLS or port
// 465, AUTH PLAIN or LOGIN with Mail.Username, every conversation bounded
// by Mail.Timeout), "memory" keeps them in an Outbox for tests:
//
//	a, _ := mail.From(p)
//	outbox, _ := a.Outbox()
//	msgs := outbox.Messages()
//
// Messages are built as UTF-8 MIME (quoted-printable text, RFC 2047
// encoded subject and display names, multipart/alternative with HTML) with
// Date and Message-ID headers. Every backend validates every message before
// sending any: a line break in the subject, an address or an extra header
// (header injection) is a *HeaderError naming the field, and Bcc
// recipients never appear in the headers. The SMTP backend never sends
// credentials over a connection without TLS, except to a loopback host.
package mail
