package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Server is Djinn's gateway server: an http.Server with every timeout and
// limit set, the /healthz and /readyz endpoints in front of the wrapped
// handler, and graceful shutdown on SIGINT and SIGTERM.
//
// Create one with New and start it with Run (or Serve). A Server runs
// once. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	logger  *slog.Logger
	gateway *gateway
	http    *http.Server

	started   atomic.Bool
	conns     atomic.Int64 // open connections, hijacked ones excluded
	listening chan struct{}
	stopping  chan struct{}
	mu        sync.Mutex
	addr      net.Addr
}

// New returns a Server for h configured by cfg; zero fields of cfg take
// the defaults in defaults.go. New checks the configuration (an error
// names the field at fault: "server: Config.Addr: ...") and loads the TLS
// certificate, but does not listen. A nil logger discards the log.
func New(cfg Config, h http.Handler, logger *slog.Logger) (*Server, error) {
	if h == nil {
		return nil, errors.New("server: nil handler")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	tlsConfig, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		logger:    logger,
		listening: make(chan struct{}),
		stopping:  make(chan struct{}),
	}
	s.gateway = &gateway{
		next:       h,
		healthPath: enabledPath(cfg.HealthPath),
		readyPath:  enabledPath(cfg.ReadyPath),
		ready: &readiness{
			probes:   cfg.ReadyProbes,
			inFlight: make([]atomic.Bool, len(cfg.ReadyProbes)),
			timeout:  cfg.ProbeTimeout,
			ttl:      cfg.ProbeCacheTTL,
			logger:   logger,
			now:      time.Now,
		},
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true) // used only over TLS
	protocols.SetUnencryptedHTTP2(cfg.H2C)
	s.http = &http.Server{
		Handler:           s.gateway,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		Protocols:         &protocols,
		ErrorLog:          newErrorLog(logger),
		ConnState:         s.trackConn,
	}
	return s, nil
}

func enabledPath(p string) string {
	if p == "-" {
		return ""
	}
	return p
}

// Handler returns the gateway handler: the health endpoints in front of
// the handler given to New. Run serves it; tests can serve it with
// net/http/httptest.
func (s *Server) Handler() http.Handler { return s.gateway }

// Listening returns a channel that is closed once the server listens, after
// which Addr is set. It is never closed when listening fails, so wait on it
// together with Run's result.
func (s *Server) Listening() <-chan struct{} { return s.listening }

// Stopping returns a channel that is closed when shutdown begins. Request
// contexts are not cancelled then (in-flight requests are meant to
// finish), so long-lived handlers — server-sent events, WebSockets, long
// polls — should watch Stopping and end their streams, or they are cut at
// ShutdownTimeout. Hijacked connections (WebSockets) are neither waited
// for nor cut by the server.
func (s *Server) Stopping() <-chan struct{} { return s.stopping }

// Addr returns the address the server listens on, or nil before it
// listens. With Config.Addr "127.0.0.1:0" it reports the port the kernel
// picked.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Run listens on Config.Addr (or the socket systemd passed), serves until
// ctx is done or SIGINT or SIGTERM arrives, then shuts down gracefully:
//
//  1. /readyz starts answering 503 and keep-alives are turned off;
//  2. the server keeps serving for Config.DrainDelay;
//  3. the listener closes, so new connections are refused, and idle
//     connections close;
//  4. in-flight requests get Config.ShutdownTimeout to finish;
//  5. connections still busy then are cut and Run returns a *ShutdownError.
//
// A second SIGINT or SIGTERM during shutdown skips straight to step 5.
// While Run is active, the signals no longer kill the process (unless
// Config.NoSignals is set, in which case Run does not touch them).
//
// Run returns nil after a clean shutdown, whatever ended it. It may be
// called once per Server.
func (s *Server) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("server: Run or Serve called twice")
	}
	sigs, stop := s.notifySignals()
	defer stop()
	ln, source, err := s.listen(ctx)
	if err != nil {
		return err
	}
	return s.serve(ctx, ln, source, sigs)
}

// Serve is Run on a listener the caller opened; Config.Addr, ReusePort
// and SocketMode are then unused. Serve takes ownership of ln and closes
// it at shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if !s.started.CompareAndSwap(false, true) {
		ln.Close()
		return errors.New("server: Run or Serve called twice")
	}
	sigs, stop := s.notifySignals()
	defer stop()
	return s.serve(ctx, ln, "listener", sigs)
}

// notifySignals routes SIGINT and SIGTERM to a channel until stop is
// called, which replaces their default action (exit) meanwhile.
func (s *Server) notifySignals() (sigs <-chan os.Signal, stop func()) {
	if s.cfg.NoSignals {
		return nil, func() {}
	}
	ch := make(chan os.Signal, 2) // room for the second, forcing signal
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return ch, func() { signal.Stop(ch) }
}

func (s *Server) trackConn(_ net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		s.conns.Add(1)
	case http.StateClosed, http.StateHijacked:
		s.conns.Add(-1)
	}
}

func (s *Server) serve(ctx context.Context, ln net.Listener, source string, sigs <-chan os.Signal) error {
	if s.cfg.MaxConns > 0 {
		ln = newLimitListener(ln, s.cfg.MaxConns, s.logger)
	}
	// Requests must outlive the cancellation of ctx: that is what starts
	// the graceful shutdown. By default they keep ctx's values.
	if s.cfg.BaseContext != nil {
		s.http.BaseContext = s.cfg.BaseContext
	} else {
		base := context.WithoutCancel(ctx)
		s.http.BaseContext = func(net.Listener) context.Context { return base }
	}

	s.logger.Info("listening",
		"addr", ln.Addr().String(),
		"network", ln.Addr().Network(),
		"source", source,
		"tls", s.http.TLSConfig != nil,
		"h2c", s.cfg.H2C,
	)
	s.mu.Lock()
	s.addr = ln.Addr()
	s.mu.Unlock()
	close(s.listening)
	serveErr := make(chan error, 1)
	go func() {
		if s.http.TLSConfig != nil {
			serveErr <- s.http.ServeTLS(ln, "", "")
		} else {
			serveErr <- s.http.Serve(ln)
		}
	}()

	var reason string
	var failed error
	select {
	case <-ctx.Done():
		reason = context.Cause(ctx).Error()
	case sig := <-sigs:
		reason = sig.String() + " signal received"
	case err := <-serveErr:
		failed = fmt.Errorf("server: serve: %w", err)
		reason = failed.Error()
		serveErr <- err // for shutdown to collect
	}
	return errors.Join(failed, s.shutdown(reason, sigs, serveErr))
}

// shutdown performs steps 1-5 of Run's shutdown.
func (s *Server) shutdown(reason string, sigs <-chan os.Signal, serveErr <-chan error) error {
	start := time.Now()
	s.gateway.ready.stopping.Store(true)
	close(s.stopping)
	s.http.SetKeepAlivesEnabled(false)
	s.logger.Info("shutting down",
		"reason", reason,
		"drain_delay_ms", s.cfg.DrainDelay.Milliseconds(),
		"shutdown_timeout_ms", s.cfg.ShutdownTimeout.Milliseconds(),
		"open_conns", s.conns.Load(),
	)

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	if s.cfg.DrainDelay > 0 {
		s.logger.Info("draining: readiness reports 503, still serving", "drain_delay_ms", s.cfg.DrainDelay.Milliseconds())
		t := time.NewTimer(s.cfg.DrainDelay)
		select {
		case <-t.C:
		case sig := <-sigs:
			t.Stop()
			cancel(fmt.Errorf("%v signal received during shutdown", sig))
		}
	}
	if s.cfg.ShutdownTimeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeoutCause(ctx, s.cfg.ShutdownTimeout,
			fmt.Errorf("%v timeout exceeded", s.cfg.ShutdownTimeout))
		defer stop()
	}
	go func() {
		select {
		case sig := <-sigs:
			cancel(fmt.Errorf("%v signal received during shutdown", sig))
		case <-ctx.Done():
		}
	}()

	s.logger.Info("closing listener; waiting for in-flight requests", "open_conns", s.conns.Load())
	err := s.http.Shutdown(ctx)
	if serr := <-serveErr; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err == nil {
		s.logger.Info("shutdown complete", "duration_ms", time.Since(start).Milliseconds())
		return nil
	}
	if ctx.Err() == nil { // closing the listener failed; nothing to cut
		return fmt.Errorf("server: shutdown: %w", err)
	}
	cut := int(s.conns.Load())
	s.http.Close()
	serr := &ShutdownError{Cause: context.Cause(ctx), Cut: cut}
	s.logger.Warn("shutdown forced; connections cut",
		"cause", serr.Cause.Error(), "cut_conns", cut, "duration_ms", time.Since(start).Milliseconds())
	return serr
}

// ShutdownError is returned by Run when in-flight requests did not finish
// within Config.ShutdownTimeout (or a second signal cut the wait short),
// so that their connections were closed under them. Only the server
// creates one; a zero ShutdownError has no meaning.
type ShutdownError struct {
	// Cause says why waiting stopped: the timeout or the second signal.
	Cause error
	// Cut is the number of connections that were still open.
	Cut int
}

// Error reports the cause and how many connections were cut, as in
// "server: shutdown: 30s timeout exceeded; cut 2 connections".
func (e *ShutdownError) Error() string {
	noun := "connections"
	if e.Cut == 1 {
		noun = "connection"
	}
	return fmt.Sprintf("server: shutdown: %v; cut %d %s", e.Cause, e.Cut, noun)
}

// Unwrap returns the cause.
func (e *ShutdownError) Unwrap() error { return e.Cause }

var (
	_ http.Handler = (*gateway)(nil)
	_ net.Listener = (*limitListener)(nil)
)
