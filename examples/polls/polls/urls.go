package polls

import (
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
)

// URLs registers the app's views; the project's urls.go includes them
// under /polls/, in the "polls" namespace.
func (a *App) URLs(r *urls.Router) {
	a.router = r
	r.Handle("GET /{$}", respond.HandlerFunc(a.index), "index")
	r.Handle("GET /{id:int}/{$}", respond.HandlerFunc(a.detail), "detail")
	r.Handle("GET /{id:int}/results/{$}", respond.HandlerFunc(a.results), "results")
	r.Handle("POST /{id:int}/vote/{$}", respond.HandlerFunc(a.vote), "vote")
}
