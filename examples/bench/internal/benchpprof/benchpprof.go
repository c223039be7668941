// Package benchpprof serves net/http/pprof beside a bench server (the
// Djinn project and the raw baseline alike), so that scripts/bench
// -profile can take CPU profiles of both under the same load.
package benchpprof

import (
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
)

// Serve serves net/http/pprof on the loopback address in
// BENCH_PPROF_ADDR, if set, on a listener of its own: the server under
// test never sees these requests.
func Serve() {
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
