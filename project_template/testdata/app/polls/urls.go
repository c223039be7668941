package polls

import (
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
)

// URLs registers the app's views; urls.go of the project includes them
// under a prefix, in the "polls" namespace.
func (a *App) URLs(r *urls.Router) {
	r.Handle("GET /{$}", respond.HandlerFunc(a.index), "index")
}
