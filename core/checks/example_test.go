package checks_test

import (
	"context"
	"os"

	"github.com/djinn-go/djinn/core/checks"
)

func ExampleRun() {
	list := []checks.Check{{
		Name: "settings",
		Run: func(context.Context) []checks.Message {
			return []checks.Message{{Level: checks.Warning, ID: "security.W018", Msg: "DEBUG is on.", Object: "settings"}}
		},
	}}
	checks.Run(context.Background(), list, checks.Options{}).Write(os.Stdout)
	// Output:
	// System check identified some issues:
	//
	// WARNINGS:
	// settings: (security.W018) DEBUG is on.
	//
	// System check identified 1 issue (0 silenced).
}
