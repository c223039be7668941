package middleware_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core/middleware"
)

// syncBuffer is a bytes.Buffer that counts the writes it gets, safe for
// the batch writer's timer goroutine.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

func TestBatchWriterSize(t *testing.T) {
	var out syncBuffer
	w := middleware.NewBatchWriter(&out, time.Hour, 100)
	line := strings.Repeat("x", 19) + "\n" // 20 bytes
	for range 4 {
		io.WriteString(w, line)
	}
	if out.String() != "" {
		t.Fatalf("80 bytes of a 100-byte batch were written early: %q", out.String())
	}
	io.WriteString(w, line)
	if got := out.String(); got != strings.Repeat(line, 5) || out.Writes() != 1 {
		t.Fatalf("after 100 bytes: %d writes of %q; want one write of 5 lines", out.Writes(), got)
	}
	io.WriteString(w, "tail\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "after close\n")
	if got, want := out.String(), strings.Repeat(line, 5)+"tail\nafter close\n"; got != want || out.Writes() != 3 {
		t.Fatalf("after Close: %d writes of %q; want 3 writes of %q", out.Writes(), got, want)
	}
}

func TestBatchWriterInterval(t *testing.T) {
	var out syncBuffer
	w := middleware.NewBatchWriter(&out, 20*time.Millisecond, 1<<20)
	defer w.Close()
	for round := range 2 { // the timer is armed again for the next batch
		line := fmt.Sprintf("line %d\n", round)
		start := time.Now()
		io.WriteString(w, line)
		for !strings.Contains(out.String(), line) {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("round %d: the line was never written", round)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if out.Writes() != 2 {
		t.Errorf("%d writes; want 2", out.Writes())
	}
}

func TestBatchWriterUnbatched(t *testing.T) {
	for _, tt := range []struct {
		interval time.Duration
		size     int
	}{{0, 100}, {-time.Second, 100}, {time.Second, 0}} {
		var out syncBuffer
		w := middleware.NewBatchWriter(&out, tt.interval, tt.size)
		io.WriteString(w, "now\n")
		if out.String() != "now\n" {
			t.Errorf("NewBatchWriter(%v, %d) held a line back", tt.interval, tt.size)
		}
	}
}

// TestBatchWriterConcurrent writes from many goroutines and checks that
// every line arrives whole, once, and in each writer's order.
func TestBatchWriterConcurrent(t *testing.T) {
	var out syncBuffer
	w := middleware.NewBatchWriter(&out, time.Millisecond, 512)
	const writers, lines = 8, 500
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(w, "g%d %05d %s\n", g, i, strings.Repeat("y", i%40))
			}
		})
	}
	wg.Wait()
	w.Close()
	next := make([]int, writers)
	for l := range strings.Lines(out.String()) {
		var g, i int
		if _, err := fmt.Sscanf(l, "g%d %d ", &g, &i); err != nil || l != fmt.Sprintf("g%d %05d %s\n", g, i, strings.Repeat("y", i%40)) {
			t.Fatalf("torn line %q", l)
		}
		if g < 0 || g >= writers || i != next[g] {
			t.Fatalf("line %q out of order: want g%d line %d", l, g, next[g])
		}
		next[g]++
	}
	for g, n := range next {
		if n != lines {
			t.Errorf("writer %d: %d lines arrived; want %d", g, n, lines)
		}
	}
}

// TestAccessLogToBatchWriter checks that lines of 5xx responses are not
// held back: they are written at once with those before them.
func TestAccessLogToBatchWriter(t *testing.T) {
	var out syncBuffer
	w := middleware.NewBatchWriter(&out, time.Hour, 1<<20)
	defer w.Close()
	status := http.StatusOK
	h := middleware.AccessLogTo(w, false, nil, slog.LevelInfo)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
	}))
	serve(h, httptest.NewRequest("GET", "/ok", nil))
	if out.String() != "" {
		t.Fatalf("a 200 line was written at once: %q", out.String())
	}
	status = http.StatusBadGateway
	serve(h, httptest.NewRequest("GET", "/bad", nil))
	got := out.String()
	if !strings.Contains(got, "path=/ok status=200") || !strings.Contains(got, "level=ERROR") ||
		!strings.Contains(got, "path=/bad status=502") || strings.Index(got, "/ok") > strings.Index(got, "/bad") {
		t.Errorf("after a 502: %q; want the 200 line, then the 502 line", got)
	}
}
