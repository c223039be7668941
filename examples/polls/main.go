// Command polls is the Django tutorial's polls site on Djinn: questions
// and choices, voting, results, log in, on SQLite or PostgreSQL. From the
// repository's root:
//
//	go run ./examples/polls runserver          # http://127.0.0.1:8000/polls/
//	go run ./examples/polls seed               # a few questions to vote on
//	go run ./examples/polls createsuperuser    # a user who can log in
//	go run ./examples/polls help               # every command
//
// runserver on the development SQLite database migrates it first, so that
// the first command gives a working site. Deploying it is described in
// docs/deploy.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
)

func main() {
	s, err := settings()
	if err != nil {
		fmt.Fprintln(os.Stderr, "polls:", err)
		os.Exit(1)
	}
	if migrateFirst(os.Args[1:], s, os.LookupEnv) {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := devMigrate(ctx, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "polls: migrate before runserver:", err)
			os.Exit(1)
		}
	}
	command.Main(core.New(s))
}

// migrateFirst reports whether runserver should migrate the database
// before it serves: only for `runserver` in DEBUG (runserver's default
// unless DEBUG is set in the environment or --debug=false is given) on a
// SQLite database, and only in the process the user started, not in the
// server processes runserver's reloader restarts (DJINN_LISTEN_FD).
// Production never gets here: it runs `migrate` at release.
func migrateFirst(args []string, s core.Settings, lookup func(string) (string, bool)) bool {
	if len(args) == 0 || args[0] != "runserver" {
		return false
	}
	if _, child := lookup("DJINN_LISTEN_FD"); child {
		return false
	}
	if !strings.HasPrefix(s.Database.URL, "sqlite:") {
		return false
	}
	debug := s.Debug
	_, inEnv := lookup("DEBUG")
	_, inDjinnEnv := lookup("DJINN_DEBUG")
	if !inEnv && !inDjinnEnv {
		debug = true // runserver's default on a loopback address
	}
	for _, a := range args[1:] {
		switch a {
		case "--debug", "--debug=true":
			debug = true
		case "--debug=false":
			debug = false
		}
	}
	return debug
}

// devMigrate runs `migrate` on a project of its own (the one that serves
// is set up afresh by runserver), prints what it did, and tells how to
// create a user to log in with.
func devMigrate(ctx context.Context, stdout, stderr io.Writer) error {
	s, err := settings()
	if err != nil {
		return err
	}
	s.Debug = true
	p := core.New(s)
	fmt.Fprintln(stdout, "runserver on the development SQLite database: running `migrate` first.")
	code := command.Run(ctx, p, command.Stdio{Name: "polls", Out: stdout, Err: stderr}, "migrate")
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := p.Close(closeCtx); err != nil && code == command.ExitOK {
		return err
	}
	if code != command.ExitOK {
		return fmt.Errorf("migrate exited with status %d", code)
	}
	fmt.Fprintln(stdout, "To log in, create a user: go run ./examples/polls createsuperuser")
	fmt.Fprintln(stdout, "For questions to vote on:  go run ./examples/polls seed")
	fmt.Fprintln(stdout)
	return nil
}
