package urls_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/google/go-cmp/cmp"
)

// serveWith serves one request through h with rd as the request's Renderer.
func serveWith(h http.Handler, rd *respond.Renderer, method, target string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	rd.Middleware(h).ServeHTTP(w, req)
	return w
}

func TestNotFoundProduction(t *testing.T) {
	h := siteRouter(t).Handler()
	rd := &respond.Renderer{}
	tests := []struct {
		name   string
		target string
		header http.Header
	}{
		{"no route", "/nope", nil},
		{"converter mismatch", "/polls/abc/", nil},
		{"no route JSON", "/nope", http.Header{"Accept": {"application/json"}}},
		{"converter mismatch JSON", "/polls/abc/", http.Header{"Accept": {"application/json"}}},
	}
	// Nothing about the route table may leak into production pages.
	secrets := []string{"{id:int}", "polls:detail", "tried", "Djinn tried", "/articles/", "abc"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serveWith(h, rd, "GET", tt.target, tt.header)
			if w.Code != 404 {
				t.Fatalf("GET %s = %d; want 404", tt.target, w.Code)
			}
			body := w.Body.String()
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("GET %s production body contains %q:\n%s", tt.target, s, body)
				}
			}
			if !strings.Contains(body, "Not Found") {
				t.Errorf("GET %s body %q; want it to say Not Found", tt.target, body)
			}
		})
	}
}

func TestNotFoundDebugHTML(t *testing.T) {
	r := siteRouter(t)
	h := r.Handler()
	rd := &respond.Renderer{Debug: true}
	w := serveWith(h, rd, "GET", "/nope/here?x=1&token=hunter2", nil)
	if w.Code != 404 {
		t.Fatalf("GET /nope/here = %d; want 404", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q; want text/html", ct)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q; want default-src 'none'", csp)
	}
	if got := w.Header().Values("Vary"); len(got) != 1 || got[0] != "Accept" {
		t.Errorf("Vary = %q; want [Accept]", got)
	}
	body := w.Body.String()
	for _, want := range []string{
		"Djinn tried these URL patterns, in this order:",
		`urls: no route matches GET &#34;/nope/here&#34;`,
		"http://example.com/nope/here?x=1&amp;token=********",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("DEBUG 404 body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "hunter2") {
		t.Errorf("DEBUG 404 body shows the query's token:\n%s", body)
	}
	// Every pattern is listed, with its name, in registration order.
	last := -1
	for _, rt := range r.Routes() {
		item := "<li><code>" + htmlEscape(rt.Pattern)
		if rt.Name != "" {
			item += `  [name=&#34;` + rt.Name + `&#34;]`
		}
		item += "</code></li>"
		i := strings.Index(body, item)
		if i < 0 {
			t.Errorf("DEBUG 404 body lacks %q", item)
			continue
		}
		if i < last {
			t.Errorf("pattern %q listed out of order", rt.Pattern)
		}
		last = i
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestNotFoundDebugEscapes(t *testing.T) {
	r := urls.New()
	r.Handle("GET /a/{id:int}", view("a"), "a")
	r.Handle("GET /<b>/{$}", view("b"), "b")
	h := r.Handler()
	rd := &respond.Renderer{Debug: true}
	tests := []struct {
		name   string
		target string
		want   []string
	}{
		{"hostile path", "/%3Cscript%3Ealert(1)%3C/script%3E", []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}},
		{"hostile value", "/a/%3Cimg%20src=x%20onerror=alert(1)%3E", []string{
			`value &#34;&lt;img src=x onerror=alert(1)&gt;&#34; of {id} rejected by its converter in &#34;GET /a/{id:int}&#34;`,
		}},
		{"hostile query", "/x?<script>=1", []string{"/x?&lt;script&gt;=1"}},
		{"hostile pattern", "/nope", []string{"<li><code>GET /&lt;b&gt;/{$}  [name=&#34;b&#34;]</code></li>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serveWith(h, rd, "GET", tt.target, nil)
			if w.Code != 404 {
				t.Fatalf("GET %s = %d; want 404", tt.target, w.Code)
			}
			body := w.Body.String()
			for _, bad := range []string{"<script", "<img", "<b>"} {
				if strings.Contains(body, bad) {
					t.Errorf("GET %s: DEBUG body contains unescaped %q:\n%s", tt.target, bad, body)
				}
			}
			for _, want := range tt.want {
				if !strings.Contains(body, want) {
					t.Errorf("GET %s: DEBUG body lacks %q:\n%s", tt.target, want, body)
				}
			}
		})
	}
}

func TestNotFoundDebugJSON(t *testing.T) {
	r := siteRouter(t)
	h := r.Handler()
	var tried []string
	for _, rt := range r.Routes() {
		line := rt.Pattern
		if rt.Name != "" {
			line += `  [name="` + rt.Name + `"]`
		}
		tried = append(tried, line)
	}
	tests := []struct {
		name       string
		debug      bool
		target     string
		wantDetail string
		wantTried  []string
	}{
		{"no route", true, "/nope?token=hunter2", `404 Not Found: urls: no route matches GET "/nope"`, tried},
		{"converter mismatch", true, "/polls/x/", `404 Not Found: urls: GET "/polls/x/": value "x" of {id} rejected by its converter in "GET /polls/{id:int}/{$}"`, tried},
		{"production", false, "/nope", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := &respond.Renderer{Debug: tt.debug, RequestID: func(context.Context) string { return "req-1" }}
			w := serveWith(h, rd, "GET", tt.target, http.Header{"Accept": {"application/json"}})
			if w.Code != 404 {
				t.Fatalf("GET %s = %d; want 404", tt.target, w.Code)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q; want application/json", ct)
			}
			if got := w.Header().Values("Vary"); len(got) != 1 || got[0] != "Accept" {
				t.Errorf("Vary = %q; want [Accept]", got)
			}
			if strings.Contains(w.Body.String(), "hunter2") {
				t.Errorf("GET %s: JSON shows the query's token: %s", tt.target, w.Body.String())
			}
			var got struct {
				Error struct {
					Status    int    `json:"status"`
					Message   string `json:"message"`
					RequestID string `json:"request_id"`
					Detail    string `json:"detail"`
					Debug     *struct {
						Lines []string `json:"lines"`
					} `json:"debug"`
				} `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q: %v", w.Body.String(), err)
			}
			e := got.Error
			if e.Status != 404 || e.Message != "Not Found" || e.RequestID != "req-1" || e.Detail != tt.wantDetail {
				t.Errorf("JSON error = %+v; want status 404, message Not Found, request_id req-1, detail %q", e, tt.wantDetail)
			}
			switch {
			case tt.wantTried == nil && e.Debug != nil:
				t.Errorf("production JSON has debug details %q", e.Debug.Lines)
			case tt.wantTried != nil && e.Debug == nil:
				t.Errorf("DEBUG JSON has no debug details: %s", w.Body.String())
			case tt.wantTried != nil:
				if diff := cmp.Diff(tt.wantTried, e.Debug.Lines); diff != "" {
					t.Errorf("tried mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestNotFoundDebugHEAD(t *testing.T) {
	h := siteRouter(t).Handler()
	w := serveWith(h, &respond.Renderer{Debug: true}, "HEAD", "/nope", nil)
	if w.Code != 404 || w.Body.Len() != 0 {
		t.Errorf("HEAD /nope = %d with %d body bytes; want 404 and no body", w.Code, w.Body.Len())
	}
}

func TestMethodNotAllowedRendered(t *testing.T) {
	h := siteRouter(t).Handler()
	for _, debug := range []bool{false, true} {
		w := serveWith(h, &respond.Renderer{Debug: debug}, "DELETE", "/polls/7/", http.Header{"Accept": {"application/json"}})
		if w.Code != 405 {
			t.Fatalf("DELETE /polls/7/ = %d; want 405", w.Code)
		}
		if got := w.Header().Values("Allow"); !cmp.Equal(got, []string{"GET, HEAD"}) {
			t.Errorf("Allow = %q; want [\"GET, HEAD\"]", got)
		}
		var got struct {
			Error struct {
				Status int `json:"status"`
			} `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.Error.Status != 405 {
			t.Errorf("DELETE /polls/7/ body %q; want respond's JSON error with status 405", w.Body.String())
		}
	}
}

func TestResolve(t *testing.T) {
	var calls atomic.Int32
	r := siteRouter(t)
	r.HandleFunc("GET /count/{$}", func(http.ResponseWriter, *http.Request) { calls.Add(1) }, "count")
	tests := []struct {
		name   string
		method string
		host   string
		path   string
		want   string // route name; "-" for an unnamed match, "" for no match
	}{
		{"match", "GET", "", "/polls/7/", "polls:detail"},
		{"empty method is GET", "", "", "/polls/7/", "polls:detail"},
		{"HEAD", "HEAD", "", "/polls/7/", "polls:detail"},
		{"unnamed route", "GET", "", "/legacy", "-"},
		{"missing trailing slash redirects", "GET", "", "/polls/7", ""},
		{"converter rejects", "GET", "", "/polls/abc/", ""},
		{"wrong method", "POST", "", "/polls/7/", ""},
		{"no route", "GET", "", "/nope/", ""},
		{"unclean path redirects", "GET", "", "/polls/../polls/7/", ""},
		{"escaped slash", "GET", "", "/users/a%2Fb/", "user"},
		{"escaped digits", "GET", "", "/polls/%37/", "polls:detail"},
		{"host route", "GET", "api.example.com", "/status", "api-status"},
		{"host route with port", "GET", "api.example.com:443", "/status", "api-status"},
		{"host route without host", "GET", "", "/status", ""},
		{"relative path", "GET", "", "polls/7/", ""},
		{"empty path", "GET", "", "", ""},
		{"bad escape", "GET", "", "/polls/%zz/", ""},
		{"query not allowed", "GET", "", "/polls/7/?x=1", ""},
		{"view not called", "GET", "", "/count/", "count"},
	}
	for _, built := range []bool{false, true} {
		if built {
			r.Handler()
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rt, ok := r.Resolve(tt.method, tt.host, tt.path)
				got := ""
				if ok {
					got = rt.Name
					if got == "" {
						got = "-"
					}
				}
				if got != tt.want {
					t.Errorf("Resolve(%q, %q, %q) = %+v, %v; want route %q (built %v)", tt.method, tt.host, tt.path, rt, ok, tt.want, built)
				}
				if ok != r.Resolves(tt.method, tt.host, tt.path) {
					t.Errorf("Resolves(%q, %q, %q) = %v; want %v", tt.method, tt.host, tt.path, !ok, ok)
				}
			})
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("Resolve called the view %d times; want 0", n)
	}
}
