package command_test

import (
	"bufio"
	"errors"
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
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/djinn-go/djinn/djinntest"
)

// reloadWait bounds every wait for a rebuild and restart.
const reloadWait = 60 * time.Second

// TestRunserverReloads runs runserver as a user does — the project's own
// binary in its directory — and edits the project under it: a change is
// served after a rebuild without a single refused connection, a new
// directory is watched, a syntax error becomes an error page with the
// compiler's message until it is fixed, and a server that exits on its
// own is reported until the next change.
func TestRunserverReloads(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a project and runs processes; skipped with -short")
	}
	if runtime.GOOS == "windows" {
		t.Skip("auto-reload needs a unix system")
	}
	dir := newSite(t)
	bin := filepath.Join(t.TempDir(), "site")
	buildStart := time.Now()
	goCmd(t, dir, "build", "-o", bin, ".")
	t.Logf("first build of the site: %v", time.Since(buildStart).Round(time.Millisecond))

	rs := startRunserver(t, dir, bin)
	if !strings.Contains(rs.stdout.String(), "Watching for file changes with fsnotify") {
		t.Errorf("stdout lacks the watching line:\n%s", rs.stdout.String())
	}
	rs.waitBody(t, 200, "v1")

	// Continuous requests, each on a new connection, across every reload.
	var requests atomic.Int64
	stop := make(chan struct{})
	var polling sync.WaitGroup
	polling.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			rs.get()
			requests.Add(1)
			time.Sleep(5 * time.Millisecond)
		}
	})
	stopPolling := func() {
		if stop != nil {
			close(stop)
			polling.Wait()
			stop = nil
		}
	}
	defer stopPolling()

	start := time.Now()
	writeFile(t, dir, "view.go", viewGo(`"v2"`))
	rs.waitBody(t, 200, "v2")
	t.Logf("edit to v2 served after %v", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(rs.stdout.String(), filepath.Join(dir, "view.go")+" changed, reloading.") {
		t.Errorf("stdout lacks %q:\n%s", "view.go changed, reloading.", rs.stdout.String())
	}

	// A package in a new directory: once view.go uses it, editing only
	// the new directory's file must reload.
	if err := os.Mkdir(filepath.Join(dir, "pages"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "pages/pages.go", "package pages\n\nconst Msg = \"v3\"\n")
	writeFile(t, dir, "view.go", "package main\n\nimport \"site/pages\"\n\nfunc view() string { return pages.Msg }\n")
	rs.waitBody(t, 200, "v3")
	start = time.Now()
	writeFile(t, dir, "pages/pages.go", "package pages\n\nconst Msg = \"v4\"\n")
	rs.waitBody(t, 200, "v4")
	t.Logf("edit in a new directory served after %v", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	writeFile(t, dir, "view.go", "package main\n\nfunc view() string { return \"v5\" \n")
	body := rs.waitBody(t, 500, "syntax error")
	t.Logf("build error page after %v", time.Since(start).Round(time.Millisecond))
	for _, want := range []string{"./view.go:4:1: syntax error", "Build failed", `http-equiv="refresh"`} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %q:\n%s", want, body)
		}
	}
	if !strings.Contains(rs.stderr.String(), "./view.go:4:1: syntax error") {
		t.Errorf("stderr lacks the compiler output:\n%s", rs.stderr.String())
	}
	writeFile(t, dir, "view.go", viewGo(`"v5"`))
	rs.waitBody(t, 200, "v5")

	stopPolling()
	// The promise is that the socket stays open: no request is ever
	// refused. Under heavy load a request in flight while a child shuts
	// down has been seen to end with EOF (1 in ~800, browsers retry such
	// GETs); those are reported, not failed.
	if n := rs.refused.Load(); n != 0 {
		t.Errorf("%d of %d requests were refused during reloads; want 0", n, requests.Load())
	}
	if n := rs.connErrors.Load(); n != 0 {
		t.Logf("%d of %d requests failed otherwise during reloads; last error: %v", n, requests.Load(), rs.lastErr.Load())
	}
	t.Logf("%d requests during the reloads", requests.Load())

	// A server that exits on its own: reported until the next change.
	if _, err := http.Get(rs.url + "crash"); err == nil {
		t.Error("GET /crash answered; want the server to exit under it")
	}
	body = rs.waitBody(t, 500, "exit status 3")
	if !strings.Contains(body, "The server stopped") {
		t.Errorf("page after a crash lacks its title:\n%s", body)
	}
	// The reloader serves the crash page and logs the exit side by side:
	// give the log line a moment to land.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(rs.stderr.String(), "exit status 3") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(rs.stderr.String(), "exit status 3") {
		t.Errorf("stderr does not report the exit:\n%s", rs.stderr.String())
	}
	writeFile(t, dir, "view.go", viewGo(`"v6"`))
	rs.waitBody(t, 200, "v6")

	// Ctrl-C stops the reloader and its child: the socket closes.
	rs.cmd.Process.Signal(os.Interrupt)
	select {
	case <-rs.done:
		if rs.cmd.ProcessState.ExitCode() != 0 {
			t.Errorf("runserver exit status after SIGINT = %d; want 0\nstderr:\n%s", rs.cmd.ProcessState.ExitCode(), rs.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("runserver did not exit after SIGINT")
	}
	if c, err := net.DialTimeout("tcp", rs.addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts after runserver exited; want the child stopped and the socket closed", rs.addr)
	}
}

// newSite writes a project in a temporary directory whose module requires
// this checkout of djinn, and returns the directory.
func newSite(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller failed")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "go.mod", "module site\n\ngo 1.26.0\n\nrequire github.com/djinn-go/djinn v0.0.0\n\nreplace github.com/djinn-go/djinn => "+root+"\n")
	writeFile(t, dir, "go.sum", string(sum))
	writeFile(t, dir, "main.go", `package main

import (
	"io"
	"net/http"
	"os"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/core/urls"
)

func main() {
	s := core.Defaults()
	s.URLs = func(r *urls.Router) {
		r.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, view()) }, "home")
		r.HandleFunc("GET /crash", func(http.ResponseWriter, *http.Request) { os.Exit(3) }, "crash")
	}
	command.Main(core.New(s))
}
`)
	writeFile(t, dir, "view.go", viewGo(`"v1"`))
	return dir
}

func viewGo(expr string) string {
	return "package main\n\nfunc view() string { return " + expr + " }\n"
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goEnv is the environment of the go commands and of runserver: the
// shared build cache, and -mod=mod so that go.mod gets its requirements.
func goEnv() []string {
	return append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"))
}

func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = goEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// runningServer is a runserver process under test.
type runningServer struct {
	cmd            *exec.Cmd
	done           chan struct{}
	stdout, stderr *djinntest.Output
	url, addr      string
	client         *http.Client
	connErrors     atomic.Int64
	refused        atomic.Int64
	lastErr        atomic.Value
}

// startRunserver runs bin runserver on a free loopback port in dir and
// waits for the address in the banner.
func startRunserver(t *testing.T, dir, bin string) *runningServer {
	t.Helper()
	rs := &runningServer{
		done:   make(chan struct{}),
		stdout: &djinntest.Output{},
		stderr: &djinntest.Output{},
		client: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{DisableKeepAlives: true},
		},
	}
	rs.cmd = exec.Command(bin, "runserver", "127.0.0.1:0")
	rs.cmd.Dir = dir
	rs.cmd.Env = goEnv()
	rs.cmd.Stderr = rs.stderr
	out, err := rs.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		banner := regexp.MustCompile(`at (http://(\S+)/)$`)
		for sc.Scan() {
			rs.stdout.WriteString(sc.Text() + "\n")
			if m := banner.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, out)
	}()
	go func() {
		rs.cmd.Wait()
		close(rs.done)
	}()
	t.Cleanup(func() {
		rs.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-rs.done:
		case <-time.After(20 * time.Second):
			rs.cmd.Process.Kill()
			<-rs.done
		}
		if t.Failed() {
			t.Logf("runserver stdout:\n%s\nstderr:\n%s", rs.stdout.String(), rs.stderr.String())
		}
	})
	select {
	case rs.url = <-urls:
		rs.addr = strings.TrimSuffix(strings.TrimPrefix(rs.url, "http://"), "/")
	case <-rs.done:
		t.Fatalf("runserver exited: %v\nstderr:\n%s", rs.cmd.ProcessState, rs.stderr.String())
	case <-time.After(reloadWait):
		t.Fatalf("runserver printed no address within %v\nstdout:\n%s\nstderr:\n%s", reloadWait, rs.stdout.String(), rs.stderr.String())
	}
	return rs
}

// get requests / and returns the status and body; a failed request is
// counted and returns status 0.
func (rs *runningServer) get() (int, string) {
	resp, err := rs.client.Get(rs.url)
	if errors.Is(err, syscall.ECONNREFUSED) {
		rs.refused.Add(1)
	}
	if err != nil {
		rs.connErrors.Add(1)
		rs.lastErr.Store(err.Error())
		return 0, ""
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		rs.connErrors.Add(1)
		rs.lastErr.Store(err.Error())
		return 0, ""
	}
	return resp.StatusCode, string(body)
}

// waitBody requests / until the answer has status and a body containing
// want, for at most reloadWait, and returns the body.
func (rs *runningServer) waitBody(t *testing.T, status int, want string) string {
	t.Helper()
	deadline := time.Now().Add(reloadWait)
	var gotStatus int
	var body string
	for time.Now().Before(deadline) {
		if gotStatus, body = rs.get(); gotStatus == status && strings.Contains(body, want) {
			return body
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("GET %s = %d %q after %v; want %d with %q", rs.url, gotStatus, body, reloadWait, status, want)
	return ""
}
