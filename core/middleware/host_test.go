package middleware

import (
	"strings"
	"testing"
)

func TestSplitHost(t *testing.T) {
	tests := []struct {
		name, host   string
		domain, port string
		ok           bool
	}{
		{"name", "example.com", "example.com", "", true},
		{"name and port", "example.com:8000", "example.com", "8000", true},
		{"upper case", "WWW.Example.COM", "www.example.com", "", true},
		{"trailing dot", "example.com.", "example.com", "", true},
		{"trailing dot and port", "example.com.:443", "example.com", "443", true},
		{"ipv4", "127.0.0.1:80", "127.0.0.1", "80", true},
		{"ipv6", "[::1]", "[::1]", "", true},
		{"ipv6 and port", "[2001:DB8::1]:8443", "[2001:db8::1]", "8443", true},
		{"single label", "localhost", "localhost", "", true},
		{"empty", "", "", "", false},
		{"user info", "evil.com@good.com", "", "", false},
		{"space", "good.com evil.com", "", "", false},
		{"nul", "good.com\x00", "", "", false},
		{"newline", "good.com\r\nX: y", "", "", false},
		{"two ports", "good.com:80:80", "", "", false},
		{"empty port", "good.com:", "", "", false},
		{"port too large", "good.com:65536", "", "", false},
		{"port not digits", "good.com:8o", "", "", false},
		{"underscore", "my_app", "", "", false},
		{"empty label", "good..com", "", "", false},
		{"leading dot", ".good.com", "", "", false},
		{"two trailing dots", "good.com..", "", "", false},
		{"slash", "good.com/evil", "", "", false},
		{"backslash", `good.com\evil`, "", "", false},
		{"unbracketed ipv6", "::1", "", "", false},
		{"ipv6 zone", "[fe80::1%25eth0]", "", "", false},
		{"ipv4 in brackets", "[127.0.0.1]", "", "", false},
		{"unclosed bracket", "[::1", "", "", false},
		{"junk after bracket", "[::1]x", "", "", false},
		{"label too long", strings.Repeat("a", 64) + ".com", "", "", false},
		{"name too long", strings.Repeat("a.", 127) + "ab", "", "", false},
		{"non-ASCII", "exämple.com", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			domain, port, ok := splitHost(tt.host)
			if domain != tt.domain || port != tt.port || ok != tt.ok {
				t.Errorf("splitHost(%q) = %q, %q, %v; want %q, %q, %v", tt.host, domain, port, ok, tt.domain, tt.port, tt.ok)
			}
		})
	}
}

func FuzzSplitHost(f *testing.F) {
	for _, s := range []string{"example.com:80", "[::1]:8000", "evil.com@good.com", "a..b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		domain, port, ok := splitHost(host)
		if !ok {
			return
		}
		// A valid host has no byte that could smuggle anything.
		if strings.ContainsAny(domain, " @/\\?#%_\x00\r\n\t") || strings.ContainsAny(port, ":[]") {
			t.Errorf("splitHost(%q) accepted domain %q port %q", host, domain, port)
		}
		if domain != strings.ToLower(domain) {
			t.Errorf("splitHost(%q) domain %q not lower case", host, domain)
		}
	})
}
