package middleware

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
)

// recorder is the one ResponseWriter wrapper that Recover, AccessLog and
// Timeout share: it records the status and the number of body bytes, tells
// respond whether the response has started (Written), and refuses to start
// a response once a Timeout deadline has passed.
//
// A middleware that needs one calls record(w, r): when w is already a
// *recorder (an outer middleware made it and nothing in between wrapped the
// writer), it is reused, so the default stack pays for one wrapper.
//
// A recorder is used by the request's goroutine only, like the
// ResponseWriter it wraps.
type recorder struct {
	http.ResponseWriter

	// bytes counts the body bytes written through the recorder.
	bytes int64
	// deadline, set by Timeout, is the context whose DeadlineExceeded
	// forbids starting the response; nil means none.
	deadline *deadlineCtx
	// status is the final status sent: 0 until the response starts, 200
	// for an implicit WriteHeader, 101 once the connection is hijacked.
	// (int32 and next to timedOut: the recorder lives in requestCtx,
	// whose size is kept within an allocation size class.)
	status int32
	// timedOut reports that a write was refused because of deadline.
	timedOut bool
}

// record returns w as a *recorder, wrapping it unless it is one already.
// The wrapper is the one in r's context when that is RequestID's context
// with its recorder still unused, so that it costs no allocation.
func record(w http.ResponseWriter, r *http.Request) *recorder {
	if rec, ok := w.(*recorder); ok {
		return rec
	}
	if c, ok := r.Context().(*requestCtx); ok && c.rec.ResponseWriter == nil {
		c.rec.ResponseWriter = w
		return &c.rec
	}
	return &recorder{ResponseWriter: w}
}

// expired reports whether the response may no longer start because the
// Timeout deadline has passed.
func (rw *recorder) expired() bool {
	if rw.deadline == nil {
		return false
	}
	if !rw.timedOut && errors.Is(rw.deadline.Err(), context.DeadlineExceeded) {
		rw.timedOut = true
	}
	return rw.timedOut
}

// WriteHeader records the first final status and passes the call on;
// informational (1xx) statuses pass through without starting the response.
// After a Timeout deadline, a response that has not started stays unstarted
// and the call is dropped.
func (rw *recorder) WriteHeader(code int) {
	if rw.status == 0 {
		if rw.expired() {
			return
		}
		if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
			rw.ResponseWriter.WriteHeader(code)
			return
		}
		rw.ResponseWriter.WriteHeader(code) // panics on an invalid code: then nothing started
		rw.status = int32(code)
		return
	}
	rw.ResponseWriter.WriteHeader(code) // superfluous: let net/http report it
}

// Write writes body bytes, starting the response with 200 if needed. It
// returns http.ErrHandlerTimeout when the response had not started before
// the Timeout deadline.
func (rw *recorder) Write(p []byte) (int, error) {
	if rw.status == 0 {
		if rw.expired() {
			return 0, http.ErrHandlerTimeout
		}
		rw.status = http.StatusOK
	}
	n, err := rw.ResponseWriter.Write(p)
	rw.bytes += int64(n)
	return n, err
}

// ReadFrom copies src to the wrapped writer, so that io.Copy onto the
// response keeps using sendfile when the wrapped writer can.
func (rw *recorder) ReadFrom(src io.Reader) (int64, error) {
	if rw.status == 0 {
		if rw.expired() {
			return 0, http.ErrHandlerTimeout
		}
		rw.status = http.StatusOK
	}
	n, err := io.Copy(rw.ResponseWriter, src)
	rw.bytes += n
	return n, err
}

// FlushError starts the response if needed and flushes it, when the
// wrapped writer can; http.ResponseController.Flush calls it.
func (rw *recorder) FlushError() error {
	if rw.status == 0 {
		if rw.expired() {
			return http.ErrHandlerTimeout
		}
		rw.status = http.StatusOK
	}
	return http.NewResponseController(rw.ResponseWriter).Flush()
}

// Flush is FlushError for callers that assert http.Flusher.
func (rw *recorder) Flush() { _ = rw.FlushError() }

// Hijack hands the connection over, when the wrapped writer can. A
// hijacked response counts as started with status 101.
func (rw *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(rw.ResponseWriter).Hijack()
	if err == nil && rw.status == 0 {
		rw.status = http.StatusSwitchingProtocols
	}
	return c, brw, err
}

// Written reports whether the response has started; respond.Error and
// respond.HandlerFunc use it to avoid writing into a started response.
func (rw *recorder) Written() bool { return rw.status != 0 }

// Unwrap returns the wrapped writer, for http.ResponseController.
func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

var (
	_ http.Flusher  = (*recorder)(nil)
	_ http.Hijacker = (*recorder)(nil)
	_ io.ReaderFrom = (*recorder)(nil)
)

// innermost returns the writer at the bottom of w's Unwrap chain: the
// server's own ResponseWriter, which http.MaxBytesReader needs to close the
// connection after an oversized body.
func innermost(w http.ResponseWriter) http.ResponseWriter {
	for range 32 { // bounded: a wrapper chain is a handful deep
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	return w
}
