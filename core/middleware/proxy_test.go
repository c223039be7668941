package middleware_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core/middleware"
)

// seen is what a view behind ProxyHeaders observes.
type seen struct {
	remote, host string
	secure       bool
}

func TestProxyHeaders(t *testing.T) {
	private := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name    string
		cfg     middleware.ProxyConfig
		peer    string
		tls     bool
		headers map[string][]string
		want    seen
	}{
		{
			name:    "untrusted peer cannot spoof",
			cfg:     middleware.ProxyConfig{Trusted: private, TrustForwardedHost: true},
			peer:    "198.51.100.1:1234",
			headers: map[string][]string{"X-Forwarded-For": {"1.2.3.4"}, "X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"evil.com"}},
			want:    seen{"198.51.100.1:1234", "good.com", false},
		},
		{
			name:    "no trusted proxies",
			cfg:     middleware.ProxyConfig{},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-For": {"1.2.3.4"}, "X-Forwarded-Proto": {"https"}},
			want:    seen{"10.0.0.1:1234", "good.com", false},
		},
		{
			name:    "client from trusted proxy",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-For": {"203.0.113.9"}},
			want:    seen{"203.0.113.9:0", "good.com", false},
		},
		{
			name:    "trusted hops are skipped",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-For": {"203.0.113.9, 10.0.0.2, 10.0.0.3"}},
			want:    seen{"203.0.113.9:0", "good.com", false},
		},
		{
			name:    "spoofed leftmost address is not believed",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-For": {"6.6.6.6, 203.0.113.9"}},
			want:    seen{"203.0.113.9:0", "good.com", false},
		},
		{
			name:    "several header lines form one list",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-For": {"6.6.6.6", "203.0.113.9, 10.0.0.2"}},
			want:    seen{"203.0.113.9:0", "good.com", false},
		},
		{
			name:    "all trusted gives the leftmost",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-For": {"10.0.0.3, 10.0.0.2"}},
			want:    seen{"10.0.0.3:0", "good.com", false},
		},
		{
			name:    "malformed rightmost is ignored",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-For": {"203.0.113.9, not-an-ip"}},
			want:    seen{"10.0.0.1:1234", "good.com", false},
		},
		{
			name:    "malformed entry stops the walk",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-For": {"203.0.113.9, unknown, 10.0.0.2"}},
			want:    seen{"10.0.0.2:0", "good.com", false},
		},
		{
			name:    "empty entry stops the walk",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-For": {"203.0.113.9,,"}},
			want:    seen{"10.0.0.1:1234", "good.com", false},
		},
		{
			name:    "port kept",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-For": {"203.0.113.9:5555"}},
			want:    seen{"203.0.113.9:5555", "good.com", false},
		},
		{
			name:    "ipv6 with port",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "[fd00::1]:1234",
			headers: map[string][]string{"X-Forwarded-For": {"[2001:db8::1]:443"}},
			want:    seen{"[2001:db8::1]:443", "good.com", false},
		},
		{
			name:    "bare ipv6",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-For": {"2001:DB8::1"}},
			want:    seen{"[2001:db8::1]:0", "good.com", false},
		},
		{
			name:    "ipv4-mapped peer",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "[::ffff:10.0.0.1]:1234",
			headers: map[string][]string{"X-Forwarded-For": {"::ffff:203.0.113.9"}},
			want:    seen{"203.0.113.9:0", "good.com", false},
		},
		{
			name:    "https from trusted proxy",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-Proto": {"HTTPS"}},
			want:    seen{"10.0.0.1:1234", "good.com", true},
		},
		{
			name:    "http from trusted proxy over TLS",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			tls:     true,
			headers: map[string][]string{"X-Forwarded-Proto": {"http"}},
			want:    seen{"10.0.0.1:1234", "good.com", false},
		},
		{
			name:    "last proto wins",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-Proto": {"https, http"}},
			want:    seen{"10.0.0.1:1234", "good.com", false},
		},
		{
			name:    "junk proto falls back to the connection",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			tls:     true,
			headers: map[string][]string{"X-Forwarded-Proto": {"gopher"}},
			want:    seen{"10.0.0.1:1234", "good.com", true},
		},
		{
			name:    "forwarded host ignored by default",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-Host": {"other.com"}},
			want:    seen{"10.0.0.1:1234", "good.com", false},
		},
		{
			name:    "forwarded host when trusted",
			cfg:     middleware.ProxyConfig{Trusted: private, TrustForwardedHost: true},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-Host": {"evil.com, other.com:8443"}},
			want:    seen{"10.0.0.1:1234", "other.com:8443", false},
		},
		{
			name:    "invalid forwarded host ignored",
			cfg:     middleware.ProxyConfig{Trusted: private, TrustForwardedHost: true},
			peer:    "10.0.0.1:1234",
			headers: map[string][]string{"X-Forwarded-Host": {"evil.com@good.com"}},
			want:    seen{"10.0.0.1:1234", "good.com", false},
		},
		{
			name:    "unparsable peer",
			cfg:     middleware.ProxyConfig{Trusted: private},
			peer:    "@",
			headers: map[string][]string{"X-Forwarded-For": {"203.0.113.9"}},
			want:    seen{"@", "good.com", false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := middleware.ProxyHeaders(tt.cfg)
			if err != nil {
				t.Fatalf("ProxyHeaders: %v", err)
			}
			var got seen
			h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = seen{r.RemoteAddr, r.Host, middleware.IsSecure(r)}
			}))
			req := httptest.NewRequest("GET", "/", nil)
			req.Host = "good.com"
			req.RemoteAddr = tt.peer
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			for k, vs := range tt.headers {
				req.Header[k] = vs
			}
			serve(h, req)
			if got != tt.want {
				t.Errorf("view saw %+v; want %+v", got, tt.want)
			}
			if req.RemoteAddr != tt.peer || req.Host != "good.com" {
				t.Errorf("caller's request modified: RemoteAddr %q Host %q", req.RemoteAddr, req.Host)
			}
		})
	}
}

func TestProxyHeadersInvalidPrefix(t *testing.T) {
	_, err := middleware.ProxyHeaders(middleware.ProxyConfig{Trusted: []netip.Prefix{{}}})
	if err == nil || !strings.HasPrefix(err.Error(), "middleware: proxy headers: ") {
		t.Errorf("ProxyHeaders(invalid prefix) error = %v; want a middleware: proxy headers: error", err)
	}
}

func TestIsSecure(t *testing.T) {
	tests := []struct {
		name   string
		target string
		tls    bool
		want   bool
	}{
		{"plain", "/", false, false},
		{"tls", "/", true, true},
		{"absolute-form https over plain HTTP", "https://good.com/", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tt.target, nil)
			req.TLS = nil
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			if got := middleware.IsSecure(req); got != tt.want {
				t.Errorf("IsSecure(%s) = %v; want %v", tt.target, got, tt.want)
			}
		})
	}
}

func FuzzProxyHeaders(f *testing.F) {
	f.Add("10.0.0.1:1234", "203.0.113.9, 10.0.0.2", "https", "example.com")
	f.Add("[fd00::1]:80", "[2001:db8::1]:443,garbage", "http, https", "a@b")
	f.Add("10.0.0.1:1", ",,,", "", "[::1")
	f.Add("10.1.2.3:9", "fe80::1%eth0, ::ffff:1.2.3.4", "HTTPS", "x:1:2")
	mw := middleware.Must(middleware.ProxyHeaders(middleware.ProxyConfig{
		Trusted:            []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")},
		TrustForwardedHost: true,
	}))
	f.Fuzz(func(t *testing.T, peer, xff, proto, host string) {
		var got *http.Request
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }))
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = peer
		req.Host = "good.com"
		req.Header["X-Forwarded-For"] = []string{xff}
		req.Header["X-Forwarded-Proto"] = []string{proto}
		req.Header["X-Forwarded-Host"] = []string{host}
		serve(h, req) // must not panic
		if got.RemoteAddr != peer {
			if _, err := netip.ParseAddrPort(got.RemoteAddr); err != nil {
				t.Errorf("RemoteAddr rewritten to %q, which does not parse: %v", got.RemoteAddr, err)
			}
		}
		if got.Host != "good.com" && strings.ContainsAny(got.Host, "@/ \\\x00") {
			t.Errorf("Host rewritten to unsafe %q", got.Host)
		}
		if middleware.IsSecure(got) && !strings.Contains(strings.ToLower(proto), "https") {
			t.Errorf("IsSecure with X-Forwarded-Proto %q", proto)
		}
	})
}
