package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core/middleware"
)

func TestLoadShedding(t *testing.T) {
	tests := []struct {
		name           string
		max            int
		retryAfter     time.Duration
		wantRetryAfter string
	}{
		{"one slot", 1, 5 * time.Second, "5"},
		{"three slots, rounded up", 3, 1500 * time.Millisecond, "2"},
		{"no retry-after", 2, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			entered := make(chan struct{}, tt.max)
			h := middleware.LoadShedding(tt.max, tt.retryAfter)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					entered <- struct{}{}
					select {
					case <-release:
					case <-time.After(10 * time.Second):
					}
				}
				_, _ = io.WriteString(w, "ok")
			}))
			var wg sync.WaitGroup
			codes := make([]int, tt.max)
			for i := range tt.max {
				wg.Go(func() { codes[i] = serve(h, httptest.NewRequest("GET", "/slow", nil)).Code })
			}
			for range tt.max {
				<-entered // every slot is held
			}

			over := serve(h, httptest.NewRequest("GET", "/fast", nil))
			if over.Code != http.StatusServiceUnavailable {
				t.Errorf("request over the limit: status %d; want 503", over.Code)
			}
			if got := over.Header().Get("Retry-After"); got != tt.wantRetryAfter {
				t.Errorf("Retry-After = %q; want %q", got, tt.wantRetryAfter)
			}

			close(release)
			wg.Wait()
			for i, c := range codes {
				if c != http.StatusOK {
					t.Errorf("slow request %d: status %d; want 200", i, c)
				}
			}
			if got := serve(h, httptest.NewRequest("GET", "/fast", nil)).Code; got != http.StatusOK {
				t.Errorf("after the slow requests finished: status %d; want 200", got)
			}
		})
	}
}

func TestLoadSheddingReleasesSlotOnPanic(t *testing.T) {
	h := middleware.LoadShedding(1, 0)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
	}))
	func() {
		defer func() { _ = recover() }()
		serve(h, httptest.NewRequest("GET", "/panic", nil))
	}()
	if got := serve(h, httptest.NewRequest("GET", "/", nil)).Code; got != http.StatusOK {
		t.Errorf("after a panicking request: status %d; want 200 (slot released)", got)
	}
}

func TestLoadSheddingDisabled(t *testing.T) {
	for _, max := range []int{0, -1} {
		if h := middleware.LoadShedding(max, time.Second)(okHandler); h == nil || serve(h, httptest.NewRequest("GET", "/", nil)).Code != 200 {
			t.Errorf("LoadShedding(%d) did not pass requests through", max)
		}
	}
}
