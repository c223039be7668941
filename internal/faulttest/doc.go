// Package faulttest holds Djinn's fault tests (issue 11): the polls
// example run as a real binary against a PostgreSQL cluster and a Redis
// server of its own, while the test stops, restarts or starves them under
// bounded load from Go, and asserts that nothing a user was told succeeded
// is lost.
//
// The tests are slow and start servers, so they run only when
// DJINN_FAULTTEST=1 (see Enabled), one package at a time:
//
//	DJINN_FAULTTEST=1 go test -count=1 -p 1 -v ./internal/faulttest/
//
// Each test prints its figures in a line that starts with "FIGURES:".
//
// The package's non-test files are the harness: Polls builds the example
// once per test process, Bin.Run runs its management commands, Bin.Serve
// runs `serve` on a free loopback port, and StartPostgres starts a private
// PostgreSQL cluster (initdb and pg_ctl in a temporary directory on a free
// port), never the machine's shared one.
package faulttest
