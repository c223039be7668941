// Command bench is the TechEmpower-style benchmark project: the usual
// endpoints served by Djinn's full default stack, the ORM, the template
// engine, the cache and sessions, written the way a user writes views.
// scripts/bench drives it side by side with examples/bench/raw, the same
// work done by hand with net/http, pgx and html/template.
//
//	DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench?sslmode=disable \
//	REDIS_URL=redis://127.0.0.1:6379/0 go run ./examples/bench migrate
//	… go run ./examples/bench benchdata     # world (10,000 rows) and fortune
//	… go run ./examples/bench serve 127.0.0.1:8080
//
// Endpoints: /plaintext, /json, /db, /queries?n=, /fortunes, /cached?n=,
// /session.
package main

import (
	"fmt"
	"os"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/examples/bench/internal/benchpprof"
)

func main() {
	s, err := settings()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	benchpprof.Serve()
	command.Main(core.New(s))
}
