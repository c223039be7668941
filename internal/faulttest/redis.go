package faulttest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// redisStartTimeout bounds how long a redis-server may take to answer
// PING after it was started.
const redisStartTimeout = 10 * time.Second

// Redis is a redis-server of the test's own, on a free loopback port,
// with persistence off (--save "" --appendonly no): the machine's shared
// Redis is never touched. URL is "redis://127.0.0.1:Port/0". Stop and
// Start stop it and start it again on the same port, with no data (a
// restart after a crash without persistence). Its methods are safe for
// concurrent use.
type Redis struct {
	Port int
	URL  string

	bin string
	dir string

	mu   sync.Mutex
	cmd  *exec.Cmd     // nil while stopped
	done chan struct{} // closed when cmd has exited
}

// StartRedis starts a redis-server (found on PATH) on a free port and
// waits until it answers PING. It is shut down when the test ends.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("faulttest: redis-server is not installed: %v", err)
	}
	port := FreePort(t)
	r := &Redis{
		Port: port,
		URL:  fmt.Sprintf("redis://127.0.0.1:%d/0", port),
		bin:  bin,
		dir:  t.TempDir(),
	}
	t.Cleanup(func() { r.stop() })
	r.Start(t)
	return r
}

// Start starts the server again on its port after Stop and waits until
// it answers PING; it does nothing while the server runs.
func (r *Redis) Start(t testing.TB) {
	t.Helper()
	if err := r.start(); err != nil {
		t.Fatalf("faulttest: %v", err)
	}
}

// Stop shuts the server down (SIGTERM, then SIGKILL after 5 s) and waits
// until it has exited, so that its port refuses connections.
func (r *Redis) Stop(t testing.TB) {
	t.Helper()
	if err := r.stop(); err != nil {
		t.Fatalf("faulttest: %v", err)
	}
}

func (r *Redis) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return nil
	}
	cmd := exec.Command(r.bin,
		"--port", strconv.Itoa(r.Port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--dir", r.dir,
		"--logfile", filepath.Join(r.dir, "redis.log"),
		"--loglevel", "warning",
	)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server on port %d: %w", r.Port, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	deadline := time.Now().Add(redisStartTimeout)
	for {
		err := ping(r.Port)
		if err == nil {
			r.cmd, r.done = cmd, done
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("redis-server on port %d exited at start-up (log in %s): %v", r.Port, r.dir, cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("redis-server on port %d did not answer PING within %s: %w", r.Port, redisStartTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *Redis) stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return nil
	}
	cmd, done := r.cmd, r.done
	r.cmd, r.done = nil, nil
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
	}
	_ = cmd.Process.Kill()
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("redis-server on port %d (pid %d) did not exit after SIGKILL", r.Port, cmd.Process.Pid)
	}
}

// ping sends PING to the Redis on port and expects +PONG.
func ping(port int) error {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return errors.New("PING answered " + strconv.Quote(line))
	}
	return nil
}
