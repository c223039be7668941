package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/djinn-go/djinn/djinntest/logtest"
)

// waitLimit bounds every wait in these tests; nothing should come near it.
const waitLimit = 10 * time.Second

// logBuffer is the shared test log sink.
type logBuffer = logtest.Logs

func newTestLogger() (*slog.Logger, *logBuffer) { return logtest.New() }

// running is a Server started by start, serving until the test ends.
type running struct {
	srv    *Server
	addr   string // host:port or socket path
	logs   *logBuffer
	cancel context.CancelFunc
	done   chan error

	once sync.Once
	err  error
}

// start runs a Server for h with signal handling off; cfg.Addr defaults
// to 127.0.0.1:0.
func start(t *testing.T, cfg Config, h http.Handler) *running {
	t.Helper()
	cfg.NoSignals = true
	return startServer(t, cfg, h)
}

// startWithSignals runs a Server that handles SIGINT and SIGTERM.
func startWithSignals(t *testing.T, cfg Config, h http.Handler) *running {
	t.Helper()
	cfg.NoSignals = false
	return startServer(t, cfg, h)
}

func startServer(t *testing.T, cfg Config, h http.Handler) *running {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	logger, logs := newTestLogger()
	srv, err := New(cfg, h, logger)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{srv: srv, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- srv.Run(ctx) }()
	select {
	case <-srv.Listening():
	case err := <-r.done:
		cancel()
		t.Fatalf("Run before listening: %v", err)
	case <-time.After(waitLimit):
		cancel()
		t.Fatal("server did not start listening")
	}
	r.addr = srv.Addr().String()
	t.Cleanup(func() {
		r.cancel()
		r.wait(t)
	})
	return r
}

// stop cancels Run's context and returns Run's result.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	return r.wait(t)
}

// wait returns Run's result.
func (r *running) wait(t *testing.T) error {
	t.Helper()
	r.once.Do(func() {
		select {
		case r.err = <-r.done:
		case <-time.After(waitLimit):
			t.Fatal("Run did not return")
		}
	})
	return r.err
}

// newClient returns an HTTP client whose connections are closed when the
// test ends.
func newClient(t *testing.T, tr *http.Transport) *http.Client {
	t.Helper()
	if tr == nil {
		tr = &http.Transport{}
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: waitLimit}
}

// get fetches url and returns the status and body.
func get(t *testing.T, c *http.Client, method, url string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

// textHandler answers every request with 200 and body.
func textHandler(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body)
	})
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx, cancel
}
