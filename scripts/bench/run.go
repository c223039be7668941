package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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
}

func run(ctx context.Context, o options) error {
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

	djinn := &server{name: "djinn", bin: djinnBin}
	raw := &server{name: "raw", bin: rawBin}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
		if djinn.pprofAddr, err = loadgen.FreeAddr(); err != nil {
			return err
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
		for r := range o.rounds {
			// Alternate which server goes first, round by round.
			for k := range 2 {
				i := (r + k) % 2
				s := servers[i]
				var profErr chan error
				if i == 0 && r == 0 && s.pprofAddr != "" {
					profErr = make(chan error, 1)
					secs := max(1, int(o.duration/time.Second)-1)
					file := filepath.Join(o.profileDir, "djinn-"+e.name+".pprof")
					go func() { profErr <- fetchProfile(s.pprofAddr, secs, file) }()
				}
				res[i] = append(res[i], loadgen.Drive("http://"+s.addr+e.path, loadgen.Options{Concurrency: o.concurrency, Duration: o.duration, Cookies: true}))
				if profErr != nil {
					if err := <-profErr; err != nil {
						fmt.Fprintf(os.Stderr, "bench: profile of %s: %v\n", e.name, err)
					}
				}
			}
		}
		rows = append(rows, row{e: e, djinn: loadgen.Median(res[0]), raw: loadgen.Median(res[1]), rssD: djinn.peakRSS(), rssR: raw.peakRSS()})
	}
	printTable(o, rows)
	for _, r := range rows {
		if r.djinn.Errors > 0 || r.raw.Errors > 0 || r.djinn.Requests == 0 || r.raw.Requests == 0 {
			return errors.New("some requests failed or none succeeded (see the table)")
		}
	}
	return nil
}

func printTable(o options, rows []row) {
	host, _ := os.Hostname()
	fmt.Printf("\n%d round(s) of %v per endpoint and server after %v of warm-up, %d connections, alternating servers; %s/%s, %d CPUs (%s), %s\n\n",
		o.rounds, o.duration, o.warmup, o.concurrency, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), host, runtime.Version())
	fmt.Println("| endpoint | djinn req/s | raw req/s | djinn/raw | target | p50 djinn / raw | p99 djinn / raw | errors djinn / raw | peak RSS djinn / raw |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		ratio, target := "–", "–"
		if r.raw.RPS > 0 {
			ratio = fmt.Sprintf("%.2f", r.djinn.RPS/r.raw.RPS)
		}
		if r.e.target > 0 {
			mark := "✓"
			if r.raw.RPS == 0 || r.djinn.RPS/r.raw.RPS < r.e.target {
				mark = "✗"
			}
			target = fmt.Sprintf("≥ %.2f %s", r.e.target, mark)
		}
		fmt.Printf("| %s | %.0f | %.0f | %s | %s | %v / %v | %v / %v | %d / %d | %s / %s |\n",
			r.e.path, r.djinn.RPS, r.raw.RPS, ratio, target, r.djinn.P50, r.raw.P50, r.djinn.P99, r.raw.P99,
			r.djinn.Errors, r.raw.Errors, r.rssD, r.rssR)
	}
	fmt.Println("\nreq/s, p50 and p99 are the median round's; errors are all rounds'. Peak RSS is VmHWM after the endpoint (cumulative: endpoints run in table order). RSS target: djinn ≤ 2× raw.")
}
