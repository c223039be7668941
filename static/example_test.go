package static_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/djinn-go/djinn/static"
)

// Collect a project directory with content-hashed names and look a name
// up in the manifest, as the static template function does.
func ExampleCollect() {
	dir, err := os.MkdirTemp("", "static-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.MkdirAll(filepath.Join(dir, "static", "css"), 0o755)
	os.WriteFile(filepath.Join(dir, "static", "css", "site.css"), []byte("h1 { color: teal }\n"), 0o644)

	f, err := static.NewFinder([]string{filepath.Join(dir, "static")}, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := static.Collect(context.Background(), f, static.CollectOptions{Root: filepath.Join(dir, "staticfiles")}); err != nil {
		log.Fatal(err)
	}
	m, err := static.ReadManifest(os.DirFS(filepath.Join(dir, "staticfiles")))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Paths["css/site.css"])
	// Output: css/site.4bedab0bb4ed.css
}
