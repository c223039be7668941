package cache

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djinn-go/djinn/djinntest"
	"github.com/google/go-cmp/cmp"
)

// pageView is a view that counts its calls and writes "<body> #<call>".
type pageView struct {
	calls atomic.Int64
	fn    func(w http.ResponseWriter, r *http.Request)
}

func (v *pageView) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := v.calls.Add(1)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-View", "yes")
	if v.fn != nil {
		v.fn(w, r)
	}
	fmt.Fprintf(w, "page #%d", n)
}

var pageNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func newPage(t *testing.T, view http.Handler, opts PageOptions) http.Handler {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return pageNow }
	}
	return Page(NewMemory(MemoryOptions{}), time.Minute, opts)(view)
}

func get(h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestPageHit: the second GET is served from the cache, with the first
// response's status, headers and body, and without calling the view.
func TestPageHit(t *testing.T) {
	view := &pageView{}
	h := newPage(t, view, PageOptions{})
	first := get(h, "GET", "/articles/?page=2", nil)
	second := get(h, "GET", "/articles/?page=2", nil)
	if n := view.calls.Load(); n != 1 {
		t.Fatalf("view called %d times for two GETs; want 1", n)
	}
	if first.Code != 200 || second.Code != 200 || second.Body.String() != "page #1" || first.Body.String() != "page #1" {
		t.Fatalf("responses %d %q, %d %q; want 200 %q twice", first.Code, first.Body, second.Code, second.Body, "page #1")
	}
	want := http.Header{
		"Content-Type":  {"text/plain; charset=utf-8"},
		"X-View":        {"yes"},
		"Cache-Control": {"max-age=60"},
		"Expires":       {"Thu, 26 Nov 2026 12:01:00 GMT"},
	}
	if diff := cmp.Diff(want, first.Header()); diff != "" {
		t.Errorf("first response headers (-want +got):\n%s", diff)
	}
	want["Age"] = []string{"0"}
	want["Content-Length"] = []string{"7"}
	if diff := cmp.Diff(want, second.Header()); diff != "" {
		t.Errorf("cached response headers (-want +got):\n%s", diff)
	}
}

// TestPageAge: a hit reports how long ago its entry was stored.
func TestPageAge(t *testing.T) {
	now := pageNow
	view := &pageView{}
	h := Page(NewMemory(MemoryOptions{}), time.Hour, PageOptions{Now: func() time.Time { return now }})(view)
	get(h, "GET", "/", nil)
	now = now.Add(90 * time.Second)
	if rec := get(h, "GET", "/", nil); rec.Header().Get("Age") != "90" || view.calls.Load() != 1 {
		t.Errorf("Age = %q after 90s, view calls %d; want 90 and 1", rec.Header().Get("Age"), view.calls.Load())
	}
}

// TestPageNotCached: responses and requests the cache must leave alone;
// two identical requests both reach the view and get its fresh output.
func TestPageNotCached(t *testing.T) {
	tests := []struct {
		name   string
		method string
		header http.Header
		view   func(w http.ResponseWriter, r *http.Request)
		opts   PageOptions
	}{
		{name: "POST", method: "POST"},
		{name: "PUT", method: "PUT"},
		{name: "404", view: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }},
		{name: "302", view: func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Location", "/x"); w.WriteHeader(302) }},
		{name: "private", view: func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Cache-Control", "private, max-age=10") }},
		{name: "no-store", view: func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Cache-Control", "No-Store") }},
		{name: "no-cache", view: func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Cache-Control", `no-cache="Set-Cookie"`) }},
		{name: "Set-Cookie", view: func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Set-Cookie", "csrftoken=x") }},
		{name: "Vary *", view: func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Vary", "*") }},
		{name: "Authorization", header: http.Header{"Authorization": {"Bearer t"}}},
		{name: "session cookie", header: http.Header{"Cookie": {"theme=dark; sessionid=abc"}}},
		{name: "custom session cookie", header: http.Header{"Cookie": {"sid=abc"}}, opts: PageOptions{SessionCookie: "sid"}},
		{name: "body over MaxBytes", opts: PageOptions{MaxBytes: 4}},
		{name: "Content-Length over MaxBytes", opts: PageOptions{MaxBytes: 4},
			view: func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Content-Length", "7") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			view := &pageView{fn: tt.view}
			h := newPage(t, view, tt.opts)
			method := tt.method
			if method == "" {
				method = "GET"
			}
			get(h, method, "/p", tt.header)
			rec := get(h, method, "/p", tt.header)
			if n := view.calls.Load(); n != 2 || rec.Body.String() != "page #2" {
				t.Errorf("second request: view calls %d, body %q; want 2 and %q (not cached)", n, rec.Body, "page #2")
			}
		})
	}
}

// TestPageAnonymousBypass: a request with credentials or a session is not
// served from an entry an anonymous request stored, and a cookie that is
// not the session cookie does not bypass the cache.
func TestPageAnonymousBypass(t *testing.T) {
	view := &pageView{}
	h := newPage(t, view, PageOptions{})
	get(h, "GET", "/p", nil)
	if rec := get(h, "GET", "/p", http.Header{"Cookie": {"sessionid=abc"}}); rec.Body.String() != "page #2" {
		t.Errorf("with a session cookie: %q; want the view's %q", rec.Body, "page #2")
	}
	if rec := get(h, "GET", "/p", http.Header{"Authorization": {"Basic eDp5"}}); rec.Body.String() != "page #3" {
		t.Errorf("with Authorization: %q; want the view's %q", rec.Body, "page #3")
	}
	if rec := get(h, "GET", "/p", http.Header{"Cookie": {"notsessionid=1; theme=dark"}}); rec.Body.String() != "page #1" {
		t.Errorf("with other cookies: %q; want the cached %q", rec.Body, "page #1")
	}
}

// TestPageVary: Vary: Accept-Language keeps one entry per language.
func TestPageVary(t *testing.T) {
	view := &pageView{fn: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Accept-Language")
		fmt.Fprintf(w, "%s: ", r.Header.Get("Accept-Language"))
	}}
	h := newPage(t, view, PageOptions{})
	for i, c := range []struct{ lang, want string }{
		{"fr", "fr: page #1"},
		{"en", "en: page #2"},
		{"fr", "fr: page #1"},
		{"en", "en: page #2"},
		{"de", "de: page #3"},
	} {
		rec := get(h, "GET", "/p", http.Header{"Accept-Language": {c.lang}})
		if rec.Body.String() != c.want {
			t.Errorf("request %d (%s) = %q; want %q", i+1, c.lang, rec.Body, c.want)
		}
	}
}

// TestPageHead: HEAD is answered from GET's entry without a body, and a
// HEAD miss stores nothing.
func TestPageHead(t *testing.T) {
	view := &pageView{}
	h := newPage(t, view, PageOptions{})
	get(h, "HEAD", "/p", nil)
	if rec := get(h, "GET", "/p", nil); rec.Body.String() != "page #2" {
		t.Fatalf("GET after a HEAD miss = %q; want the view's %q (HEAD stores nothing)", rec.Body, "page #2")
	}
	rec := get(h, "HEAD", "/p", nil)
	if view.calls.Load() != 2 || rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != "7" || rec.Header().Get("X-View") != "yes" {
		t.Errorf("HEAD after GET: calls %d, %d %q, headers %v; want the GET entry's headers, no body, view not called", view.calls.Load(), rec.Code, rec.Body, rec.Header())
	}
}

// TestPageURLs: scheme, host, path and query (in order) name entries;
// long, hostile URLs are hashed into valid keys.
func TestPageURLs(t *testing.T) {
	view := &pageView{}
	h := newPage(t, view, PageOptions{})
	long := "/" + strings.Repeat("%00%0d%0a%20x", 20_000) + "?q=" + strings.Repeat("é", 5000)
	for i, c := range []struct{ target, want string }{
		{"/p?a=1&b=2", "page #1"},
		{"/p?b=2&a=1", "page #2"}, // query order matters, as in Django
		{"/p?a=1&b=2", "page #1"},
		{"http://other.example/p?a=1&b=2", "page #3"},
		{"https://example.com/p?a=1&b=2", "page #4"},
		{long, "page #5"},
		{long, "page #5"},
	} {
		if rec := get(h, "GET", c.target, nil); rec.Body.String() != c.want {
			t.Errorf("request %d (%.40s) = %q; want %q", i+1, c.target, rec.Body, c.want)
		}
	}
}

// TestPageHeaders: max-age and Expires are added only where missing.
func TestPageHeaders(t *testing.T) {
	tests := []struct {
		name          string
		cc, expires   string
		wantCC, wantE string
	}{
		{"none", "", "", "max-age=60", "Thu, 26 Nov 2026 12:01:00 GMT"},
		{"public", "public", "", "public, max-age=60", "Thu, 26 Nov 2026 12:01:00 GMT"},
		{"own max-age", "public, max-age=5", "", "public, max-age=5", "Thu, 26 Nov 2026 12:01:00 GMT"},
		{"own Expires", "", "Thu, 01 Jan 2037 00:00:00 GMT", "max-age=60", "Thu, 01 Jan 2037 00:00:00 GMT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newPage(t, &pageView{fn: func(w http.ResponseWriter, r *http.Request) {
				if tt.cc != "" {
					w.Header().Set("Cache-Control", tt.cc)
				}
				if tt.expires != "" {
					w.Header().Set("Expires", tt.expires)
				}
			}}, PageOptions{})
			for _, which := range []string{"view", "cache"} {
				rec := get(h, "GET", "/p", nil)
				if cc, e := rec.Header().Get("Cache-Control"), rec.Header().Get("Expires"); cc != tt.wantCC || e != tt.wantE {
					t.Errorf("%s: Cache-Control %q, Expires %q; want %q, %q", which, cc, e, tt.wantCC, tt.wantE)
				}
			}
		})
	}
}

// TestPageStreamsLargeBodies: a response over MaxBytes reaches the client
// whole and is not stored.
func TestPageStreamsLargeBodies(t *testing.T) {
	big := strings.Repeat("x", 3000)
	view := &pageView{fn: func(w http.ResponseWriter, r *http.Request) {
		for range 10 {
			w.Write([]byte(big))
		}
	}}
	h := newPage(t, view, PageOptions{MaxBytes: 4096})
	for range 2 {
		if rec := get(h, "GET", "/big", nil); rec.Body.Len() != 30_000+len("page #1") {
			t.Fatalf("body of %d bytes; want %d", rec.Body.Len(), 30_007)
		}
	}
	if n := view.calls.Load(); n != 2 {
		t.Errorf("view calls %d; want 2 (not stored)", n)
	}
}

// failingCache fails every call, like a backend whose server is down
// without a breaker of its own.
type failingCache struct{ Cache }

var errDown = errors.New("cache down")

func (failingCache) Get(context.Context, string) ([]byte, error) { return nil, errDown }
func (failingCache) Set(context.Context, string, []byte, time.Duration) error {
	return errDown
}

// TestPageCacheErrors: a failing cache never fails a request.
func TestPageCacheErrors(t *testing.T) {
	view := &pageView{}
	h := Page(failingCache{NewMemory(MemoryOptions{})}, time.Minute, PageOptions{})(view)
	for i := range 3 {
		if rec := get(h, "GET", "/p", nil); rec.Code != 200 || rec.Body.String() != fmt.Sprintf("page #%d", i+1) {
			t.Errorf("request %d: %d %q; want the view's response", i+1, rec.Code, rec.Body)
		}
	}
}

// TestPageCorruptEntry: an entry that does not decode is ignored and
// replaced by the view's response.
func TestPageCorruptEntry(t *testing.T) {
	c := NewMemory(MemoryOptions{})
	view := &pageView{}
	h := Page(c, time.Minute, PageOptions{})(view)
	get(h, "GET", "/p", nil)
	r := httptest.NewRequest("GET", "/p", nil)
	key := responseKey((&pageCache{opts: PageOptions{KeyPrefix: "page"}}).baseKey(r), r, "")
	entry, err := c.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("entry not under the expected key: %v", err)
	}
	for n := range len(entry) - len("page #1") {
		if _, _, ok := decodeEntry(entry[:n], http.Header{}); ok {
			t.Errorf("decodeEntry of the first %d of %d bytes reported ok", n, len(entry))
		}
	}
	c.Set(t.Context(), key, []byte("garbage"), time.Minute)
	if rec := get(h, "GET", "/p", nil); rec.Body.String() != "page #2" {
		t.Errorf("over a corrupt entry: %q; want the view's %q", rec.Body, "page #2")
	}
	if rec := get(h, "GET", "/p", nil); rec.Body.String() != "page #2" {
		t.Errorf("after the corrupt entry was replaced: %q; want the cached %q", rec.Body, "page #2")
	}
}

func TestPagePanicsOnBadTTL(t *testing.T) {
	for _, ttl := range []time.Duration{0, -time.Second, MaxTTL + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Page(ttl %v) did not panic", ttl)
				}
			}()
			Page(NewMemory(MemoryOptions{}), ttl, PageOptions{})
		}()
	}
}

// TestPageRedis: the page cache over the real Redis: hits, Vary and HEAD.
func TestPageRedis(t *testing.T) {
	client, err := RedisClient(djinntest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := NewRedis(client, RedisOptions{Prefix: djinntest.RedisPrefix(t)})
	view := &pageView{fn: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Accept-Language")
	}}
	h := Page(c, time.Minute, PageOptions{})(view)
	for i, s := range []struct{ method, lang, want string }{
		{"GET", "fr", "page #1"},
		{"GET", "fr", "page #1"},
		{"GET", "en", "page #2"},
		{"HEAD", "en", ""},
		{"GET", "en", "page #2"},
	} {
		rec := get(h, s.method, "/p", http.Header{"Accept-Language": {s.lang}})
		if rec.Code != 200 || rec.Body.String() != s.want {
			t.Errorf("request %d (%s %s) = %d %q; want 200 %q", i+1, s.method, s.lang, rec.Code, rec.Body, s.want)
		}
	}
	if n := view.calls.Load(); n != 2 {
		t.Errorf("view calls %d; want 2", n)
	}
}

func ExamplePage() {
	c := NewMemory(MemoryOptions{}) // the project's "pages" cache, say
	calls := 0
	view := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		fmt.Fprintf(w, "rendered %d time(s)", calls)
	})
	h := Page(c, 10*time.Minute, PageOptions{})(view)

	for range 2 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/articles/", nil))
		fmt.Println(w.Body, "|", w.Header().Get("Cache-Control"))
	}
	// Output:
	// rendered 1 time(s) | max-age=600
	// rendered 1 time(s) | max-age=600
}
