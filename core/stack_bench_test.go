package core_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
)

// benchWriter is a ResponseWriter that keeps nothing, reused across
// iterations so that both sides of a comparison pay the same for it.
type benchWriter struct {
	h      http.Header
	status int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(s int)           { w.status = s }

type message struct {
	Message string `json:"message"`
}

func jsonView(w http.ResponseWriter, r *http.Request) error {
	return respond.JSON(w, http.StatusOK, message{Message: "Hello, World!"})
}

// BenchmarkStack compares the full default middleware stack and router
// serving a JSON view with the same view on a bare http.ServeMux, in one
// run: go test -run '^$' -bench Stack -benchmem ./core/
func BenchmarkStack(b *testing.B) {
	bare := http.NewServeMux()
	bare.Handle("GET /json", respond.HandlerFunc(jsonView))

	s := core.Defaults()
	s.SecretKey = "benchmark-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
	s.AllowedHosts = []string{"example.com"}
	// The access log is on, as in production; its records go to a handler
	// that formats them (slog's text handler) into a discarded stream.
	s.Logging.Handler = slog.NewTextHandler(discardWriter{}, nil)
	s.URLs = func(r *urls.Router) {
		r.Handle("GET /json", respond.HandlerFunc(jsonView), "json")
	}
	p := core.New(s)
	if err := p.Setup(b.Context()); err != nil {
		b.Fatal(err)
	}
	// The project's own logger (slog's text handler over os.Stderr, here
	// /dev/null), whose access lines the middleware formats itself, and
	// the same handler given in the settings, which goes through slog:
	// both pay the write system call.
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()
	stderr := os.Stderr
	os.Stderr = devNull
	own := s
	own.Logging.Handler = nil
	pown := core.New(own)
	err = pown.Setup(b.Context())
	os.Stderr = stderr
	if err != nil {
		b.Fatal(err)
	}
	viaSlog := s
	viaSlog.Logging.Handler = slog.NewTextHandler(devNull, &slog.HandlerOptions{Level: slog.LevelInfo})
	pslog := core.New(viaSlog)
	if err := pslog.Setup(b.Context()); err != nil {
		b.Fatal(err)
	}
	noLog := s
	noLog.Logging.AccessLog = false
	noLog.Logging.Handler = slog.DiscardHandler
	pq := core.New(noLog)
	if err := pq.Setup(b.Context()); err != nil {
		b.Fatal(err)
	}

	// Requests carry what net/http gives them: a cancellable context
	// (cancelled when the connection closes), derived, for Djinn, from the
	// base context the gateway server sets once per listener.
	serverCtx := func(base context.Context) context.Context {
		ctx, cancel := context.WithCancel(base)
		b.Cleanup(cancel)
		return ctx
	}
	for _, bc := range []struct {
		name string
		h    http.Handler
		ctx  context.Context
	}{
		{"bare_servemux", bare, serverCtx(b.Context())},
		{"djinn_stack", p.Handler(), serverCtx(p.BaseContext(b.Context()))},
		{"djinn_stack_no_access_log", pq.Handler(), serverCtx(pq.BaseContext(b.Context()))},
		{"djinn_stack_own_logger_devnull", pown.Handler(), serverCtx(pown.BaseContext(b.Context()))},
		{"djinn_stack_slog_text_devnull", pslog.Handler(), serverCtx(pslog.BaseContext(b.Context()))},
		{"djinn_stack_without_base_context", p.Handler(), serverCtx(b.Context())},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequestWithContext(bc.ctx, "GET", "http://example.com/json", nil)
			req.RemoteAddr = "127.0.0.1:12345"
			w := &benchWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				bc.h.ServeHTTP(w, req)
			}
			if w.status != 0 && w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		})
	}
}

// BenchmarkReverse measures reversing a namespaced route with an argument
// through the project.
func BenchmarkReverse(b *testing.B) {
	s := core.Defaults()
	s.Debug = true
	s.Logging.Handler = slog.DiscardHandler
	s.URLs = func(r *urls.Router) {
		polls := urls.New()
		polls.HandleFunc("GET /{id:int}/{$}", func(http.ResponseWriter, *http.Request) {}, "detail")
		r.Include("/polls/", "polls", polls)
	}
	p := core.New(s)
	if err := p.Setup(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Reverse("polls:detail", 42); err != nil {
			b.Fatal(err)
		}
	}
}

type discardWriter struct{}

func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
