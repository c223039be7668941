package command

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/djinn-go/djinn/core/server"
)

// Auto-reload for runserver, Django's autoreloader done the Go way.
//
// runserver started in its project's module (go run . runserver) becomes
// the reloader: it binds the address itself and keeps the listening socket
// for the whole session, runs the server as a child process
// (<binary> runserver --noreload) that inherits the socket as fd 3
// (DJINN_LISTEN_FD=3), watches the module's files with fsnotify and, after
// a change, rebuilds with go build, stops the old child (SIGTERM, then
// SIGKILL after stopTimeout) and starts the new binary on the same socket.
// Connections that arrive between two children wait in the socket's accept
// queue, so a reload is never "connection refused".
//
// While no child runs — the build failed, or the child exited on its own —
// the reloader serves every request itself with an error page (500, the
// compiler output or the child's last stderr lines in DEBUG, refreshing
// itself every two seconds). The page server and a child never accept at
// the same time: the page server is shut down before a child starts.
//
// Passing the socket rather than reverse-proxying to the child keeps what a
// view sees identical to a deployment: the client's address, TLS and
// HTTP/2 handled by the gateway, hijacked connections (WebSockets) and
// streams without a proxy in between, and no second hop to debug.

// listenFDEnv names the descriptor of the listening socket a reloader
// passes to its child. It is not LISTEN_FDS/LISTEN_PID: socket activation
// requires LISTEN_PID to be the child's own pid, which os/exec cannot set.
const listenFDEnv = "DJINN_LISTEN_FD"

const (
	// debounce is the quiet period after the last file event before a
	// rebuild: editors write a file in bursts (backup, write, rename).
	debounce = 200 * time.Millisecond
	// stopTimeout is how long a child gets to finish in-flight requests
	// after SIGTERM before it is killed; development requests are short.
	stopTimeout = 5 * time.Second
	// tailSize is how much of a child's stderr the reloader keeps for the
	// error page when the child exits on its own.
	tailSize = 8 << 10
)

// inheritedListener returns the listening socket a reloader passed to this
// process (DJINN_LISTEN_FD), or nil when there is none. The variable is
// unset so that processes this one starts do not claim the socket.
func inheritedListener() (net.Listener, error) {
	v, ok := os.LookupEnv(listenFDEnv)
	if !ok {
		return nil, nil
	}
	os.Unsetenv(listenFDEnv)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("runserver: %s=%q is not a file descriptor above 2", listenFDEnv, v)
	}
	f := os.NewFile(uintptr(fd), "runserver-listener")
	defer f.Close() // FileListener holds its own duplicate
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("runserver: inherited socket %s=%d: %w", listenFDEnv, fd, err)
	}
	return ln, nil
}

// reloader runs runserver's children; see the comment at the top of the
// file. Its methods run on the goroutine of run, except where noted.
type reloader struct {
	stdout, stderr io.Writer // stderr is shared with the children's copier

	pkg        string   // import path of the main package to build
	root       string   // module root: the watched tree
	workDir    string   // where go build runs
	buildFlags []string // flags the running binary was built with
	childArgs  []string
	skipDirs   []string // absolute directories whose changes need no restart
	debug      bool
	tlsCert    string
	tlsKey     string
	addr       string

	tmp  string   // holds the built binaries
	file *os.File // the listening socket, open for the whole session

	page  atomic.Pointer[string] // the error page's HTML
	pages *pageServer            // serving the error page, or nil
	child *child                 // the running server, or nil
}

// newReloader returns a reloader for runserver, or nil and the reason why
// this process cannot rebuild itself (not built from a module's main
// package, not run inside that module, no go command, no unix).
func newReloader(env *Env) (*reloader, string) {
	if !reloadSupported {
		return nil, "it needs a unix system"
	}
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Path == "" || info.Path == "" || info.Path == "command-line-arguments" || strings.HasSuffix(info.Path, ".test") {
		return nil, "this binary was not built from a main package of a module (go run . or go build .)"
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Sprintf("working directory: %v", err)
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return nil, fmt.Sprintf("the go command is needed to rebuild: go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return nil, fmt.Sprintf("%s is not in a Go module; run it from the project directory", wd)
	}
	mod, err := modulePath(gomod)
	if err != nil {
		return nil, err.Error()
	}
	if mod != info.Main.Path {
		return nil, fmt.Sprintf("%s belongs to module %q, not %q that this binary was built from; run it from the project directory", wd, mod, info.Main.Path)
	}

	s := env.Project.Settings()
	r := &reloader{
		stdout:     env.Stdout,
		stderr:     &lockedWriter{w: env.Stderr},
		pkg:        info.Path,
		root:       filepath.Dir(gomod),
		workDir:    wd,
		buildFlags: buildFlags(info),
		childArgs:  childArgs(env),
		debug:      s.Debug,
		tlsCert:    s.Server.TLSCertFile,
		tlsKey:     s.Server.TLSKeyFile,
		addr:       s.Server.Addr,
	}
	if r.addr == "" {
		r.addr = server.DefaultAddr
	}
	// Output directories: writing there must not restart the server.
	skip := []string{s.Static.Root, s.Forms.MediaRoot}
	if s.Debug {
		// Read from disk at every request in DEBUG: no restart needed.
		skip = append(skip, s.Templates.Dirs...)
		skip = append(skip, s.Static.Dirs...)
	}
	for _, d := range skip {
		if d == "" {
			continue
		}
		if abs, err := filepath.Abs(d); err == nil {
			r.skipDirs = append(r.skipDirs, abs)
		}
	}
	return r, ""
}

// modulePath reads the module path from the go.mod file at path.
func modulePath(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			rest, _, _ = strings.Cut(rest, "//")
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read %s: %v", path, err)
	}
	return "", fmt.Errorf("%s has no module line", path)
}

// buildFlags returns the go build flags recorded in info that change the
// binary (go run -race . reloads with -race).
func buildFlags(info *debug.BuildInfo) []string {
	var flags []string
	for _, s := range info.Settings {
		switch s.Key {
		case "-race", "-msan", "-asan", "-trimpath":
			if s.Value == "true" {
				flags = append(flags, s.Key)
			}
		case "-tags", "-ldflags", "-gcflags", "-asmflags":
			flags = append(flags, s.Key+"="+s.Value)
		}
	}
	return flags
}

// childArgs returns the command line of a child: runserver --noreload with
// the flags and the address this runserver was given, so that the child
// decides DEBUG the same way.
func childArgs(env *Env) []string {
	args := []string{"runserver", "--noreload"}
	if env.Flags != nil {
		env.Flags.Visit(func(f *pflag.Flag) {
			if f.Name != "noreload" {
				args = append(args, "--"+f.Name+"="+f.Value.String())
			}
		})
	}
	return append(args, env.Args...)
}

// run serves until ctx is done: it binds the address, starts the first
// child (this very binary: it was just built from the same files) and
// restarts it after every change.
func (r *reloader) run(ctx context.Context) error {
	file, err := r.listen(ctx)
	if err != nil {
		return err
	}
	r.file = file
	defer file.Close()
	if path, ok := strings.CutPrefix(r.addr, "unix:"); ok && !strings.HasPrefix(path, "@") {
		defer os.Remove(path) // the children never unlink a socket they inherit
	}
	r.tmp, err = os.MkdirTemp("", "djinn-runserver-")
	if err != nil {
		return fmt.Errorf("runserver: %w", err)
	}
	defer os.RemoveAll(r.tmp)

	wctx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	w, err := newWatcher(wctx, r.root, r.ignoredDir, r.stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(r.stdout, "Watching for file changes with fsnotify")

	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("runserver: %w", err)
	}
	r.start(self)
	defer r.stopAll()
	for {
		var exited <-chan struct{}
		if r.child != nil {
			exited = r.child.done
		}
		select {
		case <-ctx.Done():
			return nil
		case name := <-w.changes:
			fmt.Fprintf(r.stdout, "%s changed, reloading.\n", name)
			r.rebuild(ctx)
		case <-exited:
			c := r.child
			r.child = nil
			fmt.Fprintf(r.stderr, "runserver: the server exited (%v); waiting for a file change\n", c.err)
			r.showError("The server stopped", fmt.Sprintf("The server process exited (%v) and restarts when a file changes.\nIts last output:\n\n%s", c.err, c.tail.String()))
		}
	}
}

// listen binds the address and returns the socket as a file, the one the
// children inherit.
func (r *reloader) listen(ctx context.Context) (*os.File, error) {
	var lc net.ListenConfig
	var ln net.Listener
	var err error
	if path, ok := strings.CutPrefix(r.addr, "unix:"); ok {
		if !strings.HasPrefix(path, "@") {
			if fi, err := os.Lstat(path); err == nil && fi.Mode().Type() == fs.ModeSocket {
				if c, err := net.Dial("unix", path); err == nil {
					c.Close()
					return nil, fmt.Errorf("runserver: socket %s is in use by another server", path)
				}
				os.Remove(path) // stale: nobody accepts on it
			}
		}
		ln, err = lc.Listen(ctx, "unix", path)
		if ul, ok := ln.(*net.UnixListener); ok {
			ul.SetUnlinkOnClose(false) // the socket outlives this listener
		}
	} else {
		ln, err = lc.Listen(ctx, "tcp", r.addr)
	}
	if err != nil {
		return nil, fmt.Errorf("runserver: listen: %w", err)
	}
	defer ln.Close()
	f, err := ln.(interface{ File() (*os.File, error) }).File()
	if err != nil {
		return nil, fmt.Errorf("runserver: listen: %w", err)
	}
	return f, nil
}

// rebuild builds the project after a change and swaps the child, or shows
// the compiler output when the build fails. The old child serves during
// the build.
func (r *reloader) rebuild(ctx context.Context) {
	next := filepath.Join(r.tmp, "site.next")
	args := append([]string{"build", "-o", next}, r.buildFlags...)
	cmd := exec.CommandContext(ctx, "go", append(args, r.pkg)...)
	cmd.Dir = r.workDir
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		fmt.Fprintf(r.stderr, "runserver: build failed (%v):\n%s", err, out)
		r.stopChild()
		r.showError("Build failed", string(out))
		return
	}
	r.stopChild()
	bin := filepath.Join(r.tmp, "site")
	if err := os.Rename(next, bin); err != nil {
		fmt.Fprintf(r.stderr, "runserver: %v\n", err)
		r.showError("The server could not start", err.Error())
		return
	}
	r.start(bin)
}

// start hands the socket to a new child running bin. The error page stops
// accepting first, so that only the child serves.
func (r *reloader) start(bin string) {
	r.stopPages()
	c, err := startChild(bin, r.childArgs, r.file, r.stdout, r.stderr)
	if err != nil {
		fmt.Fprintf(r.stderr, "runserver: %v\n", err)
		r.showError("The server could not start", err.Error())
		return
	}
	r.child = c
}

// stopChild stops the running child, if any: SIGTERM, then SIGKILL after
// stopTimeout.
func (r *reloader) stopChild() {
	c := r.child
	if c == nil {
		return
	}
	r.child = nil
	c.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(stopTimeout)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		fmt.Fprintf(r.stderr, "runserver: the server did not stop within %v; killing it\n", stopTimeout)
		c.cmd.Process.Kill()
		<-c.done
	}
}

func (r *reloader) stopAll() {
	r.stopChild()
	r.stopPages()
}

// showError makes the reloader answer every request with an error page
// titled title; detail (compiler output, a child's last lines) is shown
// in DEBUG only.
func (r *reloader) showError(title, detail string) {
	page := errorPage(title, detail, r.debug)
	r.page.Store(&page)
	if r.pages != nil {
		return
	}
	p, err := r.startPages()
	if err != nil {
		fmt.Fprintf(r.stderr, "runserver: serve the error page: %v\n", err)
		return
	}
	r.pages = p
	if r.debug {
		fmt.Fprintf(r.stderr, "runserver: the site shows this error until a file changes\n")
	}
}

// pageServer serves the error page on a duplicate of the socket.
type pageServer struct {
	cancel context.CancelFunc
	done   chan error
}

func (r *reloader) startPages() (*pageServer, error) {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, *r.page.Load())
	})
	cfg := server.Config{TLSCertFile: r.tlsCert, TLSKeyFile: r.tlsKey, ShutdownTimeout: stopTimeout, NoSignals: true}
	srv, err := server.New(cfg, h, nil)
	if err != nil { // a bad certificate: the child reports it; serve plain HTTP
		cfg.TLSCertFile, cfg.TLSKeyFile = "", ""
		if srv, err = server.New(cfg, h, nil); err != nil {
			return nil, err
		}
	}
	ln, err := net.FileListener(r.file)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &pageServer{cancel: cancel, done: make(chan error, 1)}
	go func() { p.done <- srv.Serve(ctx, ln) }()
	return p, nil
}

// stopPages shuts the error page server down, if it runs, and waits until
// it no longer accepts.
func (r *reloader) stopPages() {
	if r.pages == nil {
		return
	}
	r.pages.cancel()
	<-r.pages.done
	r.pages = nil
}

// errorPage renders the reloader's error page. It reloads itself every two
// seconds, so that the browser shows the site as soon as it is back.
func errorPage(title, detail string, debug bool) string {
	if !debug {
		detail = "See the terminal running runserver for details."
	}
	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><meta name="robots" content="noindex">
<title>` + html.EscapeString(title) + ` | Djinn runserver</title>
<style>body{margin:0;font-family:sans-serif}header{padding:10px 20px;background:#ffc;border-bottom:1px solid #ddd}h1{font-weight:normal;margin:0 0 6px}pre{margin:0;padding:10px 20px;white-space:pre-wrap}</style>
</head><body><header><h1>` + html.EscapeString(title) + `</h1>
<p>runserver rebuilds the site when a file changes; this page reloads itself.</p></header>
<pre>` + html.EscapeString(detail) + `</pre></body></html>
`
}

// child is one run of the server.
type child struct {
	cmd  *exec.Cmd
	tail *tailBuffer
	done chan struct{} // closed once the process has exited; err is set then
	err  error
}

// startChild runs bin with args, the socket as fd 3, stdout as is and
// stderr both to stderr and to a tail kept for the error page.
func startChild(bin string, args []string, socket *os.File, stdout, stderr io.Writer) (*child, error) {
	c := &child{tail: &tailBuffer{max: tailSize}, done: make(chan struct{})}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(childEnv(), listenFDEnv+"=3")
	cmd.ExtraFiles = []*os.File{socket} // fd 3
	cmd.Stdout = stdout
	cmd.Stderr = io.MultiWriter(stderr, c.tail)
	cmd.SysProcAttr = childSysProcAttr()
	cmd.WaitDelay = time.Second // a grandchild holding stderr does not block Wait
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the server: %w", err)
	}
	c.cmd = cmd
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// childEnv is this process's environment without socket activation
// variables, which are not meant for the child.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", listenFDEnv:
			continue
		}
		env = append(env, kv)
	}
	return env
}

// tailBuffer keeps the last max bytes written to it. It is safe for
// concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// lockedWriter serializes writes from the reloader and a child's stderr
// copier.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// ignoredDir reports whether the directory at path (absolute) is left
// unwatched: hidden directories, dependencies and outputs, and the
// directories the running server reads from disk (skipDirs).
func (r *reloader) ignoredDir(path string) bool {
	if path == r.root {
		return false
	}
	switch base := filepath.Base(path); {
	case strings.HasPrefix(base, "."), base == "node_modules", base == "staticfiles", base == "testdata":
		return true
	}
	for _, d := range append(r.skipDirs, r.tmp) {
		if d != "" && (path == d || strings.HasPrefix(path, d+string(filepath.Separator))) {
			return true
		}
	}
	return false
}

// ignoredFile reports whether a change to a file named base cannot change
// the server: editors' temporary files, tests, databases and logs.
func ignoredFile(base string) bool {
	switch {
	case strings.HasPrefix(base, "."), strings.HasPrefix(base, "#"), strings.HasSuffix(base, "~"),
		base == "4913", // vim's write test
		strings.HasSuffix(base, ".swp"), strings.HasSuffix(base, ".swx"), strings.HasSuffix(base, ".swo"),
		strings.HasSuffix(base, "_test.go"), strings.HasSuffix(base, ".log"):
		return true
	}
	for _, ext := range []string{".sqlite3", ".sqlite", ".db"} {
		for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
			if strings.HasSuffix(base, ext+suffix) {
				return true
			}
		}
	}
	return false
}
