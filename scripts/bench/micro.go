package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// benchstatPkg is the benchstat the -micro mode runs, pinned so that every
// run summarises the same way. `go run pkg@version` builds it outside this
// module: go.mod does not grow a tool dependency for it.
const benchstatPkg = "golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"

// microBench is one group of the micro-benchmarks kept next to their
// packages (see docs/performance.md for what each measures).
type microBench struct {
	what    string // for the progress line
	pkg     string // package pattern
	pattern string // -bench regexp
}

// microBenches are the hot paths of a request: the middleware stack and
// URL reversing, a primary-key read through the ORM against the raw
// driver, a template render against plain html/template, a cache hit and
// a session load.
func microBenches() []microBench {
	return []microBench{
		{"middleware stack, URL reverse", "./core/", "^Benchmark(Stack|Reverse)$"},
		{"ORM get by primary key vs raw driver", "./orm/", "^BenchmarkGetByPK$"},
		{"template render vs html/template", "./templates/", "^Benchmark(Render100Rows|RenderOverhead)$"},
		{"cache get (memory, Redis)", "./cache/", "^Benchmark(MemoryGet|MemoryGetOrSetHit|RedisGet)$"},
		{"session load", "./sessions/", "^Benchmark(SessionLoad|NoSession)$"},
	}
}

// microOptions are the -micro mode's flags.
type microOptions struct {
	count     int
	benchtime string // go test's -benchtime ("" = its default)
	out       string // file for go test's raw output ("" = a temporary one)
	against   string // an earlier -out file to compare with
}

func (m microOptions) check() error {
	if m.count < 1 || m.count > 50 {
		return errors.New("-count must be 1..50")
	}
	if m.against != "" {
		if _, err := os.Stat(m.against); err != nil {
			return fmt.Errorf("-against: %w", err)
		}
	}
	return nil
}

// runMicro runs every micro-benchmark group with -benchmem -count, keeps
// go test's raw output in m.out (the input benchstat and later -against
// runs read), then prints benchstat's summary: medians with confidence
// intervals, and with -against an old/new comparison with p-values.
func runMicro(ctx context.Context, m microOptions) error {
	out := m.out
	if out == "" {
		f, err := os.CreateTemp("", "djinn-micro-*.txt")
		if err != nil {
			return err
		}
		out = f.Name()
		f.Close()
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	var failed []string
	for _, b := range microBenches() {
		if ctx.Err() != nil {
			f.Close()
			return ctx.Err()
		}
		fmt.Fprintf(os.Stderr, "bench: %s (%s)…\n", b.what, b.pkg)
		args := []string{"test", "-run", "^$", "-bench", b.pattern, "-benchmem", "-count", strconv.Itoa(m.count)}
		if m.benchtime != "" {
			args = append(args, "-benchtime", m.benchtime)
		}
		// Bounded: a group that hangs is killed and reported, the rest run.
		gctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
		cmd := exec.CommandContext(gctx, "go", append(args, b.pkg)...)
		cmd.Stdout, cmd.Stderr = f, os.Stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", b.pkg, err))
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: raw results in %s (pass it to -against next time)\n", out)

	inputs := []string{out}
	if m.against != "" {
		inputs = []string{"old=" + m.against, "new=" + out}
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(sctx, "go", append([]string{"run", benchstatPkg}, inputs...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("benchstat: %w", err)
	}
	if len(failed) > 0 {
		return fmt.Errorf("benchmarks failed: %v", failed)
	}
	return nil
}
