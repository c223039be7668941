// Command mysite is a Djinn project. Its own binary runs every command:
//
//	go run . migrate               # create or update the database tables
//	go run . runserver             # http://127.0.0.1:8000 with DEBUG on
//	go run . startapp NAME         # add an app
//	go run . help                  # every command
package main

import (
	"fmt"
	"os"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
)

func main() {
	s, err := settings()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mysite:", err)
		os.Exit(1)
	}
	command.Main(core.New(s))
}
