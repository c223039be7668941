// Package loadgen is the closed-loop HTTP load generator of Djinn's
// scripts (scripts/loadtest, scripts/bench): fixed concurrency for a fixed
// time against 127.0.0.1, with throughput and latency percentiles, and
// the helpers those scripts need around it (free ports, waiting for a
// server, its memory).
package loadgen

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one measured round.
type Result struct {
	Requests int
	RPS      float64
	P50, P99 time.Duration
	Errors   int
}

// Options configures Drive.
type Options struct {
	// Concurrency is the number of workers, each with its connection.
	Concurrency int
	// Duration bounds the round.
	Duration time.Duration
	// Cookies gives every worker a cookie jar, so that it keeps a session.
	Cookies bool
}

// Drive runs opts.Concurrency closed-loop workers against url for
// opts.Duration and reports the throughput and latency percentiles; any
// status but 200 counts as an error.
func Drive(url string, opts Options) Result {
	conc := max(opts.Concurrency, 1)
	tr := &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, DisableCompression: true}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), opts.Duration)
	defer cancel()
	var (
		mu      sync.Mutex
		lats    []time.Duration
		errs    atomic.Int64
		wg      sync.WaitGroup
		started = time.Now()
	)
	for range conc {
		wg.Go(func() {
			client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			if opts.Cookies {
				client.Jar, _ = cookiejar.New(nil) // never fails without options
			}
			local := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				t0 := time.Now()
				resp, err := client.Get(url)
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs.Add(1)
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(started)
	slices.Sort(lats)
	pct := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[int(float64(len(lats)-1)*p)].Round(time.Microsecond)
	}
	return Result{Requests: len(lats), RPS: float64(len(lats)) / elapsed.Seconds(), P50: pct(0.50), P99: pct(0.99), Errors: int(errs.Load())}
}

// Median returns the round of median throughput, with the errors of all
// rounds.
func Median(rs []Result) Result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b Result) int {
		switch {
		case a.RPS < b.RPS:
			return -1
		case a.RPS > b.RPS:
			return 1
		}
		return 0
	})
	m := s[len(s)/2]
	m.Errors = 0
	for _, r := range rs {
		m.Errors += r.Errors
	}
	return m
}

// FreeAddr returns a free "127.0.0.1:port".
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// WaitUp polls url until it answers 200, for at most within.
func WaitUp(url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// RSS returns a process's resident set size in bytes (from /proc; 0 when
// it cannot be read).
func RSS(pid int) int64 { return procStatusKB(pid, "VmRSS:") * 1024 }

// PeakRSS returns a process's peak resident set size in bytes (VmHWM; 0
// when it cannot be read).
func PeakRSS(pid int) int64 { return procStatusKB(pid, "VmHWM:") * 1024 }

// ProcessCPU returns the CPU time (user and system, all threads) a
// process has used so far, from /proc/pid/stat in clock ticks of 10 ms
// (Linux's USER_HZ), or 0 when it cannot be read. The difference over a
// round of several seconds, divided by the requests served, is the
// server's CPU cost per request.
func ProcessCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis. utime and stime are fields 14 and 15
	// of the line, 12 and 13 after it.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	var utime, stime int64
	if _, err := fmt.Sscan(f[11], &utime); err != nil {
		return 0
	}
	if _, err := fmt.Sscan(f[12], &stime); err != nil {
		return 0
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func procStatusKB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kb int64
			_, _ = fmt.Sscan(rest, &kb)
			return kb
		}
	}
	return 0
}
