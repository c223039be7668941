package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations/migrationstest"
	"github.com/djinn-go/djinn/static"
)

// newSite serves the example project as a production deployment would
// (DEBUG off) on a loopback test server, on a migrated throwaway SQLite
// database.
func newSite(t *testing.T) *httptest.Server {
	t.Helper()
	return newSiteOn(t, djinntest.SQLiteURL(t))
}

// newSiteOn is newSite on the database at url, migrated first.
func newSiteOn(t *testing.T, url string) *httptest.Server {
	t.Helper()
	t.Setenv("DEBUG", "false")
	t.Setenv("SECRET_KEY", "test-secret-key-for-the-hello-example")
	t.Setenv("ALLOWED_HOSTS", "127.0.0.1")
	t.Setenv("DATABASE_URL", url)
	t.Setenv("DJINN_STATIC_ROOT", t.TempDir())
	s, err := settings()
	if err != nil {
		t.Fatal(err)
	}
	s.Logging.Handler = slog.DiscardHandler
	// Production serves collected static files (hashed names, manifest):
	// collectstatic first, as a deployment does.
	if _, err := static.CollectSettings(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	p := migrationstest.Setup(t, s)
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestMigrationsUpToDate fails when a model changes without its migration.
func TestMigrationsUpToDate(t *testing.T) {
	t.Setenv("DEBUG", "true")
	t.Setenv("DATABASE_URL", djinntest.SQLiteURL(t))
	s, err := settings()
	if err != nil {
		t.Fatal(err)
	}
	migrationstest.UpToDate(t, djinntest.Setup(t, s))
}

// TestGreetingsAreCounted goes through the model, its migrations and an
// upsert on both dialects, with concurrent visitors.
func TestGreetingsAreCounted(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		srv := newSiteOn(t, url)
		if _, body := get(t, srv.URL+"/hello/ada/"); !strings.Contains(body, "Greeted once.") {
			t.Fatalf("first visit: %q; want Greeted once.", body)
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				resp, err := http.Get(srv.URL + "/hello/ada/")
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != 200 {
						t.Errorf("concurrent visit: %d", resp.StatusCode)
					}
				}
			})
		}
		wg.Wait()
		if _, body := get(t, srv.URL+"/hello/ada/"); !strings.Contains(body, "Greeted 10 times.") {
			t.Errorf("tenth visit: %q; want Greeted 10 times.", body)
		}
		if _, body := get(t, srv.URL+"/hello/grace/"); !strings.Contains(body, "Greeted once.") {
			t.Errorf("another name: %q; want its own count", body)
		}
	})
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHomeLinksToReversedGreeting(t *testing.T) {
	srv := newSite(t)
	resp, body := get(t, srv.URL+"/")
	if resp.StatusCode != 200 {
		t.Fatalf("GET / = %d; want 200\n%s", resp.StatusCode, body)
	}
	m := regexp.MustCompile(`href="(/hello/[^"]+)"`).FindStringSubmatch(body)
	if m == nil || m[1] != "/hello/world/" {
		t.Fatalf("home page links to %v; want the reversed /hello/world/\n%s", m, body)
	}
	resp, body = get(t, srv.URL+m[1])
	if resp.StatusCode != 200 || !strings.Contains(body, "Hello, world!") {
		t.Errorf("GET %s = %d %q; want 200 with the greeting", m[1], resp.StatusCode, body)
	}
}

func TestScenarios(t *testing.T) {
	srv := newSite(t)
	tests := []struct {
		name       string
		path       string
		header     []string
		wantStatus int
		wantBody   string
		wantHeader [2]string
	}{
		{"json", "/json", nil, 200, `{"message":"Hello, World!"}`, [2]string{"Content-Type", "application/json"}},
		{"security headers", "/json", nil, 200, "", [2]string{"X-Frame-Options", "DENY"}},
		{"request id", "/json", nil, 200, "", [2]string{"X-Content-Type-Options", "nosniff"}},
		{"slug converter rejects", "/hello/not%20a%20slug/", nil, 404, "", [2]string{}},
		{"unknown path", "/nope", nil, 404, "", [2]string{}},
		{"append slash", "/hello/world", nil, 301, "", [2]string{"Location", "/hello/world/"}},
		{"disallowed host", "/", []string{"Host", "evil.example"}, 400, "", [2]string{}},
		{"json error for API clients", "/nope", []string{"Accept", "application/json"}, 404, `"status":404`, [2]string{"Content-Type", "application/json"}},
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
			for i := 0; i+1 < len(tt.header); i += 2 {
				if tt.header[i] == "Host" {
					req.Host = tt.header[i+1]
				} else {
					req.Header.Set(tt.header[i], tt.header[i+1])
				}
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("GET %s = %d; want %d\n%s", tt.path, resp.StatusCode, tt.wantStatus, b)
			}
			if !strings.Contains(string(b), tt.wantBody) {
				t.Errorf("GET %s body = %q; want it to contain %q", tt.path, b, tt.wantBody)
			}
			if k := tt.wantHeader[0]; k != "" && !strings.HasPrefix(resp.Header.Get(k), tt.wantHeader[1]) {
				t.Errorf("GET %s header %s = %q; want %q", tt.path, k, resp.Header.Get(k), tt.wantHeader[1])
			}
			if resp.Header.Get("X-Request-ID") == "" {
				t.Errorf("GET %s has no X-Request-ID", tt.path)
			}
		})
	}
}

func TestProductionErrorPageHidesInternals(t *testing.T) {
	srv := newSite(t)
	_, body := get(t, srv.URL+"/nope")
	if strings.Contains(body, "greetings:") || strings.Contains(body, "/hello/") {
		t.Errorf("production 404 lists URL patterns:\n%s", body)
	}
	var v map[string]any
	_, jbody := get(t, srv.URL+"/nope", "Accept", "application/json")
	if err := json.Unmarshal([]byte(jbody), &v); err != nil {
		t.Errorf("JSON 404 is not JSON: %v\n%s", err, jbody)
	}
}

// TestPagesFormsAndStatic covers the example's template layout, its form
// (errors re-rendered, escaped; a valid name redirects) and its hashed,
// long-cached stylesheet.
func TestPagesFormsAndStatic(t *testing.T) {
	srv := newSite(t)
	resp, body := get(t, srv.URL+"/")
	if resp.StatusCode != 200 || !strings.Contains(body, "<header>") || !strings.Contains(body, `<form method="post"`) {
		t.Fatalf("GET / = %d; want the layout and the form\n%s", resp.StatusCode, body)
	}
	css := regexp.MustCompile(`href="(/static/greetings/style\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(body)
	if css == nil {
		t.Fatalf("home page links no hashed stylesheet:\n%s", body)
	}
	resp, cssBody := get(t, srv.URL+css[1])
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s = %d, Cache-Control %q; want 200 immutable", css[1], resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if !regexp.MustCompile(`url\("logo\.[0-9a-f]{12}\.svg"\)`).MatchString(cssBody) {
		t.Errorf("collected stylesheet does not reference the hashed logo:\n%s", cssBody)
	}

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(name string, header ...string) (*http.Response, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(url.Values{"name": {name}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body = post(`<script>alert(1)</script>`)
	if resp.StatusCode != 200 || !strings.Contains(body, `<ul class="errorlist"`) || !strings.Contains(body, "Enter a name of letters, digits") {
		t.Errorf("POST a bad name = %d; want the form again with its error\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the re-rendered form does not escape the submitted value:\n%s", body)
	}
	if resp, body = post(""); !strings.Contains(body, "This field is required.") {
		t.Errorf("POST an empty name = %d; want This field is required.\n%s", resp.StatusCode, body)
	}
	resp, _ = post("ada")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/hello/ada/" {
		t.Errorf("POST a good name = %d Location %q; want 303 to /hello/ada/", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A cross-site form post is refused by the CSRF protection.
	if resp, _ = post("mallory", "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST = %d; want 403", resp.StatusCode)
	}
}
