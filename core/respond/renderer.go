package respond

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// Renderer turns errors into responses: the status comes from Status, 5xx
// errors are logged with their stack, the body is the DEBUG page when Debug
// is set and the production page otherwise, as JSON when the client asks for
// JSON (see WantsJSON).
//
// The zero value (and a nil *Renderer) renders production pages and logs
// nowhere. A Renderer must not be changed once it serves requests; it is
// then safe for concurrent use.
type Renderer struct {
	// Debug shows the error, its chain, the stack, the request and Settings
	// on error pages (and adds the error's text to JSON errors). Never set it
	// in production: secrets are masked, but the page shows internals.
	Debug bool
	// Logger receives server errors at Error level and client errors at
	// Debug level; nil discards them.
	Logger *slog.Logger
	// Settings, when set, is shown on the DEBUG page through MaskSettings.
	Settings any
	// RequestID returns the request's id to show on pages and in logs; nil
	// means none.
	RequestID func(context.Context) string
	// Pages, when set, renders the production HTML error pages (Django's
	// handler404/handler500 templates): it writes the page for p to w and
	// may call WritePage for statuses it does not customise. w buffers the
	// page: when Pages returns an error, what it wrote is discarded, the
	// error is logged and the built-in page is written instead. Pages is not
	// used for JSON, HEAD, 499 or DEBUG responses, and must be safe for
	// concurrent use. Nil means WritePage.
	Pages func(w io.Writer, r *http.Request, p Page) error
}

// Middleware returns a middleware that makes rd the Renderer of every
// request, so that Error and HandlerFunc render with it. A request whose
// context already carries rd (a server that put it in its base context
// with WithRenderer) passes through at no cost.
func (rd *Renderer) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cur, _ := r.Context().Value(rendererKey{}).(*Renderer); cur != rd {
			r = r.WithContext(WithRenderer(r.Context(), rd))
		}
		next.ServeHTTP(w, r)
	})
}

// errNilError replaces the nil error a caller passed to Error by mistake.
var errNilError = errors.New("respond: Error called with a nil error")

// staleHeaders are the headers a view may have set for the response it
// meant to send; they do not describe an error page.
// Content-Encoding in particular: a page written after a view set
// "Content-Encoding: br" would be unreadable. Error is the one place that
// clears them.
var staleHeaders = [...]string{
	"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Length",
	"Content-Range", "Etag", "Expires", "Last-Modified",
}

// headerer is an error that asks for response headers, as *HTTPError does
// (Retry-After, Allow, WWW-Authenticate...).
type headerer interface {
	error
	HTTPHeader() http.Header
}

// Error writes the response for err:
//
//   - The status is Status(err). A 499 (context.Canceled) while r's own
//     context is not done was not the client's doing and becomes a 500.
//   - It logs one line (keys request_id, method, path, status, error, and
//     stack for a *PanicError; URL passwords and secret key=value pairs in
//     the error text masked): 5xx at Error, 4xx and 499 at Debug.
//   - If the response has already started (w, or a writer it unwraps to,
//     has a Written() bool method that reports true; HandlerFunc provides
//     one), it writes nothing more: the error is only logged, with
//     response_started=true.
//   - Headers: those a view set for its own response (Cache-Control,
//     Content-Encoding, Content-Length, ETag...) are removed; the headers of the first error
//     in the chain with an HTTPHeader() http.Header method (an
//     *HTTPError's Header, orm's Retry-After for an unavailable
//     database) are copied; then Cache-Control: no-store (unless the
//     HTTPError set Cache-Control: error pages carry a request id, are
//     usually transient and, in DEBUG, show request data), Vary: Accept and
//     X-Content-Type-Options: nosniff. Built-in pages get a strict
//     Content-Security-Policy.
//   - Body: none for 499 or HEAD; else JSON when WantsJSON(r)
//     ({"error":{"status":404,"message":"Not Found","request_id":"..."}});
//     else the DEBUG page when Debug; else Pages or the production page.
//     In DEBUG, the details of a DebugDetailer in the chain are added to
//     the page and to the JSON body ("debug":{"title":...,"lines":[...]}).
//     Clients see the HTTPError's Message for a 4xx and generic text for a
//     5xx, never the cause.
func (rd *Renderer) Error(w http.ResponseWriter, r *http.Request, err error) {
	if rd == nil {
		rd = new(Renderer)
	}
	if err == nil {
		err = errNilError
	}
	status := Status(err)
	if status == StatusClientClosedRequest && r.Context().Err() == nil {
		status = http.StatusInternalServerError
	}
	var rid string
	if rd.RequestID != nil {
		rid = rd.RequestID(r.Context())
	}
	started := responseStarted(w)
	rd.log(r, err, status, rid, started)
	if started {
		return
	}

	h := w.Header()
	for _, k := range staleHeaders {
		delete(h, k)
	}
	if he, ok := errors.AsType[headerer](err); ok {
		for k, vs := range he.HTTPHeader() {
			h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
		}
	}
	if _, ok := h["Cache-Control"]; !ok {
		h["Cache-Control"] = []string{"no-store"}
	}
	addVary(h, "Accept")
	h["X-Content-Type-Options"] = []string{"nosniff"}
	if status == StatusClientClosedRequest {
		delete(h, "Content-Type")
		w.WriteHeader(status)
		return
	}

	head := r.Method == http.MethodHead
	buf := getBuffer()
	defer putBuffer(buf)
	ctype, builtin := "text/html; charset=utf-8", true
	switch {
	case WantsJSON(r):
		ctype, builtin = "application/json", false
		if !head {
			rd.writeJSON(buf, err, status, rid)
		}
	case rd.Debug:
		if !head {
			if perr := rd.writeDebug(buf, r, err, status, rid); perr != nil {
				rd.logPageError(r, perr)
				buf.Reset()
				_ = WritePage(buf, rd.page(err, status, rid))
			}
		}
	default:
		p := rd.page(err, status, rid)
		switch {
		case rd.Pages == nil:
			if !head {
				_ = WritePage(buf, p)
			}
		case head:
			builtin = false
		default:
			builtin = false
			if perr := rd.Pages(buf, r, p); perr != nil {
				rd.logPageError(r, perr)
				buf.Reset()
				_ = WritePage(buf, p)
				builtin = true
			}
		}
	}
	h["Content-Type"] = []string{ctype}
	if builtin {
		h["Content-Security-Policy"] = []string{builtinPageCSP}
	}
	w.WriteHeader(status)
	if !head {
		_, _ = w.Write(buf.Bytes())
	}
}

// publicMessage returns the message clients may see for err with status:
// the Message of the HTTPError that gave a 4xx status, else "".
func publicMessage(err error, status int) string {
	if status >= 500 {
		return ""
	}
	if he, ok := errors.AsType[*HTTPError](err); ok && he.status() == status {
		return he.Message
	}
	return ""
}

// page returns the production page for err.
func (rd *Renderer) page(err error, status int, rid string) Page {
	return Page{
		Status:    status,
		Title:     statusText(status),
		Message:   publicMessage(err, status),
		RequestID: rid,
	}.filled()
}

// jsonError is the body of a JSON error response.
type jsonError struct {
	Error jsonErrorBody `json:"error"`
}

type jsonErrorBody struct {
	Status    int    `json:"status"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
	// DEBUG only:
	Type   string        `json:"type,omitempty"`
	Detail string        `json:"detail,omitempty"`
	Debug  *debugDetails `json:"debug,omitempty"`
}

func (rd *Renderer) writeJSON(buf io.Writer, err error, status int, rid string) {
	msg := publicMessage(err, status)
	if msg == "" {
		msg = statusText(status)
	}
	body := jsonError{Error: jsonErrorBody{Status: status, Message: msg, RequestID: rid}}
	if rd.Debug {
		body.Error.Type = errorTypeName(err)
		body.Error.Detail = MaskString(err.Error())
		body.Error.Debug = extraDetails(err)
	}
	_ = json.NewEncoder(buf).Encode(body) // cannot fail: strings and ints
}

// log writes the one log line for an error.
func (rd *Renderer) log(r *http.Request, err error, status int, rid string, started bool) {
	l := rd.Logger
	if l == nil {
		return
	}
	level, msg := slog.LevelDebug, "client error"
	switch {
	case status == StatusClientClosedRequest:
		msg = "client closed request"
	case status >= 500:
		level, msg = slog.LevelError, "server error"
	}
	ctx := r.Context()
	if !l.Enabled(ctx, level) {
		return
	}
	var arr [7]slog.Attr
	attrs := append(arr[:0],
		slog.String("request_id", rid),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.String("error", MaskString(err.Error())),
	)
	if pe, ok := errors.AsType[*PanicError](err); ok && len(pe.Stack) > 0 {
		attrs = append(attrs, slog.String("stack", string(pe.Stack)))
	}
	if started {
		attrs = append(attrs, slog.Bool("response_started", true))
	}
	l.LogAttrs(ctx, level, msg, attrs...)
}

// logPageError logs an error page that failed to render.
func (rd *Renderer) logPageError(r *http.Request, err error) {
	if rd.Logger == nil {
		return
	}
	rd.Logger.LogAttrs(r.Context(), slog.LevelError, "error page failed",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("error", MaskString(err.Error())),
	)
}

// addVary adds field to h's Vary header unless it is listed already.
func addVary(h http.Header, field string) {
	for _, v := range h["Vary"] {
		for v != "" {
			var f string
			f, v, _ = strings.Cut(v, ",")
			if f = trimOWS(f); f == "*" || equalFoldASCII(f, field) {
				return
			}
		}
	}
	h["Vary"] = append(h["Vary"], field)
}
