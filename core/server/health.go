package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/djinn-go/djinn/core/respond"
)

// gateway answers the health endpoints and hands every other request to
// the wrapped handler. It sits outside the middleware stack so that health
// checks work whatever the stack does (allowed hosts, sessions, load
// shedding) and cost almost nothing.
type gateway struct {
	next       http.Handler
	healthPath string // "" when turned off
	readyPath  string // "" when turned off
	ready      *readiness
}

// ServeHTTP matches the request path exactly, without allocating.
func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == g.healthPath && p != "":
		if allowProbeMethod(w, r) {
			writeBody(w, http.StatusOK, textPlain, healthBody)
		}
	case p == g.readyPath && p != "":
		if allowProbeMethod(w, r) {
			res := g.ready.result(r.Context())
			writeBody(w, res.status, applicationJSON, res.body)
		}
	default:
		g.next.ServeHTTP(w, r)
	}
}

// healthBody is the body of the liveness endpoint; it is never modified.
var healthBody = []byte("ok\n")

const (
	textPlain       = "text/plain; charset=utf-8"
	applicationJSON = "application/json"
)

// allowProbeMethod reports whether r is a GET or HEAD and answers 405
// otherwise.
func allowProbeMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	respond.Error(w, r, respond.NewError(http.StatusMethodNotAllowed, "method not allowed"))
	return false
}

// writeBody writes a probe response. Each header gets a slice of its own
// (one allocation for the three), so that a wrapper editing a value in
// place changes this response only.
func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	v := [...]string{contentType, "no-store", "nosniff"}
	h := w.Header()
	h["Content-Type"] = v[0:1:1]
	h["Cache-Control"] = v[1:2:2]
	h["X-Content-Type-Options"] = v[2:3:3]
	w.WriteHeader(status)
	w.Write(body)
}

// readiness runs the probes, at most one run at a time, and reuses a
// result for ttl. It is safe for concurrent use.
type readiness struct {
	probes  []Probe
	timeout time.Duration
	ttl     time.Duration // ≤ 0: no reuse
	logger  *slog.Logger
	now     func() time.Time
	onWait  func() // test hook: called when a request starts waiting for a run

	stopping atomic.Bool // set once shutdown begins

	// inFlight[i] is set while a call of probes[i].Check has not returned,
	// so that a probe that ignores its context is not called again (and
	// one goroutine per run does not pile up) until it returns.
	inFlight []atomic.Bool

	mu      sync.Mutex
	last    *readyResult // latest finished run, nil before the first
	running *readyRun    // run in progress, nil when none
	failing map[string]bool
}

// errProbeBusy is logged for a probe skipped because its previous call,
// which outlived its timeout, has still not returned.
var errProbeBusy = errors.New("server: probe skipped: its previous call ignored the timeout and has not returned")

// readyResult is one finished run of the probes, already encoded.
type readyResult struct {
	at     time.Time
	status int
	body   []byte
}

type readyRun struct {
	done chan struct{}
	res  *readyResult
}

// readyReport is the JSON body of /readyz.
type readyReport struct {
	Status string        `json:"status"` // "ok", "degraded", "unavailable" or "shutting down"
	Checks []checkReport `json:"checks"`
}

type checkReport struct {
	Name       string `json:"name"`
	Status     string `json:"status"` // "ok", "failed", "timeout" or "panic"
	DurationMS int64  `json:"duration_ms"`
	// Optional is set on a failing optional probe (see Probe.Optional).
	Optional bool `json:"optional,omitempty"`
}

var (
	stoppingResult = encodeResult(http.StatusServiceUnavailable, readyReport{Status: "shutting down", Checks: []checkReport{}})
	canceledResult = encodeResult(http.StatusServiceUnavailable, readyReport{Status: "canceled", Checks: []checkReport{}})
)

func encodeResult(status int, rep readyReport) *readyResult {
	b, err := json.Marshal(rep)
	if err != nil { // cannot happen: the report holds only strings and ints
		panic(fmt.Sprintf("server: encode readiness: %v", err))
	}
	return &readyResult{status: status, body: append(b, '\n')}
}

// result returns the current readiness: a cached result when it is fresh,
// else the result of a run of the probes, shared with every request that
// asks meanwhile. The run does not depend on ctx; ctx only bounds the wait.
func (rd *readiness) result(ctx context.Context) *readyResult {
	if rd.stopping.Load() {
		return stoppingResult
	}
	rd.mu.Lock()
	if rd.last != nil && rd.ttl > 0 && rd.now().Sub(rd.last.at) < rd.ttl {
		res := rd.last
		rd.mu.Unlock()
		return res
	}
	run := rd.running
	if run == nil {
		run = &readyRun{done: make(chan struct{})}
		rd.running = run
		go rd.run(run)
	}
	rd.mu.Unlock()
	if rd.onWait != nil {
		rd.onWait()
	}
	select {
	case <-run.done:
		if rd.stopping.Load() {
			return stoppingResult
		}
		return run.res
	case <-ctx.Done():
		return canceledResult
	}
}

// run runs every probe in parallel, each bounded by rd.timeout. A probe
// that ignores its context is reported as "timeout" and left to finish on
// its own; until it has, later runs report it as "timeout" without
// calling it again.
func (rd *readiness) run(run *readyRun) {
	type outcome struct {
		i   int
		err error
		dur time.Duration
	}
	ctx, cancel := context.WithTimeout(context.Background(), rd.timeout)
	defer cancel()
	checks := make([]checkReport, len(rd.probes))
	errs := make([]error, len(rd.probes))
	for i, p := range rd.probes {
		checks[i] = checkReport{Name: p.Name, Status: "timeout", DurationMS: rd.timeout.Milliseconds()}
		errs[i] = context.DeadlineExceeded
	}
	out := make(chan outcome, len(rd.probes)) // buffered: late probes never block
	started := 0
	for i, p := range rd.probes {
		if !rd.inFlight[i].CompareAndSwap(false, true) {
			errs[i] = errProbeBusy
			continue
		}
		started++
		go func() {
			defer rd.inFlight[i].Store(false)
			start := time.Now()
			err := runProbe(ctx, p)
			out <- outcome{i, err, time.Since(start)}
		}()
	}
collect:
	for range started {
		select {
		case o := <-out:
			checks[o.i].DurationMS = o.dur.Milliseconds()
			checks[o.i].Status = probeStatus(o.err)
			errs[o.i] = o.err
		case <-ctx.Done():
			break collect
		}
	}
	rep := readyReport{Status: "ok", Checks: checks}
	status := http.StatusOK
	for i, c := range checks {
		switch {
		case c.Status == "ok":
		case rd.probes[i].Optional:
			checks[i].Optional = true
			if status == http.StatusOK {
				rep.Status = "degraded"
			}
		default:
			rep.Status, status = "unavailable", http.StatusServiceUnavailable
		}
	}
	res := encodeResult(status, rep)

	rd.mu.Lock()
	res.at = rd.now()
	rd.logTransitions(checks, errs)
	rd.last, rd.running, run.res = res, nil, res
	rd.mu.Unlock()
	close(run.done)
}

// probeStatus is the status word shown for a probe's error.
func probeStatus(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, new(*respond.PanicError)):
		return "panic"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	default:
		return "failed"
	}
}

// runProbe calls p.Check and turns a panic into an error.
func runProbe(ctx context.Context, p Probe) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = respond.NewPanicError(v)
		}
	}()
	return p.Check(ctx)
}

// logTransitions logs a probe when it starts failing and when it recovers,
// not on every run, so that a long outage does not flood the log. The
// error text goes to the log only, never into the response body, and
// passes through respond.MaskString first (a DSN in a driver's error
// would otherwise log its password).
// rd.mu must be held.
func (rd *readiness) logTransitions(checks []checkReport, errs []error) {
	if rd.failing == nil {
		rd.failing = make(map[string]bool, len(checks))
	}
	for i, c := range checks {
		failed := c.Status != "ok"
		switch {
		case failed && !rd.failing[c.Name]:
			msg := "<nil>"
			if errs[i] != nil {
				msg = respond.MaskString(errs[i].Error())
			}
			rd.logger.Warn("readiness probe failing", "probe", c.Name, "status", c.Status, "error", msg)
		case !failed && rd.failing[c.Name]:
			rd.logger.Info("readiness probe recovered", "probe", c.Name)
		}
		rd.failing[c.Name] = failed
	}
}
