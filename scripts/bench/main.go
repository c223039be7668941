// Command bench runs the TechEmpower-style endpoints of examples/bench
// (Djinn: full default stack, ORM, template engine, cache, sessions) and
// examples/bench/raw (net/http, pgx, html/template by hand) side by side
// and prints a markdown table of throughput, latency, errors, peak RSS and
// the Djinn/raw ratio per endpoint. From the repository's root:
//
//	go run ./scripts/bench                          # 3s × 6 rounds per endpoint and server
//	go run ./scripts/bench -smoke                   # a few seconds in all, for CI
//	go run ./scripts/bench -endpoints json,fortunes -duration 10s -concurrency 64
//	go run ./scripts/bench -profile /tmp/prof       # + CPU profiles of both servers per endpoint
//	go run ./scripts/bench -split-cpus              # servers on one CPU, the generator on the others
//	go run ./scripts/bench -micro -out /tmp/new.txt # the packages' micro-benchmarks, summarised by benchstat
//	go run ./scripts/bench -micro -against /tmp/old.txt  # … compared with an earlier -out
//
// It builds both servers, creates a throwaway PostgreSQL database on
// -postgres (migrated and filled by the bench project's migrate and
// benchdata commands) and drops it at the end, keeps its Redis keys under
// a prefix of its own and deletes them at the end, starts each server on
// its own 127.0.0.1 port, warms both up, then drives each endpoint with a
// closed-loop Go load generator (the one of scripts/loadtest, with a
// cookie jar per connection so that /session reuses its session) for a
// bounded time at a fixed concurrency, alternating Djinn and raw round by
// round so that both see the same machine state. Every loop is bounded in
// time and talks only to 127.0.0.1. It exits 1 when a request failed.
//
// The generator shares the machine's cores with the servers (unless
// -split-cpus gives the servers a CPU of their own): compare the ratios,
// not the absolute numbers. The ratio printed is the median of the
// rounds' back-to-back pairs, with their range: on a shared VM single
// rounds swing widely, and many short alternating rounds give a steadier
// median than a few long ones. The CPU time per request of each server
// (from /proc) is printed too: it does not depend on how the generator
// shares the cores.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// endpoint is one benchmarked URL and its target ratio.
type endpoint struct {
	name   string
	path   string
	target float64 // minimum Djinn/raw req/s ratio; 0 when none
}

func allEndpoints() []endpoint {
	return []endpoint{
		{"plaintext", "/plaintext", 0.85},
		{"json", "/json", 0.85},
		{"db", "/db", 0.80},
		{"queries", "/queries?n=20", 0.80},
		{"fortunes", "/fortunes", 0.80},
		{"cached", "/cached?n=20", 0},
		{"session", "/session", 0},
	}
}

// options are the command's flags.
type options struct {
	duration, warmup time.Duration
	concurrency      int
	rounds           int
	endpoints        []endpoint
	postgres, redis  string
	profileDir       string
	splitCPUs        bool // -split-cpus
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "length of each measured round (at most 2m)")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "warm-up per endpoint and server before measuring")
	flag.IntVar(&o.concurrency, "concurrency", 32, "concurrent connections (at most 512)")
	flag.IntVar(&o.rounds, "rounds", 6, "rounds per endpoint and server, alternating (at most 30)")
	names := flag.String("endpoints", "", "comma-separated endpoints (default all): "+strings.Join(endpointNames(), ","))
	smoke := flag.Bool("smoke", false, "a short run for CI: -duration 1s -warmup 200ms -rounds 1 -concurrency 4")
	flag.StringVar(&o.postgres, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server on which to create the throwaway database")
	flag.StringVar(&o.redis, "redis", "redis://127.0.0.1:6379/0", "Redis server for sessions (keys under a prefix of this run)")
	flag.StringVar(&o.profileDir, "profile", "", "directory for CPU profiles of both servers per endpoint, taken in the first round (djinn-<endpoint>.pprof, raw-<endpoint>.pprof)")
	flag.BoolVar(&o.splitCPUs, "split-cpus", false, "run both servers on the last CPU and the load generator on the others (Linux, at least 2 CPUs; taskset from util-linux), as TechEmpower's separate client machine; PostgreSQL and Redis are not moved. With hyper-threading the last CPU may share a physical core with a generator CPU; a GOMAXPROCS in the environment overrides the servers' one CPU")
	micro := flag.Bool("micro", false, "run the packages' micro-benchmarks (stack, reverse, ORM get, template render, cache get, session load) with -benchmem and summarise them with benchstat, instead of the load test")
	var m microOptions
	flag.IntVar(&m.count, "count", 6, "-micro: runs of each benchmark (benchstat wants at least 6 for confidence intervals)")
	flag.StringVar(&m.benchtime, "benchtime", "", "-micro: go test -benchtime (a duration or Nx; default go test's 1s)")
	flag.StringVar(&m.out, "out", "", "-micro: file for go test's raw output (default a temporary file; its name is printed)")
	flag.StringVar(&m.against, "against", "", "-micro: an earlier -out file; benchstat then compares old and new")
	flag.Parse()
	if *micro {
		if o.splitCPUs || o.profileDir != "" {
			exitOn(errors.New("-split-cpus and -profile are for the load test, not -micro"))
		}
		exitOn(interruptible(m.check(), func(ctx context.Context) error { return runMicro(ctx, m) }))
		return
	}
	if *smoke {
		o.duration, o.warmup, o.rounds, o.concurrency = time.Second, 200*time.Millisecond, 1, 4
	}
	var err error
	if o.endpoints, err = pickEndpoints(*names); err == nil {
		err = o.check()
	}
	exitOn(interruptible(err, func(ctx context.Context) error { return run(ctx, o) }))
}

// interruptible returns flagErr if it is set, else runs fn with a context
// that Ctrl-C or SIGTERM cancels (so that servers, databases and Redis
// keys are cleaned up).
func interruptible(flagErr error, fn func(context.Context) error) error {
	if flagErr != nil {
		return flagErr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return fn(ctx)
}

// exitOn prints err and exits 1 when err is set.
func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func endpointNames() []string {
	var names []string
	for _, e := range allEndpoints() {
		names = append(names, e.name)
	}
	return names
}

func pickEndpoints(list string) ([]endpoint, error) {
	all := allEndpoints()
	if list == "" {
		return all, nil
	}
	var picked []endpoint
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimPrefix(strings.TrimSpace(name), "/")
		i := slices.IndexFunc(all, func(e endpoint) bool { return e.name == name })
		if i < 0 {
			return nil, fmt.Errorf("-endpoints: unknown endpoint %q; choose among %s", name, strings.Join(endpointNames(), ","))
		}
		picked = append(picked, all[i])
	}
	return picked, nil
}

func (o options) check() error {
	if o.duration <= 0 || o.duration > 2*time.Minute || o.warmup < 0 || o.warmup > time.Minute ||
		o.concurrency < 1 || o.concurrency > 512 || o.rounds < 1 || o.rounds > 30 {
		return errors.New("flags out of bounds: 0 < duration ≤ 2m, 0 ≤ warmup ≤ 1m, 1 ≤ concurrency ≤ 512, 1 ≤ rounds ≤ 30")
	}
	return nil
}
