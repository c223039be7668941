package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// discardWriter is a ResponseWriter that keeps nothing, so that the
// benchmarks measure the handler alone.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkGateway measures what the gateway adds in front of the
// application: "bare" calls a no-op handler directly, "app path" calls it
// through the gateway's health-path check, and the health endpoints show
// their own cost (readyz served from its cache).
func BenchmarkGateway(b *testing.B) {
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	s, err := New(Config{
		ReadyProbes:   []Probe{{Name: "db", Check: func(context.Context) error { return nil }}},
		ProbeCacheTTL: time.Hour,
	}, noop, nil)
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		h    http.Handler
		path string
	}{
		{"bare", noop, "/polls/1/"},
		{"app path", s.Handler(), "/polls/1/"},
		{"healthz", s.Handler(), "/healthz"},
		{"readyz cached", s.Handler(), "/readyz"},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", bc.path, nil)
			w := &discardWriter{h: make(http.Header)}
			bc.h.ServeHTTP(w, req) // warm the readiness cache
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkRoundTrip is a whole request over loopback TCP, for scale: the
// gateway's share of it is the difference between "bare" and "app path"
// above.
func BenchmarkRoundTrip(b *testing.B) {
	s, err := New(Config{Addr: "127.0.0.1:0", NoSignals: true}, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-s.Listening()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: waitLimit}
	url := "http://" + s.Addr().String() + "/polls/1/"
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}
