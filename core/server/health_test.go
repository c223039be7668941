package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func serveRecorder(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

// pathRecorder is a handler that answers "app" and records the paths it saw.
type pathRecorder struct {
	mu    sync.Mutex
	paths []string
}

func (p *pathRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.paths = append(p.paths, r.URL.Path)
	p.mu.Unlock()
	w.Write([]byte("app"))
}

func (p *pathRecorder) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.paths)
}

func TestHealthEndpoints(t *testing.T) {
	app := &pathRecorder{}
	r := start(t, Config{}, app)
	c := newClient(t, nil)
	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
		wantBody   string
		wantAllow  string // for 405: wantBody is a substring of the error page
	}{
		{"healthz GET", http.MethodGet, "/healthz", 200, "ok\n", ""},
		{"healthz HEAD has no body", http.MethodHead, "/healthz", 200, "", ""},
		{"healthz with query", http.MethodGet, "/healthz?verbose=1", 200, "ok\n", ""},
		{"healthz POST", http.MethodPost, "/healthz", 405, "method not allowed", "GET, HEAD"},
		{"readyz without probes", http.MethodGet, "/readyz", 200, `{"status":"ok","checks":[]}` + "\n", ""},
		{"readyz DELETE", http.MethodDelete, "/readyz", 405, "method not allowed", "GET, HEAD"},
		{"trailing slash goes to the app", http.MethodGet, "/healthz/", 200, "app", ""},
		{"prefix goes to the app", http.MethodGet, "/healthzz", 200, "app", ""},
		{"other path goes to the app", http.MethodGet, "/polls/", 200, "app", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := get(t, c, tt.method, "http://"+r.addr+tt.path)
			bodyOK := body == tt.wantBody
			if tt.wantStatus == 405 {
				bodyOK = strings.Contains(body, tt.wantBody)
			}
			if status != tt.wantStatus || !bodyOK {
				t.Errorf("%s %s = %d %q; want %d %q", tt.method, tt.path, status, body, tt.wantStatus, tt.wantBody)
			}
			if got := h.Get("Allow"); got != tt.wantAllow {
				t.Errorf("%s %s Allow = %q; want %q", tt.method, tt.path, got, tt.wantAllow)
			}
			if status == 200 && body != "app" && h.Get("Cache-Control") != "no-store" {
				t.Errorf("%s %s Cache-Control = %q; want no-store", tt.method, tt.path, h.Get("Cache-Control"))
			}
		})
	}
	want := []string{"/healthz/", "/healthzz", "/polls/"}
	if diff := cmp.Diff(want, app.seen()); diff != "" {
		t.Errorf("paths seen by the wrapped handler (-want +got):\n%s", diff)
	}
}

func TestCustomHealthPaths(t *testing.T) {
	app := &pathRecorder{}
	s, err := New(Config{HealthPath: "/-/live", ReadyPath: "/-/ready"}, app, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path, wantBody string
	}{
		{"/-/live", "ok\n"},
		{"/-/ready", `{"status":"ok","checks":[]}` + "\n"},
		{"/healthz", "app"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			if got := serveRecorder(s.Handler(), "GET", tt.path).Body.String(); got != tt.wantBody {
				t.Errorf("GET %s body = %q; want %q", tt.path, got, tt.wantBody)
			}
		})
	}
}

func TestReadyz(t *testing.T) {
	ok := func(context.Context) error { return nil }
	fail := func(context.Context) error { return errors.New("dial tcp 10.0.0.5:5432: connection refused") }
	hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	ignoreCtx := func(context.Context) error { time.Sleep(2 * time.Second); return nil }
	boom := func(context.Context) error { panic("boom") }
	tests := []struct {
		name       string
		probes     []Probe
		wantStatus int
		want       readyReport
	}{
		{
			name:       "all pass",
			probes:     []Probe{{Name: "db", Check: ok}, {Name: "cache", Check: ok}},
			wantStatus: 200,
			want:       readyReport{Status: "ok", Checks: []checkReport{{Name: "db", Status: "ok"}, {Name: "cache", Status: "ok"}}},
		},
		{
			name:       "one failing",
			probes:     []Probe{{Name: "db", Check: fail}, {Name: "cache", Check: ok}},
			wantStatus: 503,
			want:       readyReport{Status: "unavailable", Checks: []checkReport{{Name: "db", Status: "failed"}, {Name: "cache", Status: "ok"}}},
		},
		{
			name:       "one timing out",
			probes:     []Probe{{Name: "db", Check: ok}, {Name: "slow", Check: hang}},
			wantStatus: 503,
			want:       readyReport{Status: "unavailable", Checks: []checkReport{{Name: "db", Status: "ok"}, {Name: "slow", Status: "timeout"}}},
		},
		{
			name:       "one ignoring its context",
			probes:     []Probe{{Name: "stuck", Check: ignoreCtx}},
			wantStatus: 503,
			want:       readyReport{Status: "unavailable", Checks: []checkReport{{Name: "stuck", Status: "timeout"}}},
		},
		{
			name:       "optional failing",
			probes:     []Probe{{Name: "db", Check: ok}, {Name: "cache", Check: fail, Optional: true}},
			wantStatus: 200,
			want:       readyReport{Status: "degraded", Checks: []checkReport{{Name: "db", Status: "ok"}, {Name: "cache", Status: "failed", Optional: true}}},
		},
		{
			name:       "optional and required failing",
			probes:     []Probe{{Name: "db", Check: fail}, {Name: "cache", Check: fail, Optional: true}},
			wantStatus: 503,
			want:       readyReport{Status: "unavailable", Checks: []checkReport{{Name: "db", Status: "failed"}, {Name: "cache", Status: "failed", Optional: true}}},
		},
		{
			name:       "one panicking",
			probes:     []Probe{{Name: "db", Check: boom}},
			wantStatus: 503,
			want:       readyReport{Status: "unavailable", Checks: []checkReport{{Name: "db", Status: "panic"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Config{ReadyProbes: tt.probes, ProbeTimeout: 100 * time.Millisecond}, textHandler("app"), nil)
			if err != nil {
				t.Fatal(err)
			}
			rec := serveRecorder(s.Handler(), "GET", "/readyz")
			if rec.Code != tt.wantStatus {
				t.Errorf("GET /readyz status = %d; want %d", rec.Code, tt.wantStatus)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("GET /readyz Content-Type = %q; want application/json", ct)
			}
			var got readyReport
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("GET /readyz body %q: %v", rec.Body.String(), err)
			}
			ignoreDuration := cmp.Transformer("noDuration", func(c checkReport) checkReport { c.DurationMS = 0; return c })
			if diff := cmp.Diff(tt.want, got, ignoreDuration); diff != "" {
				t.Errorf("GET /readyz body mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadyzHidesErrorText(t *testing.T) {
	logger, logs := newTestLogger()
	secret := errors.New("dial tcp 10.0.0.5:5432: password authentication failed for user admin")
	s, err := New(Config{ReadyProbes: []Probe{{Name: "db", Check: func(context.Context) error { return secret }}}}, textHandler("app"), logger)
	if err != nil {
		t.Fatal(err)
	}
	body := serveRecorder(s.Handler(), "GET", "/readyz").Body.String()
	if want := `{"status":"unavailable","checks":[{"name":"db","status":"failed","duration_ms":0}]}` + "\n"; body != want {
		t.Errorf("GET /readyz body = %q; want %q", body, want)
	}
	rec := logs.Find(t, "readiness probe failing")
	if rec == nil || rec["error"] != secret.Error() || rec["probe"] != "db" {
		t.Errorf("log record for the failing probe = %v; want probe db with its error", rec)
	}
}

// TestReadyzLogsTransitions checks that a probe is logged when it starts
// failing and when it recovers, not on every run.
func TestReadyzLogsTransitions(t *testing.T) {
	logger, logs := newTestLogger()
	var healthy atomic.Bool
	check := func(context.Context) error {
		if healthy.Load() {
			return nil
		}
		return errors.New("down")
	}
	s, err := New(Config{ReadyProbes: []Probe{{Name: "db", Check: check}}, ProbeCacheTTL: -1}, textHandler("app"), logger)
	if err != nil {
		t.Fatal(err)
	}
	for _, up := range []bool{false, false, false, true, true, false} {
		healthy.Store(up)
		serveRecorder(s.Handler(), "GET", "/readyz")
	}
	var got []string
	for _, rec := range logs.Records(t) {
		got = append(got, rec["msg"].(string))
	}
	want := []string{"readiness probe failing", "readiness probe recovered", "readiness probe failing"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log messages (-want +got):\n%s", diff)
	}
}

func TestReadyzCachesResult(t *testing.T) {
	var calls atomic.Int32
	s, err := New(Config{ReadyProbes: []Probe{{Name: "db", Check: func(context.Context) error { calls.Add(1); return nil }}}}, textHandler("app"), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.gateway.ready.now = func() time.Time { return now }
	steps := []struct {
		name      string
		advance   time.Duration
		requests  int
		wantCalls int32
	}{
		{"first request runs the probes", 0, 1, 1},
		{"within the TTL the result is reused", 900 * time.Millisecond, 50, 1},
		{"after the TTL the probes run again", 200 * time.Millisecond, 1, 2},
		{"and the new result is reused", 500 * time.Millisecond, 50, 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			now = now.Add(st.advance)
			for range st.requests {
				if rec := serveRecorder(s.Handler(), "GET", "/readyz"); rec.Code != 200 {
					t.Fatalf("GET /readyz status = %d; want 200", rec.Code)
				}
			}
			if got := calls.Load(); got != st.wantCalls {
				t.Errorf("probe calls = %d; want %d", got, st.wantCalls)
			}
		})
	}
}

// TestReadyzSingleFlight checks that concurrent /readyz requests share one
// run of the probes even with caching off.
func TestReadyzSingleFlight(t *testing.T) {
	const requests = 20
	var calls atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	check := func(context.Context) error {
		if calls.Add(1) == 1 {
			close(started)
		}
		<-release
		return nil
	}
	s, err := New(Config{ReadyProbes: []Probe{{Name: "db", Check: check}}, ProbeCacheTTL: -1, ProbeTimeout: waitLimit}, textHandler("app"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var waiting sync.WaitGroup
	waiting.Add(requests)
	s.gateway.ready.onWait = waiting.Done

	codes := make(chan int, requests)
	for range requests {
		go func() { codes <- serveRecorder(s.Handler(), "GET", "/readyz").Code }()
	}
	<-started
	waiting.Wait() // every request has joined the run in progress
	close(release)
	for range requests {
		if code := <-codes; code != 200 {
			t.Errorf("GET /readyz status = %d; want 200", code)
		}
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("probe calls for %d concurrent requests = %d; want 1", requests, got)
	}
}

// TestReadinessDuringShutdown checks that /readyz turns 503 as soon as
// shutdown begins while the server keeps serving through DrainDelay.
func TestReadinessDuringShutdown(t *testing.T) {
	app := &pathRecorder{}
	r := start(t, Config{DrainDelay: 1500 * time.Millisecond}, app)
	c := newClient(t, nil)
	base := "http://" + r.addr
	if status, _, _ := get(t, c, "GET", base+"/readyz"); status != 200 {
		t.Fatalf("GET /readyz before shutdown = %d; want 200", status)
	}
	r.cancel()
	var status int
	var body string
	for range 200 { // shutdown starts asynchronously; poll briefly
		if status, _, body = get(t, c, "GET", base+"/readyz"); status == 503 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if want := `{"status":"shutting down","checks":[]}` + "\n"; status != 503 || body != want {
		t.Fatalf("GET /readyz during shutdown = %d %q; want 503 %q", status, body, want)
	}
	// Still draining: liveness and the application keep answering.
	if status, _, body := get(t, c, "GET", base+"/healthz"); status != 200 {
		t.Errorf("GET /healthz while draining = %d %q; want 200", status, body)
	}
	if status, _, body := get(t, c, "GET", base+"/polls/"); status != 200 || body != "app" {
		t.Errorf("GET /polls/ while draining = %d %q; want 200 %q", status, body, "app")
	}
	if err := r.wait(t); err != nil {
		t.Errorf("Run = %v; want nil", err)
	}
	if r.logs.Find(t, "draining: readiness reports 503, still serving") == nil {
		t.Error("no draining log record")
	}
}

// TestReadyzHungProbeDoesNotLeak checks that a probe ignoring its context
// is not called again while its previous call is still running: it is
// reported as "timeout", and goroutines do not pile up run after run.
func TestReadyzHungProbeDoesNotLeak(t *testing.T) {
	const requests = 200
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var calls atomic.Int32
	hung := func(context.Context) error { calls.Add(1); <-release; return nil }
	s, err := New(Config{
		ReadyProbes:   []Probe{{Name: "hung", Check: hung}},
		ProbeTimeout:  time.Millisecond,
		ProbeCacheTTL: -1,
	}, textHandler("app"), nil)
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	want := `{"status":"unavailable","checks":[{"name":"hung","status":"timeout","duration_ms":1}]}` + "\n"
	for i := range requests {
		rec := serveRecorder(s.Handler(), "GET", "/readyz")
		if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != want {
			t.Fatalf("GET /readyz #%d = %d %q; want 503 %q", i, rec.Code, rec.Body.String(), want)
		}
	}
	if got := runtime.NumGoroutine(); got > before+10 {
		t.Errorf("goroutines after %d /readyz runs with a hung probe = %d; want at most %d", requests, got, before+10)
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("calls of the hung probe = %d; want 1", got)
	}
}

// TestReadyzMasksLoggedError checks that a secret in a probe's error (a
// DSN with a password) is masked in the log.
func TestReadyzMasksLoggedError(t *testing.T) {
	logger, logs := newTestLogger()
	probeErr := errors.New("cache: dial redis://:hunter2@cache.internal:6379: connection refused")
	s, err := New(Config{ReadyProbes: []Probe{{Name: "cache", Check: func(context.Context) error { return probeErr }}}}, textHandler("app"), logger)
	if err != nil {
		t.Fatal(err)
	}
	serveRecorder(s.Handler(), "GET", "/readyz")
	rec := logs.Find(t, "readiness probe failing")
	msg, _ := rec["error"].(string)
	if strings.Contains(msg, "hunter2") || !strings.Contains(msg, "cache.internal:6379") {
		t.Errorf("logged probe error = %q; want the password masked and the host kept", msg)
	}
}

// TestProbeHeadersNotShared checks that each probe response gets header
// slices of its own: editing one in place must not change the next.
func TestProbeHeadersNotShared(t *testing.T) {
	s, err := New(Config{}, textHandler("app"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		t.Run(path, func(t *testing.T) {
			first := serveRecorder(s.Handler(), "GET", path)
			for _, k := range []string{"Cache-Control", "Content-Type", "X-Content-Type-Options"} {
				first.Header()[k][0] = "tampered"
			}
			second := serveRecorder(s.Handler(), "GET", path)
			for _, k := range []string{"Cache-Control", "Content-Type", "X-Content-Type-Options"} {
				if got := second.Header().Get(k); got == "tampered" {
					t.Errorf("GET %s header %s = %q after editing an earlier response in place; want its own value", path, k, got)
				}
			}
		})
	}
}
