package faulttest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djinn-go/djinn/internal/loadgen"
)

// slowloris holds n connections to addr that send a partial request
// (request line and one unfinished header) and then one byte every
// trickle, reopening each one the server closes, until stop. It records
// how long each connection lived before the server closed it.
type slowloris struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	open   atomic.Int64 // connections open now
	dialEr atomic.Int64 // failed dials

	mu    sync.Mutex
	lives []time.Duration // lifetimes of the connections the server closed
}

func startSlowloris(addr string, n int, trickle, bound time.Duration) *slowloris {
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	sl := &slowloris{cancel: cancel}
	for range n {
		sl.wg.Go(func() {
			buf := make([]byte, 512)
			for ctx.Err() == nil {
				c, err := net.DialTimeout("tcp", addr, 2*time.Second)
				if err != nil {
					sl.dialEr.Add(1)
					time.Sleep(100 * time.Millisecond)
					continue
				}
				opened := time.Now()
				sl.open.Add(1)
				closedByServer := false
				if _, err := c.Write([]byte("GET /polls/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")); err != nil {
					closedByServer = true
				}
				for !closedByServer && ctx.Err() == nil {
					_ = c.SetReadDeadline(time.Now().Add(trickle))
					_, err := c.Read(buf)
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						if _, err := c.Write([]byte("a")); err != nil {
							closedByServer = true
						}
						continue
					}
					closedByServer = true // EOF, a reset, or an answer (408) before the close
				}
				if closedByServer {
					life := time.Since(opened)
					sl.mu.Lock()
					sl.lives = append(sl.lives, life)
					sl.mu.Unlock()
				}
				c.Close()
				sl.open.Add(-1)
			}
		})
	}
	return sl
}

// stop closes every connection and returns the sorted lifetimes of the
// connections the server closed.
func (sl *slowloris) stop() []time.Duration {
	sl.cancel()
	sl.wg.Wait()
	sl.mu.Lock()
	defer sl.mu.Unlock()
	slices.Sort(sl.lives)
	return sl.lives
}

// sockets counts the open sockets of process pid (its listener included).
func sockets(pid int) int {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return -1
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}

// TestSlowClients opens 500 slow-header connections (slowloris) while 8
// clients load a page: the page's p99 stays within 2× of its p99 without
// them (medians of 2 s windows), and the server closes every slow
// connection at its ReadHeaderTimeout (3 s here). Then, on a node with
// small limits (MaxInFlight 4, MaxConns 50), slow requests beyond the
// in-flight limit are shed with 503 and Retry-After, 300 held connections
// never give the process more than MaxConns sockets (a new client waits
// in the kernel's accept queue), and memory stays bounded (peak RSS).
func TestSlowClients(t *testing.T) {
	Enabled(t)
	const (
		conc          = 8
		slowConns     = 500
		headerTimeout = 3 * time.Second
		trickle       = time.Second
		win           = 2 * time.Second
		rounds        = 5
		maxInFlight   = 4
		maxConns      = 50
		heldConns     = 300
		rssBound      = 200 << 20
		page          = "/polls/1/"
	)
	b := sqliteSite(t,
		"DJINN_LOG_ACCESS=false",
		"DJINN_SERVER_READ_HEADER_TIMEOUT="+headerTimeout.String(),
		noLoginThrottle,
	)

	// Part 1: slowloris against a node with the default limits.
	s := b.Serve(t)
	drive := func() loadgen.Result {
		return loadgen.Drive(s.URL+page, loadgen.Options{Concurrency: conc, Duration: win})
	}
	drive() // warm up
	// Rounds alternate without and with the slow clients, so that both
	// see the same background load of a shared machine.
	var base, slow []loadgen.Result
	var lives []time.Duration
	var openPeak, dialErrs int64
	for range rounds {
		base = append(base, drive())
		sl := startSlowloris(s.Addr, slowConns, trickle, 30*time.Second)
		if _, err := waitFor(10*time.Second, 50*time.Millisecond, func() error {
			if n := sl.open.Load(); n < slowConns {
				return fmt.Errorf("%d slow connections open", n)
			}
			return nil
		}); err != nil {
			t.Errorf("slowloris: %v", err)
		}
		slow = append(slow, drive())
		openPeak = max(openPeak, sl.open.Load())
		lives = append(lives, sl.stop()...)
		dialErrs += sl.dialEr.Load()
	}
	slices.Sort(lives)
	rss1 := loadgen.PeakRSS(s.PID())

	p99 := func(rs []loadgen.Result) time.Duration {
		ps := make([]time.Duration, 0, len(rs))
		for _, r := range rs {
			ps = append(ps, r.P99)
		}
		slices.Sort(ps)
		return ps[len(ps)/2]
	}
	errs := func(rs []loadgen.Result) (n int) {
		for _, r := range rs {
			n += r.Errors
		}
		return n
	}
	baseP99, slowP99 := p99(base), p99(slow)
	for i := range rounds {
		t.Logf("round %d: without slow clients %d req p50 %s p99 %s; with %d: %d req p50 %s p99 %s",
			i, base[i].Requests, ms(base[i].P50), ms(base[i].P99), slowConns, slow[i].Requests, ms(slow[i].P50), ms(slow[i].P99))
	}
	if e := errs(base) + errs(slow); e != 0 {
		t.Errorf("normal clients: %d failed requests; want 0", e)
	}
	if slowP99 > 2*baseP99 {
		t.Errorf("p99 with %d slow-header connections = %s; want ≤ 2 × %s without them", slowConns, ms(slowP99), ms(baseP99))
	}
	if len(lives) == 0 {
		t.Fatalf("the server closed no slow-header connection; want each closed at ReadHeaderTimeout %s", headerTimeout)
	}
	lifeMin, lifeMed, lifeMax := lives[0], lives[len(lives)/2], lives[len(lives)-1]
	// Closed by the timeout: the typical connection at it, none long
	// before it (the server's clock starts at accept, ours after the dial
	// and the first write, which can take a while on a busy machine) and
	// none much after it (our reader notices the close late when the
	// machine is busy).
	if lifeMed < headerTimeout-250*time.Millisecond || lifeMed > headerTimeout+500*time.Millisecond ||
		lifeMin < headerTimeout/2 || lifeMax > headerTimeout+1500*time.Millisecond {
		t.Errorf("slow-header connections closed after %s / %s / %s (min/median/max); want the median within -250ms/+500ms of ReadHeaderTimeout %s, all within %s to %s",
			lifeMin, lifeMed, lifeMax, headerTimeout, headerTimeout/2, headerTimeout+1500*time.Millisecond)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("stop node 1: %v", err)
	}

	// Part 2: the limits.
	lim := b.Serve(t,
		fmt.Sprintf("DJINN_SERVER_MAX_IN_FLIGHT=%d", maxInFlight),
		fmt.Sprintf("DJINN_SERVER_MAX_CONNS=%d", maxConns),
		"DJINN_SERVER_RETRY_AFTER=3s",
	)
	// In flight: 16 clients send slow requests (a failed login runs a
	// full password hash) at a node that serves 4 at a time.
	ctx := t.Context()
	var shed, served, noRetryAfter, otherStatus atomic.Int64
	l := startLoad(t, 16, 3*time.Second+30*time.Second, func(ctx context.Context, client *http.Client) (int, string, error) {
		resp, _, err := doForm(ctx, client, http.MethodPost, lim.URL+"/accounts/login/",
			url.Values{"username": {"nobody"}, "password": {"wrong-password"}}, nil)
		if err != nil {
			return 0, "", err
		}
		switch resp.StatusCode {
		case http.StatusOK:
			served.Add(1)
		case http.StatusServiceUnavailable:
			shed.Add(1)
			if resp.Header.Get("Retry-After") != "3" {
				noRetryAfter.Add(1)
			}
		default:
			otherStatus.Add(1)
		}
		return resp.StatusCode, "", nil
	})
	time.Sleep(3 * time.Second)
	ls := l.stop()
	transport := 0
	statuses := map[int]int{}
	for _, x := range ls {
		if x.err != nil {
			transport++
		}
		statuses[x.status]++
	}
	if shed.Load() == 0 || served.Load() == 0 || noRetryAfter.Load() != 0 || otherStatus.Load() != 0 || transport != 0 {
		t.Errorf("16 slow requests at MaxInFlight %d: %d served, %d shed (%d without Retry-After: 3), %d other status, %d transport errors (statuses %v); want some served, some shed with 503 and Retry-After, nothing else",
			maxInFlight, served.Load(), shed.Load(), noRetryAfter.Load(), otherStatus.Load(), transport, statuses)
	}

	// Connections: 300 held connections; the process never has more than
	// MaxConns client sockets (plus its listener), the rest wait in the
	// kernel's queue, and a normal request is still answered.
	held := startSlowloris(lim.Addr, heldConns, trickle, 30*time.Second)
	peakSockets := 0
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		peakSockets = max(peakSockets, sockets(lim.PID()))
		time.Sleep(20 * time.Millisecond)
	}
	heldOpen := held.open.Load()
	// A normal request now waits in the accept queue behind the held
	// connections; it is served once they go.
	type answer struct {
		status int
		err    error
		took   time.Duration
	}
	got := make(chan answer, 1)
	go func() {
		t0 := time.Now()
		resp, _, err := doForm(ctx, Client(), http.MethodGet, lim.URL+page, nil, nil)
		a := answer{err: err, took: time.Since(t0)}
		if err == nil {
			a.status = resp.StatusCode
		}
		got <- a
	}()
	time.Sleep(500 * time.Millisecond)
	held.stop()
	queued := <-got
	rss2 := loadgen.PeakRSS(lim.PID())
	if peakSockets > maxConns+3 {
		t.Errorf("node with MaxConns %d had up to %d sockets while %d connections were held; want ≤ %d", maxConns, peakSockets, heldOpen, maxConns+3)
	}
	if heldOpen < maxConns {
		t.Errorf("only %d of %d held connections were open; the test did not reach MaxConns %d", heldOpen, heldConns, maxConns)
	}
	if queued.err != nil || queued.status != http.StatusOK {
		t.Errorf("GET %s sent while %d connections were held = %d, %v; want 200 once they closed", page, heldOpen, queued.status, queued.err)
	}
	for _, r := range []struct {
		name string
		rss  int64
	}{{"slowloris node", rss1}, {"limited node", rss2}} {
		if r.rss <= 0 || r.rss > rssBound {
			t.Errorf("%s peak RSS = %d MiB; want > 0 and ≤ %d MiB", r.name, r.rss>>20, rssBound>>20)
		}
	}

	t.Logf("slowloris: %d connections held (peak %d open), %d closed by the server after %s / %s / %s (min/median/max; ReadHeaderTimeout %s), %d failed dials",
		slowConns, openPeak, len(lives), lifeMin.Round(time.Millisecond), lifeMed.Round(time.Millisecond), lifeMax.Round(time.Millisecond), headerTimeout, dialErrs)
	t.Logf("limits: MaxInFlight %d: %d served, %d shed with 503 + Retry-After; MaxConns %d: %d connections held, peak %d sockets in the process; a GET queued behind them answered %d after %s",
		maxInFlight, served.Load(), shed.Load(), maxConns, heldOpen, peakSockets, queued.status, queued.took.Round(time.Millisecond))
	t.Logf("peak RSS: slowloris node %d MiB, limited node %d MiB", rss1>>20, rss2>>20)
	t.Logf("FIGURES: slow-clients: p99_without=%s p99_with_%d_slow=%s ratio=%.2f slow_closed=%d close_after_median=%s max=%s (timeout %s) shed_503=%d served=%d peak_sockets=%d/%d peak_rss=%dMiB/%dMiB",
		ms(baseP99), slowConns, ms(slowP99), float64(slowP99)/float64(max(baseP99, 1)), len(lives), lifeMed.Round(time.Millisecond), lifeMax.Round(time.Millisecond), headerTimeout,
		shed.Load(), served.Load(), peakSockets, maxConns, rss1>>20, rss2>>20)
}
