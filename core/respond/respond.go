package respond

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
)

// HandlerFunc is a view that returns an error instead of writing one. It is
// the one place where a returned error becomes a response: the error is
// rendered by the request's Renderer (see Error).
//
// A HandlerFunc is an http.Handler, so it plugs into any router. The zero
// value (nil) panics when served, like any nil func.
type HandlerFunc func(http.ResponseWriter, *http.Request) error

// ServeHTTP calls f and renders a non-nil error with Error.
//
// Unless w already reports whether the response has started (a Written()
// bool method, see Renderer.Error), f gets w wrapped in a small recorder so
// that an error returned after f wrote part of the response is logged
// instead of being written into the middle of it. The wrapper keeps
// http.Flusher and http.Hijacker working and unwraps for
// http.ResponseController.
func (f HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, ok := w.(writtenReporter); !ok {
		w = &startWriter{ResponseWriter: w}
	}
	if err := f(w, r); err != nil {
		Error(w, r, err)
	}
}

// HTTPError is an error with an HTTP status and a message that is safe to
// show to the client. Err, when set, is the underlying cause; it is logged
// and shown on the DEBUG page but never sent to clients in production.
//
// The zero value is a 500 with the status text as its message. An
// *HTTPError must not be changed once returned; it is then safe for
// concurrent use.
type HTTPError struct {
	// Status is the HTTP status code; 0 means 500.
	Status int
	// Message is the public message, shown to clients for 4xx statuses;
	// 5xx pages always show generic text. Empty means the status text.
	Message string
	// Err is the cause, may be nil. It is never shown to clients in production.
	Err error
	// Header holds extra response headers (Allow, Retry-After,
	// WWW-Authenticate, Cache-Control...) that replace the response's; may be nil.
	Header http.Header
}

// NewError returns an *HTTPError with the given status and public message.
// An empty message means the status text.
func NewError(status int, message string) *HTTPError {
	return &HTTPError{Status: status, Message: message}
}

// Errorf returns an *HTTPError with the given status whose public message is
// formatted from format and args like fmt.Errorf. A %w verb sets Err as well
// (several %w verbs set Err to their errors.Join).
//
// The message includes the text of every argument, %w ones too, and a 4xx
// message is shown to clients: wrap only errors whose text is fit to show,
// or use &HTTPError{Status: s, Message: m, Err: cause} to keep the cause private.
func Errorf(status int, format string, args ...any) *HTTPError {
	err := fmt.Errorf(format, args...)
	he := &HTTPError{Status: status, Message: err.Error()}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		he.Err = u.Unwrap()
	case interface{ Unwrap() []error }:
		he.Err = errors.Join(u.Unwrap()...)
	}
	return he
}

// Error returns "status message: cause" (the cause only when Err is set and
// the message does not already include it).
func (e *HTTPError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = statusText(e.status())
	}
	if e.Err != nil {
		if cause := e.Err.Error(); !strings.Contains(msg, cause) {
			return fmt.Sprintf("%d %s: %s", e.status(), msg, cause)
		}
	}
	return fmt.Sprintf("%d %s", e.status(), msg)
}

// Unwrap returns the cause.
func (e *HTTPError) Unwrap() error { return e.Err }

// HTTPStatus reports the status code; 0 is reported as 500.
func (e *HTTPError) HTTPStatus() int { return e.status() }

// HTTPHeader returns e.Header: the headers Renderer.Error sets on the
// response. Any error may offer headers the same way (orm's unavailable
// database error sends Retry-After).
func (e *HTTPError) HTTPHeader() http.Header { return e.Header }

func (e *HTTPError) status() int {
	if e.Status == 0 {
		return http.StatusInternalServerError
	}
	return e.Status
}

// PanicError is the error a recovered panic becomes. Value is the value
// passed to panic and Stack the goroutine's stack at the panic, as
// runtime/debug.Stack formats it.
//
// A PanicError is always a 500, whatever its value (see Status). The zero
// value is a panic(nil) without a stack. A *PanicError must not be changed
// once returned; it is then safe for concurrent use.
type PanicError struct {
	Value any
	Stack []byte
}

// NewPanicError captures the current stack for v; call it from the deferred
// function that recovered v.
func NewPanicError(v any) *PanicError { return &PanicError{Value: v, Stack: debug.Stack()} }

// Error returns "panic: " and the value.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// HTTPStatus reports 500: a panic is a bug, whatever its value.
func (e *PanicError) HTTPStatus() int { return http.StatusInternalServerError }

// JSON writes v as a JSON response with the given status (0 means 200),
// with Content-Type application/json. The body is encoded into a pooled
// buffer before anything is written, so an encoding error leaves the
// response untouched and is returned. HTML-sensitive characters are escaped
// as encoding/json does by default.
func JSON(w http.ResponseWriter, status int, v any) error {
	buf := getBuffer()
	defer putBuffer(buf)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return fmt.Errorf("respond: encode JSON: %w", err)
	}
	w.Header()["Content-Type"] = []string{"application/json"}
	w.WriteHeader(okStatus(status))
	_, err := w.Write(buf.Bytes())
	return err
}

// HTML writes body as an HTML response with the given status (0 means 200),
// with Content-Type text/html; charset=utf-8. body is written as is: build
// it with html/template.
func HTML(w http.ResponseWriter, status int, body string) error {
	w.Header()["Content-Type"] = []string{"text/html; charset=utf-8"}
	w.WriteHeader(okStatus(status))
	_, err := io.WriteString(w, body)
	return err
}

// Text writes s as a plain-text response with the given status (0 means
// 200), with Content-Type text/plain; charset=utf-8 and
// X-Content-Type-Options: nosniff so that browsers never sniff it as HTML.
func Text(w http.ResponseWriter, status int, s string) error {
	h := w.Header()
	h["Content-Type"] = []string{"text/plain; charset=utf-8"}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	w.WriteHeader(okStatus(status))
	_, err := io.WriteString(w, s)
	return err
}

// NoContent writes an empty 204 No Content response.
func NoContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}

// NotFound renders a 404 Not Found for r through Error, so it gets the
// project's 404 page, JSON negotiation and logging.
func NotFound(w http.ResponseWriter, r *http.Request) {
	Error(w, r, &HTTPError{Status: http.StatusNotFound})
}

func okStatus(status int) int {
	if status == 0 {
		return http.StatusOK
	}
	return status
}

// rendererKey is the context key of the request's *Renderer.
type rendererKey struct{}

// WithRenderer returns a copy of ctx that carries rd.
func WithRenderer(ctx context.Context, rd *Renderer) context.Context {
	return context.WithValue(ctx, rendererKey{}, rd)
}

// RendererFrom returns the Renderer carried by ctx, or a new zero Renderer
// (production pages, logs nowhere) when ctx carries none.
func RendererFrom(ctx context.Context) *Renderer {
	if rd, ok := ctx.Value(rendererKey{}).(*Renderer); ok && rd != nil {
		return rd
	}
	return new(Renderer)
}

// Error renders err for r with the Renderer that r's context carries (see
// Renderer.Middleware), or with the zero Renderer when it carries none.
// It is safe for concurrent use.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	rd, _ := r.Context().Value(rendererKey{}).(*Renderer)
	rd.Error(w, r, err) // a nil *Renderer renders like the zero value
}

// bufferPool holds the buffers bodies are rendered into before they are
// written; buffers that grew past maxPooledBuffer are dropped.
var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuffer = 64 << 10

func getBuffer() *bytes.Buffer { return bufferPool.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	bufferPool.Put(b)
}

// writtenReporter is implemented by ResponseWriter wrappers that know
// whether the response has started.
type writtenReporter interface {
	Written() bool
}

// responseStarted reports whether w, or a writer it wraps, reports that the
// response has started. A writer that cannot tell is assumed not started.
func responseStarted(w http.ResponseWriter) bool {
	for range 32 { // bounded: a wrapper chain is a handful deep
		if wr, ok := w.(writtenReporter); ok {
			return wr.Written()
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
	return false
}

// startWriter records whether the response has started: a final status
// (any but 1xx, except 101) was written, or body bytes, or a flush.
type startWriter struct {
	http.ResponseWriter
	started bool
}

func (s *startWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		s.started = true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *startWriter) Write(p []byte) (int, error) {
	s.started = true
	return s.ResponseWriter.Write(p)
}

// WriteString keeps io.WriteString free of a []byte conversion when the
// wrapped writer has WriteString.
func (s *startWriter) WriteString(str string) (int, error) {
	s.started = true
	return io.WriteString(s.ResponseWriter, str)
}

// ReadFrom keeps io.Copy onto the response as fast as on the wrapped writer.
func (s *startWriter) ReadFrom(src io.Reader) (int64, error) {
	s.started = true
	return io.Copy(s.ResponseWriter, src)
}

// Flush commits the headers and flushes buffered body bytes, when the
// wrapped writer can.
func (s *startWriter) Flush() {
	s.started = true
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

// Hijack hands over the connection, when the wrapped writer can.
func (s *startWriter) Hijack() (c net.Conn, rw *bufio.ReadWriter, err error) {
	c, rw, err = http.NewResponseController(s.ResponseWriter).Hijack()
	if err == nil {
		s.started = true
	}
	return c, rw, err
}

// Written reports whether the response has started.
func (s *startWriter) Written() bool { return s.started }

// Unwrap returns the wrapped writer, for http.ResponseController.
func (s *startWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

var (
	_ http.Flusher    = (*startWriter)(nil)
	_ http.Hijacker   = (*startWriter)(nil)
	_ io.ReaderFrom   = (*startWriter)(nil)
	_ io.StringWriter = (*startWriter)(nil)
)
