package projecttemplate

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		name   string
		reason string // "" means valid
	}{
		{"polls", ""},
		{"blog_posts", ""},
		{"shop2", ""},
		{"", "is empty"},
		{"Polls", "lowercase Go identifier"},
		{"my-site", "lowercase Go identifier"},
		{"2fa", "lowercase Go identifier"},
		{"_x", "lowercase Go identifier"},
		{"my site", "lowercase Go identifier"},
		{"café", "lowercase Go identifier"},
		{"func", "Go keyword"},
		{"type", "Go keyword"},
		{"http", "standard library"},
		{"fmt", "standard library"},
		{"time", "standard library"},
		{"orm", "Djinn package"},
		{"auth", "Djinn package"},
		{"templates", "Djinn package"},
		{"static", "Djinn package"},
		{"cache", "Djinn package"},
		{"sessions", "Djinn package"},
		{"forms", "Djinn package"},
		{"main", "go command"},
		{"string", "predeclared"},
		{"len", "predeclared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateName("app", tt.name)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("ValidateName(%q) = %v; want nil", tt.name, err)
				}
				return
			}
			var ne *NameError
			if !errors.As(err, &ne) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("ValidateName(%q) = %v; want a *NameError saying %q", tt.name, err, tt.reason)
			}
		})
	}
}

func TestNewSecretKey(t *testing.T) {
	a, b := NewSecretKey(), NewSecretKey()
	if a == b {
		t.Fatalf("NewSecretKey returned %q twice", a)
	}
	for _, k := range []string{a, b} {
		rest, ok := strings.CutPrefix(k, InsecureKeyPrefix)
		if !ok || len(rest) != 50 {
			t.Errorf("NewSecretKey() = %q; want %q and 50 characters", k, InsecureKeyPrefix)
		}
		if i := strings.IndexFunc(rest, func(r rune) bool { return !strings.ContainsRune(secretChars, r) }); i >= 0 {
			t.Errorf("NewSecretKey() = %q has %q, not one of %q", k, rest[i], secretChars)
		}
	}
}
