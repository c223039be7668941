package middleware_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

type attachKey struct{ n int }

// chain wraps view in mws, the first outermost.
func chain(view http.Handler, mws ...middleware.Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		view = mws[i](view)
	}
	return view
}

func mustRequestID(t testing.TB) middleware.Middleware {
	t.Helper()
	mw, err := middleware.RequestID(middleware.RequestIDConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

// TestTimeoutInsideRequestID checks the shared request context of the
// default stack's order: the view sees the request id, the deadline and
// attached values on one context, which behaves as a deadline context
// should (done at the deadline, cancelled when the view returns), and the
// layers between RequestID and Timeout see the deadline while the view
// runs.
func TestTimeoutInsideRequestID(t *testing.T) {
	const d = 30 * time.Millisecond
	var outerDeadline time.Time
	var outerHad bool
	var outerCtx, viewCtx context.Context
	var id string
	between := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			outerCtx = r.Context()
			if _, ok := r.Context().Deadline(); ok {
				t.Error("a layer outside Timeout saw a deadline before Timeout ran")
			}
			next.ServeHTTP(w, r)
			outerDeadline, outerHad = r.Context().Deadline()
		})
	}
	attach := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !middleware.AttachValue(r, attachKey{1}, "one") {
				r = r.WithContext(context.WithValue(r.Context(), attachKey{1}, "one"))
			}
			next.ServeHTTP(w, r)
		})
	}
	start := time.Now()
	h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		viewCtx = r.Context()
		id = middleware.RequestIDFrom(r.Context())
		dl, ok := r.Context().Deadline()
		if !ok || dl.Before(start.Add(d)) || dl.After(time.Now().Add(d)) {
			t.Errorf("view's Deadline() = %v, %v; want about now+%v", dl, ok, d)
		}
		if err := r.Context().Err(); err != nil {
			t.Errorf("Err() before the deadline = %v", err)
		}
		waitDone(t, r.Context())
		if err := r.Context().Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Err() after Done = %v; want DeadlineExceeded", err)
		}
		// Values survive the deadline context being made real.
		if got := middleware.RequestIDFrom(r.Context()); got != id || id == "" {
			t.Errorf("RequestIDFrom after Done = %q; want %q", got, id)
		}
		if got := r.Context().Value(attachKey{1}); got != "one" {
			t.Errorf("attached value after Done = %v; want one", got)
		}
		w.WriteHeader(http.StatusNoContent) // too late: Timeout answers 503
	}), mustRequestID(t), middleware.Recover, between, middleware.Timeout(d), attach)

	res := serve(h, httptest.NewRequest("GET", "/", nil))
	if res.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d; want 503 from the timeout", res.Code)
	}
	if res.Header().Get("X-Request-Id") != id {
		t.Errorf("X-Request-Id %q; the view saw %q", res.Header().Get("X-Request-Id"), id)
	}
	if viewCtx != outerCtx {
		t.Errorf("the view got a context of its own (%v); want the request context armed in place (%v)", viewCtx, outerCtx)
	}
	if !outerHad || outerDeadline.IsZero() {
		t.Error("the layer between RequestID and Timeout did not see the deadline")
	}
	if err := viewCtx.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Err() after the request = %v; want DeadlineExceeded", err)
	}
}

// TestTimeoutInsideRequestIDCancelledOnReturn checks that a view that
// returns before the deadline leaves its context cancelled, as a
// context.WithDeadline context is once its cancel function runs, and
// that a goroutine waiting on it is released.
func TestTimeoutInsideRequestIDCancelledOnReturn(t *testing.T) {
	var ctx context.Context
	h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx = r.Context()
		go func() { <-ctx.Done() }()
		io.WriteString(w, "ok")
	}), mustRequestID(t), middleware.Timeout(time.Hour))
	res := serve(h, httptest.NewRequest("GET", "/", nil))
	if res.Code != http.StatusOK || res.Body.String() != "ok" {
		t.Fatalf("got %d %q", res.Code, res.Body)
	}
	waitDone(t, ctx)
	if err := ctx.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err() after the view returned = %v; want Canceled", err)
	}
}

// TestTimeoutNestedOrWrapped checks the cases where Timeout cannot arm the
// request context in place: a second Timeout (the context has a deadline
// already) and a layer in between that gave the request a context of its
// own. Each then adds its own deadline context and the earlier deadline
// wins.
func TestTimeoutNestedOrWrapped(t *testing.T) {
	wrapCtx := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), attachKey{9}, 9)))
		})
	}
	tests := []struct {
		name string
		mws  []middleware.Middleware
		want time.Duration
	}{
		{"nested, inner shorter", []middleware.Middleware{mustRequestID(t), middleware.Timeout(time.Hour), middleware.Timeout(time.Minute)}, time.Minute},
		{"nested, inner longer", []middleware.Middleware{mustRequestID(t), middleware.Timeout(time.Minute), middleware.Timeout(time.Hour)}, time.Minute},
		{"context changed in between", []middleware.Middleware{mustRequestID(t), wrapCtx, middleware.Timeout(time.Minute)}, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			var dl time.Time
			var id string
			h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				dl, _ = r.Context().Deadline()
				id = middleware.RequestIDFrom(r.Context())
			}), tt.mws...)
			serve(h, httptest.NewRequest("GET", "/", nil))
			if dl.Before(start.Add(tt.want)) || dl.After(time.Now().Add(tt.want)) {
				t.Errorf("Deadline() = %v; want about %v from the start", dl.Sub(start), tt.want)
			}
			if id == "" {
				t.Error("the view lost the request id")
			}
		})
	}
}

// TestAttachValue checks when a value is attached in place and when the
// caller must fall back: outside RequestID, when the key is visible
// already (in the parent or attached before), and when the context is
// full; and that attached values shadow nothing.
func TestAttachValue(t *testing.T) {
	type parentKey struct{}
	var got []bool
	var seen []any
	var ctxs []context.Context
	attach := func(key any) middleware.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ok := middleware.AttachValue(r, key, "new")
				got = append(got, ok)
				ctxs = append(ctxs, r.Context())
				seen = append(seen, r.Context().Value(key))
				next.ServeHTTP(w, r)
			})
		}
	}
	view := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	req := httptest.NewRequest("GET", "/", nil)
	req = req.WithContext(context.WithValue(req.Context(), parentKey{}, "parent"))

	t.Run("outside RequestID", func(t *testing.T) {
		got, seen = nil, nil
		serve(chain(view, attach(attachKey{1})), req)
		if got[0] || seen[0] != nil {
			t.Errorf("AttachValue without RequestID = %v, value %v; want false, nothing attached", got[0], seen[0])
		}
	})
	t.Run("inside RequestID", func(t *testing.T) {
		got, seen, ctxs = nil, nil, nil
		var mws []middleware.Middleware
		mws = append(mws, mustRequestID(t), attach(parentKey{}), attach(attachKey{1}), attach(attachKey{1}))
		for i := 2; i <= 6; i++ {
			mws = append(mws, attach(attachKey{i}))
		}
		serve(chain(view, mws...), req)
		want := []bool{false, true, false, true, false, false, false, false}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("attach #%d = %v; want %v (all: %v)", i, got[i], want[i], got)
			}
		}
		if seen[0] != "parent" {
			t.Errorf("the parent's value under a key in use was replaced: %v", seen[0])
		}
		for i := 1; i < 4; i++ {
			if seen[i] != "new" {
				t.Errorf("attach #%d: value %v; want new", i, seen[i])
			}
		}
		for i := 4; i < 8; i++ {
			if seen[i] != nil {
				t.Errorf("attach #%d: a value beyond the context's room was found: %v", i, seen[i])
			}
		}
		if ctxs[1] != ctxs[3] {
			t.Error("attaching changed the request's context; want the same context")
		}
	})
}

// TestAttachValueConcurrentReaders runs goroutines that read the request
// context while the request's goroutine attaches values and Timeout arms
// it, for the race detector.
func TestAttachValueConcurrentReaders(t *testing.T) {
	var wg sync.WaitGroup
	stop := make(chan struct{})
	spawn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			for range 2 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						_ = ctx.Value(attachKey{1})
						_, _ = ctx.Deadline()
						_ = ctx.Err()
						_ = middleware.RequestIDFrom(ctx)
					}
				})
			}
			next.ServeHTTP(w, r)
		})
	}
	attach := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			middleware.AttachValue(r, attachKey{1}, 1)
			next.ServeHTTP(w, r)
		})
	}
	h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}), mustRequestID(t), spawn, middleware.Timeout(5*time.Millisecond), attach)
	for range 20 {
		serve(h, httptest.NewRequest("GET", "/", nil))
	}
	close(stop)
	wg.Wait()
}

// TestRequestContextAllocs pins the cost of the outer layers of the
// default stack: RequestID, Recover, AccessLog, Timeout and a value
// attached by an inner middleware cost the request context and one copy
// of the request, and nothing per layer.
func TestRequestContextAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations")
	}
	h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}), mustRequestID(t), middleware.Recover,
		middleware.AccessLogTo(io.Discard, false, slog.LevelInfo, slog.LevelInfo),
		middleware.Timeout(time.Minute),
		func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				middleware.AttachValue(r, attachKey{1}, 1)
				next.ServeHTTP(w, r)
			})
		})
	r := httptest.NewRequest("GET", "/", nil)
	w := &nopWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() {
		clear(w.h)
		h.ServeHTTP(w, r)
	})
	// 2: the request context and the request copy; the batch of 32 ids
	// adds 1/32 on average.
	if allocs > 2.1 {
		t.Errorf("%v allocations per request; want 2 (request context and request copy)", allocs)
	}
}

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// TestTimeoutInsideAttachingLayer checks a Timeout placed inside a layer
// that keeps state in the request context (as sessions and auth do): the
// view gets a deadline context of its own, and the layer's context is
// neither given the deadline nor cancelled when the Timeout returns, so
// that the layer can still use it (to save a session).
func TestTimeoutInsideAttachingLayer(t *testing.T) {
	var outerErr error
	var outerHad, viewHad bool
	stateful := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !middleware.AttachValue(r, attachKey{1}, "state") {
				t.Fatal("AttachValue refused inside RequestID")
			}
			next.ServeHTTP(w, r)
			outerErr = r.Context().Err()
			_, outerHad = r.Context().Deadline()
		})
	}
	h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, viewHad = r.Context().Deadline()
		if r.Context().Value(attachKey{1}) != "state" {
			t.Error("the view lost the attached value")
		}
		<-r.Context().Done()
	}), mustRequestID(t), stateful, middleware.Timeout(5*time.Millisecond))
	res := serve(h, httptest.NewRequest("GET", "/", nil))
	if res.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d; want 503", res.Code)
	}
	if !viewHad {
		t.Error("the view had no deadline")
	}
	if outerHad || outerErr != nil {
		t.Errorf("the attaching layer's context after the Timeout: deadline %v, Err %v; want neither", outerHad, outerErr)
	}
}

// TestRecoverAfterTimeoutInPlace checks that a panic under a Timeout that
// armed the request context in place still gets its error page rendered
// with a live context (the Timeout has ended the shared one by then).
func TestRecoverAfterTimeoutInPlace(t *testing.T) {
	var pageErr error = errors.New("Pages not called")
	rd := &respond.Renderer{Pages: func(w io.Writer, r *http.Request, p respond.Page) error {
		pageErr = r.Context().Err()
		_, err := io.WriteString(w, "custom page")
		return err
	}}
	withRenderer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(respond.WithRenderer(r.Context(), rd)))
		})
	}
	h := chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}), withRenderer, mustRequestID(t), middleware.Recover, middleware.Timeout(time.Minute))
	res := serve(h, httptest.NewRequest("GET", "/", nil))
	if res.Code != http.StatusInternalServerError || res.Body.String() != "custom page" {
		t.Fatalf("got %d %q; want 500 and the custom page", res.Code, res.Body)
	}
	if pageErr != nil {
		t.Errorf("the error page saw its context done: %v", pageErr)
	}
}

func TestAttachValueNil(t *testing.T) {
	var first, second bool
	var got any
	h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first = middleware.AttachValue(r, attachKey{1}, nil)
		second = middleware.AttachValue(r, attachKey{1}, "v")
		got = r.Context().Value(attachKey{1})
	}), mustRequestID(t))
	serve(h, httptest.NewRequest("GET", "/", nil))
	if first || !second || got != "v" {
		t.Errorf("AttachValue(nil) = %v, then AttachValue(v) = %v, Value = %v; want false, true, v", first, second, got)
	}
}
