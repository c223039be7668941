package main

import (
	"embed"
	"io/fs"

	"github.com/djinn-go/djinn/static"
	"github.com/djinn-go/djinn/templates"
)

// The project's own templates and static files, and the output of
// collectstatic, are compiled into the binary: in examples/polls,
// `go run . collectstatic --no-input` then `go build` gives one file that serves everything.
//
//go:embed templates static all:staticfiles
var siteFiles embed.FS

// site is the project's own app: its templates (base.html, home.html) and
// static files (css/site.css). This example reads no project directories
// from disk (settings.go), so runserver's rebuild picks up edits.
type site struct{}

func newSite() *site { return &site{} }

// Label returns "site", the project's own app (the polls app is "polls").
func (*site) Label() string { return "site" }

// Templates returns templates/.
func (*site) Templates() fs.FS { return siteSub("templates") }

// Static returns static/.
func (*site) Static() fs.FS { return siteSub("static") }

func siteSub(dir string) fs.FS {
	f, err := fs.Sub(siteFiles, dir)
	if err != nil {
		panic(err) // the directory is embedded above
	}
	return f
}

// collected returns the collectstatic output embedded in the binary, or
// nil when collectstatic has not run (the server then serves
// Settings.Static.Root).
func collected() fs.FS {
	f := siteSub("staticfiles")
	if _, err := fs.Stat(f, "staticfiles.json"); err != nil {
		return nil
	}
	return f
}

var (
	_ templates.Provider = (*site)(nil)
	_ static.Provider    = (*site)(nil)
)
