// Command manage is Djinn's tool for work outside a project.
//
//	go run github.com/djinn-go/djinn/cmd/manage version
//
// Inside a project, the project's own binary runs every command
// (`go run . runserver`, `go run . check`); this tool is where
// startproject and startapp live, the commands that create a project.
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
		[]*command.Command{command.VersionCommand()}, os.Args[1:]...)
	stop()
	os.Exit(code)
}
