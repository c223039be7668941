package middleware_test

import (
	"bufio"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

// gunzip decompresses b, failing the test on a malformed stream.
func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("gzip.NewReader: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("reading gzip stream: %v", err)
	}
	return string(out)
}

var (
	bigHTML = "<!doctype html><html><body>" + strings.Repeat("<p>hello djinn</p>", 200) + "</body></html>"
	bigJSON = `{"items":[` + strings.Repeat(`{"name":"djinn"},`, 200) + `{}]}`
)

func TestGZip(t *testing.T) {
	type view struct {
		contentType string
		headers     map[string]string
		status      int
		writes      []string
	}
	html := view{contentType: "text/html; charset=utf-8", writes: []string{bigHTML}}
	tests := []struct {
		name           string
		cfg            middleware.GZipConfig
		method         string
		acceptEncoding string
		reqHeaders     map[string]string
		view           view
		wantGzip       bool
	}{
		{"html", middleware.GZipConfig{}, "GET", "gzip", nil, html, true},
		{"json", middleware.GZipConfig{}, "GET", "br, gzip", nil, view{contentType: "application/json", writes: []string{bigJSON}}, true},
		{"problem+json", middleware.GZipConfig{}, "GET", "gzip", nil, view{contentType: "application/problem+json", writes: []string{bigJSON}}, true},
		{"many small writes", middleware.GZipConfig{}, "GET", "gzip", nil,
			view{contentType: "text/plain", writes: strings.SplitAfter(strings.Repeat("line of text\n", 300), "\n")}, true},
		{"sniffed html", middleware.GZipConfig{}, "GET", "gzip", nil, view{writes: []string{bigHTML}}, true},
		{"star", middleware.GZipConfig{}, "GET", "*", nil, html, true},
		{"x-gzip", middleware.GZipConfig{}, "GET", "x-gzip", nil, html, true},
		{"q-value", middleware.GZipConfig{}, "GET", "deflate, gzip;q=0.5", nil, html, true},
		{"explicit content length", middleware.GZipConfig{}, "GET", "gzip", nil,
			view{contentType: "text/html", headers: map[string]string{"Content-Length": strconv.Itoa(len(bigHTML))}, writes: []string{bigHTML}}, true},
		{"201", middleware.GZipConfig{}, "POST", "gzip", nil, view{contentType: "text/html", status: 201, writes: []string{bigHTML}}, true},
		{"custom min size", middleware.GZipConfig{MinSize: 10}, "GET", "gzip", nil, view{contentType: "text/plain", writes: []string{"twelve bytes"}}, true},
		{"custom types", middleware.GZipConfig{Types: []string{"application/*"}}, "GET", "gzip", nil,
			view{contentType: "application/octet-stream", writes: []string{bigHTML}}, true},

		{"no accept-encoding", middleware.GZipConfig{}, "GET", "", nil, html, false},
		{"identity only", middleware.GZipConfig{}, "GET", "identity", nil, html, false},
		{"gzip refused", middleware.GZipConfig{}, "GET", "gzip;q=0", nil, html, false},
		{"gzip refused with star", middleware.GZipConfig{}, "GET", "gzip;q=0.000, *", nil, html, false},
		{"star refused", middleware.GZipConfig{}, "GET", "*;q=0", nil, html, false},
		{"small body", middleware.GZipConfig{}, "GET", "gzip", nil, view{contentType: "text/html", writes: []string{"<p>hi</p>"}}, false},
		{"small content length", middleware.GZipConfig{}, "GET", "gzip", nil,
			view{contentType: "text/html", headers: map[string]string{"Content-Length": "9"}, writes: []string{"<p>hi</p>"}}, false},
		{"image", middleware.GZipConfig{}, "GET", "gzip", nil, view{contentType: "image/png", writes: []string{bigHTML}}, false},
		{"sniffed binary", middleware.GZipConfig{}, "GET", "gzip", nil, view{writes: []string{"\x89PNG\r\n\x1a\n" + bigHTML}}, false},
		{"already encoded", middleware.GZipConfig{}, "GET", "gzip", nil,
			view{contentType: "text/html", headers: map[string]string{"Content-Encoding": "br"}, writes: []string{bigHTML}}, false},
		{"no-transform", middleware.GZipConfig{}, "GET", "gzip", nil,
			view{contentType: "text/html", headers: map[string]string{"Cache-Control": "public, no-transform"}, writes: []string{bigHTML}}, false},
		{"range request", middleware.GZipConfig{}, "GET", "gzip", map[string]string{"Range": "bytes=0-99"}, html, false},
		{"partial content", middleware.GZipConfig{}, "GET", "gzip", nil, view{contentType: "text/html", status: 206, writes: []string{bigHTML}}, false},
		{"HEAD", middleware.GZipConfig{}, "HEAD", "gzip", nil, view{contentType: "text/html"}, false},
		{"no content", middleware.GZipConfig{}, "GET", "gzip", nil, view{status: 204}, false},
		{"not modified", middleware.GZipConfig{}, "GET", "gzip", nil, view{status: 304}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := middleware.GZip(tt.cfg)
			if err != nil {
				t.Fatalf("GZip(%+v): %v", tt.cfg, err)
			}
			want := strings.Join(tt.view.writes, "")
			h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.view.contentType != "" {
					w.Header().Set("Content-Type", tt.view.contentType)
				}
				for k, v := range tt.view.headers {
					w.Header().Set(k, v)
				}
				if tt.view.status != 0 {
					w.WriteHeader(tt.view.status)
				}
				for _, s := range tt.view.writes {
					if _, err := io.WriteString(w, s); err != nil {
						t.Errorf("Write: %v", err)
					}
				}
			}))
			req := httptest.NewRequest(tt.method, "/", nil)
			if tt.acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", tt.acceptEncoding)
			}
			for k, v := range tt.reqHeaders {
				req.Header.Set(k, v)
			}
			res := serve(h, req)
			if tt.view.status != 0 && res.Code != tt.view.status {
				t.Errorf("status = %d; want %d", res.Code, tt.view.status)
			}
			gotGzip := res.Header().Get("Content-Encoding") == "gzip"
			if gotGzip != tt.wantGzip {
				t.Fatalf("Content-Encoding = %q; want gzip %v", res.Header().Get("Content-Encoding"), tt.wantGzip)
			}
			if !gotGzip {
				if res.Body.String() != want {
					t.Errorf("uncompressed body differs: got %d bytes, want %d", res.Body.Len(), len(want))
				}
				return
			}
			if got := gunzip(t, res.Body.Bytes()); got != want {
				t.Errorf("decompressed body differs: got %d bytes, want %d", len(got), len(want))
			}
			if len(want) > 1000 && res.Body.Len() >= len(want) {
				t.Errorf("compressed %d bytes to %d; want smaller", len(want), res.Body.Len())
			}
			if res.Header().Get("Content-Length") != "" {
				t.Errorf("Content-Length = %q on a compressed response; want none", res.Header().Get("Content-Length"))
			}
			if !strings.Contains(res.Header().Get("Vary"), "Accept-Encoding") {
				t.Errorf("Vary = %q; want Accept-Encoding", res.Header().Get("Vary"))
			}
			if tt.view.contentType == "" && !strings.HasPrefix(res.Header().Get("Content-Type"), "text/html") {
				t.Errorf("sniffed Content-Type = %q; want text/html", res.Header().Get("Content-Type"))
			}
		})
	}
}

func TestGZipHeaders(t *testing.T) {
	mw := middleware.Must(middleware.GZip(middleware.GZipConfig{}))
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Accept-Ranges", "bytes")
		w.Header().Set("Vary", "Cookie")
		_, _ = io.WriteString(w, bigHTML)
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res := serve(h, req)
	if got := res.Header().Get("Etag"); got != `W/"v1"` {
		t.Errorf("ETag = %q; want the weakened %q", got, `W/"v1"`)
	}
	if got := res.Header().Get("Accept-Ranges"); got != "" {
		t.Errorf("Accept-Ranges = %q; want none on a compressed body", got)
	}
	if got := res.Header().Values("Vary"); len(got) != 2 || got[0] != "Cookie" || got[1] != "Accept-Encoding" {
		t.Errorf("Vary = %q; want [Cookie Accept-Encoding]", got)
	}
}

// TestGZipVaryDoesNotWriteSharedSlice checks that adding Accept-Encoding
// to a Vary value the view shares across responses copies it instead of
// writing into the shared array's spare capacity.
func TestGZipVaryDoesNotWriteSharedSlice(t *testing.T) {
	shared := []string{"Cookie", "untouched"}
	mw := middleware.Must(middleware.GZip(middleware.GZipConfig{}))
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header()["Vary"] = shared[:1]
		_, _ = io.WriteString(w, bigHTML)
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res := serve(h, req)
	if got := res.Header().Values("Vary"); len(got) != 2 || got[1] != "Accept-Encoding" {
		t.Errorf("Vary = %q; want [Cookie Accept-Encoding]", got)
	}
	if shared[1] != "untouched" {
		t.Errorf("shared Vary array element after a gzip response = %q; want %q", shared[1], "untouched")
	}
}

func TestGZipFlush(t *testing.T) {
	mw := middleware.Must(middleware.GZip(middleware.GZipConfig{}))
	proceed := make(chan struct{})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, r.URL.Query().Get("first"))
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		select {
		case <-proceed:
		case <-time.After(10 * time.Second):
		}
		_, _ = io.WriteString(w, "the end\n")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	tests := []struct {
		name     string
		first    string
		wantGzip bool
	}{
		{"flush before MinSize sends plain", "short\n", false},
		{"flush after MinSize flushes the gzip stream", strings.Repeat("a long line of text\n", 100), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+"/?first="+url.QueryEscape(tt.first), nil)
			req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport does not decompress
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			defer res.Body.Close()
			if got := res.Header.Get("Content-Encoding") == "gzip"; got != tt.wantGzip {
				t.Fatalf("Content-Encoding = %q; want gzip %v", res.Header.Get("Content-Encoding"), tt.wantGzip)
			}
			var body io.Reader = res.Body
			if tt.wantGzip {
				zr, err := gzip.NewReader(res.Body)
				if err != nil {
					t.Fatalf("gzip.NewReader: %v", err)
				}
				body = zr
			}
			br := bufio.NewReader(body)
			// The first part arrives while the handler still waits.
			first := make([]byte, len(tt.first))
			if _, err := io.ReadFull(br, first); err != nil || string(first) != tt.first {
				t.Fatalf("first part = %q, %v; want it before the handler finished", first, err)
			}
			proceed <- struct{}{}
			rest, err := io.ReadAll(br)
			if err != nil || string(rest) != "the end\n" {
				t.Errorf("rest = %q, %v; want %q", rest, err, "the end\n")
			}
		})
	}
}

func TestGZipPanicBeforeDecision(t *testing.T) {
	rd := &respond.Renderer{}
	gz := middleware.Must(middleware.GZip(middleware.GZipConfig{}))
	h := middleware.Chain(rd.Middleware, middleware.Recover, gz)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<p>half") // buffered, under MinSize
		panic("boom")
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res := serve(h, req)
	if res.Code != http.StatusInternalServerError || res.Header().Get("Content-Encoding") != "" || strings.Contains(res.Body.String(), "half") {
		t.Errorf("got %d Content-Encoding %q body %q; want a clean uncompressed 500 page", res.Code, res.Header().Get("Content-Encoding"), res.Body.String())
	}
}

func TestGZipConcurrentPoolReuse(t *testing.T) {
	mw := middleware.Must(middleware.GZip(middleware.GZipConfig{Level: 1}))
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, strings.Repeat(r.URL.Path, 500))
	}))
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 25 {
				path := "/" + strconv.Itoa(i) + "-" + strconv.Itoa(j)
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				res := serve(h, req)
				if got := gunzip(t, res.Body.Bytes()); got != strings.Repeat(path, 500) {
					t.Errorf("%s: body of %d bytes is not this request's", path, len(got))
				}
			}
		})
	}
	wg.Wait()
}

func TestGZipConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  middleware.GZipConfig
	}{
		{"level too high", middleware.GZipConfig{Level: 10}},
		{"level too low", middleware.GZipConfig{Level: -3}},
		{"negative min size", middleware.GZipConfig{MinSize: -1}},
		{"type without slash", middleware.GZipConfig{Types: []string{"text"}}},
		{"any type", middleware.GZipConfig{Types: []string{"*/*"}}},
		{"type with parameters", middleware.GZipConfig{Types: []string{"text/html; charset=utf-8"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := middleware.GZip(tt.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), "middleware: gzip: ") {
				t.Errorf("GZip(%+v) error = %v; want a middleware: gzip: error", tt.cfg, err)
			}
		})
	}
}
