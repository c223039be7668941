package middleware_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/google/go-cmp/cmp"
)

func TestSecurityHeaders(t *testing.T) {
	django := middleware.SecurityConfig{ContentTypeNosniff: true, ReferrerPolicy: "same-origin", CrossOriginOpenerPolicy: "same-origin"}
	withHSTS := django
	withHSTS.HSTSSeconds, withHSTS.HSTSIncludeSubdomains, withHSTS.HSTSPreload = 31536000, true, true
	hstsOnly := middleware.SecurityConfig{HSTSSeconds: 60}
	tests := []struct {
		name   string
		cfg    middleware.SecurityConfig
		secure bool
		want   http.Header // the security headers sent
	}{
		{"zero value sends nothing", middleware.SecurityConfig{}, true, http.Header{}},
		{"django defaults", django, false, http.Header{
			"X-Content-Type-Options":     {"nosniff"},
			"Referrer-Policy":            {"same-origin"},
			"Cross-Origin-Opener-Policy": {"same-origin"},
		}},
		{"hsts not on insecure requests", withHSTS, false, http.Header{
			"X-Content-Type-Options":     {"nosniff"},
			"Referrer-Policy":            {"same-origin"},
			"Cross-Origin-Opener-Policy": {"same-origin"},
		}},
		{"hsts on secure requests", withHSTS, true, http.Header{
			"X-Content-Type-Options":     {"nosniff"},
			"Referrer-Policy":            {"same-origin"},
			"Cross-Origin-Opener-Policy": {"same-origin"},
			"Strict-Transport-Security":  {"max-age=31536000; includeSubDomains; preload"},
		}},
		{"hsts alone", hstsOnly, true, http.Header{"Strict-Transport-Security": {"max-age=60"}}},
		{"referrer fallbacks", middleware.SecurityConfig{ReferrerPolicy: "no-referrer, strict-origin-when-cross-origin"}, false,
			http.Header{"Referrer-Policy": {"no-referrer, strict-origin-when-cross-origin"}}},
	}
	names := []string{"X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy", "Strict-Transport-Security"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := middleware.SecurityHeaders(tt.cfg)
			if err != nil {
				t.Fatalf("SecurityHeaders(%+v): %v", tt.cfg, err)
			}
			req := httptest.NewRequest("GET", "/", nil)
			if tt.secure {
				req.TLS = &tls.ConnectionState{}
			}
			res := serve(mw(okHandler), req)
			got := http.Header{}
			for _, k := range names {
				if vs := res.Header().Values(k); vs != nil {
					got[k] = vs
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecurityHeadersViewOverrides(t *testing.T) {
	mw := middleware.Must(middleware.SecurityHeaders(middleware.SecurityConfig{ContentTypeNosniff: true, ReferrerPolicy: "same-origin"}))
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Add("X-Content-Type-Options", "extra") // must not change the shared value
	}))
	res := serve(h, httptest.NewRequest("GET", "/", nil))
	if got := res.Header().Values("Referrer-Policy"); !cmp.Equal(got, []string{"no-referrer"}) {
		t.Errorf("Referrer-Policy = %q; want the view's", got)
	}
	res = serve(mw(okHandler), httptest.NewRequest("GET", "/", nil))
	if got := res.Header().Values("X-Content-Type-Options"); !cmp.Equal(got, []string{"nosniff"}) {
		t.Errorf("next response X-Content-Type-Options = %q; want [nosniff] (a view's append leaked)", got)
	}
}

func TestSecurityHeadersSSLRedirect(t *testing.T) {
	tests := []struct {
		name, method, target, host string
		cfg                        middleware.SecurityConfig
		secure                     bool
		wantCode                   int
		wantLocation               string
	}{
		{"redirects GET", "GET", "/a/b?x=1&y=2", "example.com:8080",
			middleware.SecurityConfig{SSLRedirect: true}, false, 301, "https://example.com/a/b?x=1&y=2"},
		{"redirects POST keeping the method", "POST", "/form", "example.com",
			middleware.SecurityConfig{SSLRedirect: true}, false, 308, "https://example.com/form"},
		{"secure request served", "GET", "/", "example.com",
			middleware.SecurityConfig{SSLRedirect: true}, true, 200, ""},
		{"ssl host", "GET", "/x", "example.com",
			middleware.SecurityConfig{SSLRedirect: true, SSLHost: "secure.example.com:8443"}, false, 301, "https://secure.example.com:8443/x"},
		{"exempt exact path", "GET", "/healthz", "example.com",
			middleware.SecurityConfig{SSLRedirect: true, SSLRedirectExempt: []string{"/healthz"}}, false, 200, ""},
		{"exempt exact path is not a prefix", "GET", "/healthz2", "example.com",
			middleware.SecurityConfig{SSLRedirect: true, SSLRedirectExempt: []string{"/healthz"}}, false, 301, "https://example.com/healthz2"},
		{"exempt subtree", "GET", "/.well-known/acme-challenge/tok", "example.com",
			middleware.SecurityConfig{SSLRedirect: true, SSLRedirectExempt: []string{"/.well-known/acme-challenge/"}}, false, 200, ""},
		{"protocol-relative path stays on the host", "GET", "//evil.com/", "example.com",
			middleware.SecurityConfig{SSLRedirect: true}, false, 301, "https://example.com/%2Fevil.com/"},
		{"opaque request-target cannot move the host", "GET", "http:@evil.com", "example.com",
			middleware.SecurityConfig{SSLRedirect: true}, false, 301, "https://example.com/"},
		{"opaque request-target with a path", "GET", "http:evil.com/x", "example.com",
			middleware.SecurityConfig{SSLRedirect: true}, false, 301, "https://example.com/"},
		{"invalid host is not redirected to", "GET", "/", "evil.com/x",
			middleware.SecurityConfig{SSLRedirect: true}, false, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw := middleware.Must(middleware.SecurityHeaders(tt.cfg))
			req := httptest.NewRequest(tt.method, tt.target, nil)
			req.Host = tt.host
			if tt.secure {
				req.TLS = &tls.ConnectionState{}
			}
			res := serve(mw(okHandler), req)
			if res.Code != tt.wantCode || res.Header().Get("Location") != tt.wantLocation {
				t.Errorf("%s %s: %d Location %q; want %d %q", tt.method, tt.target, res.Code, res.Header().Get("Location"), tt.wantCode, tt.wantLocation)
			}
		})
	}
}

func TestSecurityHeadersConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  middleware.SecurityConfig
	}{
		{"unknown referrer policy", middleware.SecurityConfig{ReferrerPolicy: "sometimes"}},
		{"unknown fallback", middleware.SecurityConfig{ReferrerPolicy: "same-origin, nope"}},
		{"unknown opener policy", middleware.SecurityConfig{CrossOriginOpenerPolicy: "deny"}},
		{"negative hsts", middleware.SecurityConfig{HSTSSeconds: -1}},
		{"invalid ssl host", middleware.SecurityConfig{SSLRedirect: true, SSLHost: "https://example.com"}},
		{"relative exempt path", middleware.SecurityConfig{SSLRedirectExempt: []string{"healthz"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := middleware.SecurityHeaders(tt.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), "middleware: security headers: ") {
				t.Errorf("SecurityHeaders(%+v) error = %v; want a middleware: security headers: error", tt.cfg, err)
			}
		})
	}
}
