package command

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/checks"
	"github.com/djinn-go/djinn/core/server"
)

func runserverCommand() *Command {
	var debug, noreload bool
	return &Command{
		Name:  "runserver",
		Args:  "[addr]",
		Short: "Run the development server (DEBUG on unless DEBUG is set)",
		Long: `runserver serves the project with the gateway server for development.
DEBUG is on unless DEBUG or DJINN_DEBUG is set in the environment or
--debug=false is given, and only when the address is a loopback one (or a
unix socket): a server other machines can reach keeps DEBUG as configured
unless --debug is given. addr is host:port, :port, port or unix:/path; it
defaults to Server.Addr (127.0.0.1:8000).

Run from its project's directory (go run . runserver), runserver reloads:
it keeps the listening socket open, runs the server in a child process,
watches the module's files and, when one changes, rebuilds with go build
and restarts the server on the same socket, so that no request is
refused. A build error is printed and shown as the site's error page until
it is fixed. Project templates and static files (Templates.Dirs,
Static.Dirs) are read from disk in DEBUG and apply without a restart;
apps' embedded ones need the rebuild, which happens anyway. --noreload
serves in this process only.`,
		MaxArgs: 1,
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&debug, "debug", true, "turn DEBUG on (the default unless DEBUG is set in the environment)")
			fs.BoolVar(&noreload, "noreload", false, "do not rebuild and restart the server when a file changes")
		},
		// The reloader must start with broken settings too: the project is
		// set up in Run, by the process that serves.
		NoSetup: true,
		Before: func(env *Env) error {
			s := env.Project.Settings()
			if err := setAddr(s, env.Args); err != nil {
				return err
			}
			switch {
			case env.Flags.Changed("debug"):
				s.Debug = debug
			case debugFromEnv():
			case loopback(s.Server.Addr):
				s.Debug = true
			default:
				// DEBUG pages show code and settings; never turn them on
				// implicitly for a server other machines can reach.
				fmt.Fprintf(env.Stderr, "runserver: %s is reachable from other machines, so DEBUG stays as configured (%v); pass --debug to turn it on\n", s.Server.Addr, s.Debug)
			}
			return nil
		},
		Run: func(ctx context.Context, env *Env) error {
			if !noreload {
				r, why := newReloader(env)
				if r != nil {
					return r.run(ctx)
				}
				fmt.Fprintf(env.Stderr, "runserver: auto-reload is off: %s\n", why)
			}
			ln, err := inheritedListener()
			if err != nil {
				return err
			}
			if err := env.Project.Setup(ctx); err != nil {
				if ln != nil {
					ln.Close()
				}
				return err
			}
			// Like Django's runserver: the system checks first (unapplied
			// migrations among them), reported but not fatal.
			fmt.Fprint(env.Stdout, "Performing system checks...\n\n")
			res := checks.Run(ctx, env.Project.Checks(), checks.Options{Silenced: env.Project.Settings().SilencedChecks})
			if err := res.Write(env.Stdout); err != nil {
				return err
			}
			return serve(ctx, env, true, ln)
		},
	}
}

func serveCommand() *Command {
	return &Command{
		Name:  "serve",
		Args:  "[addr]",
		Short: "Run the production gateway server",
		Long: `serve runs the project with the gateway server as configured: DEBUG as the
settings say (off by default), every timeout and limit from Settings.Server,
graceful shutdown on SIGTERM, /healthz and /readyz for load balancers.
addr is host:port, :port, port or unix:/path; it defaults to Server.Addr.`,
		MaxArgs: 1,
		Before: func(env *Env) error {
			return setAddr(env.Project.Settings(), env.Args)
		},
		Run: func(ctx context.Context, env *Env) error { return serve(ctx, env, false, nil) },
	}
}

// setAddr applies the optional address argument of runserver and serve. A
// bare port means 127.0.0.1:port, as in Django.
func setAddr(s *core.Settings, args []string) error {
	if len(args) == 0 {
		return nil
	}
	addr := args[0]
	if isPort(addr) {
		addr = "127.0.0.1:" + addr
	}
	if err := server.CheckAddr(addr); err != nil {
		return Usagef("address: %v", err)
	}
	s.Server.Addr = addr
	return nil
}

func isPort(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// serve runs the gateway server until ctx is done, on ln when it is not
// nil (a socket inherited from runserver's reloader), else on Server.Addr.
func serve(ctx context.Context, env *Env, banner bool, ln net.Listener) error {
	p := env.Project
	srv, err := server.New(ServerConfig(p), p.Handler(), p.Logger())
	if err != nil {
		return err
	}
	stopped := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stopped)
	if banner {
		wg.Go(func() {
			select {
			case <-srv.Listening():
				fmt.Fprintf(env.Stdout, "Djinn %s, DEBUG=%v\nStarting development server at %s\nQuit the server with CONTROL-C.\n",
					Version(), p.Settings().Debug, displayAddr(srv.Addr()))
			case <-stopped:
			}
		})
	}
	var runErr error
	if ln != nil {
		runErr = srv.Serve(ctx, ln)
	} else {
		runErr = srv.Run(ctx)
	}
	// Release the apps' resources whatever happened; a shutdown error
	// matters more than a close error.
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.Settings().Server.ShutdownTimeout)
	defer cancel()
	if err := p.Close(closeCtx); err != nil && runErr == nil {
		runErr = fmt.Errorf("close apps: %w", err)
	}
	return runErr
}

// ServerConfig returns the gateway server configuration for a set-up
// project: its Server settings and its apps' readiness probes.
func ServerConfig(p *core.Project) server.Config {
	s := p.Settings().Server
	cfg := server.Config{
		Addr:              s.Addr,
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		ReadTimeout:       s.ReadTimeout,
		WriteTimeout:      s.WriteTimeout,
		IdleTimeout:       s.IdleTimeout,
		ShutdownTimeout:   s.ShutdownTimeout,
		DrainDelay:        s.DrainDelay,
		MaxHeaderBytes:    s.MaxHeaderBytes,
		TLSCertFile:       s.TLSCertFile,
		TLSKeyFile:        s.TLSKeyFile,
		H2C:               s.H2C,
		MaxConns:          s.MaxConns,
		ReusePort:         s.ReusePort,
	}
	cfg.ReadyProbes = p.Probes()
	// Every request starts from a context that already carries what the
	// project shares (the error renderer), set once per listener.
	cfg.BaseContext = func(net.Listener) context.Context { return p.BaseContext(context.Background()) }
	return cfg
}

// displayAddr is the address a person can open: a URL for TCP, the socket
// path for a unix socket.
func displayAddr(a net.Addr) string {
	if a == nil {
		return "(unknown address)"
	}
	if a.Network() == "unix" {
		return "unix:" + a.String()
	}
	return "http://" + a.String() + "/"
}

// loopback reports whether addr can only be reached from this machine: a
// loopback IP, localhost or a unix socket.
func loopback(addr string) bool {
	if strings.HasPrefix(addr, "unix:") {
		return true
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
