// Command loadtest compares the Djinn stack with bare net/http on loopback.
//
// It builds two servers — the hello example (the full default middleware
// stack, the router and a JSON view) and a bare net/http server answering
// the same JSON — starts each on its own 127.0.0.1 port, warms both up, then
// drives /json on each with the same closed-loop Go load generator for a
// bounded time, alternating between them round by round so that both see
// the same machine state. It prints a markdown table of requests per
// second, latency percentiles and errors, and the Djinn/bare ratio.
//
//	go run ./scripts/loadtest -duration 10s -concurrency 32 -rounds 3
//
// The generator shares the machine's cores with the servers: compare the
// ratio, not the absolute numbers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	duration := flag.Duration("duration", 5*time.Second, "length of each measured round (at most 2m)")
	warmup := flag.Duration("warmup", 2*time.Second, "warm-up per server before measuring")
	conc := flag.Int("concurrency", 32, "concurrent connections (at most 512)")
	rounds := flag.Int("rounds", 3, "rounds per server, alternating (at most 10)")
	path := flag.String("path", "/json", "path to request on both servers")
	flag.Parse()
	if err := run(*duration, *warmup, *conc, *rounds, *path); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type target struct {
	name string
	pkg  string
	args func(addr string) []string
	addr string
	cmd  *exec.Cmd
	res  []result
}

func run(duration, warmup time.Duration, conc, rounds int, path string) error {
	if duration <= 0 || duration > 2*time.Minute || conc < 1 || conc > 512 || rounds < 1 || rounds > 10 {
		return errors.New("flags out of bounds: 0 < duration ≤ 2m, 1 ≤ concurrency ≤ 512, 1 ≤ rounds ≤ 10")
	}
	dir, err := os.MkdirTemp("", "djinn-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	targets := []*target{
		{name: "net/http (bare)", pkg: "./scripts/loadtest/bare", args: func(a string) []string { return []string{"-addr", a} }},
		{name: "djinn (full stack)", pkg: "./examples/hello", args: func(a string) []string { return []string{"serve", a} }},
	}
	for i, t := range targets {
		bin := filepath.Join(dir, fmt.Sprintf("server%d", i))
		build := exec.Command("go", "build", "-o", bin, t.pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build %s: %w", t.pkg, err)
		}
		t.addr, err = freeAddr()
		if err != nil {
			return err
		}
		t.cmd = exec.Command(bin, t.args(t.addr)...)
		// The Djinn side runs as in production: DEBUG off, access log on,
		// written to /dev/null (formatting the line is part of the cost).
		t.cmd.Env = append(os.Environ(), "DEBUG=false", "SECRET_KEY=loadtest-secret-key-not-for-production-use-0123456789", "ALLOWED_HOSTS=127.0.0.1")
		// An *os.File is handed to the child as is: no pipe for the parent
		// to drain on the cores the servers need.
		devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer devnull.Close()
		t.cmd.Stdout, t.cmd.Stderr = devnull, devnull
		if err := t.cmd.Start(); err != nil {
			return err
		}
		defer func() { t.cmd.Process.Signal(os.Interrupt); t.cmd.Wait() }()
		if err := waitUp("http://"+t.addr+path, 20*time.Second); err != nil {
			return fmt.Errorf("%s did not come up: %w", t.name, err)
		}
	}
	for _, t := range targets {
		drive("http://"+t.addr+path, conc, warmup)
	}
	for r := 0; r < rounds; r++ {
		for _, t := range targets {
			t.res = append(t.res, drive("http://"+t.addr+path, conc, duration))
		}
	}

	fmt.Printf("\n%d rounds of %v each, %d connections, GET %s, alternating servers\n\n", rounds, duration, conc, path)
	fmt.Println("| server | req/s (median round) | p50 | p99 | errors | RSS |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	var rps []float64
	for _, t := range targets {
		m := median(t.res)
		errs := 0
		for _, r := range t.res {
			errs += r.errors
		}
		rps = append(rps, m.rps)
		fmt.Printf("| %s | %.0f | %v | %v | %d | %s |\n", t.name, m.rps, m.p50, m.p99, errs, rss(t.cmd.Process.Pid))
	}
	fmt.Printf("\nratio djinn/bare: %.2f\n", rps[1]/rps[0])
	return nil
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
}

func median(rs []result) result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b result) int {
		switch {
		case a.rps < b.rps:
			return -1
		case a.rps > b.rps:
			return 1
		}
		return 0
	})
	return s[len(s)/2]
}

// drive runs conc closed-loop workers against url for d and reports the
// throughput and latency percentiles.
func drive(url string, conc int, d time.Duration) result {
	tr := &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), d)
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
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
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
	return result{rps: float64(len(lats)) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99), errors: int(errs.Load())}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitUp(url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
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

// rss reads a process's resident set size from /proc.
func rss(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
	if err != nil {
		return "?"
	}
	var size, res int64
	fmt.Sscan(string(b), &size, &res)
	return fmt.Sprintf("%.1f MiB", float64(res*int64(os.Getpagesize()))/(1<<20))
}
