package static_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
)

// get sends a request through h and returns the response.
func get(t *testing.T, h http.Handler, method, target string, hdr ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, "http://example.com"+target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// production collects the site and returns its production handler and
// manifest paths.
func production(t *testing.T, s *site, edit ...func(*core.Settings)) (http.Handler, map[string]string) {
	t.Helper()
	s.collect(t)
	paths, _ := readManifest(t, s.root())
	p, _ := s.project(t, false, edit...)
	return p.Handler(), paths
}

func TestServeProduction(t *testing.T) {
	s := newSite(t)
	h, paths := production(t, s)
	root := s.root()
	hashedCSS := paths["css/site.css"]
	cssHash := hashedRE.FindStringSubmatch(hashedCSS)[1]
	plain := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	tests := []struct {
		name         string
		method, path string
		hdr          []string
		status       int
		want         map[string]string // headers; "" means absent
		body         []byte            // nil: not checked
		decoded      []byte            // body after decoding Content-Encoding
	}{
		{name: "hashed identity", path: "/static/" + hashedCSS, status: 200,
			want: map[string]string{"Cache-Control": "public, max-age=31536000, immutable", "Etag": `"` + cssHash + `"`,
				"Content-Type": "text/css; charset=utf-8", "Vary": "Accept-Encoding", "Content-Encoding": "",
				"Content-Length": fmt.Sprint(len(plain(hashedCSS))), "Accept-Ranges": "bytes"},
			body: plain(hashedCSS)},
		{name: "brotli preferred", path: "/static/" + hashedCSS, hdr: []string{"Accept-Encoding", "gzip, deflate, br"}, status: 200,
			want: map[string]string{"Content-Encoding": "br", "Etag": `"` + cssHash + `-br"`, "Vary": "Accept-Encoding",
				"Content-Type": "text/css; charset=utf-8", "Content-Length": fmt.Sprint(len(plain(hashedCSS + ".br"))),
				"Cache-Control": "public, max-age=31536000, immutable"},
			body: plain(hashedCSS + ".br"), decoded: plain(hashedCSS)},
		{name: "gzip", path: "/static/" + hashedCSS, hdr: []string{"Accept-Encoding", "gzip"}, status: 200,
			want: map[string]string{"Content-Encoding": "gzip", "Etag": `"` + cssHash + `-gzip"`, "Content-Length": fmt.Sprint(len(plain(hashedCSS + ".gz")))},
			body: plain(hashedCSS + ".gz"), decoded: plain(hashedCSS)},
		{name: "gzip preferred by q", path: "/static/" + hashedCSS, hdr: []string{"Accept-Encoding", "br;q=0.5, gzip;q=0.9"}, status: 200,
			want: map[string]string{"Content-Encoding": "gzip"}},
		{name: "br refused", path: "/static/" + hashedCSS, hdr: []string{"Accept-Encoding", "br;q=0, *"}, status: 200,
			want: map[string]string{"Content-Encoding": "gzip"}},
		{name: "identity only", path: "/static/" + hashedCSS, hdr: []string{"Accept-Encoding", "identity"}, status: 200,
			want: map[string]string{"Content-Encoding": "", "Vary": "Accept-Encoding"}, body: plain(hashedCSS)},
		{name: "wildcard", path: "/static/" + hashedCSS, hdr: []string{"Accept-Encoding", "*"}, status: 200,
			want: map[string]string{"Content-Encoding": "br"}},
		{name: "if-none-match", path: "/static/" + hashedCSS, hdr: []string{"If-None-Match", `"` + cssHash + `"`}, status: 304,
			want: map[string]string{"Etag": `"` + cssHash + `"`, "Content-Length": ""}, body: []byte{}},
		{name: "if-none-match other representation", path: "/static/" + hashedCSS, hdr: []string{"If-None-Match", `"` + cssHash + `"`, "Accept-Encoding", "br"}, status: 200,
			want: map[string]string{"Content-Encoding": "br"}},
		{name: "range", path: "/static/" + hashedCSS, hdr: []string{"Range", "bytes=0-9", "Accept-Encoding", "br, gzip"}, status: 206,
			want: map[string]string{"Content-Range": fmt.Sprintf("bytes 0-9/%d", len(plain(hashedCSS))), "Content-Encoding": "", "Content-Length": "10"},
			body: plain(hashedCSS)[:10]},
		{name: "if-match fails", path: "/static/" + hashedCSS, hdr: []string{"If-Match", `"other"`, "Accept-Encoding", "br"}, status: 412,
			want: map[string]string{"Content-Length": ""}},
		{name: "range not satisfiable", path: "/static/" + hashedCSS, hdr: []string{"Range", "bytes=999999-"}, status: 416},
		{name: "head", method: "HEAD", path: "/static/" + hashedCSS, status: 200,
			want: map[string]string{"Content-Length": fmt.Sprint(len(plain(hashedCSS)))}, body: []byte{}},
		{name: "unhashed name", path: "/static/css/site.css", status: 200,
			want: map[string]string{"Cache-Control": "public, max-age=60", "Vary": "Accept-Encoding"}, body: plain("css/site.css")},
		{name: "unhashed not compressible", path: "/static/img/bg.png", status: 200,
			want: map[string]string{"Cache-Control": "public, max-age=60", "Vary": "", "Content-Type": "image/png"}, body: plain("img/bg.png")},
		{name: "small file not compressed", path: "/static/" + paths["robots.txt"], hdr: []string{"Accept-Encoding", "br, gzip"}, status: 200,
			want: map[string]string{"Content-Encoding": "", "Vary": "", "Content-Type": "text/plain; charset=utf-8"}},
		{name: "missing", path: "/static/nope.css", status: 404},
		{name: "directory", path: "/static/css/", status: 404},
		{name: "directory no slash", path: "/static/css", status: 404},
		{name: "static root", path: "/static/", status: 404},
		{name: "manifest not served", path: "/static/staticfiles.json", status: 404},
		{name: "variant not served alone", path: "/static/" + hashedCSS + ".br", status: 404},
		{name: "post", method: "POST", path: "/static/" + hashedCSS, status: 405, want: map[string]string{"Allow": "GET, HEAD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			resp := get(t, h, method, tt.path, tt.hdr...)
			b := body(t, resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s: status %d; want %d (body %.200q)", method, tt.path, resp.StatusCode, tt.status, b)
			}
			for k, v := range tt.want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s: %s = %q; want %q", tt.path, k, got, v)
				}
			}
			if tt.body != nil && string(b) != string(tt.body) {
				t.Errorf("%s: body is %d bytes, not the %d of the file", tt.path, len(b), len(tt.body))
			}
			if tt.decoded != nil {
				if got := decode(t, "x."+map[string]string{"br": "br", "gzip": "gz"}[resp.Header.Get("Content-Encoding")], b); string(got) != string(tt.decoded) {
					t.Errorf("%s: decoded body differs from the file", tt.path)
				}
			}
		})
	}

	// Unhashed names get a strong content ETag too, usable for 304s.
	resp := get(t, h, "GET", "/static/img/bg.png")
	etag := resp.Header.Get("Etag")
	if !strings.HasPrefix(etag, `"`) || len(etag) != 14 {
		t.Fatalf("ETag of img/bg.png = %q; want a strong 12-digit tag", etag)
	}
	if resp := get(t, h, "GET", "/static/img/bg.png", "If-None-Match", etag); resp.StatusCode != 304 {
		t.Errorf("If-None-Match %s: status %d; want 304", etag, resp.StatusCode)
	}

	// Requests outside the static URL go on to the router.
	if resp := get(t, h, "GET", "/staticx/"+hashedCSS); resp.StatusCode != 404 || resp.Header.Get("Etag") != "" {
		t.Errorf("GET /staticx/: status %d, ETag %q; want the router's 404", resp.StatusCode, resp.Header.Get("Etag"))
	}
}

// TestServeSkipsLaterLayers checks that static files are answered before
// sessions and CSRF (StageEarly): a cross-site POST-free GET carries no
// Set-Cookie and the stack lists the layer before csrf.
func TestServeStage(t *testing.T) {
	s := newSite(t)
	s.collect(t)
	p, _ := s.project(t, false)
	stack := strings.Join(p.Stack(), " ")
	i, j := strings.Index(stack, "static.serve"), strings.Index(stack, "csrf")
	if i < 0 || j < 0 || i > j {
		t.Errorf("stack = %s; want static.serve before csrf", stack)
	}
}

func TestServeDebug(t *testing.T) {
	s := newSite(t)
	p, _ := s.project(t, true)
	h := p.Handler()
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/static/js/app.js", 200, "console.log('project')"}, // the project's wins
		{"/static/polls/style.css", 200, "li a { background: url(img/q.png) }"},
		{"/static/other/o.txt", 200, "o"},
		{"/static/css/", 404, ""},
		{"/static/nope.js", 404, ""},
	}
	for _, tt := range tests {
		resp := get(t, h, "GET", tt.path, "Accept-Encoding", "br, gzip")
		b := string(body(t, resp))
		if resp.StatusCode != tt.status || !strings.HasPrefix(b, tt.body) {
			t.Errorf("GET %s: %d %.40q; want %d %.40q", tt.path, resp.StatusCode, b, tt.status, tt.body)
			continue
		}
		if tt.status == 200 {
			if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("GET %s: Cache-Control %q; want no-cache", tt.path, cc)
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("GET %s: Content-Encoding %q in DEBUG", tt.path, ce)
			}
		}
	}
	// Edits show at once.
	writeFile(t, filepath.Join(s.dir, "static", "js", "app.js"), "edited")
	if b := string(body(t, get(t, h, "GET", "/static/js/app.js"))); b != "edited" {
		t.Errorf("after an edit, GET /static/js/app.js = %q; want edited", b)
	}
	// Last-Modified from the disk gives conditional requests.
	resp := get(t, h, "GET", "/static/robots.txt")
	lm := resp.Header.Get("Last-Modified")
	if lm == "" {
		t.Fatal("no Last-Modified for a file on disk")
	}
	if resp := get(t, h, "GET", "/static/robots.txt", "If-Modified-Since", lm); resp.StatusCode != 304 {
		t.Errorf("If-Modified-Since: status %d; want 304", resp.StatusCode)
	}
}

// rawGet sends a request line as written, so that nothing cleans or
// encodes the path on the way, and returns the status and body.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", target)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeTraversal(t *testing.T) {
	const secret = "TOP-SECRET-CONTENT"
	attacks := []string{
		"/static/../secret.txt",
		"/static/../../secret.txt",
		"/static/css/../../secret.txt",
		"/static/%2e%2e/secret.txt",
		"/static/%2E%2E/secret.txt",
		"/static/..%2fsecret.txt",
		"/static/..%2Fsecret.txt",
		"/static/%2e%2e%2fsecret.txt",
		"/static/css/%2e%2e/%2e%2e/secret.txt",
		"/static/..\\secret.txt",
		"/static/..%5csecret.txt",
		"/static/%5c..%5csecret.txt",
		"/static//secret.txt",
		"/static/" + "%00../secret.txt",
		"/static/robots.txt%00.png",
		"/static/./robots.txt/../../secret.txt",
		"/static/%252e%252e/secret.txt",
		"/static/.%2e/secret.txt",
		"/static/...//secret.txt",
	}
	for _, debug := range []bool{true, false} {
		t.Run(fmt.Sprintf("debug=%v", debug), func(t *testing.T) {
			s := newSite(t)
			// Secrets next to the served trees and in the project dir.
			writeFile(t, filepath.Join(s.dir, "secret.txt"), secret)
			writeFile(t, filepath.Join(s.dir, "static", "css", "secret.txt.not"), "x")
			var h http.Handler
			if debug {
				p, _ := s.project(t, true)
				h = p.Handler()
			} else {
				h, _ = production(t, s)
				writeFile(t, filepath.Join(s.root(), "..", "secret.txt"), secret)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			addr := strings.TrimPrefix(srv.URL, "http://")
			if code, b := rawGet(t, addr, "/static/robots.txt"); code != 200 || !strings.Contains(b, "User-agent") {
				t.Fatalf("control request: %d %q", code, b)
			}
			for _, a := range attacks {
				code, b := rawGet(t, addr, a)
				if strings.Contains(b, secret) {
					t.Errorf("GET %s leaked the secret (status %d)", a, code)
				}
				if code == 200 {
					t.Errorf("GET %s: status 200 (%.60q); want an error status", a, b)
				}
			}
		})
	}
}
