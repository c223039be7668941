package respond

import (
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// apiSecret redacts itself the way STYLE.md asks secrets to.
type apiSecret string

func (apiSecret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

type panicStringer struct{ p *int }

func (s panicStringer) String() string { return string(rune(*s.p)) } // panics on a nil p

type node struct {
	Name string
	Next *node
}

type fullSettings struct {
	Debug          bool
	SecretKey      string
	EmptyPassword  string
	AllowedHosts   []string
	NoHosts        []string
	Port           uint16
	Ratio          float64
	Timeout        time.Duration
	Started        time.Time
	Upstream       *url.URL
	Upstream2      url.URL
	Upstreams      map[string]url.URL
	DBUser         *url.Userinfo
	Database       dbSettings
	Caches         map[string]cacheSettings
	Extra          map[string]any
	ByID           map[int]string
	Stripe         apiSecret
	Auth           struct{ LoginURL string }
	Err            error
	Nil            *dbSettings
	Handler        func()
	Blob           []byte
	Weird          panicStringer
	unexported     string
	privateKeyPath string
}

type dbSettings struct {
	URL      string
	DSN      string
	MaxConns int
}

type cacheSettings struct {
	Location string
}

func TestMaskSettings(t *testing.T) {
	up, _ := url.Parse("https://bot:tok3n@api.example.com/v1")
	s := fullSettings{
		Debug:        true,
		SecretKey:    "k3y",
		AllowedHosts: []string{"example.com", ".example.org"},
		Port:         8000,
		Ratio:        0.5,
		Timeout:      5 * time.Second,
		Started:      time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Upstream:     up,
		Upstream2:    *up,
		Upstreams:    map[string]url.URL{"billing": *up},
		DBUser:       url.UserPassword("app", "pa55"),
		Database: dbSettings{
			URL:      "postgres://app:pa55@db:5432/site?sslmode=disable",
			DSN:      "host=db user=app password=pa55 dbname=site",
			MaxConns: 20,
		},
		Caches: map[string]cacheSettings{
			"default":  {Location: "redis://:r3dis@cache:6379/0"},
			"sessions": {Location: "memory"},
		},
		Extra:      map[string]any{"API_KEY": "abc", "theme": "dark", "nested": []any{1, "two"}},
		ByID:       map[int]string{2: "b", 1: "a"},
		Stripe:     "sk_live_123",
		Auth:       struct{ LoginURL string }{"/login"},
		Err:        errors.New("dial redis://u:p@h failed"),
		Handler:    func() {},
		Blob:       []byte("xyz"),
		unexported: "hidden",
	}
	want := []SettingLine{
		{Path: "Debug", Value: "true"},
		{Path: "SecretKey", Value: Masked, Masked: true},
		{Path: "EmptyPassword", Value: `""`},
		{Path: "AllowedHosts[0]", Value: `"example.com"`},
		{Path: "AllowedHosts[1]", Value: `".example.org"`},
		{Path: "NoHosts", Value: "nil"},
		{Path: "Port", Value: "8000"},
		{Path: "Ratio", Value: "0.5"},
		{Path: "Timeout", Value: "5s"},
		{Path: "Started", Value: "2026-01-02 03:04:05 +0000 UTC"},
		{Path: "Upstream", Value: "https://bot:********@api.example.com/v1", Masked: true},
		{Path: "Upstream2", Value: "https://bot:********@api.example.com/v1", Masked: true},
		{Path: `Upstreams["billing"]`, Value: "https://bot:********@api.example.com/v1", Masked: true},
		{Path: "DBUser", Value: "app:********", Masked: true},
		{Path: "Database.URL", Value: `"postgres://app:********@db:5432/site?sslmode=disable"`, Masked: true},
		{Path: "Database.DSN", Value: `"host=db user=app password=******** dbname=site"`, Masked: true},
		{Path: "Database.MaxConns", Value: "20"},
		{Path: `Caches["default"].Location`, Value: `"redis://:********@cache:6379/0"`, Masked: true},
		{Path: `Caches["sessions"].Location`, Value: `"memory"`},
		{Path: `Extra["API_KEY"]`, Value: Masked, Masked: true},
		{Path: `Extra["nested"][0]`, Value: "1"},
		{Path: `Extra["nested"][1]`, Value: `"two"`},
		{Path: `Extra["theme"]`, Value: `"dark"`},
		{Path: "ByID[1]", Value: `"a"`},
		{Path: "ByID[2]", Value: `"b"`},
		{Path: "Stripe", Value: "[redacted]"},
		{Path: "Auth", Value: Masked, Masked: true},
		{Path: "Err", Value: "dial redis://u:********@h failed", Masked: true},
		{Path: "Nil", Value: "nil"},
		{Path: "Handler", Value: "func()"},
		{Path: "Blob", Value: "[]byte(3 bytes)"},
		{Path: "Weird", Value: "{}"}, // its String panicked: walked, no exported fields
	}
	got := MaskSettings(&s)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MaskSettings mismatch (-want +got):\n%s", diff)
	}
}

func TestMaskSettingsShapes(t *testing.T) {
	loop := &node{Name: "a"}
	loop.Next = &node{Name: "b", Next: loop}
	tests := []struct {
		name string
		in   any
		want []SettingLine
	}{
		{"nil", nil, []SettingLine{{Value: "nil"}}},
		{"root string", "postgres://u:p@h", []SettingLine{{Value: `"postgres://u:********@h"`, Masked: true}}},
		{"root map", map[string]int{"b": 2, "a": 1}, []SettingLine{{Path: `["a"]`, Value: "1"}, {Path: `["b"]`, Value: "2"}}},
		{"empty map", map[string]int{}, []SettingLine{{Value: "{}"}}},
		{"empty slice", []int{}, []SettingLine{{Value: "[]"}}},
		{"cycle", loop, []SettingLine{
			{Path: "Name", Value: `"a"`},
			{Path: "Next.Name", Value: `"b"`},
			{Path: "Next.Next", Value: "(cycle)"},
		}},
		{"secret-named struct field with zero value", struct{ Token struct{ A string } }{}, []SettingLine{{Path: "Token.A", Value: `""`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, MaskSettings(tt.in)); diff != "" {
				t.Errorf("MaskSettings(%#v) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestMaskSettingsBounded(t *testing.T) {
	big := make([]int, 5000)
	got := MaskSettings(big)
	if len(got) != maxSettingsLines+1 || got[len(got)-1].Value != "…" {
		t.Errorf("MaskSettings(5000 ints) = %d lines ending %+v; want %d ending with …", len(got), got[len(got)-1], maxSettingsLines+1)
	}
	var v any = 1
	for range 40 {
		v = []any{v}
	}
	got = MaskSettings(v)
	if len(got) != 1 || got[0].Value != "…" {
		t.Errorf("MaskSettings(40 nested slices) = %+v; want one … line", got)
	}
}

func TestMaskString(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"postgres://u:secret@h/db", "postgres://u:********@h/db"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgres://u:@h/db", "postgres://u:@h/db"},
		{"redis://:secret@h:6379", "redis://:********@h:6379"},
		{"https://h:8443/path", "https://h:8443/path"},
		{"mysql://u:p@ss@h/db", "mysql://u:********@h/db"},
		{"a postgres://u:x@h and redis://:y@r:1 b", "a postgres://u:********@h and redis://:********@r:1 b"},
		{"https://h/p?u=x@y:z", "https://h/p?u=x@y:z"},
		{"host=db password=s3cret user=app", "host=db password=******** user=app"},
		{"password='a b c' sslmode=disable", "password=******** sslmode=disable"},
		{"/x?api_key=abc&page=2", "/x?api_key=********&page=2"},
		{"token=", "token="},
		{"sort=asc", "sort=asc"},
		{"no secrets here", "no secrets here"},
		{"", ""},
		{"://", "://"},
		{"x://:@", "x://:@"},
		{"postgres://u:********@h/db", "postgres://u:********@h/db"},
		{`{"password":"hunter2"}`, `{"password":"********"}`},
		{`{"user": "bob", "api_key" : "k-1", "n": 2}`, `{"user": "bob", "api_key" : "********", "n": 2}`},
		{`{"token":12345,"page":2}`, `{"token":********,"page":2}`},
		{`{"secret":"a\"b","x":1}`, `{"secret":"********","x":1}`},
		{`{'password': 'hunter2'}`, `{'password': '********'}`},
		{`{"password":""}`, `{"password":""}`},
		{`{"password":null}`, `{"password":null}`},
		{`{"time":"12:30"}`, `{"time":"12:30"}`},
		{`urls: GET "/api/x": value "x" rejected`, `urls: GET "/api/x": value "x" rejected`},
		{`urls: pattern "GET /token/{$}": conflict`, `urls: pattern "GET /token/{$}": conflict`},
		{"pwd=abc", "pwd=********"},
		{"/x?apiid=7&page=2", "/x?apiid=********&page=2"},
		{"at 12:30 ok", "at 12:30 ok"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := MaskString(tt.in); got != tt.want {
				t.Errorf("MaskString(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsSensitiveName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"SecretKey", true}, {"SECRET_KEY", true}, {"db_password", true}, {"Passphrase", true},
		{"GitHubToken", true}, {"APIKey", true}, {"signature", true}, {"Credentials", true},
		{"PrivateKeyPath", true}, {"Authorization", true}, {"OAuth", true},
		{"API_URL", true}, {"StripeApi", true}, {"pwd", true}, {"DB_PWD", true},
		{"Debug", false}, {"AllowedHosts", false}, {"URL", false}, {"", false}, {"Kéy", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isSensitiveName(tt.name); got != tt.want {
				t.Errorf("isSensitiveName(%q) = %t; want %t", tt.name, got, tt.want)
			}
		})
	}
}

// FuzzMaskString checks that a password put into a URL never survives.
func FuzzMaskString(f *testing.F) {
	f.Add("postgres", "user", "pa55word", "db:5432/x")
	f.Add("redis", "", "p@ss", "h")
	f.Fuzz(func(t *testing.T, scheme, user, pass, rest string) {
		if len(pass) < 4 || !validToken(scheme) || !validToken(user) || !validToken(pass) || strings.Contains(rest, "@") {
			t.Skip()
		}
		s := scheme + "://" + user + ":" + pass + "@" + rest
		if got := MaskString(s); strings.Contains(got, ":"+pass+"@") {
			t.Errorf("MaskString(%q) = %q; the password survived", s, got)
		}
	})
}

func validToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == ':' {
			return false
		}
	}
	return true
}
