// Command hello is the smallest complete Djinn project: one app with two
// views and a reversed URL, served by the gateway server.
//
//	go run ./examples/hello runserver        # http://127.0.0.1:8000
//	go run ./examples/hello check --deploy
//	go run ./examples/hello showurls
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
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
	command.Main(core.New(s))
}
