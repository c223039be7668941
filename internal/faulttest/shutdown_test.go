package faulttest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// proxyNode is one backend of the test's reverse proxy.
type proxyNode struct {
	name    string
	rp      *httputil.ReverseProxy
	readyz  string
	healthy atomic.Bool
	served  atomic.Int64

	mu        sync.Mutex
	unhealthy time.Time // when the health check first failed, zero before
}

// rrProxy is a round-robin reverse proxy that sends requests only to the
// nodes whose /readyz answered 200 at the last check (every 100 ms), as
// a load balancer does.
type rrProxy struct {
	nodes  []*proxyNode
	next   atomic.Uint64
	errors atomic.Int64 // failed proxy round trips
	none   atomic.Int64 // requests that found no healthy node
	tr     *http.Transport
}

func newRRProxy(t *testing.T, urls map[string]string, order []string) *rrProxy {
	p := &rrProxy{tr: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	t.Cleanup(p.tr.CloseIdleConnections)
	for _, name := range order {
		u, err := url.Parse(urls[name])
		if err != nil {
			t.Fatal(err)
		}
		n := &proxyNode{name: name, readyz: urls[name] + "/readyz"}
		n.rp = &httputil.ReverseProxy{
			Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
			Transport: p.tr,
			ModifyResponse: func(resp *http.Response) error {
				resp.Header.Set("X-Faulttest-Node", n.name)
				n.served.Add(1)
				return nil
			},
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				if r.Context().Err() != nil {
					return // the client gave up (the load stopped): not the node's failure
				}
				p.errors.Add(1)
				t.Logf("proxy: %s %s via %s: %v", r.Method, r.URL.Path, n.name, err)
				w.Header().Set("X-Faulttest-Node", n.name)
				w.WriteHeader(http.StatusBadGateway)
			},
		}
		p.nodes = append(p.nodes, n)
	}
	return p
}

func (p *rrProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := p.next.Add(1)
	for i := range uint64(len(p.nodes)) {
		n := p.nodes[(start+i)%uint64(len(p.nodes))]
		if n.healthy.Load() {
			n.rp.ServeHTTP(w, r)
			return
		}
	}
	p.none.Add(1)
	http.Error(w, "no healthy node", http.StatusServiceUnavailable)
}

// check runs the health checks every interval until ctx is done.
func (p *rrProxy) check(ctx context.Context, interval time.Duration) {
	client := &http.Client{Timeout: 500 * time.Millisecond}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		for _, n := range p.nodes {
			ok := false
			if resp, err := client.Get(n.readyz); err == nil {
				resp.Body.Close()
				ok = resp.StatusCode == http.StatusOK
			}
			if !ok && n.healthy.Load() {
				n.mu.Lock()
				if n.unhealthy.IsZero() {
					n.unhealthy = time.Now()
				}
				n.mu.Unlock()
			}
			n.healthy.Store(ok)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// TestGracefulShutdownBehindProxy runs two `serve` nodes on one SQLite
// database behind a round-robin reverse proxy that health-checks /readyz
// every 100 ms, loads the proxy with 16 clients, and sends SIGTERM to
// node 1. Node 1 answers /readyz 503 for its DrainDelay while it still
// serves, finishes what is in flight (slow logins sent to it directly
// included), and exits 0; the proxy's clients see no failure, and node 2
// then serves everything alone.
func TestGracefulShutdownBehindProxy(t *testing.T) {
	Enabled(t)
	const (
		conc       = 16
		drainDelay = 2 * time.Second
		steady     = 3 * time.Second
		afterExit  = 2 * time.Second
		page       = "/polls/1/"
	)
	b := sqliteSite(t,
		"DJINN_LOG_ACCESS=false",
		"DJINN_SERVER_DRAIN_DELAY="+drainDelay.String(),
		"DJINN_SERVER_SHUTDOWN_TIMEOUT=10s",
		// Failed logins, the slow view sent to node 1, are not throttled
		// (0 would mean the default, 5: core fills zero settings).
		noLoginThrottle,
	)
	n1, n2 := b.Serve(t), b.Serve(t)
	p := newRRProxy(t, map[string]string{"node1": n1.URL, "node2": n2.URL}, []string{"node1", "node2"})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go p.check(ctx, 100*time.Millisecond)
	front := httptest.NewServer(p)
	defer front.Close()
	if _, err := waitFor(5*time.Second, 50*time.Millisecond, func() error {
		for _, n := range p.nodes {
			if !n.healthy.Load() {
				return fmt.Errorf("%s not healthy", n.name)
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("proxy health checks: %v", err)
	}

	l := startLoad(t, conc, 60*time.Second, func(ctx context.Context, client *http.Client) (int, string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, front.URL+page, nil)
		if err != nil {
			return 0, "", err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header.Get("X-Faulttest-Node"), err
	})
	time.Sleep(steady - time.Second)

	// Slow requests sent straight to node 1: a failed login runs a full
	// password hash. Two start a second before SIGTERM, two during the
	// drain; whichever are still running when the listener closes must
	// finish too.
	type direct struct {
		start, end time.Time
		status     int
		err        error
	}
	var (
		dmu     sync.Mutex
		directs []direct
		dwg     sync.WaitGroup
	)
	sendDirect := func() {
		dwg.Go(func() {
			client := &http.Client{Timeout: 20 * time.Second}
			d := direct{start: time.Now()}
			resp, _, err := doForm(ctx, client, http.MethodPost, n1.URL+"/accounts/login/",
				url.Values{"username": {"nobody"}, "password": {"wrong-password"}}, nil)
			d.end, d.err = time.Now(), err
			if err == nil {
				d.status = resp.StatusCode
			}
			dmu.Lock()
			directs = append(directs, d)
			dmu.Unlock()
		})
	}
	sendDirect()
	sendDirect()
	time.Sleep(time.Second)

	tSig := l.since()
	sig := time.Now()
	if err := n1.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM node 1: %v", err)
	}
	// While it drains, node 1 reports 503 on /readyz and still serves.
	time.Sleep(drainDelay / 4)
	sendDirect()
	sendDirect()
	resp, _, err := doForm(ctx, Client(), http.MethodGet, n1.URL+"/readyz", nil, nil)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET node 1 /readyz while draining = %v, %v; want 503", resp, err)
	}
	resp, _, err = doForm(ctx, Client(), http.MethodGet, n1.URL+page, nil, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET node 1 %s while draining = %v, %v; want 200", page, resp, err)
	}

	exitErr := n1.Wait(20 * time.Second)
	exited := time.Since(sig)
	tExit := l.since()
	dwg.Wait()
	time.Sleep(afterExit)
	ss := l.stop()
	end := l.since()

	if exitErr != nil {
		t.Errorf("node 1 after SIGTERM: %v; want exit status 0\n%s", exitErr, n1.Logs())
	}
	if !strings.Contains(n1.Logs(), `"msg":"shutdown complete"`) {
		t.Errorf("node 1's log lacks \"shutdown complete\":\n%s", n1.Logs())
	}
	var unhealthyAfter time.Duration
	p.nodes[0].mu.Lock()
	if !p.nodes[0].unhealthy.IsZero() {
		unhealthyAfter = p.nodes[0].unhealthy.Sub(sig)
	}
	p.nodes[0].mu.Unlock()
	if unhealthyAfter <= 0 || unhealthyAfter > drainDelay {
		t.Errorf("proxy saw node 1 unhealthy %s after SIGTERM; want within the drain delay %s", unhealthyAfter, drainDelay)
	}

	// Through the proxy: no failure at all.
	all := stats(ss, 0, end, http.StatusOK)
	if all.fails != 0 || p.errors.Load() != 0 || p.none.Load() != 0 {
		t.Errorf("through the proxy: %d of %d requests failed (%d proxy errors, %d with no healthy node); want 0", all.fails, all.n, p.errors.Load(), p.none.Load())
		for _, x := range ss {
			if !x.ok(http.StatusOK) {
				t.Logf("failure at %.2fs (SIGTERM at %.2fs): status %d via %q, %v", x.at.Seconds(), tSig.Seconds(), x.status, x.note, x.err)
			}
		}
	}
	// Node 1 served before; after it exited, node 2 serves everything.
	var beforeN1, afterN1, afterN2 int
	for _, x := range ss {
		switch {
		case x.at < tSig && x.note == "node1":
			beforeN1++
		case x.at > tExit && x.note == "node1":
			afterN1++
		case x.at > tExit && x.note == "node2":
			afterN2++
		}
	}
	if beforeN1 == 0 || afterN1 != 0 || afterN2 == 0 {
		t.Errorf("requests by node 1 before SIGTERM = %d, by node 1 after it exited = %d, by node 2 after = %d; want >0, 0, >0", beforeN1, afterN1, afterN2)
	}

	// Straight to node 1: every slow request that was sent got its answer.
	closeAt := sig.Add(drainDelay)
	var dFailed, dDuringDrain, dAtClose int
	var dMax time.Duration
	for _, d := range directs {
		if d.err != nil || d.status != http.StatusOK {
			dFailed++
			t.Errorf("direct login POST to node 1 started %s after SIGTERM: status %d, %v; want 200 (the form with its error)", d.start.Sub(sig).Round(time.Millisecond), d.status, d.err)
		}
		if d.start.After(sig) {
			dDuringDrain++
		}
		if d.start.Before(closeAt) && d.end.After(closeAt) {
			dAtClose++
		}
		dMax = max(dMax, d.end.Sub(d.start))
	}

	t.Logf("proxy: %d requests, %d failed, node1 %d / node2 %d served; %d proxy errors", all.n, all.fails, p.nodes[0].served.Load(), p.nodes[1].served.Load(), p.errors.Load())
	t.Logf("node 1: SIGTERM at %.2fs, unhealthy at the proxy after %s, exited after %s (drain delay %s); exit %v",
		tSig.Seconds(), unhealthyAfter.Round(time.Millisecond), exited.Round(time.Millisecond), drainDelay, exitErr)
	t.Logf("direct slow requests to node 1: %d sent, %d during the drain, %d in flight when the listener closed, %d failed, slowest %s",
		len(directs), dDuringDrain, dAtClose, dFailed, dMax.Round(time.Millisecond))
	t.Logf("after node 1 exited: node 2 served %d, node 1 %d", afterN2, afterN1)
	t.Logf("FIGURES: sigterm-behind-proxy: requests=%d failed=%d direct_slow=%d direct_at_close=%d direct_failed=%d drain=%s exit_after=%s unhealthy_after=%s exit_code_0=%t node2_after=%d",
		all.n, all.fails, len(directs), dAtClose, dFailed, drainDelay, exited.Round(time.Millisecond), unhealthyAfter.Round(time.Millisecond), exitErr == nil, afterN2)
}
