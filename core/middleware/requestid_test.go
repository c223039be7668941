package middleware_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/djinn-go/djinn/core/middleware"
)

var generatedID = regexp.MustCompile(`^[0-9a-v]{20}$`)

// idOf runs one request through mw and returns the id the view saw and the
// response header.
func idOf(t *testing.T, mw middleware.Middleware, header, incoming string) (seen, sent string) {
	t.Helper()
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = middleware.RequestIDFrom(r.Context())
	}))
	req := httptest.NewRequest("GET", "/", nil)
	if incoming != "" {
		req.Header.Set(header, incoming)
	}
	res := serve(h, req)
	if vs := res.Header().Values(header); len(vs) != 1 {
		t.Fatalf("response %s = %q; want one value", header, vs)
	}
	return seen, res.Header().Get(header)
}

func TestRequestID(t *testing.T) {
	tests := []struct {
		name     string
		cfg      middleware.RequestIDConfig
		incoming string
		wantKept bool // the incoming id is used; else a new one is generated
	}{
		{"generated without incoming", middleware.RequestIDConfig{}, "", false},
		{"incoming ignored unless trusted", middleware.RequestIDConfig{}, "abc-123", false},
		{"trusted incoming kept", middleware.RequestIDConfig{TrustIncoming: true}, "abc-123", true},
		{"trusted uuid kept", middleware.RequestIDConfig{TrustIncoming: true}, "0b7a4f9e-3c1d-4e8f-9a2b-5c6d7e8f9a0b", true},
		{"trusted aws trace kept", middleware.RequestIDConfig{TrustIncoming: true}, "Root=1-5759e988-bd862e3fe1be46a994272793", true},
		{"128 characters kept", middleware.RequestIDConfig{TrustIncoming: true}, strings.Repeat("a", 128), true},
		{"129 characters replaced", middleware.RequestIDConfig{TrustIncoming: true}, strings.Repeat("a", 129), false},
		{"space replaced", middleware.RequestIDConfig{TrustIncoming: true}, "a b", false},
		{"quote replaced", middleware.RequestIDConfig{TrustIncoming: true}, `a"b`, false},
		{"log injection replaced", middleware.RequestIDConfig{TrustIncoming: true}, "a\tlevel=ERROR", false},
		{"html replaced", middleware.RequestIDConfig{TrustIncoming: true}, "<script>", false},
		{"non-ASCII replaced", middleware.RequestIDConfig{TrustIncoming: true}, "idé", false},
		{"custom header", middleware.RequestIDConfig{TrustIncoming: true, Header: "X-Correlation-ID"}, "corr-1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := middleware.RequestID(tt.cfg)
			if err != nil {
				t.Fatalf("RequestID(%+v): %v", tt.cfg, err)
			}
			header := tt.cfg.Header
			if header == "" {
				header = "X-Request-ID"
			}
			seen, sent := idOf(t, mw, header, tt.incoming)
			if seen != sent {
				t.Errorf("RequestIDFrom = %q, header %q; want the same id", seen, sent)
			}
			switch {
			case tt.wantKept && sent != tt.incoming:
				t.Errorf("id = %q; want the incoming %q", sent, tt.incoming)
			case !tt.wantKept && !generatedID.MatchString(sent):
				t.Errorf("id = %q; want a generated id matching %v", sent, generatedID)
			}
		})
	}
}

func TestRequestIDInvalidHeader(t *testing.T) {
	for _, header := range []string{"X Request", "X-Id:", "é"} {
		t.Run(header, func(t *testing.T) {
			_, err := middleware.RequestID(middleware.RequestIDConfig{Header: header})
			if err == nil || !strings.HasPrefix(err.Error(), "middleware: request id: ") {
				t.Errorf("RequestID(Header: %q) error = %v; want a middleware: request id: error", header, err)
			}
		})
	}
}

func TestRequestIDUnique(t *testing.T) {
	a := middleware.Must(middleware.RequestID(middleware.RequestIDConfig{}))
	b := middleware.Must(middleware.RequestID(middleware.RequestIDConfig{}))
	const perWorker, workers = 200, 4
	var (
		mu   sync.Mutex
		seen = make(map[string]bool)
		wg   sync.WaitGroup
	)
	for i := range workers {
		mw := a
		if i%2 == 1 {
			mw = b // a second process
		}
		wg.Go(func() {
			h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			for range perWorker {
				id := serve(h, httptest.NewRequest("GET", "/", nil)).Header().Get("X-Request-Id")
				mu.Lock()
				if seen[id] {
					t.Errorf("id %q generated twice", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != perWorker*workers {
		t.Errorf("%d distinct ids; want %d", len(seen), perWorker*workers)
	}
	idA, _ := idOf(t, a, "X-Request-ID", "")
	idB, _ := idOf(t, b, "X-Request-ID", "")
	if idA[:10] == idB[:10] {
		t.Errorf("ids %q and %q share their random prefix; want one per middleware", idA, idB)
	}
}

func TestRequestIDFromWithoutMiddleware(t *testing.T) {
	if got := middleware.RequestIDFrom(context.Background()); got != "" {
		t.Errorf("RequestIDFrom(Background) = %q; want \"\"", got)
	}
}

func TestRequestIDContextKeepsParent(t *testing.T) {
	type key struct{}
	mw := middleware.Must(middleware.RequestID(middleware.RequestIDConfig{}))
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	var gotValue any
	var done <-chan struct{}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotValue = r.Context().Value(key{})
		done = r.Context().Done()
	}))
	serve(h, httptest.NewRequest("GET", "/", nil).WithContext(parent))
	cancel()
	if gotValue != "v" {
		t.Errorf("parent value = %v; want %q", gotValue, "v")
	}
	select {
	case <-done:
	default:
		t.Error("request context not done after its parent was cancelled")
	}
}
