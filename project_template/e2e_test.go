package projecttemplate_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEndToEnd is what a newcomer does, with the real go command: build
// cmd/manage from this checkout, startproject (go.mod replaces Djinn with
// this checkout), startapp polls, makemigrations, migrate, serve the
// project and GET the app's page, go test inside the project, then
// collectstatic and go build of one binary that checks, migrates a new
// database and serves the page with hashed static files from another
// directory, with nothing but the binary. It shares the go command's
// build and module caches with the caller (GOCACHE, GOMODCACHE) and takes
// a minute or two with them warm; -short skips it.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end scaffold test: builds and runs a generated project (-short skips it)")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	start := time.Now()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the module root: %v", err)
	}
	tmp := t.TempDir()
	proj := filepath.Join(tmp, "mysite")
	env := childEnv()

	// run runs a command with a time limit and returns its combined output;
	// a failure fails the test with the output.
	run := func(dir string, limit time.Duration, name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), limit)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir, cmd.Env, cmd.WaitDelay = dir, env, 5*time.Second
		t0 := time.Now()
		out, err := cmd.CombinedOutput()
		t.Logf("%s %s (%.1fs)", filepath.Base(name), strings.Join(args, " "), time.Since(t0).Seconds())
		if err != nil {
			t.Fatalf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, out)
		}
		return string(out)
	}

	manage := filepath.Join(tmp, "manage")
	run(root, 5*time.Minute, "go", "build", "-o", manage, "./cmd/manage")
	out := run(root, 5*time.Minute, manage, "startproject", "mysite", proj)
	if !strings.Contains(out, "Created project mysite") {
		t.Errorf("startproject said:\n%s", out)
	}
	gomod, err := os.ReadFile(filepath.Join(proj, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "replace github.com/djinn-go/djinn => " + filepath.ToSlash(root) + "\n"; !strings.Contains(string(gomod), want) {
		t.Fatalf("go.mod lacks %q:\n%s", want, gomod)
	}
	if _, err := os.Stat(filepath.Join(proj, "go.sum")); err != nil {
		t.Fatalf("go mod tidy wrote no go.sum: %v", err)
	}

	out = run(proj, 5*time.Minute, "go", "run", ".", "startapp", "polls")
	if !strings.Contains(out, "settings.go: added polls.New(),") || !strings.Contains(out, "urls.go: added") {
		t.Errorf("startapp did not add the app to settings.go and urls.go:\n%s", out)
	}
	out = run(proj, 5*time.Minute, "go", "run", ".", "makemigrations", "--dialect", "sqlite")
	if !strings.Contains(out, "polls/migrations/sqlite/0001_initial.up.sql") {
		t.Errorf("makemigrations wrote no polls migration:\n%s", out)
	}
	out = run(proj, 5*time.Minute, "go", "run", ".", "migrate")
	if !strings.Contains(out, "Applying polls.0001_initial... OK") {
		t.Errorf("migrate did not apply polls.0001_initial:\n%s", out)
	}
	run(proj, 10*time.Minute, "go", "test", "./...")

	// Development: DEBUG on, the files read from the project's directories.
	dev := filepath.Join(tmp, "dev-server")
	run(proj, 5*time.Minute, "go", "build", "-o", dev, ".")
	base := startServer(t, proj, env, dev, "DEBUG=true")
	body := get(t, base+"/polls/")
	for _, want := range []string{"<h1>Polls</h1>", "No items yet.", `href="/static/polls/style.css"`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /polls/ (DEBUG) lacks %q:\n%s", want, body)
		}
	}
	if css := get(t, base+"/static/polls/style.css"); !strings.Contains(css, ".polls-list") {
		t.Errorf("GET /static/polls/style.css = %q", css)
	}

	// Production: one binary, run from an empty directory.
	out = run(proj, 5*time.Minute, "go", "run", ".", "collectstatic", "--no-input")
	t.Logf("collectstatic:\n%s", out)
	site := filepath.Join(proj, "site")
	run(proj, 5*time.Minute, "go", "build", "-o", site, ".")
	run(proj, time.Minute, site, "check")
	elsewhere := t.TempDir()
	db := "DATABASE_URL=sqlite:///" + filepath.ToSlash(filepath.Join(elsewhere, "prod.sqlite3"))
	env = append(env, db)
	out = run(elsewhere, time.Minute, site, "migrate")
	if !strings.Contains(out, "Applying polls.0001_initial... OK") {
		t.Errorf("the binary's migrate did not apply the embedded polls migration:\n%s", out)
	}
	base = startServer(t, elsewhere, env, site, "DEBUG=false", "SECRET_KEY=an-end-to-end-test-key-that-is-long-enough-0123456789")
	body = get(t, base+"/polls/")
	link := regexp.MustCompile(`href="(/static/polls/style\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(body)
	if !strings.Contains(body, "<h1>Polls</h1>") || link == nil {
		t.Fatalf("GET /polls/ (production) lacks the heading or a hashed stylesheet link:\n%s", body)
	}
	if css := get(t, base+link[1]); !strings.Contains(css, ".polls-list") {
		t.Errorf("GET %s = %q; want the app's stylesheet", link[1], css)
	}
	if home := get(t, base+"/"); !strings.Contains(home, "It worked!") || !strings.Contains(home, `href="/accounts/login/"`) {
		t.Errorf("GET / (production) = %q; want the home page with the login link", home)
	}
	if login := get(t, base+"/accounts/login/"); !strings.Contains(login, `name="password"`) {
		t.Errorf("GET /accounts/login/ (production) = %q; want the login form", login)
	}
	// The admin sends an anonymous visitor to the login form.
	if adm := get(t, base+"/admin/"); !strings.Contains(adm, `name="password"`) || !strings.Contains(adm, "next") {
		t.Errorf("GET /admin/ (production) = %q; want the login form with next", adm)
	}
	t.Logf("end to end in %.1fs", time.Since(start).Seconds())
}

// childEnv is the environment of the commands: the caller's (its GOCACHE,
// GOMODCACHE, GOPROXY, GOTOOLCHAIN), with -mod=mod in GOFLAGS, CGO off,
// and none of the settings variables a developer may have set.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "GOFLAGS", k == "CGO_ENABLED", k == "DEBUG", k == "SECRET_KEY", k == "ALLOWED_HOSTS",
			k == "DATABASE_URL", k == "REDIS_URL", strings.HasPrefix(k, "DJINN_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"), "CGO_ENABLED=0")
}

// startServer runs bin serve on a free loopback port in dir, waits until it
// answers /healthz, and stops it when the test ends. It returns the base
// URL.
func startServer(t *testing.T, dir string, env []string, bin string, extraEnv ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	cmd := exec.CommandContext(ctx, bin, "serve", addr)
	cmd.Dir, cmd.Env, cmd.WaitDelay = dir, append(append([]string{}, env...), extraEnv...), 5*time.Second
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel() // kills the server
		<-exited
	})
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("%s serve exited: %v\n%s", bin, err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s serve did not answer /healthz in 30s: %v\n%s", bin, err, logs.String())
		}
	}
}

// get returns the body of a 200 response to GET url, failing otherwise.
func get(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d; want 200\n%s", url, resp.StatusCode, b)
	}
	return string(b)
}
