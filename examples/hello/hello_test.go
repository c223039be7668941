package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/migrations/migrationstest"
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
	s, err := settings()
	if err != nil {
		t.Fatal(err)
	}
	s.Logging.Handler = slog.DiscardHandler
	p := core.New(s)
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	r, err := migrations.RunnerFor(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
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
	s.Logging.Handler = slog.DiscardHandler
	p := core.New(s)
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	migrationstest.UpToDate(t, p)
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
