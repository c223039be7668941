package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/djinn-go/djinn/internal/loadgen"
)

// row is the outcome of one endpoint.
type row struct {
	e          endpoint
	djinn, raw loadgen.Result
	rssD, rssR string
	// ratios are the Djinn/raw req/s of each round's back-to-back pair.
	ratios []float64
	// cpuD and cpuR are the servers' median CPU time per request.
	cpuD, cpuR time.Duration
}

// ratio is the median of the rounds' paired ratios: steadier than the
// ratio of the medians when the machine's speed drifts during a run.
func (r row) ratio() float64 { return median(r.ratios) }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

func run(ctx context.Context, o options) error {
	var split *cpuSplit
	if o.splitCPUs {
		cpus, err := allowedCPUs()
		if err != nil {
			return err
		}
		sp, err := splitCPUs(cpus)
		if err != nil {
			return err
		}
		if err := sp.pinSelf(); err != nil {
			return err
		}
		split = &sp
	}
	dir, err := os.MkdirTemp("", "djinn-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	djinnBin, err := build(dir, "djinn", "./examples/bench")
	if err != nil {
		return err
	}
	rawBin, err := build(dir, "raw", "./examples/bench/raw")
	if err != nil {
		return err
	}

	dbURL, drop, err := createDB(ctx, o.postgres)
	if err != nil {
		return err
	}
	defer drop()
	prefix := "djinnbench:" + strings.ToLower(rand.Text()[:8]) + ":"
	defer func() {
		if err := deleteKeys(o.redis, prefix); err != nil {
			fmt.Fprintf(os.Stderr, "bench: delete Redis keys %s*: %v\n", prefix, err)
		}
	}()

	// Both sides get the same pool size.
	pool := strconv.Itoa(min(o.concurrency, 32))
	djinnEnv := append(os.Environ(),
		"DEBUG=false", "DJINN_DEBUG=false",
		"SECRET_KEY=bench-secret-key-not-for-production-use-0123456789abcdef",
		"ALLOWED_HOSTS=127.0.0.1",
		"DATABASE_URL="+dbURL,
		"DJINN_DATABASE_MAX_OPEN_CONNS="+pool, "DJINN_DATABASE_MAX_IDLE_CONNS="+pool,
		"REDIS_URL="+o.redis, "DJINN_CACHE_KEY_PREFIX="+prefix+"djinn:", "DJINN_SESSION_STORE=redis",
	)
	setup, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := manage(setup, djinnBin, djinnEnv, "migrate"); err != nil {
		return err
	}
	if err := manage(setup, djinnBin, djinnEnv, "benchdata"); err != nil {
		return err
	}
	rawDB := dbURL + "&pool_max_conns=" + pool
	if !strings.Contains(dbURL, "?") {
		rawDB = dbURL + "?pool_max_conns=" + pool
	}

	djinn := &server{name: "djinn", bin: djinnBin, split: split}
	raw := &server{name: "raw", bin: rawBin, split: split}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
		for _, s := range []*server{djinn, raw} {
			if s.pprofAddr, err = loadgen.FreeAddr(); err != nil {
				return err
			}
		}
	}
	if err := djinn.start([]string{"serve"}, djinnEnv, "/json"); err != nil {
		return err
	}
	defer djinn.stop()
	if err := raw.start([]string{"-db", rawDB, "-redis", o.redis, "-prefix", prefix + "raw:session:", "-addr"}, os.Environ(), "/json"); err != nil {
		return err
	}
	defer raw.stop()

	servers := [2]*server{djinn, raw}
	var rows []row
	for _, e := range o.endpoints {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fmt.Fprintf(os.Stderr, "bench: %s…\n", e.path)
		for _, s := range servers {
			loadgen.Drive("http://"+s.addr+e.path, loadgen.Options{Concurrency: o.concurrency, Duration: o.warmup, Cookies: true})
		}
		var res [2][]loadgen.Result
		var cpu [2][]float64 // CPU time per request, ns
		for r := range o.rounds {
			// Alternate which server goes first, round by round.
			for k := range 2 {
				i := (r + k) % 2
				s := servers[i]
				var profErr chan error
				if r == 0 && s.pprofAddr != "" {
					profErr = make(chan error, 1)
					secs := max(1, int(o.duration/time.Second)-1)
					file := filepath.Join(o.profileDir, s.name+"-"+e.name+".pprof")
					go func() { profErr <- fetchProfile(s.pprofAddr, secs, file) }()
				}
				before := loadgen.ProcessCPU(s.cmd.Process.Pid)
				got := loadgen.Drive("http://"+s.addr+e.path, loadgen.Options{Concurrency: o.concurrency, Duration: o.duration, Cookies: true})
				if used := loadgen.ProcessCPU(s.cmd.Process.Pid) - before; got.Requests > 0 && used > 0 {
					cpu[i] = append(cpu[i], float64(used)/float64(got.Requests))
				}
				res[i] = append(res[i], got)
				if profErr != nil {
					if err := <-profErr; err != nil {
						fmt.Fprintf(os.Stderr, "bench: profile of %s: %v\n", e.name, err)
					}
				}
			}
		}
		rw := row{e: e, djinn: loadgen.Median(res[0]), raw: loadgen.Median(res[1]), rssD: djinn.peakRSS(), rssR: raw.peakRSS(),
			cpuD: time.Duration(median(cpu[0])), cpuR: time.Duration(median(cpu[1]))}
		for r := range o.rounds {
			if res[1][r].RPS > 0 {
				rw.ratios = append(rw.ratios, res[0][r].RPS/res[1][r].RPS)
			}
		}
		rows = append(rows, rw)
	}
	printTable(o, split, rows)
	for _, r := range rows {
		if r.djinn.Errors > 0 || r.raw.Errors > 0 || r.djinn.Requests == 0 || r.raw.Requests == 0 {
			return errors.New("some requests failed or none succeeded (see the table)")
		}
	}
	return nil
}

func printTable(o options, split *cpuSplit, rows []row) {
	host, _ := os.Hostname()
	cores := "generator and servers share the CPUs"
	if split != nil {
		cores = split.String()
	}
	fmt.Printf("\n%d round(s) of %v per endpoint and server after %v of warm-up, %d connections, alternating servers; %s/%s, %d CPUs (%s; %s), %s\n\n",
		o.rounds, o.duration, o.warmup, o.concurrency, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), host, cores, runtime.Version())
	fmt.Println("| endpoint | djinn req/s | raw req/s | djinn/raw (rounds) | target | CPU/req djinn / raw | p50 djinn / raw | p99 djinn / raw | errors djinn / raw | peak RSS djinn / raw |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		ratio, target := "–", "–"
		if len(r.ratios) > 0 {
			ratio = fmt.Sprintf("%.2f (%.2f–%.2f)", r.ratio(), slices.Min(r.ratios), slices.Max(r.ratios))
		}
		if r.e.target > 0 {
			mark := "✓"
			if len(r.ratios) == 0 || r.ratio() < r.e.target {
				mark = "✗"
			}
			target = fmt.Sprintf("≥ %.2f %s", r.e.target, mark)
		}
		fmt.Printf("| %s | %.0f | %.0f | %s | %s | %s / %s | %v / %v | %v / %v | %d / %d | %s / %s |\n",
			r.e.path, r.djinn.RPS, r.raw.RPS, ratio, target, micros(r.cpuD), micros(r.cpuR),
			r.djinn.P50, r.raw.P50, r.djinn.P99, r.raw.P99, r.djinn.Errors, r.raw.Errors, r.rssD, r.rssR)
	}
	fmt.Println("\nreq/s, p50 and p99 are the median round's; djinn/raw is the median of the rounds' back-to-back ratios (lowest–highest in parentheses); " +
		"CPU/req is the server process's CPU time (user + system, all threads, 10 ms ticks) over a round divided by its requests, median of the rounds; " +
		"errors are all rounds'. Peak RSS is VmHWM after the endpoint (cumulative: endpoints run in table order). RSS target: djinn ≤ 2× raw.")
}

// micros formats a CPU time per request in microseconds, "?" when unknown.
func micros(d time.Duration) string {
	if d <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
}
