package mail

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"maps"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"
)

// Message is an e-mail to send (Django's EmailMessage /
// EmailMultiAlternatives). Body is the text/plain part; HTML, when set,
// adds a text/html alternative. Addresses are RFC 5322 addresses, with or
// without a display name ("Ada <ada@example.com>"). Bcc recipients get the
// message but appear in no header.
//
// Every backend validates a message before sending anything: a CR or LF in
// Subject, in an address or in a Headers name or value (header injection)
// is an error naming the field. The zero Message is not sendable (it has
// no recipient). A Message is not modified by sending it.
type Message struct {
	// From is the sender; empty means Settings.Mail.From when the message
	// is sent through the mail app (mail.Send, (*App).Send).
	From string
	To   []string
	Cc   []string
	Bcc  []string
	// ReplyTo sets the Reply-To header.
	ReplyTo []string
	Subject string
	// Body is the plain-text content.
	Body string
	// HTML, when not empty, is sent as a text/html alternative to Body.
	HTML string
	// Headers are extra headers ("X-Mailer", "List-Unsubscribe"). They may
	// set Date and Message-ID (replacing the generated ones) but not the
	// headers the fields above produce (From, To, Cc, Bcc, Reply-To,
	// Subject) nor the MIME structure (MIME-Version, Content-*).
	Headers map[string]string
}

// clone returns a deep copy of m.
func (m *Message) clone() *Message {
	c := *m
	c.To = slices.Clone(m.To)
	c.Cc = slices.Clone(m.Cc)
	c.Bcc = slices.Clone(m.Bcc)
	c.ReplyTo = slices.Clone(m.ReplyTo)
	c.Headers = maps.Clone(m.Headers)
	return &c
}

// HeaderError is the error for a header field that would let a value
// write headers of its own (a CR or LF, header injection) or that is
// malformed. Field names the Message field ("Subject", "To[1]",
// "Headers[X-Tag]").
type HeaderError struct {
	Field  string
	Reason string
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("mail: %s: %s", e.Field, e.Reason)
}

// reservedHeaders are headers Message.Headers may not set (canonical form).
var reservedHeaders = []string{
	"From", "To", "Cc", "Bcc", "Reply-To", "Subject",
	"Mime-Version", "Content-Type", "Content-Transfer-Encoding",
}

// built is a validated message: its envelope and its RFC 5322 bytes.
type built struct {
	from       string   // envelope sender (address only)
	recipients []string // To, Cc and Bcc addresses, without duplicates
	data       []byte   // the message, CRLF line ends
}

// Bytes returns the message in RFC 5322 form, as an SMTP server receives
// it (CRLF line ends, Bcc absent), with a new Date and Message-ID on each
// call. It returns a *HeaderError when the message is invalid.
func (m *Message) Bytes() ([]byte, error) {
	b, err := build(m, time.Now())
	if err != nil {
		return nil, err
	}
	return b.data, nil
}

// build validates m and renders it.
func build(m *Message, now time.Time) (*built, error) {
	if hasCRLF(m.Subject) {
		return nil, &HeaderError{"Subject", "contains a line break (header injection?)"}
	}
	from, err := parseAddress("From", m.From)
	if err != nil {
		return nil, err
	}
	to, err := parseList("To", m.To)
	if err != nil {
		return nil, err
	}
	cc, err := parseList("Cc", m.Cc)
	if err != nil {
		return nil, err
	}
	bcc, err := parseList("Bcc", m.Bcc)
	if err != nil {
		return nil, err
	}
	replyTo, err := parseList("ReplyTo", m.ReplyTo)
	if err != nil {
		return nil, err
	}
	if len(to)+len(cc)+len(bcc) == 0 {
		return nil, &HeaderError{"To", "the message has no recipient (To, Cc and Bcc are empty)"}
	}
	extra := make(map[string]string, len(m.Headers))
	for name, value := range m.Headers {
		field := "Headers[" + name + "]"
		if !validHeaderName(name) {
			return nil, &HeaderError{field, "is not a valid header name (printable ASCII without spaces or colons)"}
		}
		if hasCRLF(value) {
			return nil, &HeaderError{field, "the value contains a line break (header injection?)"}
		}
		canon := textproto.CanonicalMIMEHeaderKey(name)
		if slices.Contains(reservedHeaders, canon) {
			return nil, &HeaderError{field, "is set by the Message's fields; use them instead"}
		}
		if _, dup := extra[canon]; dup {
			return nil, &HeaderError{field, "is set twice (header names are case-insensitive)"}
		}
		extra[canon] = value
	}

	var buf bytes.Buffer
	h := headerWriter{&buf}
	h.write("From", from.String())
	if len(to) > 0 {
		h.write("To", joinAddresses(to))
	}
	if len(cc) > 0 {
		h.write("Cc", joinAddresses(cc))
	}
	if len(replyTo) > 0 {
		h.write("Reply-To", joinAddresses(replyTo))
	}
	h.write("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	if _, ok := extra["Date"]; !ok {
		h.write("Date", now.Format(time.RFC1123Z))
	}
	if _, ok := extra["Message-Id"]; !ok {
		h.write("Message-ID", "<"+rand.Text()+"@"+domainOf(from.Address)+">")
	}
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		h.write(name, mime.QEncoding.Encode("utf-8", extra[name]))
	}
	h.write("MIME-Version", "1.0")
	if m.HTML == "" {
		writeTextPart(&buf, "text/plain", m.Body)
	} else {
		mw := multipart.NewWriter(&buf)
		h.write("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
		buf.WriteString("\r\n")
		for _, part := range []struct{ typ, text string }{{"text/plain", m.Body}, {"text/html", m.HTML}} {
			pw, err := mw.CreatePart(textproto.MIMEHeader{
				"Content-Type":              {part.typ + "; charset=utf-8"},
				"Content-Transfer-Encoding": {"quoted-printable"},
			})
			if err != nil {
				return nil, fmt.Errorf("mail: build the %s part: %w", part.typ, err)
			}
			writeQP(pw, part.text)
		}
		if err := mw.Close(); err != nil {
			return nil, fmt.Errorf("mail: build the message: %w", err)
		}
	}

	b := &built{from: from.Address, data: buf.Bytes()}
	seen := map[string]bool{}
	for _, list := range [][]*mail.Address{to, cc, bcc} {
		for _, a := range list {
			if k := strings.ToLower(a.Address); !seen[k] {
				seen[k] = true
				b.recipients = append(b.recipients, a.Address)
			}
		}
	}
	return b, nil
}

// writeTextPart writes the Content-Type headers of a single-part message
// and its quoted-printable body.
func writeTextPart(buf *bytes.Buffer, typ, text string) {
	buf.WriteString("Content-Type: " + typ + "; charset=utf-8\r\n")
	buf.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
	writeQP(buf, text)
}

// writeQP writes text quoted-printable encoded, with CRLF line ends.
func writeQP(w interface{ Write([]byte) (int, error) }, text string) {
	qw := quotedprintable.NewWriter(w)
	// Writes to a bytes.Buffer or a multipart part over one do not fail.
	_, _ = qw.Write([]byte(text))
	_ = qw.Close()
}

func hasCRLF(s string) bool { return strings.ContainsAny(s, "\r\n") }

// validHeaderName reports whether name is an RFC 5322 field name.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// parseAddress parses one address of field.
func parseAddress(field, s string) (*mail.Address, error) {
	if hasCRLF(s) {
		return nil, &HeaderError{field, "contains a line break (header injection?)"}
	}
	if strings.TrimSpace(s) == "" {
		return nil, &HeaderError{field, "is empty"}
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, &HeaderError{field, fmt.Sprintf("%q is not an e-mail address: %v", s, err)}
	}
	return a, nil
}

func parseList(field string, list []string) ([]*mail.Address, error) {
	out := make([]*mail.Address, 0, len(list))
	for i, s := range list {
		a, err := parseAddress(fmt.Sprintf("%s[%d]", field, i), s)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func joinAddresses(list []*mail.Address) string {
	parts := make([]string, len(list))
	for i, a := range list {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

// domainOf returns the domain of an address ("localhost" without one).
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "localhost"
}

// headerWriter writes header fields folded at spaces to lines of at most
// 78 characters where possible (RFC 5322 2.2.3).
type headerWriter struct{ buf *bytes.Buffer }

func (h headerWriter) write(name, value string) {
	const limit = 78
	line := name + ":"
	n := len(line)
	h.buf.WriteString(line)
	for i, word := range strings.Split(value, " ") {
		if n+1+len(word) > limit && (i > 0 || len(word) <= limit-1) {
			h.buf.WriteString("\r\n")
			n = 0
		}
		h.buf.WriteByte(' ')
		h.buf.WriteString(word)
		n += 1 + len(word)
	}
	h.buf.WriteString("\r\n")
}
