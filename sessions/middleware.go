package sessions

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	coremw "github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

// Options configures Middleware. The zero value saves sessions only when
// they changed.
type Options struct {
	// SaveEveryRequest saves every session the request loaded, changed or
	// not, which pushes its expiry back (Django's SESSION_SAVE_EVERY_REQUEST).
	SaveEveryRequest bool
}

// Middleware returns the session middleware for store. It is lazy: a
// request that never calls Get costs no store call and two small
// allocations (the request's state and its context). When the view
// starts its response (the first WriteHeader, Write or Flush), or when it
// returns without writing, the middleware:
//
//   - deletes from the store the ids that CycleKey and Flush left behind;
//   - saves a session that was modified (or loaded, with
//     SaveEveryRequest) and is not empty, which sets the cookie;
//   - expires the cookie of a session that ended empty when the request
//     carried a cookie or the session was flushed; a new session that
//     stayed empty sets no cookie (Django);
//   - adds "Vary: Cookie" when the session was loaded.
//
// If that save fails, the view's response is replaced, before anything
// was sent, by the error page of the failure (503 for ErrUnavailable, 400
// for ErrInterrupted, 500 for a value of an unsupported type) and the
// view's later writes fail with the error: a response must not tell the
// user that something was kept (a login) that was not. The error is
// logged by the renderer like any view error.
func Middleware(store Store, opts Options) func(http.Handler) http.Handler {
	m := &middleware{store: store, name: store.Name(), opts: opts}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st := &state{Context: r.Context(), w: w, m: m}
			if !coremw.AttachValue(r, stateKey{}, st) {
				r = r.WithContext(st)
			}
			st.r = r
			next.ServeHTTP(st, r)
			st.start()
		})
	}
}

type middleware struct {
	store Store
	name  string
	opts  Options
}

// stateKey finds a request's state in its context.
type stateKey struct{}

// state is a request's session state. It is the response writer the view
// gets, and the request's context (Value answers stateKey) unless the
// request's context could take it in place (coremw.AttachValue, in
// the default stack), so that the middleware costs one allocation and at
// most one request copy.
type state struct {
	context.Context
	w http.ResponseWriter
	r *http.Request
	m *middleware

	loaded    bool
	sess      *Session
	loadErr   error
	committed bool
	saveErr   error
}

// Value returns the state for stateKey and asks the parent otherwise.
func (st *state) Value(key any) any {
	if key == (stateKey{}) {
		return st
	}
	return st.Context.Value(key)
}

// Get returns r's session, loading it from the store on the first call of
// the request (later calls return the same Session). A request without a
// valid session cookie gets a new empty session. When the store cannot be
// reached the error wraps ErrUnavailable and has HTTPStatus 503: return it
// from the view (respond.HandlerFunc) rather than carrying on as if the
// user had no session. r must have gone through Middleware
// (ErrNoMiddleware otherwise).
func Get(r *http.Request) (*Session, error) {
	st, _ := r.Context().Value(stateKey{}).(*state)
	if st == nil {
		return nil, ErrNoMiddleware
	}
	if !st.loaded {
		st.loaded = true
		gs, err := st.m.store.New(r, st.m.name)
		if err != nil {
			st.loadErr = err
		} else {
			st.sess = &Session{gs: gs}
		}
	}
	return st.sess, st.loadErr
}

// start commits the session before the response starts; false when the
// commit failed and an error page was sent instead.
func (st *state) start() bool {
	if st.committed {
		return st.saveErr == nil
	}
	st.committed = true
	if st.sess == nil {
		return true // never loaded, or failed to load: nothing to save
	}
	if err := st.commit(); err != nil {
		st.saveErr = err
		st.w.Header().Del("Location")
		respond.Error(st.w, st.r, err)
		return false
	}
	return true
}

func (st *state) commit() error {
	h := st.w.Header()
	if !hasToken(h.Values("Vary"), "Cookie") {
		h.Add("Vary", "Cookie")
	}
	s, gs := st.sess, st.sess.gs
	for _, id := range s.deleted {
		if err := st.m.store.Delete(st.r.Context(), id); err != nil {
			return err
		}
	}
	if len(gs.Values) == 0 {
		if s.flushed || !gs.IsNew || hasCookie(st.r, st.m.name) {
			opts := *gs.Options
			opts.MaxAge = -1
			gs.Options = &opts
			return st.m.store.Save(st.r, st.w, gs)
		}
		return nil
	}
	if s.modified || st.m.opts.SaveEveryRequest {
		return st.m.store.Save(st.r, st.w, gs)
	}
	return nil
}

func hasCookie(r *http.Request, name string) bool {
	_, err := r.Cookie(name)
	return err == nil
}

func hasToken(values []string, token string) bool {
	for _, v := range values {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), token) {
				return true
			}
		}
	}
	return false
}

// errReplaced is what the view's writes return after a failed save
// replaced its response.
func (st *state) errReplaced() error {
	return fmt.Errorf("sessions: the response was replaced by an error page: %w", st.saveErr)
}

func (st *state) Header() http.Header { return st.w.Header() }

func (st *state) WriteHeader(code int) {
	if code < 200 && code != http.StatusSwitchingProtocols {
		st.w.WriteHeader(code) // 1xx informational: the response has not started
		return
	}
	if st.start() {
		st.w.WriteHeader(code)
	}
}

func (st *state) Write(p []byte) (int, error) {
	if !st.start() {
		return 0, st.errReplaced()
	}
	return st.w.Write(p)
}

// WriteString keeps io.WriteString free of a []byte conversion when the
// wrapped writer has WriteString.
func (st *state) WriteString(s string) (int, error) {
	if !st.start() {
		return 0, st.errReplaced()
	}
	return io.WriteString(st.w, s)
}

// ReadFrom keeps io.Copy onto the response as fast as on the wrapped
// writer (sendfile).
func (st *state) ReadFrom(src io.Reader) (int64, error) {
	if !st.start() {
		return 0, st.errReplaced()
	}
	return io.Copy(st.w, src)
}

// Flush commits the session and flushes the wrapped writer.
func (st *state) Flush() {
	if st.start() {
		_ = http.NewResponseController(st.w).Flush()
	}
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (st *state) Unwrap() http.ResponseWriter { return st.w }

var (
	_ http.Flusher    = (*state)(nil)
	_ io.ReaderFrom   = (*state)(nil)
	_ io.StringWriter = (*state)(nil)
)
