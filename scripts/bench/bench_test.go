package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestSmoke runs `go run ./scripts/bench -smoke` on two endpoints end to
// end: build, throwaway database, migrate, benchdata, both servers, the
// table. It needs the local PostgreSQL and Redis and takes some seconds.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs both servers; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./scripts/bench", "-smoke", "-endpoints", "json,fortunes")
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bench -smoke: %v\n%s", err, out)
	}
	for _, path := range []string{"/json", "/fortunes"} {
		// A row with throughput on both sides, a ratio, CPU time per
		// request and no errors.
		row := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(path) + ` \| [1-9]\d* \| [1-9]\d* \| \d+\.\d\d \(\d+\.\d\d–\d+\.\d\d\) \| [^|]* \| [\d.]+ µs / [\d.]+ µs \| .* \| 0 / 0 \| [\d.]+ MiB / [\d.]+ MiB \|$`)
		if !row.Match(out) {
			t.Errorf("no row for %s with requests, a ratio, CPU per request and 0 errors in:\n%s", path, out)
		}
	}
	if regexp.MustCompile(`\| /db `).Match(out) {
		t.Errorf("ran /db, which -endpoints left out:\n%s", out)
	}
}

func TestPickEndpoints(t *testing.T) {
	got, err := pickEndpoints("json, /db")
	if err != nil || len(got) != 2 || got[0].path != "/json" || got[1].path != "/db" {
		t.Errorf("pickEndpoints(json, /db) = %v, %v", got, err)
	}
	if _, err := pickEndpoints("jsn"); err == nil || !regexp.MustCompile(`unknown endpoint "jsn"`).MatchString(err.Error()) {
		t.Errorf("pickEndpoints(jsn): error %v, want one naming the endpoint", err)
	}
}

func TestMicroOptions(t *testing.T) {
	if err := (microOptions{count: 6}).check(); err != nil {
		t.Errorf("count 6: %v", err)
	}
	if err := (microOptions{count: 0}).check(); err == nil {
		t.Error("count 0 accepted")
	}
	err := (microOptions{count: 6, against: "/nonexistent/old.txt"}).check()
	if err == nil || !regexp.MustCompile(`-against: .*nonexistent/old.txt`).MatchString(err.Error()) {
		t.Errorf("missing -against file: error %v, want one naming the flag and the file", err)
	}
	// Every group names a package directory of this module.
	for _, b := range microBenches() {
		if _, err := regexp.Compile(b.pattern); err != nil {
			t.Errorf("%s: bad pattern %q: %v", b.pkg, b.pattern, err)
		}
		if _, err := os.Stat(filepath.Join("../..", b.pkg)); err != nil {
			t.Errorf("%s: %v", b.pkg, err)
		}
	}
}
