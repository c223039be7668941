// Package server is Djinn's gateway server: the net/http.Server that sits
// in front of a project's middleware stack and owns what a production
// deployment needs below the application — listening, timeouts and limits,
// health endpoints, structured error logging and graceful shutdown.
//
// # Use
//
//	srv, err := server.New(server.Config{
//		Addr:        "127.0.0.1:8000",
//		ReadyProbes: []server.Probe{{Name: "db", Check: db.PingContext}},
//	}, project.Handler(), logger)
//	if err != nil {
//		return err
//	}
//	return srv.Run(ctx) // until ctx is done, SIGINT or SIGTERM
//
// The zero Config is usable; every default lives in defaults.go and is
// explained there. In short: ReadHeaderTimeout 5 s (slowloris), ReadTimeout
// 30 s, WriteTimeout 60 s, IdleTimeout 120 s, ShutdownTimeout 30 s,
// MaxHeaderBytes 64 KiB (431 above), MaxConns 10,000, no DrainDelay.
//
// # Listening
//
// Config.Addr is "host:port", ":port" or "unix:/path/to.sock". A unix
// socket gets Config.SocketMode (0660); a stale socket file left by a
// crash is replaced, but a live socket or a file that is not a socket is
// an error. MaxConns bounds the open connections: beyond it the server
// stops accepting and clients wait in the kernel's accept queue instead of
// the process running out of file descriptors. TLSCertFile and TLSKeyFile
// turn on HTTPS (TLS 1.2+, HTTP/2 by ALPN); H2C accepts unencrypted
// HTTP/2 with prior knowledge from a proxy. Listening and Addr tell a
// caller (a test on "127.0.0.1:0") when and where the server listens.
//
// net/http's own error log (TLS handshake failures, recovered handler
// panics, accept errors) goes to the slog.Logger as structured records.
//
// # Health
//
// Two endpoints are answered by the gateway itself, before the wrapped
// handler, so they work whatever the middleware does (allowed hosts,
// sessions, load shedding) and the wrapped handler never sees them. They
// match the path exactly and answer GET and HEAD only (405 otherwise).
//
//   - /healthz (Config.HealthPath) is liveness: 200 "ok" while the process
//     runs, even during shutdown.
//   - /readyz (Config.ReadyPath) is readiness: it runs every
//     Config.ReadyProbes check in parallel, each bounded by ProbeTimeout,
//     and answers 200 when all pass and 503 otherwise, with a JSON body
//     {"status":"ok","checks":[{"name":"db","status":"ok","duration_ms":1}]}.
//     A failing probe shows as "failed", "timeout" or "panic"; its error
//     text is logged (when it starts failing and when it recovers), never
//     sent. A result is reused for ProbeCacheTTL (1 s) and concurrent
//     requests share one run, so a flood of /readyz cannot hammer the
//     database. Once shutdown begins /readyz answers 503 at once.
//
// # Graceful shutdown
//
// When Run's context is done or SIGINT or SIGTERM arrives, the server
// turns /readyz to 503, keeps serving for DrainDelay so that load
// balancers take it out of rotation, closes the listener (new connections
// are refused), lets in-flight requests finish within ShutdownTimeout,
// then cuts what is left and reports it in a *ShutdownError. Run returns
// nil after a clean shutdown. A second signal cuts the wait short. While
// Run is active SIGINT and SIGTERM do not kill the process.
//
// Request contexts are not cancelled when shutdown begins, since
// in-flight requests are meant to finish; long-lived handlers (server-sent
// events, long polls) watch Server.Stopping and end their streams.
//
// On Kubernetes, set DrainDelay a little above the readiness probe's
// period (e.g. 5-10 s) and terminationGracePeriodSeconds above
// DrainDelay + ShutdownTimeout.
//
// # Zero-downtime restart
//
// Two recipes let a new binary take over a port without refusing a
// connection.
//
// With SO_REUSEPORT (Config.ReusePort, Linux and BSDs), both processes
// listen on the same TCP port and the kernel spreads new connections
// between them:
//
//  1. start the new binary with the same Addr and ReusePort: true;
//  2. wait until its /readyz answers 200;
//  3. send SIGTERM to the old process; it stops accepting and finishes
//     its in-flight requests while the new one takes every new
//     connection.
//
// On Linux, connections already sitting in the old socket's accept queue
// at the instant it closes are reset; keep a DrainDelay so that a load
// balancer has moved traffic away first, or use socket activation.
//
// With systemd socket activation, systemd owns the listening socket and
// passes it to the server as fd 3 (LISTEN_PID, LISTEN_FDS); Run uses it
// instead of Addr. The socket stays open across restarts, so connections
// that arrive while the service restarts queue in the kernel and are
// served by the new process:
//
//	# mysite.socket
//	[Socket]
//	ListenStream=8000
//	[Install]
//	WantedBy=sockets.target
//
//	# mysite.service
//	[Service]
//	ExecStart=/srv/mysite/mysite runserver
//	Requires=mysite.socket
//	KillSignal=SIGTERM
//	TimeoutStopSec=45
//
// "systemctl restart mysite" then never refuses a connection.
package server
