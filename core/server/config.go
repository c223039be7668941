package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strings"
	"time"
)

// Config configures a Server. The zero value is usable: every zero field
// takes the default documented in defaults.go (DefaultAddr and so on).
// New copies the Config, so changing it afterwards has no effect.
type Config struct {
	// Addr is where the server listens: "host:port", ":port" (every
	// interface), "unix:/path/to.sock" or, on Linux, "unix:@name" (an
	// abstract socket: no file, hence no SocketMode). Zero means
	// DefaultAddr. When the process was started by systemd socket activation (LISTEN_PID is this
	// process and LISTEN_FDS ≥ 1), the inherited socket (fd 3) is used and
	// Addr is ignored.
	//
	// For a unix socket, a stale socket file left by a crashed server is
	// removed; a socket another server still accepts on, or a file that is
	// not a socket, is an error and is left alone.
	Addr string

	// ReadHeaderTimeout bounds reading the request line and headers
	// (slowloris protection). Zero means DefaultReadHeaderTimeout;
	// negative means no limit.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading the whole request, body included. Zero
	// means DefaultReadTimeout; negative means no limit.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing the response, measured from the end of
	// the request headers. Zero means DefaultWriteTimeout; negative means
	// no limit. A streaming view (server-sent events) should rather extend
	// its own deadline with http.ResponseController.SetWriteDeadline.
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request. Zero means DefaultIdleTimeout; negative means no limit.
	IdleTimeout time.Duration

	// ShutdownTimeout bounds how long in-flight requests may run once the
	// server stops accepting; afterwards their connections are cut and Run
	// returns a *ShutdownError. It starts after DrainDelay. Zero means
	// DefaultShutdownTimeout; negative means wait for ever.
	ShutdownTimeout time.Duration
	// DrainDelay is how long the server keeps serving after /readyz has
	// turned 503 at shutdown, so that load balancers notice and stop
	// sending traffic before the listener closes. Zero means
	// DefaultDrainDelay (none); negative is invalid.
	DrainDelay time.Duration

	// MaxHeaderBytes bounds the request line plus headers; larger requests
	// get 431. Zero means DefaultMaxHeaderBytes; negative is invalid.
	MaxHeaderBytes int
	// MaxConns is the most connections served at once. When it is reached
	// the server stops accepting, and new clients wait in the kernel's
	// accept queue until a connection closes. Zero means DefaultMaxConns;
	// negative means no limit.
	MaxConns int

	// TLSCertFile and TLSKeyFile, PEM files, turn on HTTPS with TLS 1.2 or
	// later and HTTP/2. Both or neither must be set. The files are read
	// once, by New.
	TLSCertFile string
	TLSKeyFile  string
	// H2C also accepts unencrypted HTTP/2 with prior knowledge, for a
	// TLS-terminating proxy in front that speaks HTTP/2 to its backends.
	H2C bool
	// ReusePort sets SO_REUSEPORT on a TCP listener so that a new process
	// can listen on the same port before the old one stops (zero-downtime
	// restart; see the package documentation). Not every platform has it;
	// there Run returns an error.
	ReusePort bool
	// SocketMode is the permission given to a unix socket file. Zero means
	// DefaultSocketMode (0660).
	SocketMode fs.FileMode

	// HealthPath is the liveness endpoint, answered "ok" by the gateway
	// before the wrapped handler. Zero means DefaultHealthPath; "-" turns
	// it off.
	HealthPath string
	// ReadyPath is the readiness endpoint that runs ReadyProbes. Zero means
	// DefaultReadyPath; "-" turns it off.
	ReadyPath string
	// ReadyProbes are run in parallel by ReadyPath; nil means /readyz only
	// reports whether the server is shutting down. Names must be unique
	// and non-empty.
	ReadyProbes []Probe
	// ProbeTimeout bounds each probe. Zero means DefaultProbeTimeout;
	// negative is invalid.
	ProbeTimeout time.Duration
	// ProbeCacheTTL is how long a readiness result is reused. Zero means
	// DefaultProbeCacheTTL; negative means no caching (concurrent requests
	// still share one run of the probes).
	ProbeCacheTTL time.Duration

	// BaseContext returns the context every request served from ln starts
	// from (http.Server.BaseContext); it is called once per listener, when
	// serving begins, and must not return nil. Put there what every
	// request shares, such as the error Renderer
	// (respond.WithRenderer), instead of adding it per request. The
	// context it returns should not be cancelled when shutdown begins, or
	// in-flight requests are cancelled with it. Nil means the context
	// given to Run or Serve, with its values but without its
	// cancellation.
	BaseContext func(ln net.Listener) context.Context

	// NoSignals stops Run and Serve from handling SIGINT and SIGTERM; only
	// the context then stops the server. Leave it false in a main program.
	NoSignals bool
}

// Probe is one named readiness check run by the /readyz endpoint. Check
// must return promptly when its context is done; a nil error means ready.
// Check is called from many goroutines over the server's life and must be
// safe for concurrent use. The field layout matches core.Probe, so one
// converts to the other.
type Probe struct {
	// Name identifies the probe in the /readyz body ("db", "cache").
	Name string
	// Check reports whether the dependency is usable.
	Check func(ctx context.Context) error
	// Optional marks a dependency the site can serve without (a cache it
	// degrades around): when it fails, /readyz still answers 200 with
	// status "degraded" so that load balancers keep the node, and the
	// failure shows in the body and the log.
	Optional bool
}

// validate checks a Config that already has its defaults and loads the TLS
// certificate. Each error names the field at fault.
func (c *Config) validate() (*tls.Config, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("server: Config.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if err := CheckAddr(c.Addr); err != nil {
		bad("Addr", "%v", err)
	} else if c.ReusePort && strings.HasPrefix(c.Addr, "unix:") {
		bad("ReusePort", "needs a TCP Addr, not %q", c.Addr)
	}
	if c.DrainDelay < 0 {
		bad("DrainDelay", "negative duration %v", c.DrainDelay)
	}
	if c.ProbeTimeout < 0 {
		bad("ProbeTimeout", "negative duration %v", c.ProbeTimeout)
	}
	if c.MaxHeaderBytes < 0 {
		bad("MaxHeaderBytes", "negative size %d", c.MaxHeaderBytes)
	}
	if c.SocketMode&^fs.ModePerm != 0 {
		bad("SocketMode", "%v is not a permission mode", c.SocketMode)
	}
	for _, p := range []struct{ field, path string }{{"HealthPath", c.HealthPath}, {"ReadyPath", c.ReadyPath}} {
		if p.path != "-" && !strings.HasPrefix(p.path, "/") {
			bad(p.field, "%q does not start with /", p.path)
		}
	}
	if c.HealthPath != "-" && c.HealthPath == c.ReadyPath {
		bad("ReadyPath", "%q is also HealthPath", c.ReadyPath)
	}
	seen := make(map[string]bool, len(c.ReadyProbes))
	for i, p := range c.ReadyProbes {
		switch {
		case p.Name == "":
			bad(fmt.Sprintf("ReadyProbes[%d]", i), "empty Name")
		case seen[p.Name]:
			bad(fmt.Sprintf("ReadyProbes[%d]", i), "duplicate Name %q", p.Name)
		}
		if p.Check == nil {
			bad(fmt.Sprintf("ReadyProbes[%d]", i), "nil Check")
		}
		seen[p.Name] = true
	}
	var tlsConfig *tls.Config
	switch {
	case (c.TLSCertFile == "") != (c.TLSKeyFile == ""):
		bad("TLSCertFile", "TLSCertFile and TLSKeyFile must be set together")
	case c.TLSCertFile != "":
		cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			bad("TLSCertFile", "load key pair: %v", err)
			break
		}
		tlsConfig = &tls.Config{
			MinVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{cert},
		}
	}
	return tlsConfig, errors.Join(errs...)
}

// CheckAddr reports whether addr is a listen address the server accepts:
// "host:port", ":port", "unix:/path" or "unix:@name". Settings validation
// uses it so that a bad address is reported before anything starts.
func CheckAddr(addr string) error {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		if path == "" {
			return fmt.Errorf("%q names no socket path", addr)
		}
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port, :port or unix:/path", addr)
	}
	if strings.ContainsAny(host, " /\\@") {
		return fmt.Errorf("%q has an invalid host", addr)
	}
	if _, err := net.LookupPort("tcp", port); err != nil || port == "" {
		return fmt.Errorf("%q has an invalid port", addr)
	}
	return nil
}
