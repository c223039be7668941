package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/google/go-cmp/cmp"
)

func TestXFrameOptions(t *testing.T) {
	tests := []struct {
		name  string
		value string
		view  http.Handler
		want  []string
	}{
		{"default DENY", "", okHandler, []string{"DENY"}},
		{"SAMEORIGIN any case", "sameOrigin", okHandler, []string{"SAMEORIGIN"}},
		{"view value wins", "DENY", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		}), []string{"SAMEORIGIN"}},
		{"exempt view sends none", "DENY", middleware.XFrameExempt(okHandler), nil},
		{"error pages too", "DENY", http.NotFoundHandler(), []string{"DENY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := middleware.XFrameOptions(tt.value)
			if err != nil {
				t.Fatalf("XFrameOptions(%q): %v", tt.value, err)
			}
			res := serve(mw(tt.view), httptest.NewRequest("GET", "/", nil))
			if diff := cmp.Diff(tt.want, res.Header().Values("X-Frame-Options")); diff != "" {
				t.Errorf("X-Frame-Options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestXFrameOptionsInvalid(t *testing.T) {
	for _, v := range []string{"ALLOW-FROM https://example.com", "deny ", "none"} {
		t.Run(v, func(t *testing.T) {
			_, err := middleware.XFrameOptions(v)
			if err == nil || !strings.HasPrefix(err.Error(), "middleware: X-Frame-Options: ") {
				t.Errorf("XFrameOptions(%q) error = %v; want a middleware: X-Frame-Options: error", v, err)
			}
		})
	}
}
