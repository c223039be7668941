package respond

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestIsSafeRedirect(t *testing.T) {
	allowed := []string{"example.com", "www.example.com:8443"}
	tests := []struct {
		target string
		want   bool
	}{
		// Relative references stay on the current host.
		{"/", true},
		{"/polls/7/", true},
		{"/polls/?page=2&next=/x", true},
		{"/search?q=//evil.com", true},
		{"polls/7", true},
		{"?page=2", true},
		{"#results", true},
		{"/path:with:colons", true},
		{"/%2F%2Fevil.com", true}, // an encoded path segment, not an authority
		{"/caf\u00e9", true},
		{"/a b", true},
		// Allowed hosts.
		{"https://example.com/after-login", true},
		{"http://EXAMPLE.com/", true},
		{"//example.com/x", true},
		{"https://www.example.com:8443/", true},
		{"https://www.example.com/", false}, // the port is part of the host
		{"https://example.com:8443/", false},
		// Other hosts.
		{"https://evil.com", false},
		{"//evil.com", false},
		{"///evil.com", false},
		{"////evil.com", false},
		{"/\\evil.com", false},
		{"\\\\evil.com", false},
		{"\\/evil.com", false},
		{"/\\/evil.com", false},
		{"https:evil.com", false},
		{"https:/evil.com", false},
		{"http:///evil.com", false},
		{"http:\\\\evil.com", false},
		{"https://example.com@evil.com", false},
		{"https://user:pw@example.com/", false},
		{"https://evil.com#@example.com", false},
		{"https://evil.com\\@example.com", false},
		{"https://example.com.evil.com/", false},
		{"//evil.com/https://example.com", false},
		// Other schemes.
		{"javascript:alert(1)", false},
		{"JavaScript:alert(1)", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"ftp://example.com/", false},
		{"mailto:a@example.com", false},
		{"vbscript:msgbox", false},
		// Characters browsers drop or misread.
		{"", false},
		{" //evil.com", false},
		{" /ok", false},
		{"/ok ", false},
		{"\t//evil.com", false},
		{"/\t/evil.com", false},
		{"/\n/evil.com", false},
		{"/\r/evil.com", false},
		{"\x00//evil.com", false},
		{"\x01/evil.com", false},
		{"/\x7f", false},
		{"\u00a0//evil.com", false},
		{"\u200b//evil.com", false},
		{"\ufeff//evil.com", false},
		{"/\u2028/evil.com", false},
		{"/\xff", false},
		{"/%zz", false}, // does not parse
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			if got := IsSafeRedirect(tt.target, allowed...); got != tt.want {
				t.Errorf("IsSafeRedirect(%q, %q) = %t; want %t", tt.target, allowed, got, tt.want)
			}
		})
	}
}

func TestIsSafeRedirectNoHosts(t *testing.T) {
	for _, target := range []string{"https://example.com/", "//example.com/"} {
		if IsSafeRedirect(target) {
			t.Errorf("IsSafeRedirect(%q) = true; want false without allowed hosts", target)
		}
	}
	if !IsSafeRedirect("/home") {
		t.Errorf("IsSafeRedirect(%q) = false; want true", "/home")
	}
}

// FuzzIsSafeRedirect checks that whatever IsSafeRedirect accepts parses, and
// resolves against a page of the allowed host to an http(s) URL on that
// host, also after the clean-ups browsers do (dropping tabs and newlines,
// trimming control characters and spaces, reading \ as /).
func FuzzIsSafeRedirect(f *testing.F) {
	for _, s := range []string{
		"/", "/a?b#c", "//example.com/x", "https://example.com", "//evil.com", "/\\evil.com",
		"https:evil.com", "http:///evil.com", "javascript:alert(1)", " //x", "\t//x", "a:b", "./a",
		"../../x", "/%2F%2Fevil.com", "http://example.com:80", "//EXAMPLE.COM",
	} {
		f.Add(s)
	}
	base, _ := url.Parse("https://example.com/a/b/c")
	f.Fuzz(func(t *testing.T, target string) {
		if !IsSafeRedirect(target, "example.com") {
			return
		}
		browser := strings.Trim(target, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
		browser = strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(browser)
		for _, s := range []string{target, browser} {
			u, err := url.Parse(s)
			if err != nil {
				t.Fatalf("IsSafeRedirect(%q) = true, but url.Parse(%q): %v", target, s, err)
			}
			if u.Scheme == "" && u.Host == "" && strings.HasPrefix(s, "//") {
				t.Fatalf("IsSafeRedirect(%q) = true, but %q starts with //", target, s)
			}
			res := base.ResolveReference(u)
			if !strings.EqualFold(res.Host, "example.com") || (res.Scheme != "http" && res.Scheme != "https") || res.User != nil {
				t.Fatalf("IsSafeRedirect(%q) = true, but %q resolves to %q", target, s, res)
			}
		}
	})
}

func TestRedirect(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		target   string
		status   int
		wantCode int
		wantLoc  string
		wantBody string
	}{
		{"default 302", "GET", "/polls/", 0, 302, "/polls/", `<a href="/polls/">Found</a>.` + "\n"},
		{"303 after POST has no body", "POST", "/polls/7/results/", 303, 303, "/polls/7/results/", ""},
		{"HEAD has no body", "HEAD", "/x", 301, 301, "/x", ""},
		{"308", "GET", "https://example.com/", 308, 308, "https://example.com/", `<a href="https://example.com/">Permanent Redirect</a>.` + "\n"},
		{"header injection", "GET", "/x\r\nSet-Cookie: a=b", 0, 302, "/x%0D%0ASet-Cookie:%20a=b", `<a href="/x%0D%0ASet-Cookie:%20a=b">Found</a>.` + "\n"},
		{"backslash and non-ASCII", "GET", "/\\evil.com/caf\u00e9", 0, 302, "/%5Cevil.com/caf%C3%A9", `<a href="/%5Cevil.com/caf%C3%A9">Found</a>.` + "\n"},
		{"quotes are escaped in the body", "GET", `/a"><script>`, 0, 302, `/a"><script>`, `<a href="/a&#34;&gt;&lt;script&gt;">Found</a>.` + "\n"},
		{"empty", "GET", "", 0, 302, "/", `<a href="/">Found</a>.` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			Redirect(w, httptest.NewRequest(tt.method, "/from", nil), tt.target, tt.status)
			if w.Code != tt.wantCode || w.Header().Get("Location") != tt.wantLoc || w.Body.String() != tt.wantBody {
				t.Errorf("Redirect(%q, %d) = %d Location %q body %q; want %d %q %q",
					tt.target, tt.status, w.Code, w.Header().Get("Location"), w.Body, tt.wantCode, tt.wantLoc, tt.wantBody)
			}
		})
	}
}

func TestRedirectBadStatus(t *testing.T) {
	for _, status := range []int{200, 304, 404, 999} {
		w := httptest.NewRecorder()
		Redirect(w, httptest.NewRequest("GET", "/", nil), "/x", status)
		if w.Code != http.StatusInternalServerError || w.Header().Get("Location") != "" {
			t.Errorf("Redirect(status %d) = %d Location %q; want 500 without Location", status, w.Code, w.Header().Get("Location"))
		}
	}
}

func TestRedirectKeepsContentType(t *testing.T) {
	w := httptest.NewRecorder()
	w.Header().Set("Content-Type", "application/json")
	Redirect(w, httptest.NewRequest("GET", "/", nil), "/x", 0)
	if w.Body.Len() != 0 || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("Redirect with a Content-Type set = %q body %q; want it untouched and no body", w.Header().Get("Content-Type"), w.Body)
	}
}
