package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testCert returns a self-signed certificate for 127.0.0.1, localhost and
// the given extra IPs, and a pool that trusts it.
func testCert(t *testing.T, ips ...net.IP) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "fake smtp"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  append([]net.IP{net.IPv4(127, 0, 0, 1)}, ips...),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// fakeSMTP is a small SMTP server for the tests. It records every command
// line it receives, prefixed with "tls " or "plain ", and the data of
// every message.
type fakeSMTP struct {
	t        *testing.T
	ln       net.Listener
	cert     tls.Certificate
	startTLS bool            // offer STARTTLS
	mechs    string          // AUTH mechanisms offered; "" offers none
	reject   map[string]bool // recipients answered with 550
	stallOn  string          // command after which the server stops answering ("" never; "CONNECT" before the greeting)
	user     string
	pass     string

	mu         sync.Mutex
	transcript []string
	data       []string
	conns      int
	done       chan struct{}
}

// startFake starts srv on addr ("127.0.0.1:0"), with implicit TLS when
// implicitTLS is set, and stops it when the test ends.
func startFake(t *testing.T, srv *fakeSMTP, addr string, implicitTLS bool) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if implicitTLS {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{srv.cert}})
	}
	srv.t, srv.ln, srv.done = t, ln, make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() {
		close(srv.done)
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			srv.mu.Lock()
			srv.conns++
			srv.mu.Unlock()
			wg.Go(func() {
				stop := make(chan struct{})
				defer close(stop)
				go func() {
					select {
					case <-srv.done:
					case <-stop:
					}
					c.Close()
				}()
				srv.serve(c, implicitTLS)
			})
		}
	})
}

// received returns the data of the messages received and the number of
// connections.
func (s *fakeSMTP) received() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.data...), s.conns
}

func (s *fakeSMTP) msgs() []string { d, _ := s.received(); return d }

func (s *fakeSMTP) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *fakeSMTP) record(secure bool, line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prefix := "plain "
	if secure {
		prefix = "tls "
	}
	s.transcript = append(s.transcript, prefix+line)
}

func (s *fakeSMTP) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.transcript...)
}

// stall blocks until the test ends: the server stops answering.
func (s *fakeSMTP) stall() { <-s.done }

func (s *fakeSMTP) serve(c net.Conn, secure bool) {
	if s.stallOn == "CONNECT" {
		s.stall()
		return
	}
	tp := textproto.NewConn(c)
	reply := func(lines ...string) bool {
		for _, l := range lines {
			if err := tp.PrintfLine("%s", l); err != nil {
				return false
			}
		}
		return true
	}
	if !reply("220 fake.test ESMTP ready") {
		return
	}
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		s.record(secure, line)
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		if verb == s.stallOn {
			s.stall()
			return
		}
		switch verb {
		case "EHLO":
			lines := []string{"250-fake.test"}
			if s.startTLS && !secure {
				lines = append(lines, "250-STARTTLS")
			}
			if s.mechs != "" {
				lines = append(lines, "250-AUTH "+s.mechs)
			}
			reply(append(lines, "250 8BITMIME")...)
		case "STARTTLS":
			reply("220 go ahead")
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{s.cert}})
			if err := tc.Handshake(); err != nil {
				return
			}
			c, secure = tc, true
			tp = textproto.NewConn(tc)
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			var user, pass string
			switch strings.ToUpper(mech) {
			case "PLAIN":
				b, _ := base64.StdEncoding.DecodeString(initial)
				parts := strings.Split(string(b), "\x00")
				if len(parts) == 3 {
					user, pass = parts[1], parts[2]
				}
			case "LOGIN":
				reply("334 " + base64.StdEncoding.EncodeToString([]byte("Username:")))
				l, _ := tp.ReadLine()
				s.record(secure, l)
				u, _ := base64.StdEncoding.DecodeString(l)
				reply("334 " + base64.StdEncoding.EncodeToString([]byte("Password:")))
				l, _ = tp.ReadLine()
				s.record(secure, l)
				p, _ := base64.StdEncoding.DecodeString(l)
				user, pass = string(u), string(p)
			}
			if user == s.user && pass == s.pass {
				reply("235 2.7.0 authenticated")
			} else {
				reply("535 5.7.8 bad credentials")
			}
		case "MAIL", "NOOP", "RSET":
			reply("250 ok")
		case "RCPT":
			addr := strings.Trim(strings.TrimPrefix(strings.ToUpper(arg), "TO:"), "<> ")
			if s.reject[strings.ToLower(addr)] {
				reply("550 5.1.1 <" + strings.ToLower(addr) + ">: no such user")
			} else {
				reply("250 ok")
			}
		case "DATA":
			reply("354 end with .")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.data = append(s.data, string(b))
			s.mu.Unlock()
			if s.stallOn == "DATA-END" {
				s.stall()
				return
			}
			reply("250 queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

func index(lines []string, prefix string) int {
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return i
		}
	}
	return -1
}

func TestSMTPStartTLSAuthBcc(t *testing.T) {
	cert, pool := testCert(t)
	srv := &fakeSMTP{cert: cert, startTLS: true, mechs: "PLAIN LOGIN", user: "ada", pass: "s3cret"}
	startFake(t, srv, "127.0.0.1:0", false)
	b := NewSMTP(SMTPConfig{
		Host: "127.0.0.1", Port: srv.port(), Username: "ada", Password: "s3cret",
		StartTLS: true, TLSConfig: &tls.Config{RootCAs: pool},
	})
	msgs := []*Message{
		{From: "Site <site@example.com>", To: []string{"ada@example.com"}, Cc: []string{"cc@example.com"}, Bcc: []string{"hidden@example.com"}, Subject: "One", Body: "first\n.dot line"},
		{From: "site@example.com", To: []string{"bob@example.com"}, Subject: "Two", Body: "second"},
	}
	if err := b.Send(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
	lines := srv.lines()
	joined := strings.Join(lines, "\n")
	starttls, auth := index(lines, "plain STARTTLS"), index(lines, "tls AUTH PLAIN ")
	if starttls < 0 || auth < 0 || starttls > auth || strings.Contains(joined, "plain AUTH") {
		t.Errorf("AUTH PLAIN must come after STARTTLS, over TLS only; transcript:\n%s", joined)
	}
	for _, want := range []string{
		"tls MAIL FROM:<site@example.com>",
		"tls RCPT TO:<ada@example.com>", "tls RCPT TO:<cc@example.com>", "tls RCPT TO:<hidden@example.com>",
		"tls RCPT TO:<bob@example.com>", "tls QUIT",
	} {
		if index(lines, want) < 0 {
			t.Errorf("transcript lacks %q:\n%s", want, joined)
		}
	}
	data, conns := srv.received()
	if conns != 1 {
		t.Errorf("%d connections for two messages; want 1", conns)
	}
	if len(data) != 2 {
		t.Fatalf("server received %d messages; want 2", len(data))
	}
	if strings.Contains(data[0], "hidden@example.com") {
		t.Errorf("the Bcc address is in the message the server received:\n%s", data[0])
	}
	got := parse(t, []byte(data[0]))
	if got.Header.Get("Cc") != "<cc@example.com>" || got.Header.Get("Subject") != "One" {
		t.Errorf("received headers = %v", got.Header)
	}
	if body := decodeQP(t, got.Body); body != "first\n.dot line\n" {
		t.Errorf("received body = %q (dot-stuffing?)", body)
	}
}

func TestSMTPImplicitTLSAndLoginAuth(t *testing.T) {
	cert, pool := testCert(t)
	srv := &fakeSMTP{cert: cert, mechs: "LOGIN", user: "ada", pass: "s3cret"}
	startFake(t, srv, "127.0.0.1:0", true)
	b := NewSMTP(SMTPConfig{
		Host: "127.0.0.1", Port: srv.port(), TLS: true, Username: "ada", Password: "s3cret",
		TLSConfig: &tls.Config{RootCAs: pool},
	})
	if err := b.Send(t.Context(), &Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "x"}); err != nil {
		t.Fatal(err)
	}
	lines := srv.lines()
	if i := index(lines, "tls AUTH LOGIN"); i < 0 || index(lines, "plain ") >= 0 {
		t.Errorf("want every command over TLS and AUTH LOGIN; transcript:\n%s", strings.Join(lines, "\n"))
	}
	if len(srv.msgs()) != 1 {
		t.Errorf("server received %d messages; want 1", len(srv.msgs()))
	}
}

func TestSMTPWrongPassword(t *testing.T) {
	srv := &fakeSMTP{mechs: "PLAIN", user: "ada", pass: "right"}
	startFake(t, srv, "127.0.0.1:0", false)
	// A loopback host may authenticate without TLS (a local relay).
	b := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: srv.port(), Username: "ada", Password: "wrong"})
	err := b.Send(t.Context(), &Message{From: "a@example.com", To: []string{"b@example.com"}})
	var tpe *textproto.Error
	if !errors.As(err, &tpe) || tpe.Code != 535 || !strings.Contains(err.Error(), "AUTH") {
		t.Fatalf("Send = %v; want an AUTH error with code 535", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the error shows the password: %v", err)
	}
	if len(srv.msgs()) != 0 {
		t.Errorf("a message was sent")
	}
}

// nonLoopbackIP returns an IPv4 address of this machine that is not a
// loopback address.
func nonLoopbackIP(t *testing.T) net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP
		}
	}
	t.Skip("no non-loopback IPv4 address to listen on")
	return nil
}

func TestSMTPRefusesAuthWithoutTLS(t *testing.T) {
	ip := nonLoopbackIP(t)
	cert, _ := testCert(t, ip)
	t.Run("no TLS configured", func(t *testing.T) {
		srv := &fakeSMTP{cert: cert, startTLS: true, mechs: "PLAIN", user: "ada", pass: "s3cret"}
		startFake(t, srv, net.JoinHostPort(ip.String(), "0"), false)
		b := NewSMTP(SMTPConfig{Host: ip.String(), Port: srv.port(), Username: "ada", Password: "s3cret"})
		err := b.Send(t.Context(), &Message{From: "a@example.com", To: []string{"b@example.com"}})
		if err == nil || !strings.Contains(err.Error(), "without TLS") {
			t.Errorf("Send = %v; want a refusal to authenticate without TLS", err)
		}
		if lines := srv.lines(); index(lines, "plain AUTH") >= 0 || len(srv.msgs()) != 0 {
			t.Errorf("credentials or a message went over plain text:\n%s", strings.Join(lines, "\n"))
		}
	})
	t.Run("StartTLS not offered", func(t *testing.T) {
		srv := &fakeSMTP{cert: cert, mechs: "PLAIN", user: "ada", pass: "s3cret"}
		startFake(t, srv, "127.0.0.1:0", false)
		b := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: srv.port(), StartTLS: true, Username: "ada", Password: "s3cret"})
		err := b.Send(t.Context(), &Message{From: "a@example.com", To: []string{"b@example.com"}})
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("Send = %v; want an error saying the server offers no STARTTLS", err)
		}
		if lines := srv.lines(); index(lines, "plain AUTH") >= 0 || index(lines, "plain MAIL") >= 0 {
			t.Errorf("the client went on without TLS:\n%s", strings.Join(lines, "\n"))
		}
	})
}

func TestSMTPRecipientRefused(t *testing.T) {
	srv := &fakeSMTP{reject: map[string]bool{"nobody@example.com": true}}
	startFake(t, srv, "127.0.0.1:0", false)
	b := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: srv.port()})
	err := b.Send(t.Context(), &Message{From: "a@example.com", To: []string{"ok@example.com", "nobody@example.com"}, Subject: "x"})
	var tpe *textproto.Error
	if !errors.As(err, &tpe) || tpe.Code != 550 {
		t.Fatalf("Send = %v; want a 550 *textproto.Error", err)
	}
	msg := err.Error()
	for _, want := range []string{"nobody@example.com", "127.0.0.1:" + strconv.Itoa(srv.port()), "550"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if len(srv.msgs()) != 0 || index(srv.lines(), "plain DATA") >= 0 {
		t.Errorf("the message was sent despite the refused recipient")
	}
}

func TestSMTPTimeouts(t *testing.T) {
	for _, stallOn := range []string{"CONNECT", "EHLO", "MAIL", "DATA-END"} {
		t.Run(stallOn, func(t *testing.T) {
			srv := &fakeSMTP{stallOn: stallOn}
			startFake(t, srv, "127.0.0.1:0", false)
			b := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: srv.port(), Timeout: 200 * time.Millisecond})
			done := make(chan error, 1)
			go func() {
				done <- b.Send(t.Context(), &Message{From: "a@example.com", To: []string{"b@example.com"}})
			}()
			select {
			case err := <-done:
				if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.Contains(err.Error(), "127.0.0.1") {
					t.Errorf("Send = %v; want a deadline error naming the server", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Send did not return: the timeout does not bound the conversation")
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true,
		"smtp.example.com": false, "10.0.0.1": false, "localhost.example.com": false, "": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v; want %v", host, got, want)
		}
	}
}
