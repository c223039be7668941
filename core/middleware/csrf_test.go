package middleware_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

func TestCSRF(t *testing.T) {
	mw := middleware.Must(middleware.CSRF(middleware.CSRFConfig{
		TrustedOrigins:         []string{"https://app.example.com"},
		InsecureBypassPatterns: []string{"POST /webhooks/"},
	}))
	tests := []struct {
		name, method, target string
		headers              map[string]string
		want                 int
	}{
		{"cross-site POST", "POST", "/vote", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"same-site POST", "POST", "/vote", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"same-origin POST", "POST", "/vote", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
		{"user-initiated POST", "POST", "/vote", map[string]string{"Sec-Fetch-Site": "none"}, 200},
		{"trusted origin", "POST", "/vote", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example.com"}, 200},
		{"untrusted origin", "POST", "/vote", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.com"}, 403},
		{"old browser, origin matches host", "POST", "/vote", map[string]string{"Origin": "http://example.com"}, 200},
		{"old browser, other origin", "POST", "/vote", map[string]string{"Origin": "http://evil.com"}, 403},
		{"non-browser client", "POST", "/vote", nil, 200},
		{"cross-site GET", "GET", "/vote", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
		{"cross-site HEAD", "HEAD", "/vote", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
		{"cross-site DELETE", "DELETE", "/vote", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"bypass pattern", "POST", "/webhooks/stripe", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, nil)
			req.Host = "example.com"
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			res := serve(withRenderer(&respond.Renderer{}, mw(okHandler)), req)
			if res.Code != tt.want {
				t.Errorf("status = %d; want %d", res.Code, tt.want)
			}
			if tt.want == 403 && !strings.Contains(res.Body.String(), "cross-origin request denied") {
				t.Errorf("403 page = %q; want it rendered by respond with the public message", res.Body.String())
			}
		})
	}
}

func TestCSRFDebugShowsReason(t *testing.T) {
	logger, logs := newLogSink()
	mw := middleware.Must(middleware.CSRF(middleware.CSRFConfig{}))
	req := httptest.NewRequest("POST", "/", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res := serve(withRenderer(&respond.Renderer{Debug: true, Logger: logger}, mw(okHandler)), req)
	if !strings.Contains(res.Body.String(), "Sec-Fetch-Site") {
		t.Errorf("DEBUG page does not give the reason:\n%s", res.Body.String())
	}
	if lines := logs.withMessage(t, "client error"); len(lines) != 1 || lines[0]["status"] != 403.0 {
		t.Errorf("logged %v; want one client error with status 403", lines)
	}
}

func TestCSRFConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  middleware.CSRFConfig
	}{
		{"origin without scheme", middleware.CSRFConfig{TrustedOrigins: []string{"example.com"}}},
		{"origin with path", middleware.CSRFConfig{TrustedOrigins: []string{"https://example.com/app"}}},
		{"wildcard origin", middleware.CSRFConfig{TrustedOrigins: []string{"https://*.example.com"}}},
		{"invalid pattern", middleware.CSRFConfig{InsecureBypassPatterns: []string{"POST /{bad"}}},
		{"conflicting patterns", middleware.CSRFConfig{InsecureBypassPatterns: []string{"/a/", "/a/"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := middleware.CSRF(tt.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), "middleware: csrf: ") {
				t.Errorf("CSRF(%+v) error = %v; want a middleware: csrf: error", tt.cfg, err)
			}
		})
	}
}
