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
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/djinn-go/djinn/internal/loadgen"
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
	res  []loadgen.Result
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
		t.addr, err = loadgen.FreeAddr()
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
		if err := loadgen.WaitUp("http://"+t.addr+path, 20*time.Second); err != nil {
			return fmt.Errorf("%s did not come up: %w", t.name, err)
		}
	}
	for _, t := range targets {
		loadgen.Drive("http://"+t.addr+path, loadgen.Options{Concurrency: conc, Duration: warmup})
	}
	for r := 0; r < rounds; r++ {
		for _, t := range targets {
			t.res = append(t.res, loadgen.Drive("http://"+t.addr+path, loadgen.Options{Concurrency: conc, Duration: duration}))
		}
	}

	fmt.Printf("\n%d rounds of %v each, %d connections, GET %s, alternating servers\n\n", rounds, duration, conc, path)
	fmt.Println("| server | req/s (median round) | p50 | p99 | errors | RSS |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	var rps []float64
	for _, t := range targets {
		m := loadgen.Median(t.res)
		rps = append(rps, m.RPS)
		fmt.Printf("| %s | %.0f | %v | %v | %d | %.1f MiB |\n", t.name, m.RPS, m.P50, m.P99, m.Errors, float64(loadgen.RSS(t.cmd.Process.Pid))/(1<<20))
	}
	fmt.Printf("\nratio djinn/bare: %.2f\n", rps[1]/rps[0])
	return nil
}
