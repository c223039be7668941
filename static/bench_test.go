package static_test

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// discard is a ResponseWriter that keeps nothing, so that the benchmarks
// measure the handlers.
type discard struct {
	h      http.Header
	status int
}

func (w *discard) Header() http.Header         { return w.h }
func (w *discard) Write(b []byte) (int, error) { return len(b), nil }
func (w *discard) WriteHeader(s int)           { w.status = s }

// BenchmarkServe serves a 10 KiB hashed file through the App's handler and
// through http.FileServer on the same collected directory.
func BenchmarkServe(b *testing.B) {
	s := &site{dir: b.TempDir()}
	// Random bytes (not compressible, so identity for both servers) in a
	// .png, and JavaScript (which has brotli and gzip copies).
	rnd := rand.New(rand.NewPCG(1, 2))
	png := make([]byte, 10<<10)
	for i := range png {
		png[i] = byte(rnd.Uint32())
	}
	writeFile(b, filepath.Join(s.dir, "static", "img", "big.png"), string(png))
	js := make([]byte, 0, 10<<10)
	for len(js) < 10<<10 {
		js = append(js, "console.log('static file number', 42);\n"...)
	}
	writeFile(b, filepath.Join(s.dir, "static", "js", "app.js"), string(js[:10<<10]))
	dev, _ := s.project(b, true)
	mustRun(b, dev, "collectstatic", "--no-input")
	paths, _ := readManifest(b, s.root())
	p, sa := s.project(b, false)

	fileServer := http.StripPrefix("/static/", http.FileServer(http.Dir(s.root())))
	cases := []struct {
		name, file, ae string
		h              http.Handler
	}{
		{"FileServer/png", paths["img/big.png"], "", fileServer},
		{"App/png", paths["img/big.png"], "", sa.Handler()},
		{"FileServer/js", paths["js/app.js"], "", fileServer},
		{"App/js", paths["js/app.js"], "", sa.Handler()},
		{"App/js-br", paths["js/app.js"], "br, gzip", sa.Handler()},
		{"Stack/js", paths["js/app.js"], "", p.Handler()},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "http://example.com/static/"+c.file, nil)
			if c.ae != "" {
				r.Header.Set("Accept-Encoding", c.ae)
			}
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.status = 0
				c.h.ServeHTTP(w, r)
				if w.status != 0 && w.status != 200 {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}
