package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations/migrationstest"
	"github.com/djinn-go/djinn/static"
)

// testSettings returns the project's settings with the environment of a
// test deployment on the database at dbURL.
func testSettings(t *testing.T, debug, dbURL string) core.Settings {
	t.Helper()
	t.Setenv("DEBUG", debug)
	t.Setenv("SECRET_KEY", "test-secret-key-for-the-polls-example")
	t.Setenv("ALLOWED_HOSTS", "127.0.0.1")
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("DJINN_STATIC_ROOT", t.TempDir())
	s, err := settings()
	if err != nil {
		t.Fatal(err)
	}
	s.Logging.Handler = slog.DiscardHandler
	// Whatever a local collectstatic compiled in, serve this test's own.
	s.Static.Collected = nil
	return s
}

// TestMigrationsUpToDate fails when a model changes without its migration.
func TestMigrationsUpToDate(t *testing.T) {
	s := testSettings(t, "true", djinntest.SQLiteURL(t))
	migrationstest.UpToDate(t, djinntest.Setup(t, s))
}

// runCommand runs a manage command against a new project from s and
// returns its exit status and output.
func runCommand(t *testing.T, s core.Settings, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	p := core.New(s)
	t.Cleanup(func() { _ = p.Close(t.Context()) })
	code := command.Run(t.Context(), p, command.Stdio{Name: "polls", Out: &out, Err: &out}, args...)
	return code, out.String()
}

func TestSeedIsIdempotent(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		s := testSettings(t, "false", dbURL)
		if code, out := runCommand(t, s, "migrate"); code != 0 {
			t.Fatalf("migrate = %d:\n%s", code, out)
		}
		for _, want := range []string{"Created 3 questions; 0 existed already.", "Created 0 questions; 3 existed already."} {
			s := testSettings(t, "false", dbURL)
			if code, out := runCommand(t, s, "seed"); code != 0 || !strings.Contains(out, want) {
				t.Errorf("seed = %d, %q; want 0 and %q", code, out, want)
			}
		}
	})
}

func TestMigrateFirst(t *testing.T) {
	sqlite := core.Settings{}
	sqlite.Database.URL = "sqlite:///db.sqlite3"
	postgres := core.Settings{}
	postgres.Database.URL = "postgres://db.example/polls"
	tests := []struct {
		name string
		args []string
		s    core.Settings
		env  map[string]string
		want bool
	}{
		{"runserver on SQLite", []string{"runserver"}, sqlite, nil, true},
		{"runserver with an address", []string{"runserver", "8001"}, sqlite, nil, true},
		{"runserver on PostgreSQL", []string{"runserver"}, postgres, nil, false},
		{"runserver --debug=false", []string{"runserver", "--debug=false"}, sqlite, nil, false},
		{"runserver with DEBUG=false", []string{"runserver"}, sqlite, map[string]string{"DEBUG": "false"}, false},
		{"runserver --debug with DEBUG=false", []string{"runserver", "--debug"}, sqlite, map[string]string{"DEBUG": "false"}, true},
		{"the reloader's server process", []string{"runserver"}, sqlite, map[string]string{"DJINN_LISTEN_FD": "3"}, false},
		{"serve", []string{"serve"}, sqlite, nil, false},
		{"no command", nil, sqlite, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			s := tt.s
			if v, ok := tt.env["DEBUG"]; ok {
				s.Debug = v == "true"
			}
			if got := migrateFirst(tt.args, s, lookup); got != tt.want {
				t.Errorf("migrateFirst(%q) with %v = %v; want %v", tt.args, tt.env, got, tt.want)
			}
		})
	}
}

// TestDevMigrate is what the README's first command does before serving:
// the development database is migrated and the user told how to log in.
func TestDevMigrate(t *testing.T) {
	dbURL := djinntest.SQLiteURL(t)
	testSettings(t, "true", dbURL) // the environment devMigrate reads
	var out, errs bytes.Buffer
	if err := devMigrate(t.Context(), &out, &errs); err != nil {
		t.Fatalf("devMigrate: %v\n%s%s", err, out.String(), errs.String())
	}
	for _, want := range []string{"Applying polls.0001_initial... OK", "go run ./examples/polls createsuperuser"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("devMigrate output lacks %q:\n%s", want, out.String())
		}
	}
	// The tables are there: seed works on the migrated database.
	if code, out := runCommand(t, testSettings(t, "true", dbURL), "seed"); code != 0 {
		t.Errorf("seed after devMigrate = %d:\n%s", code, out)
	}
}

// TestProductionPages serves the project as a deployment does (DEBUG off,
// collected static files with hashed names) on a migrated database.
func TestProductionPages(t *testing.T) {
	s := testSettings(t, "false", djinntest.SQLiteURL(t))
	if _, err := static.CollectSettings(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	p := migrationstest.Setup(t, s)
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}

	for _, path := range []string{"/", "/polls/", "/accounts/login/"} {
		resp, body := get(path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d; want 200\n%s", path, resp.StatusCode, body)
			continue
		}
		if !regexp.MustCompile(`href="/static/css/site\.[0-9a-f]{12}\.css"`).MatchString(body) {
			t.Errorf("GET %s links no hashed site.css:\n%s", path, body)
		}
	}
	_, body := get("/polls/")
	css := regexp.MustCompile(`href="(/static/polls/style\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(body)
	if css == nil {
		t.Fatalf("GET /polls/ links no hashed polls/style.css:\n%s", body)
	}
	resp, _ := get(css[1])
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s = %d, Cache-Control %q; want 200 immutable", css[1], resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if resp, body := get("/polls/12345/"); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "polls:detail") {
		t.Errorf("GET /polls/12345/ = %d; want a 404 without internals\n%s", resp.StatusCode, body)
	}
}
