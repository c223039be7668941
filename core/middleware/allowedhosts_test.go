package middleware_test

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

func TestAllowedHosts(t *testing.T) {
	tests := []struct {
		name  string
		hosts []string
		debug bool
		host  string
		want  int
	}{
		{"exact", []string{"example.com"}, false, "example.com", 200},
		{"exact ignores port", []string{"example.com"}, false, "example.com:8000", 200},
		{"exact ignores case", []string{"Example.COM"}, false, "EXAMPLE.com", 200},
		{"exact with trailing dot", []string{"example.com"}, false, "example.com.", 200},
		{"exact does not match subdomain", []string{"example.com"}, false, "www.example.com", 400},
		{"dot matches domain", []string{".example.com"}, false, "example.com", 200},
		{"dot matches subdomain", []string{".example.com"}, false, "www.example.com", 200},
		{"dot matches deep subdomain", []string{".example.com"}, false, "a.b.example.com:443", 200},
		{"dot rejects suffix without dot", []string{".good.com"}, false, "evilgood.com", 400},
		{"dot rejects good as subdomain of evil", []string{".good.com"}, false, "good.com.evil.com", 400},
		{"star matches any valid host", []string{"*"}, false, "anything.example", 200},
		{"star still validates", []string{"*"}, false, "evil.com@good.com", 400},
		{"ipv4", []string{"10.0.0.1"}, false, "10.0.0.1:8000", 200},
		{"ipv6 bracketed pattern", []string{"[::1]"}, false, "[::1]:8000", 200},
		{"ipv6 bare pattern", []string{"::1"}, false, "[::1]", 200},
		{"other host", []string{"good.com"}, false, "evil.com", 400},
		{"user info", []string{"good.com"}, false, "evil.com@good.com", 400},
		{"user info the other way", []string{"good.com"}, false, "good.com@evil.com", 400},
		{"space", []string{"good.com"}, false, "good.com evil", 400},
		{"nul", []string{"good.com"}, false, "good.com\x00", 400},
		{"two ports", []string{"good.com"}, false, "good.com:80:81", 400},
		{"empty host", []string{"good.com"}, false, "", 400},
		{"debug defaults allow localhost", nil, true, "localhost:8000", 200},
		{"debug defaults allow sub.localhost", nil, true, "app.localhost", 200},
		{"debug defaults allow 127.0.0.1", nil, true, "127.0.0.1:8000", 200},
		{"debug defaults allow [::1]", nil, true, "[::1]:8000", 200},
		{"debug defaults reject others", nil, true, "example.com", 400},
		{"debug does not extend a list", []string{"good.com"}, true, "localhost", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := middleware.AllowedHosts(tt.hosts, tt.debug)
			if err != nil {
				t.Fatalf("AllowedHosts(%q, %v): %v", tt.hosts, tt.debug, err)
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.Host = tt.host
			res := serve(mw(okHandler), req)
			if res.Code != tt.want {
				t.Errorf("Host %q with %q: status %d; want %d", tt.host, tt.hosts, res.Code, tt.want)
			}
			if tt.want == 400 && strings.Contains(res.Body.String(), "ok") {
				t.Errorf("rejected request reached the view: %q", res.Body.String())
			}
		})
	}
}

func TestAllowedHostsConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		hosts []string
		debug bool
	}{
		{"empty without debug", nil, false},
		{"pattern with port", []string{"example.com:8000"}, false},
		{"invalid pattern", []string{"exa mple.com"}, false},
		{"user info pattern", []string{"a@b.com"}, false},
		{"empty pattern", []string{""}, true},
		{"lone dot", []string{"."}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := middleware.AllowedHosts(tt.hosts, tt.debug)
			if err == nil || !strings.HasPrefix(err.Error(), "middleware: allowed hosts: ") {
				t.Errorf("AllowedHosts(%q, %v) error = %v; want a middleware: allowed hosts: error", tt.hosts, tt.debug, err)
			}
		})
	}
}

func TestAllowedHostsPages(t *testing.T) {
	tests := []struct {
		name      string
		debug     bool
		host      string
		wantIn    []string
		wantNotIn []string
	}{
		{"production shows a generic message", false, "evil.com", []string{"invalid host header"}, []string{"ALLOWED_HOSTS"}},
		{"debug says what to add", true, "evil.com:8000", []string{"ALLOWED_HOSTS", "evil.com"}, nil},
		{"debug escapes the host", true, "<script>.com", []string{"RFC 1034"}, []string{"<script>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw := middleware.Must(middleware.AllowedHosts([]string{"good.com"}, tt.debug))
			rd := &respond.Renderer{Debug: tt.debug}
			req := httptest.NewRequest("GET", "/", nil)
			req.Host = tt.host
			res := serve(withRenderer(rd, mw(okHandler)), req)
			if res.Code != http.StatusBadRequest {
				t.Fatalf("status = %d; want 400", res.Code)
			}
			body := res.Body.String()
			for _, s := range tt.wantIn {
				if !strings.Contains(body, s) {
					t.Errorf("page does not contain %q:\n%s", s, body)
				}
			}
			for _, s := range tt.wantNotIn {
				if strings.Contains(body, s) {
					t.Errorf("page contains %q:\n%s", s, body)
				}
			}
		})
	}
}

// rawRequest sends a raw HTTP/1.1 request to srv and returns the status
// code and the body.
func rawRequest(t *testing.T, srv *httptest.Server, raw string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatalf("write request: %v", err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func TestAllowedHostsEndToEnd(t *testing.T) {
	logger, logs := newLogSink()
	rd := &respond.Renderer{Logger: logger}
	hosts := middleware.Must(middleware.AllowedHosts([]string{"good.com"}, false))
	h := middleware.Chain(rd.Middleware, middleware.Recover, middleware.AccessLog(logger, slog.LevelInfo), hosts)(okHandler)
	srv := httptest.NewServer(h)
	defer srv.Close()

	tests := []struct {
		name, request string
		want          int
		wantLogHost   string // path logged for the request; "" when net/http rejects it first
	}{
		{"good host", "GET /a HTTP/1.1\r\nHost: good.com\r\nConnection: close\r\n\r\n", 200, "/a"},
		{"absolute-form URI wins over the Host header", "GET http://evil.com/b HTTP/1.1\r\nHost: good.com\r\nConnection: close\r\n\r\n", 400, "/b"},
		{"X-Forwarded-Host is ignored", "GET /c HTTP/1.1\r\nHost: evil.com\r\nX-Forwarded-Host: good.com\r\nConnection: close\r\n\r\n", 400, "/c"},
		{"X-Forwarded-Host cannot poison", "GET /d HTTP/1.1\r\nHost: good.com\r\nX-Forwarded-Host: evil.com\r\nConnection: close\r\n\r\n", 200, "/d"},
		{"user info in Host (net/http rejects it first)", "GET /e HTTP/1.1\r\nHost: evil.com@good.com\r\nConnection: close\r\n\r\n", 400, ""},
		{"Host with a path (net/http rejects it first)", "GET /g HTTP/1.1\r\nHost: good.com/evil\r\nConnection: close\r\n\r\n", 400, ""},
		{"Host with two ports", "GET /h HTTP/1.1\r\nHost: good.com:80:80\r\nConnection: close\r\n\r\n", 400, "/h"},
		{"Host with an underscore", "GET /i HTTP/1.1\r\nHost: good_com\r\nConnection: close\r\n\r\n", 400, "/i"},
		{"HTTP/1.0 without Host", "GET /f HTTP/1.0\r\n\r\n", 400, "/f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawRequest(t, srv, tt.request)
			if status != tt.want {
				t.Errorf("status = %d (%q); want %d", status, body, tt.want)
			}
			if tt.wantLogHost == "" {
				return
			}
			found := false
			for _, l := range logs.withMessage(t, "http request") {
				if l["path"] == tt.wantLogHost {
					found = true
					if l["status"] != float64(tt.want) {
						t.Errorf("logged status %v; want %d", l["status"], tt.want)
					}
				}
			}
			if !found {
				t.Errorf("no access log line for %s:\n%s", tt.wantLogHost, logs.buf.String())
			}
		})
	}
}
