package faulttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/internal/loadgen"
)

// EnvVar is the environment variable that enables the fault tests.
const EnvVar = "DJINN_FAULTTEST"

// secretKey is the SECRET_KEY of every run: long enough for check
// --deploy, and of no use outside these tests.
const secretKey = "faulttest-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFG"

// Timeouts of the harness.
const (
	buildTimeout = 10 * time.Minute
	runTimeout   = 2 * time.Minute
	readyTimeout = 20 * time.Second
	stopTimeout  = 15 * time.Second
)

// Enabled skips the test unless DJINN_FAULTTEST=1. Every test of the
// package calls it first.
func Enabled(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvVar) != "1" {
		t.Skipf("fault test: set %s=1 to run it (it builds and runs the polls binary and starts servers)", EnvVar)
	}
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	addr, err := loadgen.FreeAddr()
	if err != nil {
		t.Fatalf("faulttest: free port: %v", err)
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("faulttest: free port %q: %v", addr, err)
	}
	var p int
	if _, err := fmt.Sscan(port, &p); err != nil {
		t.Fatalf("faulttest: free port %q: %v", addr, err)
	}
	return p
}

// Bin is the built polls example: Path is the binary and Env the
// environment of every command it runs (os.Environ, DEBUG=false, a
// SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, DJINN_LOG_FORMAT=json, then what
// the test passed to Polls). A Bin is not modified after Polls returns it
// and is safe for concurrent use.
type Bin struct {
	Path string
	Env  []string
}

// build is the result of building the polls example, once per process.
var build struct {
	once sync.Once
	path string
	err  error
}

// Polls builds ./examples/polls (once per test process, with
// CGO_ENABLED=0 and the Go toolchain that built the test, into a temporary directory that stays for the process'
// other tests; RemoveBuild deletes it) and returns a Bin whose Env ends
// with env ("DATABASE_URL=...", ...). A failed build fails the test, and
// every later call, with the build's output.
func Polls(t testing.TB, env ...string) *Bin {
	t.Helper()
	build.once.Do(func() { build.path, build.err = buildPolls() })
	if build.err != nil {
		t.Fatalf("faulttest: %v", build.err)
	}
	base := append(os.Environ(),
		"DEBUG=false",
		"SECRET_KEY="+secretKey,
		"ALLOWED_HOSTS=127.0.0.1",
		"DJINN_LOG_FORMAT=json",
	)
	return &Bin{Path: build.path, Env: append(base, env...)}
}

// With returns a copy of b whose Env ends with env, such as another
// DATABASE_URL.
func (b *Bin) With(env ...string) *Bin {
	return &Bin{Path: b.Path, Env: append(append([]string(nil), b.Env...), env...)}
}

// RemoveBuild deletes the binary Polls built, if any. A TestMain may call
// it after m.Run; without it the binary stays in the temporary directory.
func RemoveBuild() {
	if build.path != "" {
		_ = os.RemoveAll(filepath.Dir(build.path))
	}
}

func buildPolls() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "djinn-faulttest-polls-")
	if err != nil {
		return "", fmt.Errorf("build polls: %w", err)
	}
	bin := filepath.Join(dir, "polls")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/polls")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	// The toolchain that built this test, so that the build shares its
	// cache instead of compiling every package again with another one.
	if v := runtime.Version(); strings.HasPrefix(v, "go1.") {
		cmd.Env = append(cmd.Env, "GOTOOLCHAIN="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("go build ./examples/polls: %v\n%s", err, out)
	}
	return bin, nil
}

// moduleRoot returns the directory of go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("module root: %w", err)
	}
	for range 20 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("module root: no go.mod above the working directory")
}

// Run runs the management command args (migrate, seed, ...) with b.Env,
// waits at most two minutes, and returns its combined output. A non-zero
// exit or a timeout fails the test with the output.
func (b *Bin) Run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := b.Output(t.Context(), args...)
	if err != nil {
		t.Fatalf("polls %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// Output runs the management command args like Run but returns its error
// instead of failing the test, for commands expected to fail or run from
// several goroutines at once.
func (b *Bin) Output(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.Path, args...)
	cmd.Env = b.Env
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil && err != nil {
		err = fmt.Errorf("%w (timeout %s)", err, runTimeout)
	}
	return string(out), err
}

// Site is a running `polls serve`: URL is "http://" + Addr, Cmd the
// process. Its methods are safe for concurrent use.
type Site struct {
	URL  string
	Addr string
	Cmd  *exec.Cmd

	out     *djinntest.Output
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
}

// Serve runs `serve 127.0.0.1:PORT` on a free port with b.Env and env,
// and waits up to 20 s for GET /readyz to answer 200. The process is
// killed when the test ends, if it still runs, and the end of its log is
// printed if the test failed. Pages that use static files need
// DJINN_STATIC_ROOT set and `collectstatic --no-input` run first.
func (b *Bin) Serve(t testing.TB, env ...string) *Site {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	s := &Site{URL: "http://" + addr, Addr: addr, out: &djinntest.Output{}, done: make(chan struct{})}
	s.Cmd = exec.Command(b.Path, "serve", addr)
	s.Cmd.Env = append(append([]string(nil), b.Env...), env...)
	s.Cmd.Stdout, s.Cmd.Stderr = s.out, s.out
	s.Cmd.WaitDelay = 5 * time.Second
	if err := s.Cmd.Start(); err != nil {
		t.Fatalf("faulttest: start polls serve: %v", err)
	}
	go func() {
		s.waitErr = s.Cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = s.Cmd.Process.Kill()
		<-s.done
		if t.Failed() {
			logs := s.Logs()
			if len(logs) > 8000 {
				logs = "..." + logs[len(logs)-8000:]
			}
			t.Logf("polls serve on %s, log (end):\n%s", addr, logs)
		}
	})
	up := make(chan error, 1)
	go func() { up <- loadgen.WaitUp(s.URL+"/readyz", readyTimeout) }()
	select {
	case err := <-up:
		if err != nil {
			t.Fatalf("faulttest: polls serve on %s: /readyz did not answer 200 within %s: %v\n%s", addr, readyTimeout, err, s.Logs())
		}
	case <-s.done:
		t.Fatalf("faulttest: polls serve on %s exited before it was ready: %v\n%s", addr, s.waitErr, s.Logs())
	}
	return s
}

// Logs returns what the process wrote to stdout and stderr so far.
func (s *Site) Logs() string { return s.out.String() }

// PID returns the process id.
func (s *Site) PID() int { return s.Cmd.Process.Pid }

// Signal sends sig to the process.
func (s *Site) Signal(sig os.Signal) error { return s.Cmd.Process.Signal(sig) }

// Exited reports whether the process has exited.
func (s *Site) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Wait waits up to timeout for the process to exit and returns its exit
// error (nil for status 0), or an error if it still runs.
func (s *Site) Wait(timeout time.Duration) error {
	select {
	case <-s.done:
		return s.waitErr
	case <-time.After(timeout):
		return fmt.Errorf("faulttest: polls serve on %s still runs after %s", s.Addr, timeout)
	}
}

// Stop sends SIGTERM and waits up to 15 s for the process to exit.
func (s *Site) Stop() error {
	if err := s.Signal(syscall.SIGTERM); err != nil && !s.Exited() {
		return fmt.Errorf("faulttest: SIGTERM polls serve on %s: %w", s.Addr, err)
	}
	return s.Wait(stopTimeout)
}

// Client returns an HTTP client for load: a 15 s timeout, no cookie jar,
// redirects not followed (a 302 or 303 is the answer, as a browser's POST
// would see it).
func Client() *http.Client {
	return &http.Client{
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// FirstChoice returns the id of the first choice on a polls question's
// page (GET pageURL, such as site.URL+"/polls/1/"), failing the test
// without one.
func FirstChoice(t testing.TB, c *http.Client, pageURL string) string {
	t.Helper()
	resp, err := c.Get(pageURL)
	if err != nil {
		t.Fatalf("GET %s: %v", pageURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, %v; want 200", pageURL, resp.StatusCode, err)
	}
	m := regexp.MustCompile(`name="choice" value="(\d+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("GET %s has no choice to vote for:\n%s", pageURL, body)
	}
	return string(m[1])
}
