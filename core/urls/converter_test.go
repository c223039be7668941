package urls_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djinn-go/djinn/core/urls"
)

// TestConverters checks every built-in converter through a request, the
// only way a user observes them.
func TestConverters(t *testing.T) {
	r := urls.New()
	for _, c := range []string{"int", "slug", "uuid", "str"} {
		r.Handle("GET /"+c+"/{v:"+c+"}", view(c, "v"), c)
	}
	h := r.Handler()
	tests := []struct {
		conv  string
		value string // escaped as in a URL
		ok    bool
	}{
		{"int", "0", true},
		{"int", "42", true},
		{"int", "0042", true},
		{"int", "9223372036854775807", true},
		{"int", "9223372036854775808", false},
		{"int", "00000000000000000000000000009223372036854775807", true},
		{"int", "-1", false},
		{"int", "+1", false},
		{"int", "1e3", false},
		{"int", "1_000", false},
		{"int", "%31", true},
		{"int", "１", false}, // fullwidth digit
		{"slug", "a", true},
		{"slug", "Hello-World_42", true},
		{"slug", "a.b", false},
		{"slug", "a%20b", false},
		{"slug", "caf%C3%A9", false},
		{"uuid", "00000000-0000-0000-0000-000000000000", true},
		{"uuid", "123e4567-e89b-12d3-a456-426614174000", true},
		{"uuid", "123E4567-E89B-12D3-A456-426614174000", false},
		{"uuid", "123e4567e89b12d3a456426614174000", false},
		{"uuid", "123e4567-e89b-12d3-a456-42661417400", false},
		{"uuid", "123e4567-e89b-12d3-a456-4266141740000", false},
		{"uuid", "123e4567+e89b-12d3-a456-426614174000", false},
		{"uuid", "g23e4567-e89b-12d3-a456-426614174000", false},
		{"str", "anything%20at%20all", true},
		{"str", "a%2Fb", true},
	}
	for _, tt := range tests {
		t.Run(tt.conv+"/"+tt.value, func(t *testing.T) {
			w := serve(h, "GET", "", "/"+tt.conv+"/"+tt.value)
			want := http.StatusNotFound
			if tt.ok {
				want = http.StatusOK
			}
			if w.Code != want {
				t.Errorf("GET /%s/%s = %d; want %d", tt.conv, tt.value, w.Code, want)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		target  string
		param   string
		wantInt int
		want64  int64
		wantStr string
	}{
		{"int", "/n/{n:int}", "/n/42", "n", 42, 42, "42"},
		{"leading zeros", "/n/{n:int}", "/n/007", "n", 7, 7, "007"},
		{"max", "/n/{n:int}", "/n/9223372036854775807", "n", 9223372036854775807, 9223372036854775807, "9223372036854775807"},
		{"not digits", "/s/{s}", "/s/abc", "s", 0, 0, "abc"},
		{"sign", "/s/{s}", "/s/-5", "s", 0, 0, "-5"},
		{"overflow", "/s/{s}", "/s/99999999999999999999", "s", 0, 0, "99999999999999999999"},
		{"absent", "/s/{s}", "/s/1", "nope", 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotInt int
			var got64 int64
			var gotStr string
			r := urls.New()
			r.HandleFunc("GET "+tt.pattern, func(w http.ResponseWriter, r *http.Request) {
				gotInt, got64, gotStr = urls.Int(r, tt.param), urls.Int64(r, tt.param), urls.Param(r, tt.param)
			}, "")
			r.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tt.target, nil))
			if gotInt != tt.wantInt || got64 != tt.want64 || gotStr != tt.wantStr {
				t.Errorf("GET %s: Int, Int64, Param(%q) = %d, %d, %q; want %d, %d, %q",
					tt.target, tt.param, gotInt, got64, gotStr, tt.wantInt, tt.want64, tt.wantStr)
			}
		})
	}
}
