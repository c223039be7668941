// Package middleware holds Djinn's HTTP middlewares, one a file: the layers
// between the gateway server and the router that Django keeps in its
// MIDDLEWARE setting.
//
// # The Middleware type
//
// A Middleware is func(http.Handler) http.Handler, declared as an alias
// rather than a defined type. Any stdlib, chi or gorilla middleware is
// already a Middleware, and so is a []func(http.Handler) http.Handler: with
// a defined type, passing a []Middleware to chi's Use or gorilla's Use (or
// theirs to Chain) would need a copy, and a defined type would only buy a
// method set. Chain composes them, first = outermost:
//
//	h := middleware.Chain(a, b, c)(router) // a(b(c(router)))
//
// # Construction
//
// Every middleware is built once, at start-up. Constructors validate their
// configuration and return an error for a bad one (Must turns that into a
// panic for constant configurations); they precompute header values and
// error responses so that a request costs little: no fmt, no maps, header
// slices shared between responses (with capacity 1, so that a view's
// append copies them; replace them, never modify them in place).
// Middlewares that a zero or negative limit disables return the wrapped
// handler unchanged.
//
// Error responses (400 for a bad host, 403 for a cross-origin request, 413,
// 503, a recovered panic's 500) are rendered with respond.Error, so they
// get the project's pages, JSON negotiation and logging.
//
// # Order
//
// The project composes the stack; this order, outermost first, is the one
// the middlewares are written for:
//
//	ProxyHeaders     the client's address, scheme and host, before anyone reads them
//	(respond's Renderer, e.g. Renderer.Middleware)
//	RequestID        before Recover, so that error pages and logs carry the id
//	Recover
//	AccessLog        inside Recover: logs panics as 500, shares its writer wrapper
//	                 (or AccessLogTo, the same lines formatted without slog)
//	AllowedHosts     before SecurityHeaders: its https redirect uses the host
//	SecurityHeaders
//	LoadShedding
//	BodyLimit
//	Timeout          shares the writer wrapper of Recover and AccessLog
//	GZip             inside AccessLog and Timeout
//	CanonicalURL     APPEND_SLASH and PREPEND_WWW
//	CSRF
//	XFrameOptions    innermost, so that XFrameExempt on a view can undo it
//	  router → view
//
// # Response writer wrappers
//
// Recover, AccessLog and Timeout share one small wrapper: a middleware
// that finds the wrapper of an outer one in place reuses it, so the three
// cost one allocation together. GZip and CanonicalURL's APPEND_SLASH
// (which intercepts 404s only for paths without a trailing slash) have
// their own. Every wrapper implements Unwrap() http.ResponseWriter, so that
// http.ResponseController reaches the server's writer, keeps Flush, Hijack
// and (where it makes sense) io.ReaderFrom working, and reports whether the
// response has started with a Written() bool method, which respond uses to
// never write an error page into a started response.
//
// # Cost
//
// BenchmarkMiddleware measures each middleware and BenchmarkStack the
// whole stack over a bare ServeMux (go test -bench . -benchmem). Most
// middlewares cost no allocation per request; RequestID (2), the shared
// writer wrapper (1), the access log line (1 in slog.Record, plus what the
// slog handler spends; none with AccessLogTo, which formats slog's text or
// JSON line itself for a third to a fifth of the time) and Timeout (2: its
// deadline context and the request copy; a view that waits on the context
// adds the real context.WithDeadline, whose timer and channel are made
// only then) are the exceptions. Putting respond's Renderer in the
// server's base context (http.Server.BaseContext) rather than in a
// per-request Renderer.Middleware saves two more.
//
// # Security notes
//
// IsSecure reports whether a request came over HTTPS, believing
// X-Forwarded-Proto only from trusted proxies (ProxyHeaders). AllowedHosts
// checks r.Host, which is where an absolute-form request line puts its
// host. CanonicalURL never redirects to a protocol-relative URL. GZip is
// exposed to BREACH like any compression of pages that hold secrets; see
// GZip.
package middleware
