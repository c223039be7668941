package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// trickle writes b to c one byte every 100ms until a write fails, stop is
// closed or b runs out, and reports how many bytes it wrote.
func trickle(c net.Conn, b []byte, stop <-chan struct{}) <-chan int {
	out := make(chan int, 1)
	go func() {
		n := 0
		defer func() { out <- n }()
		for _, ch := range b {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := c.Write([]byte{ch}); err != nil {
				return
			}
			n++
		}
	}()
	return out
}

// TestSlowlorisIsDisconnected sends headers one byte per 100ms: the
// server must drop the connection after ReadHeaderTimeout and keep
// serving other clients meanwhile.
func TestSlowlorisIsDisconnected(t *testing.T) {
	r := start(t, Config{ReadHeaderTimeout: 300 * time.Millisecond}, textHandler("fine"))
	conn, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: example.com\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	// 100 bytes at 10 bytes/s would take 10 s: far past the 300ms limit.
	sent := trickle(conn, []byte(strings.Repeat("a", 100)), stop)

	if status, _, body := get(t, newClient(t, nil), "GET", "http://"+r.addr+"/"); status != 200 || body != "fine" {
		t.Errorf("GET / from another client during the slowloris = %d %q; want 200 %q", status, body, "fine")
	}

	conn.SetReadDeadline(time.Now().Add(waitLimit))
	n, err := conn.Read(make([]byte, 512))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("slow client still connected after %v", waitLimit)
	}
	if n != 0 || err == nil {
		t.Errorf("slow client read %d bytes, %v; want the connection closed without a response", n, err)
	}
	// Writing to the closed connection fails soon, which ends the trickle.
	select {
	case got := <-sent:
		if got >= 100 {
			t.Errorf("slow client sent all %d header bytes; want it cut off first", got)
		}
	case <-time.After(waitLimit):
		t.Error("slow client can still write")
	}
}

func TestOversizedHeaders(t *testing.T) {
	r := start(t, Config{MaxHeaderBytes: 1 << 10}, textHandler("fine"))
	c := newClient(t, nil)
	tests := []struct {
		name       string
		headerSize int
		wantStatus int
	}{
		{"small header", 512, 200},
		// net/http allows 4 KiB beyond MaxHeaderBytes before it answers 431.
		{"header over the limit", 8 << 10, http.StatusRequestHeaderFieldsTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", "http://"+r.addr+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Big", strings.Repeat("x", tt.headerSize))
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("GET with a %d-byte header: %v", tt.headerSize, err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("GET with a %d-byte header = %d; want %d", tt.headerSize, resp.StatusCode, tt.wantStatus)
			}
		})
	}
}

// TestSlowBodyIsCutByReadTimeout uploads a body one byte per 100ms: the
// handler's read fails with a timeout once ReadTimeout has passed.
func TestSlowBodyIsCutByReadTimeout(t *testing.T) {
	readErr := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
	})
	r := start(t, Config{ReadTimeout: 300 * time.Millisecond}, h)
	conn, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 100\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	trickle(conn, []byte(strings.Repeat("b", 100)), stop)

	select {
	case err := <-readErr:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("handler's body read error = %v; want a timeout", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("handler still reading the slow body")
	}
}

// TestMaxConns checks that with MaxConns 1 a second client is not served
// while the first holds its connection, and is once it closes.
func TestMaxConns(t *testing.T) {
	r := start(t, Config{MaxConns: 1}, textHandler("fine"))
	url := "http://" + r.addr + "/"
	first := newClient(t, nil)
	if status, _, _ := get(t, first, "GET", url); status != 200 {
		t.Fatalf("first client GET = %d; want 200", status)
	}
	// first's keep-alive connection holds the only slot.
	second := newClient(t, &http.Transport{DisableKeepAlives: true})
	second.Timeout = 300 * time.Millisecond
	if resp, err := second.Get(url); err == nil {
		resp.Body.Close()
		t.Fatalf("second client served while the first holds the only connection slot")
	}
	first.CloseIdleConnections()
	second.Timeout = waitLimit
	if status, _, body := get(t, second, "GET", url); status != 200 || body != "fine" {
		t.Errorf("second client GET after the first closed = %d %q; want 200 %q", status, body, "fine")
	}
	if rec := r.logs.Find(t, "connection limit reached; new connections wait"); rec == nil || rec["max_conns"] != 1.0 {
		t.Errorf("limit log record = %v; want max_conns 1", rec)
	}
}

// protoHandler answers with the protocol the server saw.
var protoHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	tlsVersion := "none"
	if r.TLS != nil {
		tlsVersion = tls.VersionName(r.TLS.Version) + " " + r.TLS.NegotiatedProtocol
	}
	fmt.Fprintf(w, "%s %d %s", r.Proto, r.ProtoMajor, tlsVersion)
})

func TestH2C(t *testing.T) {
	var h2c http.Protocols
	h2c.SetUnencryptedHTTP2(true)
	tests := []struct {
		name     string
		serverH2 bool
		client   http.Protocols
		wantBody string // "" means the request fails
	}{
		{"h2c client, H2C on", true, h2c, "HTTP/2.0 2 none"},
		{"HTTP/1 client, H2C on", true, http.Protocols{}, "HTTP/1.1 1 none"},
		{"h2c client, H2C off", false, h2c, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := start(t, Config{H2C: tt.serverH2}, protoHandler)
			tr := &http.Transport{}
			if tt.client.UnencryptedHTTP2() {
				p := tt.client
				tr.Protocols = &p
			}
			c := newClient(t, tr)
			c.Timeout = 2 * time.Second
			resp, err := c.Get("http://" + r.addr + "/")
			if tt.wantBody == "" {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("h2c request to a server without H2C = %s; want an error", resp.Proto)
				}
				return
			}
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if string(body) != tt.wantBody {
				t.Errorf("server saw %q; want %q", body, tt.wantBody)
			}
		})
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key to
// dir and returns their paths and a pool that trusts the certificate.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "djinn test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pool
}

func TestTLS(t *testing.T) {
	certFile, keyFile, pool := writeCert(t, t.TempDir())
	r := start(t, Config{TLSCertFile: certFile, TLSKeyFile: keyFile}, protoHandler)
	var http1 http.Protocols
	http1.SetHTTP1(true)
	tests := []struct {
		name     string
		tr       *http.Transport
		wantBody string // "" means the handshake fails
	}{
		{"HTTP/2 client negotiates h2", &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}, "HTTP/2.0 2 TLS 1.3 h2"},
		{"HTTP/1.1-only client", &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, Protocols: &http1}, "HTTP/1.1 1 TLS 1.3 "}, // no ALPN offered
		{"TLS 1.2 client", &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true}, "HTTP/2.0 2 TLS 1.2 h2"},
		{"TLS 1.1 client is refused", &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.tr)
			resp, err := c.Get("https://" + r.addr + "/")
			if tt.wantBody == "" {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("GET over %s succeeded; want a handshake failure", resp.Proto)
				}
				return
			}
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if string(body) != tt.wantBody {
				t.Errorf("server saw %q; want %q", body, tt.wantBody)
			}
		})
	}
	// The refused handshake is logged as a structured record.
	var rec map[string]any
	for range 200 {
		if rec = r.logs.Find(t, "tls handshake error"); rec != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if rec == nil || rec["level"] != "INFO" || !strings.HasPrefix(rec["remote_addr"].(string), "127.0.0.1:") || rec["error"] == "" {
		t.Errorf("handshake log record = %v; want level INFO with remote_addr and error", rec)
	}
}

func TestTLSListeningLog(t *testing.T) {
	certFile, keyFile, _ := writeCert(t, t.TempDir())
	r := start(t, Config{TLSCertFile: certFile, TLSKeyFile: keyFile, H2C: true}, protoHandler)
	rec := r.logs.Find(t, "listening")
	if rec == nil || rec["addr"] != r.addr || rec["network"] != "tcp" || rec["tls"] != true || rec["h2c"] != true {
		t.Errorf("listening log record = %v; want addr %s, network tcp, tls and h2c true", rec, r.addr)
	}
}
