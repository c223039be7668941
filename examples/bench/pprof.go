package main

import (
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
)

// servePprof serves net/http/pprof on the loopback address in
// BENCH_PPROF_ADDR, if set, beside the project's server, so that
// scripts/bench -profile can take CPU profiles under load. The project's
// own handler and middleware never see these requests.
func servePprof() {
	addr := os.Getenv("BENCH_PPROF_ADDR")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go func() {
		if err := http.ListenAndServe(addr, mux); err != nil {
			fmt.Fprintln(os.Stderr, "bench: pprof:", err)
		}
	}()
}
