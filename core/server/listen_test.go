//go:build unix

package server

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// unixClient returns an HTTP client that dials the unix socket at path.
func unixClient(t *testing.T, path string) *http.Client {
	return newClient(t, &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	})
}

// staleSocket leaves a socket file at path that nobody accepts on, as a
// crashed server would.
func staleSocket(t *testing.T, path string) {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
}

func TestUnixSocket(t *testing.T) {
	tests := []struct {
		name     string
		mode     fs.FileMode
		prepare  func(t *testing.T, path string)
		wantMode fs.FileMode
	}{
		{"new socket", 0, nil, 0o660},
		{"stale socket is replaced", 0, staleSocket, 0o660},
		{"custom mode", 0o600, nil, 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.sock")
			if tt.prepare != nil {
				tt.prepare(t, path)
			}
			r := start(t, Config{Addr: "unix:" + path, SocketMode: tt.mode}, textHandler("over unix"))
			if r.addr != path {
				t.Errorf("Addr() = %q; want %q", r.addr, path)
			}
			if status, _, body := get(t, unixClient(t, path), "GET", "http://unix/"); status != 200 || body != "over unix" {
				t.Errorf("GET over the socket = %d %q; want 200 %q", status, body, "over unix")
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != tt.wantMode {
				t.Errorf("socket file mode = %v; want socket with %v", fi.Mode(), tt.wantMode)
			}
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v; want nil", err)
			}
			if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("socket file after shutdown: %v; want it removed", err)
			}
		})
	}
}

func TestUnixSocketRefusesToClobber(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		check   func(t *testing.T, path string)
		wantErr string
	}{
		{
			name: "regular file",
			prepare: func(t *testing.T, path string) {
				if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, path string) {
				if b, err := os.ReadFile(path); err != nil || string(b) != "precious" {
					t.Errorf("regular file after Run = %q, %v; want it untouched", b, err)
				}
			},
			wantErr: "exists and is not a socket",
		},
		{
			name: "directory",
			prepare: func(t *testing.T, path string) {
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, path string) {
				if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
					t.Errorf("directory after Run: %v, %v; want it untouched", fi, err)
				}
			},
			wantErr: "exists and is not a socket",
		},
		{
			name: "live socket of another server",
			prepare: func(t *testing.T, path string) {
				ln, err := net.Listen("unix", path)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { ln.Close() })
				go func() {
					for {
						c, err := ln.Accept()
						if err != nil {
							return
						}
						c.Close()
					}
				}()
			},
			check: func(t *testing.T, path string) {
				c, err := net.Dial("unix", path)
				if err != nil {
					t.Errorf("other server's socket after Run: %v; want it still accepting", err)
					return
				}
				c.Close()
			},
			wantErr: "is in use by another server",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.sock")
			tt.prepare(t, path)
			s, err := New(Config{Addr: "unix:" + path, NoSignals: true}, textHandler("x"), nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			err = s.Run(ctx)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "server: ") {
				t.Errorf("Run on %s = %v; want error containing %q", tt.name, err, tt.wantErr)
			}
			tt.check(t, path)
		})
	}
}

func TestReusePort(t *testing.T) {
	first := start(t, Config{ReusePort: true}, textHandler("first"))
	second := start(t, Config{Addr: first.addr, ReusePort: true}, textHandler("second"))
	if second.addr != first.addr {
		t.Fatalf("second server listens on %s; want %s", second.addr, first.addr)
	}

	// Without SO_REUSEPORT the port is taken.
	s, err := New(Config{Addr: first.addr, NoSignals: true}, textHandler("third"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := s.Run(ctx); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("Run without ReusePort on a taken port = %v; want address in use", err)
	}

	// The zero-downtime hand-over: stop the first; the second serves all.
	if err := first.stop(t); err != nil {
		t.Fatalf("first Run = %v; want nil", err)
	}
	c := newClient(t, &http.Transport{DisableKeepAlives: true})
	for i := range 10 {
		if status, _, body := get(t, c, "GET", "http://"+first.addr+"/"); status != 200 || body != "second" {
			t.Errorf("GET #%d after the first server stopped = %d %q; want 200 %q", i, status, body, "second")
		}
	}
}

// activationChildEnv marks the child process of TestSocketActivation.
const activationChildEnv = "DJINN_SERVER_TEST_ACTIVATION_CHILD"

// TestSocketActivation starts this test binary as a child with a listening
// socket on fd 3 and LISTEN_FDS=1, as systemd does, and checks that the
// child serves on it and exits cleanly on SIGTERM.
func TestSocketActivation(t *testing.T) {
	if os.Getenv(activationChildEnv) == "1" {
		activationChild(t)
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // f keeps the socket open

	ctx, cancel := context.WithTimeout(context.Background(), 3*waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSocketActivation$", "-test.count=1")
	cmd.Env = append(os.Environ(), activationChildEnv+"=1", "LISTEN_FDS=1")
	cmd.ExtraFiles = []*os.File{f} // fd 3 in the child
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// The kernel queues the connection until the child accepts it.
	c := newClient(t, &http.Transport{DisableKeepAlives: true})
	status, _, body := get(t, c, "GET", "http://"+addr+"/pid")
	if want := strconv.Itoa(cmd.Process.Pid); status != 200 || body != want {
		t.Errorf("GET /pid = %d %q; want 200 %q (served by the child)", status, body, want)
	}
	if status, _, _ := get(t, c, "GET", "http://"+addr+"/healthz"); status != 200 {
		t.Errorf("GET /healthz = %d; want 200", status)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child after SIGTERM: %v; output:\n%s", err, out.String())
	}
}

func activationChild(t *testing.T) {
	t.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid())) // systemd sets it after fork
	pid := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strconv.Itoa(os.Getpid())))
	})
	logger, logs := newTestLogger()
	// Addr is valid but unusable: the inherited socket must win.
	s, err := New(Config{Addr: "192.0.2.1:1"}, pid, logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitLimit)
	defer cancel()
	if err := s.Run(ctx); err != nil {
		t.Fatalf("Run = %v; want nil after SIGTERM", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run ended by its timeout, not by SIGTERM")
	}
	if rec := logs.Find(t, "listening"); rec == nil || rec["source"] != "systemd" {
		t.Errorf("listening log record = %v; want source systemd", rec)
	}
	for _, k := range []string{"LISTEN_PID", "LISTEN_FDS"} {
		if v, ok := os.LookupEnv(k); ok {
			t.Errorf("%s = %q after Run; want it unset", k, v)
		}
	}
}

// TestSocketActivationForAnotherProcess checks that LISTEN_FDS meant for
// another process (LISTEN_PID differs) is ignored.
func TestSocketActivationForAnotherProcess(t *testing.T) {
	t.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid()+1))
	t.Setenv("LISTEN_FDS", "1")
	r := start(t, Config{}, textHandler("x"))
	if rec := r.logs.Find(t, "listening"); rec == nil || rec["source"] != "addr" {
		t.Errorf("listening log record = %v; want source addr", rec)
	}
	if got := os.Getenv("LISTEN_FDS"); got != "1" {
		t.Errorf("LISTEN_FDS = %q; want it left alone for its owner", got)
	}
}

func TestSocketActivationBadCount(t *testing.T) {
	t.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid()))
	t.Setenv("LISTEN_FDS", "zero")
	s, err := New(Config{NoSignals: true, Addr: "127.0.0.1:0"}, textHandler("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := s.Run(ctx); err == nil || !strings.Contains(err.Error(), `LISTEN_FDS="zero"`) {
		t.Errorf("Run with LISTEN_FDS=zero = %v; want an error naming it", err)
	}
}

// TestUnixSocketCreatedWithMode checks that the socket file never exists
// with more permissions than SocketMode, even before the final Chmod and
// under a permissive umask, and that the umask is restored afterwards.
func TestUnixSocketCreatedWithMode(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	for _, mode := range []fs.FileMode{0o600, 0o660, 0o700} {
		t.Run(mode.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.sock")
			ln, err := bindUnix(context.Background(), path, mode)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			fi, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			if extra := fi.Mode().Perm() &^ mode; extra != 0 {
				t.Errorf("bindUnix(%v) created the socket with %v; want no bits beyond %v", mode, fi.Mode().Perm(), mode)
			}
			if got := syscall.Umask(0); got != 0 {
				t.Errorf("umask after bindUnix = %#o; want 0 restored", got)
			}
		})
	}
}

// TestAbstractUnixSocket checks that "unix:@name" listens on a Linux
// abstract socket, which has no file to remove or chmod.
func TestAbstractUnixSocket(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("abstract unix sockets are a Linux feature")
	}
	name := "@djinn-server-test-" + strconv.Itoa(os.Getpid())
	r := start(t, Config{Addr: "unix:" + name}, textHandler("abstract"))
	if status, _, body := get(t, unixClient(t, name), "GET", "http://unix/"); status != 200 || body != "abstract" {
		t.Errorf("GET over %s = %d %q; want 200 %q", name, status, body, "abstract")
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v; want nil", err)
	}
}
