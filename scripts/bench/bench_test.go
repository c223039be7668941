package main

import (
	"context"
	"os/exec"
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
		// A row with throughput on both sides, a ratio and no errors.
		row := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(path) + ` \| [1-9]\d* \| [1-9]\d* \| \d+\.\d\d \| .* \| 0 / 0 \| [\d.]+ MiB / [\d.]+ MiB \|$`)
		if !row.Match(out) {
			t.Errorf("no row for %s with requests, a ratio and 0 errors in:\n%s", path, out)
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
