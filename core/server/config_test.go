package server

import (
	"context"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestNewRejectsBadConfig(t *testing.T) {
	okCheck := func(context.Context) error { return nil }
	notPEM := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error, naming the field
	}{
		{"addr without port", Config{Addr: "nonsense"}, `Config.Addr: "nonsense" is not host:port`},
		{"addr with bad port", Config{Addr: ":99999"}, `Config.Addr: ":99999" has an invalid port`},
		{"addr with bad host", Config{Addr: "a b:80"}, `Config.Addr: "a b:80" has an invalid host`},
		{"unix without path", Config{Addr: "unix:"}, `Config.Addr: "unix:" names no socket path`},
		{"reuse port on unix socket", Config{Addr: "unix:/tmp/x.sock", ReusePort: true}, "Config.ReusePort: needs a TCP Addr"},
		{"negative drain delay", Config{DrainDelay: -time.Second}, "Config.DrainDelay: negative duration"},
		{"negative probe timeout", Config{ProbeTimeout: -time.Second}, "Config.ProbeTimeout: negative duration"},
		{"negative max header bytes", Config{MaxHeaderBytes: -1}, "Config.MaxHeaderBytes: negative size"},
		{"socket mode with type bits", Config{SocketMode: fs.ModeDir | 0o600}, "Config.SocketMode:"},
		{"relative health path", Config{HealthPath: "healthz"}, `Config.HealthPath: "healthz" does not start with /`},
		{"same health and ready path", Config{HealthPath: "/h", ReadyPath: "/h"}, `Config.ReadyPath: "/h" is also HealthPath`},
		{"probe without name", Config{ReadyProbes: []Probe{{Check: okCheck}}}, "Config.ReadyProbes[0]: empty Name"},
		{"probe without check", Config{ReadyProbes: []Probe{{Name: "db"}}}, "Config.ReadyProbes[0]: nil Check"},
		{"duplicate probe", Config{ReadyProbes: []Probe{{Name: "db", Check: okCheck}, {Name: "db", Check: okCheck}}}, `Config.ReadyProbes[1]: duplicate Name "db"`},
		{"cert without key", Config{TLSCertFile: notPEM}, "Config.TLSCertFile: TLSCertFile and TLSKeyFile must be set together"},
		{"cert not PEM", Config{TLSCertFile: notPEM, TLSKeyFile: notPEM}, "Config.TLSCertFile: load key pair"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.cfg, textHandler("x"), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New(%+v) = %v, %v; want error containing %q", tt.cfg, s, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "server: ") {
				t.Errorf("New error %q does not start with the package name", err)
			}
		})
	}
}

func TestNewNilHandler(t *testing.T) {
	if _, err := New(Config{}, nil, nil); err == nil || err.Error() != "server: nil handler" {
		t.Fatalf("New(Config{}, nil, nil) error = %v; want %q", err, "server: nil handler")
	}
}

func TestNewAcceptsGoodAddrs(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:8000", ":8000", "[::1]:0", "localhost:http", "unix:/run/mysite.sock"} {
		t.Run(addr, func(t *testing.T) {
			if _, err := New(Config{Addr: addr}, textHandler("x"), nil); err != nil {
				t.Fatalf("New(Config{Addr: %q}) error = %v; want nil", addr, err)
			}
		})
	}
}

func TestZeroConfigTakesDefaults(t *testing.T) {
	s, err := New(Config{}, textHandler("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr:              "127.0.0.1:8000",
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ShutdownTimeout:   30 * time.Second,
		MaxHeaderBytes:    64 << 10,
		MaxConns:          10_000,
		HealthPath:        "/healthz",
		ReadyPath:         "/readyz",
		ProbeTimeout:      800 * time.Millisecond,
		ProbeCacheTTL:     time.Second,
		SocketMode:        0o660,
	}
	if diff := cmp.Diff(want, s.cfg, cmpopts.IgnoreFields(Config{}, "ReadyProbes")); diff != "" {
		t.Errorf("New(Config{}) config mismatch (-want +got):\n%s", diff)
	}
	// The http.Server the gateway runs carries the same limits.
	got := struct {
		ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
		MaxHeaderBytes                                            int
	}{s.http.ReadHeaderTimeout, s.http.ReadTimeout, s.http.WriteTimeout, s.http.IdleTimeout, s.http.MaxHeaderBytes}
	wantHTTP := struct {
		ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
		MaxHeaderBytes                                            int
	}{want.ReadHeaderTimeout, want.ReadTimeout, want.WriteTimeout, want.IdleTimeout, want.MaxHeaderBytes}
	if diff := cmp.Diff(wantHTTP, got); diff != "" {
		t.Errorf("http.Server limits mismatch (-want +got):\n%s", diff)
	}
	if s.http.ErrorLog == nil {
		t.Error("http.Server.ErrorLog is nil; want the slog bridge")
	}
}

func TestRunTwice(t *testing.T) {
	r := start(t, Config{}, textHandler("x"))
	for _, run := range []struct {
		name string
		f    func() error
	}{
		{"Run", func() error { return r.srv.Run(t.Context()) }},
		{"Serve", func() error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			return r.srv.Serve(t.Context(), ln)
		}},
	} {
		t.Run(run.name, func(t *testing.T) {
			err := run.f()
			if err == nil || !strings.Contains(err.Error(), "called twice") {
				t.Fatalf("second %s = %v; want a called-twice error", run.name, err)
			}
		})
	}
	if err := r.stop(t); err != nil {
		t.Errorf("first Run = %v; want nil", err)
	}
}

func TestDisabledHealthPaths(t *testing.T) {
	s, err := New(Config{HealthPath: "-", ReadyPath: "-"}, textHandler("app"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		t.Run(path, func(t *testing.T) {
			rec := serveRecorder(s.Handler(), http.MethodGet, path)
			if rec.Body.String() != "app" {
				t.Errorf("GET %s body = %q; want %q from the wrapped handler", path, rec.Body.String(), "app")
			}
		})
	}
}
