// Package respond writes responses: JSON, HTML, text and redirects, and,
// above all, errors. It is the one place where an error becomes a
// response, so that every error page, JSON error, status code and log line
// in a Djinn site looks the same.
//
// # Views that return errors
//
// A HandlerFunc is a view that returns an error; a non-nil error is
// rendered by Error:
//
//	func detail(w http.ResponseWriter, r *http.Request) error {
//		poll, err := polls.Get(r.Context(), r.PathValue("id"))
//		if err != nil {
//			return err // orm.ErrNotFound → 404, anything else → 500
//		}
//		return respond.JSON(w, http.StatusOK, poll)
//	}
//	mux.Handle("GET /polls/{id}", respond.HandlerFunc(detail))
//
// Return an *HTTPError (NewError, Errorf) to choose the status and the
// message clients see; its Header adds response headers such as Allow or
// Retry-After. Middleware and plain http.Handlers call Error directly.
//
// # Error → status
//
// Status maps an error to its status with one table: the first error in the
// chain with an HTTPStatus() int method wins (HTTPError; PanicError is
// always 500; other packages' errors such as orm.ErrNotFound declare their
// own), then the standard library's errors (*http.MaxBytesError 413,
// fs.ErrNotExist 404, fs.ErrPermission 403, http.ErrHandlerTimeout and
// context.DeadlineExceeded 503, context.Canceled 499), else 500.
//
// # Rendering
//
// A Renderer, installed for every request by Renderer.Middleware, decides
// how errors look. 5xx errors are logged at Error level as one line with
// request_id, method, path, status, error and, for panics, stack; 4xx only
// at Debug level; 499 (the client went away) gets neither a body nor an
// error log. Clients that want JSON (see WantsJSON) get
// {"error":{"status":404,"message":"Not Found","request_id":"..."}};
// browsers get an HTML page. In production the page shows the status, the
// public message (an HTTPError's Message for 4xx, generic text for 5xx,
// never the cause) and the request id; Renderer.Pages replaces it with the
// project's own pages. With Debug set, the page is a technical report
// in the spirit of Django's: the error and its chain, the stack of a panic
// with source lines, the request, and the settings, with secrets masked
// (see MaskSettings, which a diffsettings command can reuse). An error
// that implements DebugDetailer adds its own lines to the DEBUG page and
// to DEBUG JSON (the URL router lists the patterns it tried), so every
// package renders its errors through Error instead of writing pages.
//
// # Redirects
//
// Redirect writes a redirect whose Location cannot split headers.
// IsSafeRedirect checks a target taken from the request (?next=) against
// the allowed hosts, rejecting the tricks browsers fall for (//evil.com,
// /\evil.com, https:evil.com, javascript:...).
//
// Everything in the package is safe for concurrent use; there is no
// package-level state but immutable parsed templates and a buffer pool.
package respond
