package respond

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
)

// StatusClientClosedRequest is the status Status reports for
// context.Canceled: the client went away before the response was written.
// It is nginx's non-standard 499. Renderer.Error writes it as a bare status
// line without a body (nobody is there to read it, but access logs show 499
// instead of a misleading 200) and logs it at Debug, not as a server error.
const StatusClientClosedRequest = 499

// statusCoder is implemented by errors that state their HTTP status:
// *HTTPError, *PanicError, and other packages' error types (orm.ErrNotFound,
// auth.ErrPermission...).
type statusCoder interface {
	error
	HTTPStatus() int
}

// Status returns the HTTP status for err, from the first row that matches:
//
//	error in err's chain                    status
//	--------------------------------------  ------------------------------------
//	first with an HTTPStatus() int method   that status (HTTPError, PanicError:
//	                                        500, orm.ErrNotFound...)
//	*http.MaxBytesError                     413 Content Too Large
//	fs.ErrNotExist                          404 Not Found
//	fs.ErrPermission                        403 Forbidden
//	http.ErrHandlerTimeout                  503 Service Unavailable
//	context.DeadlineExceeded                503 Service Unavailable: the view
//	                                        ran out of time
//	context.Canceled                        499 StatusClientClosedRequest
//	anything else                           500 Internal Server Error
//
// A status outside 400–599 is reported as 500: an error is never a success
// or a redirect. Status(nil) is 200.
//
// fs.ErrNotExist is a 404 because a missing file is usually what the client
// asked for; a view that fails to open a file it needs itself should wrap
// the error in an HTTPError with status 500, or it will be neither a 5xx
// nor logged as a server error.
func Status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if sc, ok := errors.AsType[statusCoder](err); ok {
		if s := sc.HTTPStatus(); s >= 400 && s <= 599 {
			return s
		}
		return http.StatusInternalServerError
	}
	return stdlibStatus(err)
}

// stdlibStatus is the standard library part of the table in Status's doc;
// keep both in the same order.
func stdlibStatus(err error) int {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return http.StatusRequestEntityTooLarge
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return http.StatusNotFound
	case errors.Is(err, fs.ErrPermission):
		return http.StatusForbidden
	case errors.Is(err, http.ErrHandlerTimeout):
		return http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	case errors.Is(err, context.Canceled):
		return StatusClientClosedRequest
	}
	return http.StatusInternalServerError
}

// statusText is http.StatusText with a name for 499 and "Error" for codes
// it does not know.
func statusText(code int) string {
	if code == StatusClientClosedRequest {
		return "Client Closed Request"
	}
	if s := http.StatusText(code); s != "" {
		return s
	}
	return "Error"
}
