//go:build unix

package server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// blockingHandler answers /slow only once release is closed (or the
// request is cancelled) and everything else at once.
type blockingHandler struct {
	entered     chan struct{} // closed when the first /slow request arrives
	release     chan struct{}
	enterOnce   sync.Once
	releaseOnce sync.Once
}

func newBlockingHandler(t *testing.T) *blockingHandler {
	h := &blockingHandler{entered: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(h.releaseAll)
	return h
}

// releaseAll lets every /slow request finish.
func (h *blockingHandler) releaseAll() { h.releaseOnce.Do(func() { close(h.release) }) }

func (h *blockingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/slow" {
		io.WriteString(w, "fast")
		return
	}
	h.enterOnce.Do(func() { close(h.entered) })
	select {
	case <-h.release:
		io.WriteString(w, "done")
	case <-r.Context().Done():
	}
}

func (h *blockingHandler) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-h.entered:
	case <-time.After(waitLimit):
		t.Fatal("slow request never reached the handler")
	}
}

type result struct {
	status int
	body   string
	err    error
}

// fetchAsync GETs url in a goroutine.
func fetchAsync(c *http.Client, url string) <-chan result {
	out := make(chan result, 1)
	go func() {
		resp, err := c.Get(url)
		if err != nil {
			out <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		out <- result{status: resp.StatusCode, body: string(b), err: err}
	}()
	return out
}

func await(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(waitLimit):
		t.Fatal("request did not finish")
		return result{}
	}
}

// waitRefused dials addr until the connection is refused. A dial that
// races the closing listener may be reset instead; it tries again.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	var err error
	for range 500 {
		var c net.Conn
		c, err = net.DialTimeout("tcp", addr, time.Second)
		if errors.Is(err, syscall.ECONNREFUSED) {
			return
		}
		if c != nil {
			c.Close()
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("dial %s after shutdown began: %v; want connection refused", addr, err)
}

// TestSIGTERMDrainsInFlightRequests sends a real SIGTERM to the test
// process while a request is in flight. Run handles it, so the process
// survives.
func TestSIGTERMDrainsInFlightRequests(t *testing.T) {
	h := newBlockingHandler(t)
	r := startWithSignals(t, Config{}, h)
	inflight := fetchAsync(newClient(t, nil), "http://"+r.addr+"/slow")
	h.waitEntered(t)

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitRefused(t, r.addr)
	h.releaseAll()
	if res := await(t, inflight); res.err != nil || res.status != 200 || res.body != "done" {
		t.Errorf("in-flight request = %d %q, %v; want 200 %q", res.status, res.body, res.err, "done")
	}
	if err := r.wait(t); err != nil {
		t.Errorf("Run after SIGTERM = %v; want nil", err)
	}
	rec := r.logs.Find(t, "shutting down")
	if rec == nil || rec["reason"] != "terminated signal received" {
		t.Errorf(`"shutting down" log record = %v; want reason "terminated signal received"`, rec)
	}
	if r.logs.Find(t, "shutdown complete") == nil {
		t.Error(`no "shutdown complete" log record`)
	}
}

// TestSecondSignalCutsShutdownShort checks that a second SIGINT during the
// drain stops waiting and cuts the connections still open.
func TestSecondSignalCutsShutdownShort(t *testing.T) {
	h := newBlockingHandler(t)
	r := startWithSignals(t, Config{DrainDelay: time.Minute, ShutdownTimeout: time.Minute}, h)
	inflight := fetchAsync(newClient(t, nil), "http://"+r.addr+"/slow")
	h.waitEntered(t)

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for range 500 { // wait for the first signal to start the shutdown
		if r.logs.Find(t, "shutting down") != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := r.wait(t)
	var se *ShutdownError
	if !errors.As(err, &se) || se.Cut != 1 || !strings.Contains(err.Error(), "interrupt signal received during shutdown") {
		t.Fatalf("Run after two SIGINTs = %v; want a *ShutdownError cutting 1 connection after the second signal", err)
	}
	if res := await(t, inflight); res.err == nil {
		t.Errorf("in-flight request = %d %q; want a connection error", res.status, res.body)
	}
}

func TestContextCancelShutsDownCleanly(t *testing.T) {
	r := start(t, Config{}, textHandler("x"))
	c := newClient(t, nil)
	if status, _, _ := get(t, c, "GET", "http://"+r.addr+"/"); status != 200 {
		t.Fatalf("GET / = %d; want 200", status)
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run after cancel = %v; want nil", err)
	}
	if _, err := net.DialTimeout("tcp", r.addr, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial after Run returned: %v; want connection refused", err)
	}
}

func TestShutdownTimeoutCutsConnections(t *testing.T) {
	h := newBlockingHandler(t)
	r := start(t, Config{ShutdownTimeout: 200 * time.Millisecond}, h)
	c := newClient(t, nil)
	inflight := fetchAsync(c, "http://"+r.addr+"/slow")
	h.waitEntered(t)

	err := r.stop(t)
	var se *ShutdownError
	if !errors.As(err, &se) || se.Cut != 1 {
		t.Fatalf("Run = %v; want a *ShutdownError with Cut 1", err)
	}
	if want := "server: shutdown: 200ms timeout exceeded; cut 1 connection"; err.Error() != want {
		t.Errorf("Run error = %q; want %q", err, want)
	}
	if res := await(t, inflight); res.err == nil {
		t.Errorf("cut request = %d %q; want a connection error", res.status, res.body)
	}
	rec := r.logs.Find(t, "shutdown forced; connections cut")
	if rec == nil || rec["cut_conns"] != 1.0 {
		t.Errorf("forced-shutdown log record = %v; want cut_conns 1", rec)
	}
}

func TestHandlerPanicDoesNotStopServer(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		io.WriteString(w, "fine")
	})
	r := start(t, Config{}, h)
	c := newClient(t, nil)
	if _, err := c.Get("http://" + r.addr + "/panic"); err == nil {
		t.Error("GET /panic succeeded; want the connection closed by the recovered panic")
	}
	for i := range 3 {
		if status, _, body := get(t, c, "GET", "http://"+r.addr+"/after"); status != 200 || body != "fine" {
			t.Errorf("GET /after #%d = %d %q; want 200 %q", i, status, body, "fine")
		}
	}
	rec := r.logs.Find(t, "panic serving request")
	if rec == nil || rec["level"] != "ERROR" || rec["panic"] != "boom" || !strings.Contains(rec["stack"].(string), "goroutine") {
		t.Errorf("panic log record = %v; want level ERROR, panic boom and a stack", rec)
	}
	if err := r.stop(t); err != nil {
		t.Errorf("Run = %v; want nil", err)
	}
}

func TestServeOnCallerListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{NoSignals: true, Addr: "unix:/nonexistent/ignored.sock"}, textHandler("served"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := contextWithCancel(t)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	<-s.Listening()
	if got, want := s.Addr().String(), ln.Addr().String(); got != want {
		t.Errorf("Addr() = %q; want %q", got, want)
	}
	if status, _, body := get(t, newClient(t, nil), "GET", "http://"+ln.Addr().String()+"/"); status != 200 || body != "served" {
		t.Errorf("GET / = %d %q; want 200 %q", status, body, "served")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v; want nil", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Serve did not return")
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("listener still accepts after Serve returned; want it closed")
	}
}

// TestStoppingEndsStreams checks that a streaming handler that watches
// Stopping ends in time for a clean shutdown.
func TestStoppingEndsStreams(t *testing.T) {
	var srv *Server
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "data: hello\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-srv.Stopping():
			io.WriteString(w, "data: bye\n\n")
		case <-r.Context().Done():
		}
	})
	r := start(t, Config{ShutdownTimeout: waitLimit}, stream)
	srv = r.srv
	resp, err := newClient(t, nil).Get("http://" + r.addr + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, len("data: hello\n\n"))
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatalf("read first event: %v", err)
	}
	if err := r.stop(t); err != nil {
		t.Errorf("Run with a stream that watches Stopping = %v; want nil", err)
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "data: bye\n\n" {
		t.Errorf("rest of the stream = %q, %v; want %q", rest, err, "data: bye\n\n")
	}
}
