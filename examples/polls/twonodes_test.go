package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	// The pgx database/sql driver, to change a row behind the nodes' backs.
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/djinntest"
)

// TestTwoNodes deploys the polls binary as docs/deploy.md describes, twice:
// one build, one release (collectstatic, migrate, createsuperuser), then
// two `serve` processes on two ports sharing PostgreSQL and Redis (the
// session store and the cache). A session made by logging in on node A is
// valid on node B, and a cache entry node A invalidates is gone for node
// B too. It skips without PostgreSQL or Redis, and fails under CI=true.
func TestTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	dbURL := djinntest.PostgresURL(t)
	redisURL := djinntest.RedisURL(t)
	prefix := djinntest.RedisPrefix(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()

	dir := t.TempDir()
	bin := filepath.Join(dir, "polls")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	env := append(os.Environ(),
		"DEBUG=false",
		"DATABASE_URL="+dbURL,
		"REDIS_URL="+redisURL,
		"DJINN_CACHE_KEY_PREFIX="+prefix+":",
		"DJINN_SESSION_STORE=redis",
		"SECRET_KEY=two-nodes-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
		"ALLOWED_HOSTS=127.0.0.1",
		"DJINN_STATIC_ROOT="+filepath.Join(dir, "staticfiles"),
		"DJINN_LOG_FORMAT=json",
	)
	run := func(extraEnv []string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(env, extraEnv...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("polls %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// The release steps, once for every node.
	run(nil, "collectstatic", "--no-input")
	run(nil, "migrate")
	run([]string{"DJINN_SUPERUSER_USERNAME=admin", "DJINN_SUPERUSER_PASSWORD=correct-horse-battery-staple"}, "createsuperuser", "--noinput", "--email", "admin@example.com")
	run(nil, "seed")
	run(nil, "check", "--deploy") // warnings (no HTTPS here) pass; errors fail

	a := startNode(t, ctx, bin, env, "A")
	b := startNode(t, ctx, bin, env, "B")
	client := &http.Client{
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	t.Run("a session made on A is valid on B", func(t *testing.T) {
		const private = "/accounts/password_change/"
		if resp, _ := fetch(t, client, http.MethodGet, b.url+private, nil, ""); resp.StatusCode != http.StatusFound {
			t.Fatalf("GET %s on B without a session = %d; want 302 to the login page", private, resp.StatusCode)
		}
		form := url.Values{"username": {"admin"}, "password": {"correct-horse-battery-staple"}}
		resp, body := fetch(t, client, http.MethodPost, a.url+"/accounts/login/", form, "")
		var cookie *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "sessionid" {
				cookie = c
			}
		}
		if resp.StatusCode != http.StatusFound || cookie == nil {
			t.Fatalf("POST /accounts/login/ on A = %d, cookies %v; want 302 with a sessionid cookie\n%s", resp.StatusCode, resp.Cookies(), body)
		}
		// The session lives in Redis, under the deployment's prefix.
		rc := redisClient(t, redisURL)
		defer rc.Close()
		keys, _, err := rc.Scan(ctx, 0, prefix+":session:*", 1000).Result()
		if err != nil || len(keys) == 0 {
			t.Errorf("Redis keys %s:session:* after logging in = %v, %v; want the session", prefix, keys, err)
		}
		resp, body = fetch(t, client, http.MethodGet, b.url+private, nil, cookie.Name+"="+cookie.Value)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "admin") {
			t.Fatalf("GET %s on B with A's session = %d; want 200 for user admin\n%s", private, resp.StatusCode, body)
		}
	})

	t.Run("a cache entry A invalidates is gone on B", func(t *testing.T) {
		_, body := fetch(t, client, http.MethodGet, a.url+"/polls/1/", nil, "")
		m := regexp.MustCompile(`name="choice" value="(\d+)"> Not much<`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("GET /polls/1/ on A has no choice \"Not much\":\n%s", body)
		}
		results := "/polls/1/results/"
		// B computes the tally and caches it in Redis.
		if _, body := fetch(t, client, http.MethodGet, b.url+results, nil, ""); !strings.Contains(body, "Not much -- 0 votes") {
			t.Fatalf("GET %s on B lacks %q:\n%s", results, "Not much -- 0 votes", body)
		}
		// A change behind the nodes' backs: A serves B's cached tally, so
		// the cache is shared.
		db, err := sql.Open("pgx", dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, "UPDATE polls_choice SET votes = 5 WHERE id = $1", m[1]); err != nil {
			t.Fatal(err)
		}
		if _, body := fetch(t, client, http.MethodGet, a.url+results, nil, ""); !strings.Contains(body, "Not much -- 0 votes") {
			t.Fatalf("GET %s on A lacks B's cached %q:\n%s", results, "Not much -- 0 votes", body)
		}
		// A vote on A deletes the entry; B then computes the tally afresh.
		resp, body := fetch(t, client, http.MethodPost, a.url+"/polls/1/vote/", url.Values{"choice": {m[1]}}, "")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /polls/1/vote/ on A = %d; want 303\n%s", resp.StatusCode, body)
		}
		if _, body := fetch(t, client, http.MethodGet, b.url+results, nil, ""); !strings.Contains(body, "Not much -- 6 votes") {
			t.Errorf("GET %s on B after a vote on A lacks %q:\n%s", results, "Not much -- 6 votes", body)
		}
	})

	t.Run("both nodes stop cleanly on SIGTERM", func(t *testing.T) {
		for _, n := range []*node{a, b} {
			if err := n.stop(); err != nil {
				t.Errorf("node %s: %v\n%s", n.name, err, n.output())
			}
		}
	})
}

// node is one running `serve` process.
type node struct {
	name string
	url  string
	cmd  *exec.Cmd
	out  *djinntest.Output
	done chan error
	once sync.Once
	err  error
}

// startNode runs `polls serve` on a free loopback port and waits until its
// /readyz answers 200. The process is stopped when the test ends.
func startNode(t *testing.T, ctx context.Context, bin string, env []string, name string) *node {
	t.Helper()
	addr := freeAddr(t)
	n := &node{name: name, url: "http://" + addr, out: &djinntest.Output{}, done: make(chan error, 1)}
	n.cmd = exec.CommandContext(ctx, bin, "serve", addr)
	n.cmd.Env = env
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	n.cmd.WaitDelay = 5 * time.Second
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start node %s: %v", name, err)
	}
	go func() { n.done <- n.cmd.Wait() }()
	t.Cleanup(func() { _ = n.stop() })

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(n.url + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"status":"ok"`) {
				return n
			}
		}
		select {
		case err := <-n.done:
			n.done <- err
			t.Fatalf("node %s exited before it was ready: %v\n%s", name, err, n.output())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s: /readyz did not answer 200 ok within 30s\n%s", name, n.output())
		}
	}
}

// stop sends SIGTERM and waits up to 30 s for a clean exit, then kills.
func (n *node) stop() error {
	n.once.Do(func() {
		_ = n.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-n.done:
			n.err = err
		case <-time.After(30 * time.Second):
			_ = n.cmd.Process.Kill()
			<-n.done
			n.err = fmt.Errorf("did not exit within 30s of SIGTERM; killed")
		}
	})
	return n.err
}

func (n *node) output() string { return n.out.String() }

// redisClient opens a client for the Redis at raw, a redis:// URL.
func redisClient(t *testing.T, raw string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	return redis.NewClient(opts)
}

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// fetch sends a request (a form when form is not nil, a Cookie header when
// cookie is not empty) and returns the response and its body.
func fetch(t *testing.T, c *http.Client, method, target string, form url.Values, cookie string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read the body: %v", method, target, err)
	}
	return resp, string(b)
}
