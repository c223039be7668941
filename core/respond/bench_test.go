package respond

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"testing"
)

// discardWriter is a ResponseWriter that keeps nothing, so that benchmarks
// measure the package and not a recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }
func (d *discardWriter) reset()                      { clear(d.h); d.code = 0 }

func BenchmarkStatus(b *testing.B) {
	errs := []struct {
		name string
		err  error
	}{
		{"HTTPError", fmt.Errorf("view: %w", NewError(404, ""))},
		{"ErrNotExist", fmt.Errorf("open: %w", fs.ErrNotExist)},
		{"plain", fmt.Errorf("a: %w", errors.New("b"))},
	}
	for _, e := range errs {
		b.Run(e.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Status(e.err)
			}
		})
	}
}

func BenchmarkWantsJSON(b *testing.B) {
	for _, accept := range []struct{ name, value string }{
		{"browser", browserAccept},
		{"json", "application/json"},
	} {
		b.Run(accept.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Accept", accept.value)
			b.ReportAllocs()
			for b.Loop() {
				WantsJSON(r)
			}
		})
	}
}

func BenchmarkError(b *testing.B) {
	s := testSettings{SecretKey: "x", AllowedHosts: []string{"a", "b"}}
	tests := []struct {
		name   string
		rd     *Renderer
		method string
		accept string
		err    error
	}{
		{"prod404", &Renderer{RequestID: requestID}, "GET", browserAccept, NewError(404, "No poll.")},
		{"prod500", &Renderer{RequestID: requestID}, "GET", browserAccept, errors.New("boom")},
		{"json404", &Renderer{RequestID: requestID}, "GET", "application/json", NewError(404, "No poll.")},
		{"head404", &Renderer{RequestID: requestID}, "HEAD", browserAccept, NewError(404, "No poll.")},
		{"debug500", &Renderer{Debug: true, Settings: &s}, "GET", browserAccept, fmt.Errorf("a: %w", errors.New("b"))},
		{"debugPanic", &Renderer{Debug: true, Settings: &s}, "GET", browserAccept, panicky("boom")},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			r := httptest.NewRequest(tt.method, "/polls/7?page=2", nil)
			r.Header.Set("Accept", tt.accept)
			r = r.WithContext(WithRenderer(r.Context(), tt.rd))
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				Error(w, r, tt.err)
			}
		})
	}
}

func BenchmarkHandlerFunc(b *testing.B) {
	r := httptest.NewRequest("GET", "/", nil)
	w := &discardWriter{h: http.Header{}}
	b.Run("plain http.HandlerFunc", func(b *testing.B) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	})
	b.Run("HandlerFunc", func(b *testing.B) {
		h := HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { w.WriteHeader(204); return nil })
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	})
}

func BenchmarkJSON(b *testing.B) {
	v := struct {
		ID       int      `json:"id"`
		Question string   `json:"question"`
		Choices  []string `json:"choices"`
	}{7, "What's new?", []string{"Not much", "The sky"}}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		if err := JSON(w, 200, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIsSafeRedirect(b *testing.B) {
	for _, target := range []string{"/polls/7/?page=2", "https://example.com/polls/", "//evil.com"} {
		b.Run(target, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				IsSafeRedirect(target, "example.com")
			}
		})
	}
}

func BenchmarkMaskString(b *testing.B) {
	for _, s := range []string{"dial tcp 10.0.0.1:5432: connect: connection refused", "postgres://app:pw@db:5432/site?sslmode=disable"} {
		b.Run(s[:8], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				MaskString(s)
			}
		})
	}
}

func BenchmarkMaskSettings(b *testing.B) {
	var s testSettings
	s.SecretKey, s.AllowedHosts, s.Database.URL = "k", []string{"a", "b"}, "postgres://u:p@h/db"
	b.ReportAllocs()
	for b.Loop() {
		MaskSettings(&s)
	}
}
