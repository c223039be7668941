package core_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/core/server"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/djinntest"
)

// site runs a production-configured project behind the real gateway
// server on a loopback port and returns its address and log.
func site(t *testing.T) (addr string, logs *djinntest.Logs) {
	t.Helper()
	logs = &djinntest.Logs{}
	s := core.Defaults()
	s.SecretKey = "bad-input-test-secret-key-0123456789"
	s.AllowedHosts = []string{"good.example"}
	s.Logging.Handler = logs.Handler()
	s.Server.Addr = "127.0.0.1:0"
	s.Server.ReadHeaderTimeout = 300 * time.Millisecond
	s.Server.MaxHeaderBytes = 8 << 10
	s.Server.MaxBodyBytes = 1 << 10
	s.URLs = func(r *urls.Router) {
		r.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, "ok")
		r.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.ReadAll(r.Body); err != nil {
				http.Error(w, "too big", http.StatusRequestEntityTooLarge)
				return
			}
			io.WriteString(w, "stored")
		}, "upload")
		r.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("secret internal detail") }, "panic")
		r.HandleFunc("GET /items/{id:int}/{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "item") }, "item")
	}
	p := core.New(s)
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	cfg := command.ServerConfig(p)
	cfg.NoSignals = true
	srv, err := server.New(cfg, p.Handler(), p.Logger())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	select {
	case <-srv.Listening():
	case err := <-done:
		t.Fatalf("server stopped: %v", err)
	}
	return srv.Addr().String(), logs
}

// raw sends a raw HTTP/1.1 request and returns the status line and headers.
func raw(t *testing.T, addr, req string) (status string, header http.Header) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the response to %q: %v", req, err)
	}
	resp.Body.Close()
	return resp.Status, resp.Header
}

// stillServes checks that a normal request works after an attack.
func stillServes(t *testing.T, addr string) {
	t.Helper()
	status, _ := raw(t, addr, "GET /ok HTTP/1.1\r\nHost: good.example\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(status, "200") {
		t.Errorf("after the attack, GET /ok = %s; want 200", status)
	}
}

func TestBadInput(t *testing.T) {
	addr, logs := site(t)
	tests := []struct {
		name       string
		req        string
		wantStatus string
		wantHeader [2]string
		wantLog    string // a substring of the log; "" when net/http answers before Djinn sees the request
	}{
		{"hostile Host", "GET /ok HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n", "400", [2]string{}, `"status":400`},
		{"Host with userinfo", "GET /ok HTTP/1.1\r\nHost: good.example@evil.example\r\nConnection: close\r\n\r\n", "400", [2]string{}, ""},
		{"absolute URI to another host", "GET http://evil.example/ok HTTP/1.1\r\nHost: good.example\r\nConnection: close\r\n\r\n", "400", [2]string{}, `"status":400`},
		{"oversized headers", "GET /ok HTTP/1.1\r\nHost: good.example\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\nConnection: close\r\n\r\n", "431", [2]string{}, ""},
		{"oversized body", "POST /upload HTTP/1.1\r\nHost: good.example\r\nContent-Length: 4096\r\nConnection: close\r\n\r\n" + strings.Repeat("x", 4096), "413", [2]string{}, `"status":413`},
		{"malformed percent-encoding", "GET /%zz HTTP/1.1\r\nHost: good.example\r\nConnection: close\r\n\r\n", "400", [2]string{}, ""},
		{"converter mismatch", "GET /items/1%2F2/ HTTP/1.1\r\nHost: good.example\r\nConnection: close\r\n\r\n", "404", [2]string{}, `"status":404`},
		{"unknown method", "BREW /ok HTTP/1.1\r\nHost: good.example\r\nConnection: close\r\n\r\n", "405", [2]string{"Allow", "GET, HEAD"}, `"status":405`},
		{"panicking view", "GET /panic HTTP/1.1\r\nHost: good.example\r\nConnection: close\r\n\r\n", "500", [2]string{}, "secret internal detail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(logs.String())
			status, header := raw(t, addr, tt.req)
			if !strings.HasPrefix(status, tt.wantStatus) {
				t.Errorf("status = %s; want %s", status, tt.wantStatus)
			}
			if k := tt.wantHeader[0]; k != "" && header.Get(k) != tt.wantHeader[1] {
				t.Errorf("header %s = %q; want %q", k, header.Get(k), tt.wantHeader[1])
			}
			if tt.wantLog != "" {
				deadline := time.Now().Add(2 * time.Second)
				for !strings.Contains(logs.String()[before:], tt.wantLog) && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if got := logs.String()[before:]; !strings.Contains(got, tt.wantLog) {
					t.Errorf("log lacks %q:\n%s", tt.wantLog, got)
				}
			}
			stillServes(t, addr)
		})
	}
}

func TestPanicDetailStaysInTheLog(t *testing.T) {
	addr, _ := site(t)
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/panic", addr), nil)
	req.Host = "good.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Fatalf("GET /panic = %d; want 500", resp.StatusCode)
	}
	if strings.Contains(string(body), "secret internal detail") || strings.Contains(string(body), "goroutine") {
		t.Errorf("production 500 page leaks the panic:\n%s", body)
	}
}

func TestSlowlorisIsCut(t *testing.T) {
	addr, _ := site(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Trickle a header a byte at a time, slower than ReadHeaderTimeout
	// allows in total; the server must hang up while others are served.
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		for _, b := range []byte("GET /ok HTTP/1.1\r\nHost: good.example\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa") {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	stillServes(t, addr)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1024)
	n, err := c.Read(buf)
	// net/http answers a header that never completes with 400 and hangs up.
	if err == nil && !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 400") && !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 408") {
		t.Errorf("slow client read %q; want the connection closed, or a 400/408", buf[:n])
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Error("the server kept the slow connection open past ReadHeaderTimeout")
	}
	<-closed
	stillServes(t, addr)
}
