package mail

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync"
	"testing"
)

// parse parses raw as an SMTP server's recipient would.
func parse(t *testing.T, raw []byte) *mail.Message {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail.ReadMessage: %v\n%s", err, raw)
	}
	return m
}

// decodeQP returns the quoted-printable decoded body of r.
func decodeQP(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(r))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMessageBytesPlain(t *testing.T) {
	m := &Message{
		From:    "Ada Lovelace <ada@example.com>",
		To:      []string{"bob@example.org", "Carol <carol@example.org>"},
		Cc:      []string{"dan@example.org"},
		Bcc:     []string{"secret@example.net"},
		ReplyTo: []string{"replies@example.com"},
		Subject: "Hello",
		Body:    "Line one\n.starts with a dot\nnon-ASCII: café ✓",
		Headers: map[string]string{"X-Tag": "welcome"},
	}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "secret@example.net") {
		t.Errorf("the Bcc address is in the message:\n%s", raw)
	}
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("the message has bare LF line ends")
	}
	got := parse(t, raw)
	for name, want := range map[string]string{
		"From":                      `"Ada Lovelace" <ada@example.com>`,
		"To":                        `<bob@example.org>, "Carol" <carol@example.org>`,
		"Cc":                        "<dan@example.org>",
		"Reply-To":                  "<replies@example.com>",
		"Subject":                   "Hello",
		"X-Tag":                     "welcome",
		"Mime-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Bcc":                       "",
	} {
		if v := got.Header.Get(name); v != want {
			t.Errorf("header %s = %q; want %q", name, v, want)
		}
	}
	if _, err := got.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if id := got.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID = %q; want <random@example.com>", id)
	}
	if body := decodeQP(t, got.Body); body != strings.ReplaceAll(m.Body, "\n", "\r\n") {
		t.Errorf("body = %q; want %q", body, m.Body)
	}
}

func TestMessageNonASCIIRoundTrip(t *testing.T) {
	subject := "Réinitialisation du mot de passe — ünïcödé ✓ " + strings.Repeat("très long ", 10)
	m := &Message{
		From:    "Zoë Ärger <zoe@example.com>",
		To:      []string{"Jürgen <j@example.de>"},
		Subject: subject,
		Body:    "Grüße, 日本語の本文です。\n" + strings.Repeat("x", 200),
	}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d has %d characters (> 78): %q", i+1, len(line), line)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 {
				t.Fatalf("line %d is not 7-bit: %q", i+1, line)
			}
		}
	}
	got := parse(t, raw)
	dec := new(mime.WordDecoder)
	if s, err := dec.DecodeHeader(got.Header.Get("Subject")); err != nil || s != subject {
		t.Errorf("Subject decodes to %q, %v; want %q", s, err, subject)
	}
	from, err := got.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Zoë Ärger" || from[0].Address != "zoe@example.com" {
		t.Errorf("From = %v, %v; want Zoë Ärger <zoe@example.com>", from, err)
	}
	to, err := got.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Jürgen" {
		t.Errorf("To = %v, %v; want Jürgen <j@example.de>", to, err)
	}
	if body := decodeQP(t, got.Body); body != strings.ReplaceAll(m.Body, "\n", "\r\n") {
		t.Errorf("body = %q; want %q", body, m.Body)
	}
}

func TestMessageHTMLAlternative(t *testing.T) {
	m := &Message{
		From: "a@example.com", To: []string{"b@example.com"}, Subject: "Hi",
		Body: "plain café", HTML: "<p>html café</p>",
	}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	got := parse(t, raw)
	mt, params, err := mime.ParseMediaType(got.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, %v; want multipart/alternative", got.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(got.Body, params["boundary"])
	var parts []string
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if enc := p.Header.Get("Content-Transfer-Encoding"); enc != "quoted-printable" {
			t.Errorf("part %s encoding = %q", p.Header.Get("Content-Type"), enc)
		}
		parts = append(parts, p.Header.Get("Content-Type")+": "+decodeQP(t, p))
	}
	want := []string{"text/plain; charset=utf-8: plain café", "text/html; charset=utf-8: <p>html café</p>"}
	if strings.Join(parts, "\n") != strings.Join(want, "\n") {
		t.Errorf("parts = %q; want %q", parts, want)
	}
}

func TestMessageRejectsInjection(t *testing.T) {
	base := func() *Message {
		return &Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Hi", Body: "x"}
	}
	tests := []struct {
		name  string
		edit  func(*Message)
		field string
	}{
		{"subject CRLF", func(m *Message) { m.Subject = "Hi\r\nBcc: victim@x" }, "Subject"},
		{"subject LF", func(m *Message) { m.Subject = "Hi\nBcc: victim@x" }, "Subject"},
		{"to LF", func(m *Message) { m.To = []string{"ok@example.com", "a@b.c\nBcc: d@e.f"} }, "To[1]"},
		{"from CR", func(m *Message) { m.From = "a@b.c\rBcc: d@e.f" }, "From"},
		{"cc", func(m *Message) { m.Cc = []string{"a@b.c\r\nX: y"} }, "Cc[0]"},
		{"bcc", func(m *Message) { m.Bcc = []string{"a@b.c\nX: y"} }, "Bcc[0]"},
		{"reply-to", func(m *Message) { m.ReplyTo = []string{"a@b.c\nX: y"} }, "ReplyTo[0]"},
		{"display name", func(m *Message) { m.To = []string{"\"Eve\nBcc: d@e.f\" <eve@example.com>"} }, "To[0]"},
		{"header value", func(m *Message) { m.Headers = map[string]string{"X-Tag": "a\nBcc: d@e.f"} }, "Headers[X-Tag]"},
		{"header name", func(m *Message) { m.Headers = map[string]string{"X-Tag\r\nBcc": "d@e.f"} }, "Headers[X-Tag\r\nBcc]"},
		{"header name colon", func(m *Message) { m.Headers = map[string]string{"Bcc: d@e.f\r\nX": "y"} }, "Headers[Bcc: d@e.f\r\nX]"},
		{"header Bcc", func(m *Message) { m.Headers = map[string]string{"bcc": "d@e.f"} }, "Headers[bcc]"},
		{"header Content-Type", func(m *Message) { m.Headers = map[string]string{"Content-Type": "text/html"} }, "Headers[Content-Type]"},
		{"not an address", func(m *Message) { m.To = []string{"nobody"} }, "To[0]"},
		{"no recipient", func(m *Message) { m.To = nil }, "To"},
		{"no sender", func(m *Message) { m.From = "" }, "From"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.edit(m)
			var out bytes.Buffer
			outbox := NewOutbox()
			for _, b := range []Backend{NewConsole(&out), outbox} {
				err := b.Send(t.Context(), m)
				he, ok := errors.AsType[*HeaderError](err)
				if !ok || he.Field != tc.field {
					t.Errorf("%T.Send = %v; want a *HeaderError for field %q", b, err, tc.field)
				}
			}
			if out.Len() != 0 || len(outbox.Messages()) != 0 {
				t.Errorf("a message was sent: console %q, outbox %d", out.String(), len(outbox.Messages()))
			}
		})
	}
}

func TestBatchWithInvalidMessageSendsNothing(t *testing.T) {
	ok := &Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "fine"}
	bad := &Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "bad\nBcc: x@y.z"}
	var out bytes.Buffer
	err := NewConsole(&out).Send(t.Context(), ok, bad)
	me, isME := errors.AsType[*MessageError](err)
	if !isME || me.Index != 1 || !strings.Contains(err.Error(), "Subject") {
		t.Errorf("Send = %v; want a MessageError for message 2 naming Subject", err)
	}
	if out.Len() != 0 {
		t.Errorf("console wrote %q; want nothing", out.String())
	}
}

func TestConsoleOutput(t *testing.T) {
	var out bytes.Buffer
	c := NewConsole(&out)
	msgs := []*Message{
		{From: "site@example.com", To: []string{"ada@example.com"}, Bcc: []string{"hidden@example.com"}, Subject: "First", Body: "one"},
		{From: "site@example.com", To: []string{"bob@example.com"}, Subject: "Second", Body: "two"},
	}
	if err := c.Send(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	chunks := strings.Split(text, strings.Repeat("-", 79)+"\n")
	if len(chunks) != 3 || chunks[2] != "" {
		t.Fatalf("console output has %d separated chunks; want 2 messages each followed by a dashed line:\n%s", len(chunks)-1, text)
	}
	for i, want := range []struct{ to, subject, body string }{{"<ada@example.com>", "First", "one"}, {"<bob@example.com>", "Second", "two"}} {
		got := parse(t, []byte(chunks[i]))
		if got.Header.Get("To") != want.to || got.Header.Get("Subject") != want.subject || got.Header.Get("From") != "<site@example.com>" {
			t.Errorf("message %d headers = %v", i+1, got.Header)
		}
		if body := strings.TrimSpace(decodeQP(t, got.Body)); body != want.body {
			t.Errorf("message %d body = %q; want %q", i+1, body, want.body)
		}
	}
	if strings.Contains(text, "\r") || strings.Contains(text, "hidden@example.com") {
		t.Errorf("console output has CR or the Bcc address:\n%q", text)
	}
}

func TestOutbox(t *testing.T) {
	o := NewOutbox()
	m := &Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "s0"}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := o.Send(t.Context(), m); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	m.To[0] = "changed@example.com" // the outbox keeps copies
	got := o.Messages()
	if len(got) != 20 || got[0].To[0] != "b@example.com" || got[19].Subject != "s0" {
		t.Fatalf("Messages() = %d messages, first To %v; want 20 copies of the message", len(got), got[0].To)
	}
	got[0].Subject = "edited"
	if o.Messages()[0].Subject != "s0" {
		t.Errorf("editing a returned message changed the outbox")
	}
	o.Reset()
	if n := len(o.Messages()); n != 0 {
		t.Errorf("after Reset, %d messages; want 0", n)
	}
}
