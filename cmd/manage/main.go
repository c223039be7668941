// Command manage is Djinn's tool for work outside a project:
//
//	go run github.com/djinn-go/djinn/cmd/manage startproject mysite [dir]
//	go run ./cmd/manage startproject mysite        # from a Djinn checkout
//	go run github.com/djinn-go/djinn/cmd/manage version
//
// Inside a project, the project's own binary runs every command
// (`go run . runserver`, `go run . startapp polls`, `go run . check`).
// startproject writes the project's go.mod with the Djinn version of this
// tool; run from a local checkout, it adds a replace directive to the
// checkout (or to --djinn PATH), so that the project builds offline.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/djinn-go/djinn/core/command"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := command.RunTool(ctx, command.Stdio{Name: "manage", In: os.Stdin, Out: os.Stdout, Err: os.Stderr},
		[]*command.Command{command.StartProjectCommand(), command.VersionCommand()}, os.Args[1:]...)
	stop()
	os.Exit(code)
}
