package server

import (
	"io/fs"
	"time"
)

// Every default of the gateway server lives in this file. A zero field of
// Config takes the default below; Config's field comments say what a
// negative value means where one is allowed.
const (
	// DefaultAddr listens on the loopback interface only, so that a
	// development server is never reachable from the network by accident.
	DefaultAddr = "127.0.0.1:8000"

	// DefaultReadHeaderTimeout bounds the time a client may take to send the
	// request line and headers. It is what disconnects slowloris clients
	// that trickle headers one byte at a time.
	DefaultReadHeaderTimeout = 5 * time.Second

	// DefaultReadTimeout bounds reading a whole request, body included.
	// Uploads that need longer must raise it.
	DefaultReadTimeout = 30 * time.Second

	// DefaultWriteTimeout bounds the time from the end of the request
	// headers to the end of the response. It is longer than the middleware
	// stack's request timeout (30 s) so that a timed-out view still gets to
	// send its 503.
	DefaultWriteTimeout = 60 * time.Second

	// DefaultIdleTimeout is how long a keep-alive connection may wait for
	// its next request. It is longer than the 60 s idle timeout of common
	// load balancers (AWS ALB, nginx upstream keep-alive) so that the
	// balancer, not the server, closes idle connections, which avoids the
	// race where a balancer reuses a connection the server just closed.
	DefaultIdleTimeout = 120 * time.Second

	// DefaultShutdownTimeout is how long in-flight requests may take to
	// finish after shutdown begins (after DrainDelay). It matches the 30 s
	// grace period Kubernetes gives a pod before SIGKILL; with a DrainDelay,
	// raise terminationGracePeriodSeconds to cover both.
	DefaultShutdownTimeout = 30 * time.Second

	// DefaultDrainDelay is zero: a development server stops at once. In
	// production set it a little longer than the load balancer's health
	// check interval (5-10 s is typical).
	DefaultDrainDelay time.Duration = 0

	// DefaultMaxHeaderBytes bounds the request line plus headers. Go's own
	// default is 1 MiB, which lets every connection pin 1 MiB of buffers:
	// 10,000 slow clients would hold 10 GiB. Browsers and proxies cap far
	// lower (nginx's default is 4 × 8 KiB buffers, Node's 16 KiB), so 64 KiB
	// leaves room for large cookies and still bounds memory to 640 MiB at
	// DefaultMaxConns. Larger headers get 431. (net/http reads up to 4 KiB
	// more than this before it answers 431.)
	DefaultMaxHeaderBytes = 64 << 10

	// DefaultMaxConns is the most connections served at once; further
	// clients wait in the kernel's accept queue instead of the process
	// running out of file descriptors (Go raises the soft descriptor limit
	// to the hard limit at start-up, typically 2^19 or more, so 10,000
	// leaves ample room for database and cache connections).
	DefaultMaxConns = 10_000

	// DefaultHealthPath answers 200 while the process runs (liveness).
	DefaultHealthPath = "/healthz"

	// DefaultReadyPath answers 200 when every readiness probe passes
	// (readiness).
	DefaultReadyPath = "/readyz"

	// DefaultProbeTimeout bounds each readiness probe. It stays under the
	// 1 s default timeout of Kubernetes probes so that /readyz answers
	// before the prober gives up.
	DefaultProbeTimeout = 800 * time.Millisecond

	// DefaultProbeCacheTTL is how long a readiness result is reused, so that
	// a flood of /readyz requests runs the probes at most once a second.
	DefaultProbeCacheTTL = time.Second

	// DefaultSocketMode is the permission of a unix socket the server
	// creates: the owner and its group (for example a reverse proxy added
	// to the group) may connect, nobody else.
	DefaultSocketMode fs.FileMode = 0o660
)

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	setDefault(&c.Addr, DefaultAddr)
	setDefault(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&c.ReadTimeout, DefaultReadTimeout)
	setDefault(&c.WriteTimeout, DefaultWriteTimeout)
	setDefault(&c.IdleTimeout, DefaultIdleTimeout)
	setDefault(&c.ShutdownTimeout, DefaultShutdownTimeout)
	setDefault(&c.DrainDelay, DefaultDrainDelay)
	setDefault(&c.MaxHeaderBytes, DefaultMaxHeaderBytes)
	setDefault(&c.MaxConns, DefaultMaxConns)
	setDefault(&c.HealthPath, DefaultHealthPath)
	setDefault(&c.ReadyPath, DefaultReadyPath)
	setDefault(&c.ProbeTimeout, DefaultProbeTimeout)
	setDefault(&c.ProbeCacheTTL, DefaultProbeCacheTTL)
	setDefault(&c.SocketMode, DefaultSocketMode)
	return c
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}
