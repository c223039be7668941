package cache

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// benchPage is the page both benchmarks serve: about 4 KiB of HTML.
var benchPage = []byte("<!doctype html><title>bench</title>" + strings.Repeat("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n", 64))

// bareView writes benchPage with the headers a cached response carries.
var bareView = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = []string{"text/html; charset=utf-8"}
	h["Cache-Control"] = []string{"max-age=60"}
	h["Expires"] = []string{"Thu, 26 Nov 2026 12:01:00 GMT"}
	w.Write(benchPage)
})

// BenchmarkPage compares a page-cache hit (memory cache) with a bare
// handler writing the same bytes: in-process through a recorder, which
// shows the middleware's own cost, and end to end over HTTP/1.1 on
// loopback, which is what a client sees (goal: hit ≥ 0.8× bare).
func BenchmarkPage(b *testing.B) {
	hit := Page(NewMemory(MemoryOptions{}), time.Minute, PageOptions{})(bareView)
	warm := httptest.NewRequest("GET", "http://example.com/articles/?page=2", nil)
	hit.ServeHTTP(httptest.NewRecorder(), warm)

	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"bare", bareView}, {"hit", hit}} {
		b.Run("recorder/"+h.name, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest("GET", "http://example.com/articles/?page=2", nil)
			for b.Loop() {
				w := httptest.NewRecorder()
				h.h.ServeHTTP(w, r)
				if w.Body.Len() != len(benchPage) {
					b.Fatalf("body of %d bytes", w.Body.Len())
				}
			}
		})
	}
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"bare", bareView}, {"hit", hit}} {
		b.Run("http/"+h.name, func(b *testing.B) {
			srv := httptest.NewServer(h.h)
			defer srv.Close()
			client := srv.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			url := srv.URL + "/articles/?page=2"
			// warm this server's host's entry
			if resp, err := client.Get(url); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(benchPage)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if n != int64(len(benchPage)) {
						b.Errorf("body of %d bytes", n)
						return
					}
				}
			})
		})
	}
}

// BenchmarkPagePaired alternates one request to a bare server and one to a
// page-cached one, so that both see the same machine load, and reports
// each one's mean latency and their throughput ratio (bare time / hit
// time; goal ≥ 0.8).
func BenchmarkPagePaired(b *testing.B) {
	hit := Page(NewMemory(MemoryOptions{}), time.Minute, PageOptions{})(bareView)
	bare := httptest.NewServer(bareView)
	defer bare.Close()
	cached := httptest.NewServer(hit)
	defer cached.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	fetch := func(url string) time.Duration {
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if n != int64(len(benchPage)) {
			b.Fatalf("body of %d bytes", n)
		}
		return time.Since(start)
	}
	bareURL, hitURL := bare.URL+"/articles/?page=2", cached.URL+"/articles/?page=2"
	fetch(bareURL)
	fetch(hitURL) // stores the entry
	var tb, th time.Duration
	b.ReportAllocs()
	for b.Loop() {
		tb += fetch(bareURL)
		th += fetch(hitURL)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tb.Nanoseconds())/n, "bare-ns/req")
	b.ReportMetric(float64(th.Nanoseconds())/n, "hit-ns/req")
	b.ReportMetric(float64(tb)/float64(th), "hit/bare")
}
