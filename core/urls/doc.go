// Package urls is Djinn's URL router: named routes, namespaces, path
// converters and reversing, compiled to one net/http ServeMux.
//
// # Routes
//
// A route is a ServeMux pattern, a handler and an optional name:
//
//	r := urls.New()
//	r.Handle("GET /{$}", home, "home")
//	r.Handle("GET /articles/{year:int}/{slug:slug}/{$}", article, "article")
//	r.Handle("POST /articles/{year:int}/{slug:slug}/comments", comment, "comment")
//	r.Handle("/static/{file:path}", files, "")
//
// Patterns follow http.ServeMux ("[METHOD ][HOST]/[PATH]", most specific
// pattern wins whatever the registration order, GET also serves HEAD),
// extended with typed wildcards.
//
// # Trailing slash: subtree patterns
//
// A pattern that ends in a bare "/" is a prefix, as in ServeMux, not an
// exact match as in Django:
//
//	r.Handle("GET /d/{id:int}/", detail, "detail")     // serves /d/7/ AND /d/7/garbage, /d/7/x/y...
//	r.Handle("GET /d/{id:int}/{$}", detail, "detail")  // serves /d/7/ only: Django's "d/<int:id>/"
//
// End exact routes with {$}. Route.Subtree reports the prefix form, and the
// check command warns about named routes that use it; keep it for what
// really serves a subtree (an app's catch-all, a static directory; a rest
// wildcard, "/static/{file:path}", says so more plainly).
//
// # Converters
//
// The converters are int ([0-9]+ fitting an int64), slug ([-a-zA-Z0-9_]+),
// uuid (canonical lowercase), path (the rest of the path, non-empty) and
// str (any non-empty segment, the default), plus any registered with
// Router.Converter. A value a converter rejects is a 404, never a 500, so
// a view can read urls.Int(r, "year") without checking it again. A
// converter registered on a router serves the routers included in it,
// before or after the Include: register project-wide converters on the
// root router, as with Django's register_converter.
//
// # Apps and namespaces
//
// Each app fills its own router (the Provider interface) with patterns
// relative to where it will be mounted; the project includes it under a
// prefix and a namespace, Django's include("polls.urls", namespace="polls"):
//
//	polls := urls.New()
//	polls.Handle("GET /{$}", index, "index")
//	polls.Handle("GET /{id:int}/{$}", detail, "detail")
//	root.Include("/polls/", "polls", polls)
//
// The route names become "polls:index" and "polls:detail"; includes nest
// ("shop:admin:index").
//
// # Reversing
//
// Reverse builds a path from a route name and arguments, checking each
// argument against its converter and percent-encoding it so that
// r.PathValue in the view gets back exactly the value given:
//
//	root.Reverse("polls:detail", 7)                          // "/polls/7/"
//	root.Reverse("article", urls.Args{"year": 2024, "slug": "hello"})
//	root.Reverse("polls:index", url.Values{"page": {"2"}})   // "/polls/?page=2"
//
// Each named pattern is compiled at registration into literal chunks and
// wildcards, so Reverse is a map lookup and one allocation for the result
// (none for a route without wildcards).
//
// # Serving
//
// Router.Handler registers the fallback and returns the ServeMux; after it
// the tree is frozen. A request costs the ServeMux dispatch plus one small
// wrapper per route that checks converter values, without allocating. Paths
// no route matches get a 404 rendered by respond.Error, or 405 with an
// Allow header when routes for other methods match. With a DEBUG
// respond.Renderer the 404 page (or DEBUG JSON) also lists the patterns
// tried, in order (NotFoundError implements respond.DebugDetailer). Router.Resolve answers "would this request be served?"
// without serving it, for the APPEND_SLASH middleware.
//
// Registration is start-up code and panics on programming errors
// (malformed or conflicting patterns, duplicate names, unknown
// converters); everything else is safe for concurrent use.
package urls
