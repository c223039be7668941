package command_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
)

// polls is an app that contributes a manage command.
type polls struct{}

func (polls) Label() string { return "polls" }
func (polls) Commands() []*command.Command {
	return []*command.Command{{
		Name:  "closepoll",
		Args:  "ID",
		Short: "Close a poll",
		// Exactly one argument; anything else is a usage error (exit 2).
		MinArgs: 1, MaxArgs: 1,
		Run: func(_ context.Context, env *command.Env) error {
			_, err := fmt.Fprintf(env.Stdout, "closed poll %s\n", env.Args[0])
			return err
		},
	}}
}

func ExampleRun() {
	s := core.Defaults()
	s.Debug = true
	s.Logging.Handler = slog.DiscardHandler
	s.InstalledApps = []core.App{polls{}}
	p := core.New(s)

	io := command.Stdio{Name: "mysite", Out: os.Stdout, Err: os.Stdout}
	fmt.Println(command.Run(context.Background(), p, io, "closepoll", "7"))
	fmt.Println(command.Run(context.Background(), p, io, "closepoll"))
	// Output:
	// closed poll 7
	// 0
	// mysite: closepoll: closepoll takes 1 argument, got 0
	// Run 'mysite help' for usage.
	// 2
}
