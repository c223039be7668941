package faulttest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	// The pgx database/sql driver, for CreateDB and the tests' checks.
	_ "github.com/jackc/pgx/v5/stdlib"
)

// pgTimeout bounds every initdb and pg_ctl run and a start (pg_ctl -w
// waits at most pgWait seconds itself).
const (
	pgTimeout = 90 * time.Second
	pgWait    = "60"
)

// Postgres is a private PostgreSQL cluster of one test: its own data
// directory under Dir, listening on 127.0.0.1:Port only, with trust
// authentication for the user postgres and fsync on. It is never the
// machine's shared server. Its methods are not safe for concurrent use
// with each other (URL is).
type Postgres struct {
	Port int
	Dir  string

	bin    string              // the directory of initdb, pg_ctl, postgres
	cred   *syscall.Credential // the postgres OS user when running as root
	exited chan struct{}       // closed when the running postmaster exits
}

// StartPostgres creates and starts a private cluster (initdb, postgres and
// pg_ctl from the newest /usr/lib/postgresql/*/bin) in a new temporary directory
// on a free port. When the test runs as root, the cluster runs as the
// postgres OS user, which owns the directory. Without the binaries it
// skips the test, or fails it when CI=true. The cluster is stopped
// (pg_ctl stop -m immediate) and its directory removed when the test ends.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		msg := "faulttest: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (install postgresql)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	slices.SortFunc(bins, func(a, b string) int { return pgVersion(a) - pgVersion(b) })
	p := &Postgres{Port: FreePort(t), bin: filepath.Dir(bins[len(bins)-1])}

	dir, err := os.MkdirTemp("", "djinn-faulttest-pg-")
	if err != nil {
		t.Fatalf("faulttest: postgres dir: %v", err)
	}
	p.Dir = dir
	t.Cleanup(func() {
		if _, err := os.Stat(p.pidFile()); err == nil {
			_, _ = p.pgctl(context.Background(), "stop", "-m", "immediate", "-w", "-t", pgWait)
		}
		p.waitExit(10 * time.Second)
		_ = os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("faulttest: running as root needs the postgres OS user to run PostgreSQL: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatalf("faulttest: chown %s to postgres: %v", dir, err)
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), pgTimeout)
	defer cancel()
	if out, err := p.command(ctx, "initdb", "-D", p.dataDir(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("faulttest: initdb %s: %v\n%s", p.dataDir(), err, out)
	}
	conf := fmt.Sprintf("\n# faulttest\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nfsync = on\nmax_connections = 100\nlogging_collector = off\n", p.Port, dir)
	if err := appendFile(filepath.Join(p.dataDir(), "postgresql.conf"), conf); err != nil {
		t.Fatalf("faulttest: configure postgres: %v", err)
	}
	p.Start(t)
	return p
}

// pgVersion returns 15 for /usr/lib/postgresql/15/bin/pg_ctl, or 0.
func pgVersion(pgctl string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(pgctl))))
	return v
}

func appendFile(name, s string) error {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (p *Postgres) dataDir() string { return filepath.Join(p.Dir, "data") }
func (p *Postgres) pidFile() string { return filepath.Join(p.dataDir(), "postmaster.pid") }

// LogFile is the server's log (pg_ctl -l).
func (p *Postgres) LogFile() string { return filepath.Join(p.Dir, "server.log") }

// command returns the PostgreSQL program name run as the cluster's user in
// its directory.
func (p *Postgres) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(p.bin, name), args...)
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.WaitDelay = 5 * time.Second
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	return cmd
}

func (p *Postgres) pgctl(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, pgTimeout)
	defer cancel()
	args = append([]string{"-D", p.dataDir()}, args...)
	out, err := p.command(ctx, "pg_ctl", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("pg_ctl %s: %w\n%s\n%s", strings.Join(args, " "), err, out, p.tailLog())
	}
	return string(out), nil
}

// tailLog returns the end of the server log, for error messages.
func (p *Postgres) tailLog() string {
	b, _ := os.ReadFile(p.LogFile())
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "server log (end):\n" + string(b)
}

// URL returns the URL of database db as the user postgres.
func (p *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, db)
}

// CreateDB creates database name and returns its URL.
func (p *Postgres) CreateDB(t testing.TB, name string) string {
	t.Helper()
	db := p.Open(t, "postgres")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(name)); err != nil {
		t.Fatalf("faulttest: create database %s: %v", name, err)
	}
	return p.URL(name)
}

// Open returns a *sql.DB on database db (pgx), closed when the test ends.
func (p *Postgres) Open(t testing.TB, db string) *sql.DB {
	t.Helper()
	d, err := sql.Open("pgx", p.URL(db))
	if err != nil {
		t.Fatalf("faulttest: open %s: %v", db, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Stop stops the server with a fast shutdown (pg_ctl stop -m fast):
// sessions are terminated and in-progress transactions rolled back.
func (p *Postgres) Stop(t testing.TB) {
	t.Helper()
	if _, err := p.pgctl(context.WithoutCancel(t.Context()), "stop", "-m", "fast", "-w", "-t", pgWait); err != nil {
		t.Fatalf("faulttest: %v", err)
	}
	p.waitExit(10 * time.Second)
}

// Start starts the stopped server and waits up to 60 s until it accepts
// connections. The postmaster is a child of the test process that gets
// SIGQUIT (immediate shutdown) if the test process dies, so that a test
// killed by its timeout leaves no cluster behind.
func (p *Postgres) Start(t testing.TB) {
	t.Helper()
	if err := p.start(t.Context()); err != nil {
		t.Fatalf("faulttest: %v", err)
	}
}

func (p *Postgres) start(ctx context.Context) error {
	logf, err := os.OpenFile(p.LogFile(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	defer logf.Close()
	// Not CommandContext: the server outlives the call.
	cmd := exec.Command(filepath.Join(p.bin, "postgres"), "-D", p.dataDir())
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred, Pdeathsig: syscall.SIGQUIT}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	p.exited = exited
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	db, err := sql.Open("pgx", p.URL("postgres")+"&connect_timeout=2")
	if err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	defer db.Close()
	deadline := time.Now().Add(pgTimeout)
	for {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		err := db.PingContext(pctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("postgres on port %d exited while starting: %v\n%s", p.Port, err, p.tailLog())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres on port %d not accepting connections after %s: %v\n%s", p.Port, pgTimeout, err, p.tailLog())
		}
	}
}

// waitExit waits up to d for the postmaster Start ran to exit.
func (p *Postgres) waitExit(d time.Duration) {
	if p.exited == nil {
		return
	}
	select {
	case <-p.exited:
	case <-time.After(d):
	}
}

// Restart stops the server with a fast shutdown and starts it again, as
// pg_ctl restart -m fast does, waiting until it accepts connections.
func (p *Postgres) Restart(t testing.TB) {
	t.Helper()
	p.Stop(t)
	p.Start(t)
}
