package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/djinn-go/djinn/core"
)

// DefaultTimeout bounds an SMTP conversation when SMTPConfig.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// SMTPConfig configures the SMTP backend. The zero value sends to
// localhost:25 without TLS or authentication.
type SMTPConfig struct {
	// Host and Port of the server; "" is "localhost", 0 is 25 (465 with
	// TLS, 587 with StartTLS).
	Host string
	Port int
	// Username and Password, when Username is set, authenticate with AUTH
	// PLAIN (or LOGIN when the server offers only that). Credentials are
	// never sent over a connection without TLS unless Host is a loopback
	// address.
	Username string
	Password core.Secret
	// StartTLS upgrades the connection with STARTTLS before anything else
	// (port 587) and fails when the server does not offer it; TLS connects
	// with TLS from the start (port 465, implied by Port 465). At most one
	// is set.
	StartTLS bool
	TLS      bool
	// TLSConfig is used for both; nil verifies the server's certificate
	// against the system roots for Host.
	TLSConfig *tls.Config
	// LocalName is the name sent with EHLO; "" is "localhost".
	LocalName string
	// Timeout bounds the whole conversation, dial included, of one Send;
	// 0 is DefaultTimeout. A deadline of Send's ctx that comes earlier
	// wins.
	Timeout time.Duration
}

// SMTP is the backend that sends messages to an SMTP server (Django's smtp
// backend). Each Send opens one connection, sends all its messages over
// it and quits. It is safe for concurrent use.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP returns an SMTP backend for cfg.
func NewSMTP(cfg SMTPConfig) *SMTP {
	if cfg.Host == "" {
		cfg.Host = "localhost"
	}
	if cfg.Port == 0 {
		switch {
		case cfg.TLS:
			cfg.Port = 465
		case cfg.StartTLS:
			cfg.Port = 587
		default:
			cfg.Port = 25
		}
	}
	if cfg.Port == 465 && !cfg.StartTLS {
		cfg.TLS = true
	}
	if cfg.LocalName == "" {
		cfg.LocalName = "localhost"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &SMTP{cfg: cfg}
}

// addr is host:port.
func (s *SMTP) addr() string { return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)) }

// SMTPError is an error of a conversation with an SMTP server: the server
// (host:port), the step ("dial", "STARTTLS", "AUTH", "MAIL FROM", "RCPT TO
// <addr>", "DATA"…) and the cause, which for a refusal by the server is a
// *textproto.Error with its reply code (550).
type SMTPError struct {
	Server string
	Step   string
	Err    error
}

func (e *SMTPError) Error() string {
	return fmt.Sprintf("mail: smtp %s: %s: %v", e.Server, e.Step, e.Err)
}

// Unwrap returns the cause.
func (e *SMTPError) Unwrap() error { return e.Err }

// Send validates msgs, then sends them over one connection. With several
// messages, an error wraps a *MessageError saying which one failed; the
// ones before it were sent.
func (s *SMTP) Send(ctx context.Context, msgs ...*Message) error {
	bs, err := buildAll(msgs)
	if err != nil {
		return err
	}
	if len(bs) == 0 {
		return nil
	}
	if s.cfg.TLS && s.cfg.StartTLS {
		return errors.New("mail: smtp: TLS and StartTLS are both set; use TLS for port 465 and StartTLS for port 587")
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	fail := func(step string, err error) error {
		if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (the conversation is bounded by a %v timeout)", err, s.cfg.Timeout)
		}
		return &SMTPError{Server: s.addr(), Step: step, Err: err}
	}

	conn, err := s.dial(ctx)
	if err != nil {
		return fail("dial", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Cancelling ctx interrupts any read or write in progress.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return fail("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.LocalName); err != nil {
		return fail("EHLO", err)
	}
	secure := s.cfg.TLS
	if s.cfg.StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fail("STARTTLS", errors.New("the server does not offer STARTTLS; refusing to go on without TLS"))
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return fail("STARTTLS", err)
		}
		secure = true
	}
	if s.cfg.Username != "" {
		if !secure && !isLoopback(s.cfg.Host) {
			return fail("AUTH", errors.New("refusing to send credentials over a connection without TLS; set StartTLS or TLS"))
		}
		if err := c.Auth(s.auth(c)); err != nil {
			return fail("AUTH", err)
		}
	}
	for i, b := range bs {
		if err := s.sendOne(c, b); err != nil {
			if len(bs) > 1 {
				err = &MessageError{Index: i, Subject: msgs[i].Subject, Err: err}
			}
			return fail(stepOf(err), err)
		}
	}
	// The messages were accepted: a failed QUIT changes nothing for them.
	_ = c.Quit()
	return nil
}

// stepError names the step of sendOne that failed.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func stepOf(err error) string {
	if se, ok := errors.AsType[*stepError](err); ok {
		return se.step
	}
	return "send"
}

// sendOne sends one message over c; after a refused recipient it resets
// the transaction so that the connection stays usable.
func (s *SMTP) sendOne(c *smtp.Client, b *built) error {
	if err := c.Mail(b.from); err != nil {
		return &stepError{"MAIL FROM <" + b.from + ">", err}
	}
	for _, rcpt := range b.recipients {
		if err := c.Rcpt(rcpt); err != nil {
			_ = c.Reset()
			return &stepError{"RCPT TO <" + rcpt + ">", fmt.Errorf("recipient %s refused: %w", rcpt, err)}
		}
	}
	w, err := c.Data()
	if err != nil {
		return &stepError{"DATA", err}
	}
	if _, err := w.Write(b.data); err != nil {
		return &stepError{"DATA", err}
	}
	if err := w.Close(); err != nil {
		return &stepError{"DATA", err}
	}
	return nil
}

func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{}
	if s.cfg.TLS {
		td := &tls.Dialer{NetDialer: d, Config: s.tlsConfig()}
		return td.DialContext(ctx, "tcp", s.addr())
	}
	return d.DialContext(ctx, "tcp", s.addr())
}

func (s *SMTP) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if s.cfg.TLSConfig != nil {
		cfg = s.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.cfg.Host
	}
	return cfg
}

// auth picks AUTH PLAIN, or LOGIN when the server offers only that.
func (s *SMTP) auth(c *smtp.Client) smtp.Auth {
	user, pass := s.cfg.Username, string(s.cfg.Password)
	if ok, mechs := c.Extension("AUTH"); ok {
		fields := strings.Fields(strings.ToUpper(mechs))
		if !slices.Contains(fields, "PLAIN") && slices.Contains(fields, "LOGIN") {
			return &loginAuth{user: user, pass: pass}
		}
	}
	return &plainAuth{user: user, pass: pass}
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// plainAuth is AUTH PLAIN (RFC 4616). Send checks for TLS before using it
// (net/smtp's PlainAuth would refuse a loopback IP other than 127.0.0.1).
type plainAuth struct{ user, pass string }

func (a *plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a *plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge after AUTH PLAIN")
	}
	return nil, nil
}

// loginAuth is AUTH LOGIN: the server asks for the username, then the
// password.
type loginAuth struct {
	user, pass string
	step       int
}

func (a *loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	a.step = 0
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch a.step {
	case 1:
		return []byte(a.user), nil
	case 2:
		return []byte(a.pass), nil
	}
	return nil, errors.New("unexpected server challenge after AUTH LOGIN")
}
