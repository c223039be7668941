package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/djinn-go/djinn/internal/loadgen"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// server is one of the two servers under test.
type server struct {
	name      string
	bin       string
	addr      string
	pprofAddr string    // with -profile
	split     *cpuSplit // with -split-cpus
	cmd       *exec.Cmd
}

// build compiles pkg into dir/name.
func build(dir, name, pkg string) (string, error) {
	bin := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	return bin, nil
}

// createDB creates a database of its own on the server of adminURL and
// returns its URL and a function that drops it.
func createDB(ctx context.Context, adminURL string) (string, func(), error) {
	name := "djinn_bench_" + strings.ToLower(rand.Text()[:10])
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to PostgreSQL (-postgres): %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, adminURL)
		if err == nil {
			_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			conn.Close(ctx)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: drop database %s: %v\n", name, err)
		}
	}
	return u.String(), drop, nil
}

// deleteKeys deletes the Redis keys under prefix.
func deleteKeys(redisURL, prefix string) error {
	o, err := redis.ParseURL(redisURL)
	if err != nil {
		return err
	}
	c := redis.NewClient(o)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	it := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for it.Next(ctx) {
		if batch = append(batch, it.Val()); len(batch) == 1000 {
			if err := c.Del(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return c.Del(ctx, batch...).Err()
	}
	return nil
}

// manage runs a command of the Djinn bench project.
func manage(ctx context.Context, bin string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("bench %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// start runs the server with its output to /dev/null (an *os.File is
// handed to the child as is: no pipe to drain on the cores the servers
// need) and waits until it answers path.
func (s *server) start(args, env []string, path string) error {
	var err error
	if s.addr, err = loadgen.FreeAddr(); err != nil {
		return err
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	name, argv := s.bin, append(args, s.addr)
	if s.split != nil {
		if name, argv, err = s.split.command(name, argv); err != nil {
			return err
		}
	}
	s.cmd = exec.Command(name, argv...)
	s.cmd.Env = env
	if s.pprofAddr != "" {
		s.cmd.Env = append(s.cmd.Env, "BENCH_PPROF_ADDR="+s.pprofAddr)
	}
	s.cmd.Stdout, s.cmd.Stderr = devnull, devnull
	if err := s.cmd.Start(); err != nil {
		return err
	}
	if err := loadgen.WaitUp("http://"+s.addr+path, 20*time.Second); err != nil {
		s.stop()
		return fmt.Errorf("%s did not come up: %w", s.name, err)
	}
	return nil
}

// stop interrupts the server and waits for it to exit.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// peakRSS is the server's peak resident set size (VmHWM), formatted.
func (s *server) peakRSS() string {
	b := loadgen.PeakRSS(s.cmd.Process.Pid)
	if b == 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
