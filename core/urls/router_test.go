package urls_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/djinn-go/djinn/core/urls"
	"github.com/google/go-cmp/cmp"
)

// view returns a handler that writes tag followed by the values of the
// given wildcards, so a test sees which route served and what it got.
func view(tag string, params ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(tag)
		for _, p := range params {
			fmt.Fprintf(&b, " %s=%s", p, r.PathValue(p))
		}
		fmt.Fprint(w, b.String())
	})
}

// year is a custom converter: four digits.
type year struct{}

func (year) Match(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// siteRouter is the route table most tests use.
func siteRouter(t testing.TB) *urls.Router {
	t.Helper()
	r := urls.New()
	r.Converter("year", year{})
	r.Handle("GET /{$}", view("home"), "home")
	r.Handle("GET /about/", view("about"), "about")
	r.Handle("GET /articles/{year:int}/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "year %d", urls.Int(r, "year"))
	}), "articles-year")
	r.Handle("GET /articles/{year:int}/{slug:slug}/", view("article", "year", "slug"), "article")
	r.Handle("GET /u/{id:uuid}", view("uuid", "id"), "uuid")
	r.Handle("/static/{file:path}", view("static", "file"), "static")
	r.Handle("GET /files/{rest...}", view("files", "rest"), "files")
	r.Handle("POST /vote/{id:int}", view("vote", "id"), "vote")
	r.Handle("GET /users/{name}/", view("user", "name"), "user")
	r.Handle("GET /tags/{t:str}", view("tag", "t"), "tag")
	r.Handle("GET /y/{y:year}", view("y", "y"), "y")
	r.Handle("api.example.com/status", view("api"), "api-status")
	r.Handle("GET /legacy", view("legacy"), "")

	polls := urls.New()
	polls.Handle("GET /{$}", view("polls-index"), "index")
	polls.Handle("GET /{id:int}/{$}", view("polls-detail", "id"), "detail")
	polls.Handle("POST /{id:int}/vote/{$}", view("polls-vote", "id"), "vote")
	polls.Handle("GET /tag/{t}", view("polls-tag", "t"), "tag")
	admin := urls.New()
	admin.Handle("GET /{$}", view("admin-index"), "index")
	admin.Handle("GET /{model:slug}/{pk:int}/change/", view("admin-change", "model", "pk"), "change")
	polls.Include("/admin", "admin", admin)
	r.Include("/polls/", "polls", polls)

	users := urls.New()
	users.Handle("GET /posts/{slug:slug}", view("user-post", "uid", "slug"), "post")
	r.Include("/users/{uid:int}", "users", users)
	return r
}

func serve(h http.Handler, method, host, target string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	if host != "" {
		req.Host = host
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestServe(t *testing.T) {
	h := siteRouter(t).Handler()
	const uuid = "123e4567-e89b-12d3-a456-426614174000"
	tests := []struct {
		name     string
		method   string
		host     string
		target   string
		status   int
		body     string // checked when status is 200
		allow    string // checked when status is 405
		location string // checked for redirects
	}{
		{name: "root", method: "GET", target: "/", status: 200, body: "home"},
		{name: "HEAD served by GET route", method: "HEAD", target: "/", status: 200, body: "home"},
		{name: "trailing slash subtree", method: "GET", target: "/about/team", status: 200, body: "about"},
		{name: "int", method: "GET", target: "/articles/2024/", status: 200, body: "year 2024"},
		{name: "int leading zeros", method: "GET", target: "/articles/007/", status: 200, body: "year 7"},
		{name: "int max int64", method: "GET", target: "/articles/9223372036854775807/", status: 200, body: "year 9223372036854775807"},
		{name: "int overflow is 404", method: "GET", target: "/articles/9223372036854775808/", status: 404},
		{name: "int 40 digits is 404", method: "GET", target: "/articles/1234567890123456789012345678901234567890/", status: 404},
		{name: "int negative is 404", method: "GET", target: "/articles/-1/", status: 404},
		{name: "int plus sign is 404", method: "GET", target: "/articles/+1/", status: 404},
		{name: "int letters is 404", method: "GET", target: "/articles/abc/", status: 404},
		{name: "int percent-encoded digits", method: "GET", target: "/articles/%32%30%32%34/", status: 200, body: "year 2024"},
		{name: "slug", method: "GET", target: "/articles/2024/hello-world_2/", status: 200, body: "article year=2024 slug=hello-world_2"},
		{name: "slug with dot is 404", method: "GET", target: "/articles/2024/hello.world/", status: 404},
		{name: "slug with encoded space is 404", method: "GET", target: "/articles/2024/a%20b/", status: 404},
		{name: "uuid", method: "GET", target: "/u/" + uuid, status: 200, body: "uuid id=" + uuid},
		{name: "uuid uppercase is 404", method: "GET", target: "/u/" + strings.ToUpper(uuid), status: 404},
		{name: "uuid short is 404", method: "GET", target: "/u/123e4567", status: 404},
		{name: "uuid without hyphens is 404", method: "GET", target: "/u/123e4567e89b12d3a456426614174000abcd", status: 404},
		{name: "path", method: "GET", target: "/static/css/site.css", status: 200, body: "static file=css/site.css"},
		{name: "path any method", method: "DELETE", target: "/static/a", status: 200, body: "static file=a"},
		{name: "path empty is 404", method: "GET", target: "/static/", status: 404},
		{name: "rest may be empty", method: "GET", target: "/files/", status: 200, body: "files rest="},
		{name: "rest", method: "GET", target: "/files/a/b", status: 200, body: "files rest=a/b"},
		{name: "POST route", method: "POST", target: "/vote/3", status: 200, body: "vote id=3"},
		{name: "GET on POST route is 405", method: "GET", target: "/vote/3", status: 405, allow: "POST"},
		{name: "POST on GET route is 405", method: "POST", target: "/articles/2024/", status: 405, allow: "GET, HEAD"},
		{name: "method mismatch and converter mismatch is 405", method: "GET", target: "/vote/x", status: 405, allow: "POST"},
		{name: "str", method: "GET", target: "/users/ann/", status: 200, body: "user name=ann"},
		{name: "str with encoded slash", method: "GET", target: "/users/a%2Fb/", status: 200, body: "user name=a/b"},
		{name: "explicit str", method: "GET", target: "/tags/go", status: 200, body: "tag t=go"},
		{name: "custom converter", method: "GET", target: "/y/2024", status: 200, body: "y y=2024"},
		{name: "custom converter rejects", method: "GET", target: "/y/24", status: 404},
		{name: "host pattern", method: "GET", host: "api.example.com", target: "/status", status: 200, body: "api"},
		{name: "host pattern with port", method: "GET", host: "api.example.com:8080", target: "/status", status: 200, body: "api"},
		{name: "host pattern other host", method: "GET", host: "www.example.com", target: "/status", status: 404},
		{name: "unnamed route", method: "GET", target: "/legacy", status: 200, body: "legacy"},
		{name: "no route", method: "GET", target: "/nope", status: 404},
		{name: "no route for POST", method: "POST", target: "/nope", status: 404},
		{name: "ServeMux trailing-slash redirect kept", method: "GET", target: "/articles/2024", status: 307, location: "/articles/2024/"},
		{name: "ServeMux clean-path redirect kept", method: "GET", target: "/about/../articles/2024/", status: 307, location: "/articles/2024/"},
		{name: "included index", method: "GET", target: "/polls/", status: 200, body: "polls-index"},
		{name: "included detail", method: "GET", target: "/polls/7/", status: 200, body: "polls-detail id=7"},
		{name: "included converter rejects", method: "GET", target: "/polls/seven/", status: 404},
		{name: "included POST", method: "POST", target: "/polls/7/vote/", status: 200, body: "polls-vote id=7"},
		{name: "included GET on POST is 405", method: "GET", target: "/polls/7/vote/", status: 405, allow: "POST"},
		{name: "included GET on POST without slash is 405", method: "GET", target: "/polls/7/vote", status: 405, allow: "POST"},
		{name: "nested include", method: "GET", target: "/polls/admin/question/3/change/", status: 200, body: "admin-change model=question pk=3"},
		{name: "nested include index", method: "GET", target: "/polls/admin/", status: 200, body: "admin-index"},
		{name: "prefix wildcard", method: "GET", target: "/users/5/posts/hi", status: 200, body: "user-post uid=5 slug=hi"},
		{name: "prefix wildcard converter", method: "GET", target: "/users/five/posts/hi", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(h, tt.method, tt.host, tt.target)
			if w.Code != tt.status {
				t.Fatalf("%s %s: status %d; want %d (body %q)", tt.method, tt.target, w.Code, tt.status, w.Body.String())
			}
			switch {
			case tt.status == 200:
				if got := w.Body.String(); got != tt.body {
					t.Errorf("%s %s: body %q; want %q", tt.method, tt.target, got, tt.body)
				}
			case tt.status == 405:
				if got := w.Header().Get("Allow"); got != tt.allow {
					t.Errorf("%s %s: Allow %q; want %q", tt.method, tt.target, got, tt.allow)
				}
			case tt.location != "":
				if got := w.Header().Get("Location"); got != tt.location {
					t.Errorf("%s %s: Location %q; want %q", tt.method, tt.target, got, tt.location)
				}
			}
		})
	}
}

// TestMethodNotAllowedMatchesServeMux checks the router's 405 answers
// against what a bare ServeMux with the same patterns says.
func TestMethodNotAllowedMatchesServeMux(t *testing.T) {
	patterns := []string{"GET /a/{x}", "POST /a/{x}", "PUT /b/", "DELETE /c/{$}", "GET /d", "PATCH /d"}
	r := urls.New()
	mux := http.NewServeMux()
	for _, p := range patterns {
		r.Handle(p, view(p), "")
		mux.Handle(p, view(p))
	}
	h := r.Handler()
	tests := []struct{ name, method, target string }{
		{"two methods", "DELETE", "/a/1"},
		{"subtree", "GET", "/b/x/y"},
		{"dollar", "GET", "/c/"},
		{"trailing slash variant", "GET", "/c"},
		{"GET and PATCH", "POST", "/d"},
		{"HEAD allowed via GET", "OPTIONS", "/d"},
		{"nothing", "GET", "/zzz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := serve(mux, tt.method, "", tt.target)
			got := serve(h, tt.method, "", tt.target)
			if got.Code != want.Code || got.Header().Get("Allow") != want.Header().Get("Allow") {
				t.Errorf("%s %s: %d Allow %q; ServeMux says %d Allow %q", tt.method, tt.target,
					got.Code, got.Header().Get("Allow"), want.Code, want.Header().Get("Allow"))
			}
		})
	}
}

func TestIncludePrefix(t *testing.T) {
	tests := []struct {
		name      string
		prefix    string
		wantIndex string
	}{
		{"trailing slash", "/polls/", "/polls/"},
		{"no trailing slash", "/polls", "/polls/"},
		{"two segments", "/apps/polls/", "/apps/polls/"},
		{"root empty", "", "/"},
		{"root slash", "/", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := urls.New()
			sub.Handle("GET /{$}", view("index"), "index")
			sub.Handle("GET /{id:int}/", view("detail", "id"), "detail")
			sub.Handle("GET /results", view("results"), "results")
			r := urls.New()
			r.Include(tt.prefix, "polls", sub)
			h := r.Handler()
			checks := []struct {
				name string
				args []any
				want string
				body string
			}{
				{"polls:index", nil, tt.wantIndex, "index"},
				{"polls:detail", []any{4}, tt.wantIndex + "4/", "detail id=4"},
				{"polls:results", nil, tt.wantIndex + "results", "results"},
			}
			for _, c := range checks {
				got, err := r.Reverse(c.name, c.args...)
				if err != nil || got != c.want {
					t.Errorf("Reverse(%q, %v) = %q, %v; want %q", c.name, c.args, got, err, c.want)
					continue
				}
				if w := serve(h, "GET", "", got); w.Code != 200 || w.Body.String() != c.body {
					t.Errorf("GET %s = %d %q; want 200 %q", got, w.Code, w.Body.String(), c.body)
				}
			}
		})
	}
}

// TestIncludeThenHandle checks that routes added to a router after it was
// included, at any depth, land in the root with prefixes and namespaces.
func TestIncludeThenHandle(t *testing.T) {
	root, mid, leaf := urls.New(), urls.New(), urls.New()
	root.Include("/shop", "shop", mid)
	mid.Include("/admin/", "admin", leaf)
	leaf.Handle("GET /{$}", view("leaf-index"), "index")
	mid.Handle("GET /cart", view("cart"), "cart")
	root.Handle("GET /{$}", view("home"), "home")

	want := []urls.Route{
		{Name: "shop:admin:index", Pattern: "GET /shop/admin/{$}", Namespace: "shop:admin"},
		{Name: "shop:cart", Pattern: "GET /shop/cart", Namespace: "shop"},
		{Name: "home", Pattern: "GET /{$}"},
	}
	for _, r := range []*urls.Router{root, mid, leaf} {
		if diff := cmp.Diff(want, r.Routes()); diff != "" {
			t.Errorf("Routes() mismatch (-want +got):\n%s", diff)
		}
	}
	// Reverse works from every router of the tree with full names.
	for _, r := range []*urls.Router{root, mid, leaf} {
		if got, err := r.Reverse("shop:admin:index"); err != nil || got != "/shop/admin/" {
			t.Errorf("Reverse(%q) = %q, %v; want %q", "shop:admin:index", got, err, "/shop/admin/")
		}
	}
	h := root.Handler()
	if w := serve(h, "GET", "", "/shop/admin/"); w.Body.String() != "leaf-index" {
		t.Errorf("GET /shop/admin/ = %d %q; want %q", w.Code, w.Body.String(), "leaf-index")
	}
}

// TestRoutes checks that Routes lists an included router's routes at the
// point of Include, nested includes included, with full patterns.
func TestRoutes(t *testing.T) {
	got := siteRouter(t).Routes()
	var names []string
	for _, rt := range got {
		names = append(names, rt.Name)
	}
	want := []string{"home", "about", "articles-year", "article", "uuid", "static", "files", "vote", "user", "tag", "y",
		"api-status", "", "polls:index", "polls:detail", "polls:vote", "polls:tag", "polls:admin:index", "polls:admin:change", "users:post"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Routes() names mismatch (-want +got):\n%s", diff)
	}
	byName := map[string]urls.Route{}
	for _, rt := range got {
		byName[rt.Name] = rt
	}
	wantRoutes := []urls.Route{
		{Name: "article", Pattern: "GET /articles/{year:int}/{slug:slug}/"},
		{Name: "static", Pattern: "/static/{file:path}"},
		{Name: "files", Pattern: "GET /files/{rest...}"},
		{Name: "api-status", Pattern: "api.example.com/status"},
		{Name: "polls:admin:change", Pattern: "GET /polls/admin/{model:slug}/{pk:int}/change/", Namespace: "polls:admin"},
		{Name: "users:post", Pattern: "GET /users/{uid:int}/posts/{slug:slug}", Namespace: "users"},
	}
	for _, w := range wantRoutes {
		if diff := cmp.Diff(w, byName[w.Name]); diff != "" {
			t.Errorf("route %q mismatch (-want +got):\n%s", w.Name, diff)
		}
	}
}

func TestHandlerIdempotent(t *testing.T) {
	r := urls.New()
	r.Handle("GET /x", view("x"), "x")
	h1, h2 := r.Handler(), r.Handler()
	if h1 != h2 {
		t.Errorf("Handler() returned %p then %p; want the same handler", h1, h2)
	}
	if w := serve(h2, "GET", "", "/x"); w.Body.String() != "x" {
		t.Errorf("GET /x = %q; want %q", w.Body.String(), "x")
	}
}

// TestUserCatchAll checks that a user's own catch-all pattern wins over the
// router's fallback instead of conflicting with it.
func TestUserCatchAll(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		target  string
		want    string
	}{
		{"slash", "/", "/anything", "catch-all"},
		{"rest wildcard", "/{rest...}", "/anything", "catch-all rest=anything"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := urls.New()
			r.Handle("GET /x", view("x"), "")
			params := []string{}
			if strings.Contains(tt.pattern, "rest") {
				params = append(params, "rest")
			}
			r.Handle(tt.pattern, view("catch-all", params...), "")
			w := serve(r.Handler(), "GET", "", tt.target)
			if w.Code != 200 || w.Body.String() != tt.want {
				t.Errorf("GET %s = %d %q; want 200 %q", tt.target, w.Code, w.Body.String(), tt.want)
			}
		})
	}
}

func panicMessage(f func()) (msg string) {
	defer func() {
		if v := recover(); v != nil {
			msg = fmt.Sprint(v)
		}
	}()
	f()
	return ""
}

func TestRegistrationPanics(t *testing.T) {
	h := view("h")
	tests := []struct {
		name string
		f    func()
		want []string // substrings of the panic message
	}{
		{
			name: "duplicate name",
			f: func() {
				r := urls.New()
				r.Handle("GET /a/{id:int}", h, "item")
				r.Handle("GET /b/{id:int}", h, "item")
			},
			want: []string{`urls: duplicate route name "item"`, `"GET /a/{id:int}"`, `"GET /b/{id:int}"`},
		},
		{
			name: "duplicate name through include",
			f: func() {
				a, b := urls.New(), urls.New()
				a.Handle("GET /{$}", h, "index")
				b.Handle("GET /other/", h, "index")
				r := urls.New()
				r.Include("/a/", "polls", a)
				r.Include("/b/", "polls", b)
			},
			want: []string{`duplicate route name "polls:index"`, `"GET /a/{$}"`, `"GET /b/other/"`},
		},
		{
			name: "conflict differing only by converter",
			f: func() {
				r := urls.New()
				r.Handle("GET /items/{id:int}", h, "by-id")
				r.Handle("GET /items/{slug:slug}", h, "by-slug")
			},
			want: []string{`urls: pattern "GET /items/{slug:slug}" (name "by-slug") conflicts with pattern "GET /items/{id:int}" (name "by-id")`},
		},
		{
			name: "conflict through include",
			f: func() {
				sub := urls.New()
				sub.Handle("GET /{id}/", h, "detail")
				r := urls.New()
				r.Handle("GET /polls/{pk}/", h, "poll")
				r.Include("/polls", "polls", sub)
			},
			want: []string{`pattern "GET /polls/{id}/" (name "polls:detail") conflicts with pattern "GET /polls/{pk}/" (name "poll")`},
		},
		{
			name: "unknown converter",
			f: func() {
				r := urls.New()
				r.Handle("GET /x/{id:integer}", h, "x")
				r.Handler()
			},
			want: []string{`urls: pattern "GET /x/{id:integer}" (name "x")`, `unknown converter "integer"`},
		},
		{
			name: "converter of another router",
			f: func() {
				a := urls.New()
				a.Converter("year", year{})
				r := urls.New()
				r.Handle("GET /x/{y:year}", h, "x")
				r.Handler()
			},
			want: []string{`unknown converter "year"`},
		},
		{
			name: "converter of a sibling app",
			f: func() {
				a, b := urls.New(), urls.New()
				a.Converter("year", year{})
				b.Handle("GET /{y:year}/{$}", h, "archive")
				r := urls.New()
				r.Include("/a/", "a", a)
				r.Include("/b/", "b", b)
				r.Handler()
			},
			want: []string{`urls: pattern "GET /b/{y:year}/{$}" (name "b:archive")`, `unknown converter "year"`},
		},
		{
			name: "empty converter name",
			f:    func() { urls.New().Handle("GET /x/{id:}", h, "x") },
			want: []string{`urls: pattern "GET /x/{id:}"`, `unknown converter ""`},
		},
		{
			name: "partial wildcard",
			f:    func() { urls.New().Handle("GET /x/a{id}", h, "") },
			want: []string{`urls: pattern "GET /x/a{id}"`, "whole segment"},
		},
		{
			name: "path converter not last",
			f:    func() { urls.New().Handle("GET /x/{p:path}/y", h, "") },
			want: []string{`urls: pattern "GET /x/{p:path}/y"`, "last segment"},
		},
		{
			name: "dollar not last",
			f:    func() { urls.New().Handle("GET /{$}/x", h, "") },
			want: []string{`{$} not at the end`},
		},
		{
			name: "duplicate wildcard",
			f:    func() { urls.New().Handle("GET /{id}/{id:int}", h, "") },
			want: []string{`duplicate wildcard name "id"`},
		},
		{
			name: "duplicate wildcard across prefix",
			f: func() {
				sub := urls.New()
				sub.Handle("GET /{id}", h, "")
				urls.New().Include("/{id:int}", "", sub)
			},
			want: []string{`urls: pattern "GET /{id:int}/{id}"`, "duplicate wildcard name"},
		},
		{
			name: "bad wildcard name",
			f:    func() { urls.New().Handle("GET /{1x}", h, "") },
			want: []string{`bad wildcard name "1x"`},
		},
		{
			name: "empty segment",
			f:    func() { urls.New().Handle("/a//b", h, "") },
			want: []string{`urls: pattern "/a//b"`, "empty segment"},
		},
		{
			name: "no slash",
			f:    func() { urls.New().Handle("GET x", h, "") },
			want: []string{`urls: pattern "GET x"`},
		},
		{
			name: "bad method",
			f:    func() { urls.New().Handle("G@T /x", h, "") },
			want: []string{`urls: pattern "G@T /x"`, "invalid method"},
		},
		{
			name: "name with colon",
			f:    func() { urls.New().Handle("GET /x", h, "a:b") },
			want: []string{`name "a:b" contains ':'`},
		},
		{
			name: "nil handler",
			f:    func() { urls.New().Handle("GET /x", nil, "") },
			want: []string{`urls: Handle("GET /x"): nil handler`},
		},
		{
			name: "nil func",
			f:    func() { urls.New().HandleFunc("GET /x", nil, "") },
			want: []string{`nil handler`},
		},
		{
			name: "Handle after Handler",
			f: func() {
				r := urls.New()
				r.Handler()
				r.Handle("GET /late", h, "late")
			},
			want: []string{`urls: Handle("GET /late") called after Handler`},
		},
		{
			name: "Handle on included router after Handler",
			f: func() {
				r, sub := urls.New(), urls.New()
				r.Include("/s", "s", sub)
				r.Handler()
				sub.Handle("GET /late", h, "late")
			},
			want: []string{`called after Handler`},
		},
		{
			name: "Include after Handler",
			f: func() {
				r := urls.New()
				r.Handler()
				r.Include("/s", "s", urls.New())
			},
			want: []string{`urls: Include("/s") called after Handler`},
		},
		{
			name: "Converter after Handler",
			f: func() {
				r := urls.New()
				r.Handler()
				r.Converter("year", year{})
			},
			want: []string{`urls: Converter("year") called after Handler`},
		},
		{
			name: "Handler on included router",
			f: func() {
				r, sub := urls.New(), urls.New()
				r.Include("/s/", "s", sub)
				sub.Handler()
			},
			want: []string{`included under "/s/"`, "call it on the root"},
		},
		{
			name: "zero Router",
			f:    func() { new(urls.Router).Handler() },
			want: []string{"zero Router"},
		},
		{
			name: "include twice",
			f: func() {
				r, sub := urls.New(), urls.New()
				r.Include("/a", "a", sub)
				r.Include("/b", "b", sub)
			},
			want: []string{`urls: Include("/b", "b"): router already included under "/a"`},
		},
		{
			name: "include itself",
			f: func() {
				r := urls.New()
				r.Include("/a", "a", r)
			},
			want: []string{"cannot include itself"},
		},
		{
			name: "include cycle",
			f: func() {
				r, sub := urls.New(), urls.New()
				r.Include("/a", "a", sub)
				sub.Include("/b", "b", r)
			},
			want: []string{"cannot include itself or its ancestor"},
		},
		{
			name: "include nil",
			f:    func() { urls.New().Include("/a", "a", nil) },
			want: []string{"nil router"},
		},
		{
			name: "include built router",
			f: func() {
				sub := urls.New()
				sub.Handler()
				urls.New().Include("/a", "a", sub)
			},
			want: []string{"already built"},
		},
		{
			name: "namespace with colon",
			f:    func() { urls.New().Include("/a", "a:b", urls.New()) },
			want: []string{`namespace contains ':'`},
		},
		{
			name: "prefix without slash",
			f:    func() { urls.New().Include("polls", "polls", urls.New()) },
			want: []string{`urls: Include prefix "polls"`, "must start with /"},
		},
		{
			name: "prefix with dollar",
			f:    func() { urls.New().Include("/a/{$}", "a", urls.New()) },
			want: []string{`{$} in an Include prefix`},
		},
		{
			name: "prefix with rest wildcard",
			f:    func() { urls.New().Include("/a/{p...}", "a", urls.New()) },
			want: []string{`in an Include prefix`},
		},
		{
			name: "converter twice",
			f: func() {
				r := urls.New()
				r.Converter("year", year{})
				r.Converter("year", year{})
			},
			want: []string{`urls: converter "year" registered twice`},
		},
		{
			name: "replace built-in converter",
			f:    func() { urls.New().Converter("int", year{}) },
			want: []string{`converter "int" is built in`},
		},
		{
			name: "bad converter name",
			f:    func() { urls.New().Converter("my-conv", year{}) },
			want: []string{`converter name "my-conv" is not an identifier`},
		},
		{
			name: "nil converter",
			f:    func() { urls.New().Converter("c", nil) },
			want: []string{`converter "c" is nil`},
		},
		{
			name: "nil converter func",
			f:    func() { urls.New().Converter("c", urls.ConverterFunc(nil)) },
			want: []string{`converter "c" is nil`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := panicMessage(tt.f)
			if msg == "" {
				t.Fatalf("no panic; want one containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("panic %q; want it to contain %q", msg, w)
				}
			}
		})
	}
}

// TestConverterScope checks converter lookup: a router's own converters,
// then those of the routers it is included in, both before and after
// Include.
func TestConverterScope(t *testing.T) {
	even := urls.ConverterFunc(func(s string) bool { n, ok := parseDigits(s); return ok && n%2 == 0 })
	r := urls.New()
	r.Converter("even", even)
	app := urls.New()
	app.Converter("year", year{})
	app.Handle("GET /y/{y:year}", view("y", "y"), "y") // own converter, before Include
	r.Include("/app", "app", app)
	app.Handle("GET /e/{n:even}", view("e", "n"), "e") // parent's converter, after Include
	h := r.Handler()
	tests := []struct {
		target string
		status int
	}{
		{"/app/y/2024", 200},
		{"/app/y/24", 404},
		{"/app/e/4", 200},
		{"/app/e/3", 404},
	}
	for _, tt := range tests {
		if w := serve(h, "GET", "", tt.target); w.Code != tt.status {
			t.Errorf("GET %s = %d; want %d", tt.target, w.Code, tt.status)
		}
	}
}

type archiveApp struct{}

func (archiveApp) URLs(r *urls.Router) {
	r.Handle("GET /{y:year}/{$}", view("archive", "y"), "archive")
	r.Handle("GET /{y:year}/{n:even}/{$}", view("issue", "y", "n"), "issue")
}

// TestConverterFromProject checks Django's register_converter: a converter
// registered on the project's router serves the patterns of apps filled
// before they are included (urls.Of), of apps included in apps, and of
// converters registered after the Include.
func TestConverterFromProject(t *testing.T) {
	even := urls.ConverterFunc(func(s string) bool { n, ok := parseDigits(s); return ok && n%2 == 0 })
	root := urls.New()
	root.Converter("year", year{})
	root.Include("/archive/", "archive", urls.Of(archiveApp{}))
	outer, inner := urls.New(), urls.New()
	inner.Handle("GET /y/{y:year}", view("deep", "y"), "deep")
	outer.Include("/inner/", "inner", inner)
	root.Include("/outer/", "outer", outer)
	root.Converter("even", even) // after the Include that needs it
	h := root.Handler()

	tests := []struct {
		target string
		status int
		body   string
	}{
		{"/archive/2024/", 200, "archive y=2024"},
		{"/archive/24/", 404, ""},
		{"/archive/2024/4/", 200, "issue y=2024 n=4"},
		{"/archive/2024/3/", 404, ""},
		{"/outer/inner/y/1999", 200, "deep y=1999"},
		{"/outer/inner/y/99", 404, ""},
	}
	for _, tt := range tests {
		w := serve(h, "GET", "", tt.target)
		if w.Code != tt.status || (tt.body != "" && w.Body.String() != tt.body) {
			t.Errorf("GET %s = %d %q; want %d %q", tt.target, w.Code, w.Body.String(), tt.status, tt.body)
		}
	}
	if got, err := root.Reverse("archive:archive", 2024); err != nil || got != "/archive/2024/" {
		t.Errorf("Reverse(%q, 2024) = %q, %v; want %q", "archive:archive", got, err, "/archive/2024/")
	}
	if got, err := root.Reverse("archive:archive", 24); err == nil {
		t.Errorf("Reverse(%q, 24) = %q; want an error from the year converter", "archive:archive", got)
	}
}

// TestConverterPendingBeforeHandler checks that a route whose converter is
// not registered yet serves and reverses nothing until it is.
func TestConverterPendingBeforeHandler(t *testing.T) {
	app := urls.New()
	app.Handle("GET /{slug:word}/{$}", view("w", "slug"), "w")
	if got, err := app.Reverse("w", "abc"); err == nil {
		t.Errorf("Reverse(%q, %q) = %q before the converter exists; want an error", "w", "abc", got)
	}
	if app.Resolves("GET", "", "/abc/") {
		t.Errorf("Resolves(%q) = true before the converter exists; want false", "/abc/")
	}
	root := urls.New()
	root.Include("/w/", "app", app)
	root.Converter("word", urls.ConverterFunc(func(s string) bool { return s != "" && !strings.ContainsAny(s, "0123456789") }))
	if got, err := root.Reverse("app:w", "abc"); err != nil || got != "/w/abc/" {
		t.Errorf("Reverse(%q, %q) = %q, %v; want %q", "app:w", "abc", got, err, "/w/abc/")
	}
	if _, err := root.Reverse("app:w", "a1"); err == nil {
		t.Errorf("Reverse(%q, %q) succeeded; want the converter to refuse it", "app:w", "a1")
	}
	if !root.Resolves("GET", "", "/w/abc/") || root.Resolves("GET", "", "/w/a1/") {
		t.Errorf("Resolves(/w/abc/, /w/a1/) = %t, %t; want true, false", root.Resolves("GET", "", "/w/abc/"), root.Resolves("GET", "", "/w/a1/"))
	}
}

func parseDigits(s string) (int, bool) {
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, s != ""
}

// TestViewNotCalledOnMismatch checks that a converter mismatch never
// reaches the view.
func TestViewNotCalledOnMismatch(t *testing.T) {
	var calls atomic.Int32
	r := urls.New()
	r.HandleFunc("GET /n/{id:int}", func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }, "n")
	h := r.Handler()
	serve(h, "GET", "", "/n/x")
	if n := calls.Load(); n != 0 {
		t.Errorf("view called %d times for /n/x; want 0", n)
	}
	serve(h, "GET", "", "/n/1")
	if n := calls.Load(); n != 1 {
		t.Errorf("view called %d times after /n/1; want 1", n)
	}
}

type pollsApp struct{}

func (pollsApp) URLs(r *urls.Router) {
	r.Handle("GET /{$}", view("index"), "index")
}

var _ urls.Provider = pollsApp{}

func TestOf(t *testing.T) {
	r := urls.New()
	r.Include("/polls/", "polls", urls.Of(pollsApp{}))
	if got, err := r.Reverse("polls:index"); err != nil || got != "/polls/" {
		t.Errorf("Reverse(%q) = %q, %v; want %q", "polls:index", got, err, "/polls/")
	}
}

// TestLiteralSegments checks literals that need escaping: they are shown as
// written, matched unescaped (as ServeMux does) and reversed escaped.
func TestLiteralSegments(t *testing.T) {
	r := urls.New()
	r.Handle("GET /café/a%2Fb/{x}", view("lit", "x"), "lit")
	want := urls.Route{Name: "lit", Pattern: "GET /café/a%2Fb/{x}"}
	if diff := cmp.Diff([]urls.Route{want}, r.Routes()); diff != "" {
		t.Errorf("Routes() mismatch (-want +got):\n%s", diff)
	}
	path, err := r.Reverse("lit", "é")
	if wantPath := "/caf%C3%A9/a%2Fb/%C3%A9"; err != nil || path != wantPath {
		t.Fatalf("Reverse(%q, %q) = %q, %v; want %q", "lit", "é", path, err, wantPath)
	}
	if w := serve(r.Handler(), "GET", "", path); w.Code != 200 || w.Body.String() != "lit x=é" {
		t.Errorf("GET %s = %d %q; want 200 %q", path, w.Code, w.Body.String(), "lit x=é")
	}
}

func TestEmptyRouter(t *testing.T) {
	h := urls.New().Handler()
	for _, target := range []string{"/", "/a/b"} {
		if w := serve(h, "GET", "", target); w.Code != 404 {
			t.Errorf("GET %s on an empty router = %d; want 404", target, w.Code)
		}
	}
}

// TestIncludeHostAndMethod checks that an included pattern keeps its method
// and host, the prefix going into the path.
func TestIncludeHostAndMethod(t *testing.T) {
	api := urls.New()
	api.Handle("POST api.example.com/items/{id:int}", view("item", "id"), "item")
	r := urls.New()
	r.Include("/v1/", "api", api)
	want := []urls.Route{{Name: "api:item", Pattern: "POST api.example.com/v1/items/{id:int}", Namespace: "api"}}
	if diff := cmp.Diff(want, r.Routes()); diff != "" {
		t.Errorf("Routes() mismatch (-want +got):\n%s", diff)
	}
	if got, err := r.Reverse("api:item", 3); err != nil || got != "/v1/items/3" {
		t.Errorf("Reverse(%q, 3) = %q, %v; want %q", "api:item", got, err, "/v1/items/3")
	}
	h := r.Handler()
	if w := serve(h, "POST", "api.example.com", "/v1/items/3"); w.Code != 200 || w.Body.String() != "item id=3" {
		t.Errorf("POST api.example.com/v1/items/3 = %d %q; want 200 %q", w.Code, w.Body.String(), "item id=3")
	}
	if w := serve(h, "POST", "other.example.com", "/v1/items/3"); w.Code != 404 {
		t.Errorf("POST other.example.com/v1/items/3 = %d; want 404", w.Code)
	}
}

// TestRouteSubtree checks that Route.Subtree reports exactly the patterns
// that serve paths below their own.
func TestRouteSubtree(t *testing.T) {
	app := urls.New()
	app.Handle("GET /{$}", view("index"), "index")
	app.Handle("/", view("catchall"), "")
	r := urls.New()
	r.Handle("GET /d/{id:int}/", view("d"), "d")
	r.Handle("GET /e/{id:int}/{$}", view("e"), "e")
	r.Handle("GET /f/{id:int}", view("f"), "f")
	r.Handle("GET /s/{file:path}", view("s"), "s")
	r.Handle("GET /r/{rest...}", view("r"), "r")
	r.Handle("api.example.com/", view("api"), "api")
	r.Include("/app/", "app", app)
	tests := []struct {
		pattern string
		probe   string // a path below the pattern's own
		want    bool
	}{
		{"GET /d/{id:int}/", "/d/7/garbage", true},
		{"GET /e/{id:int}/{$}", "/e/7/garbage", false},
		{"GET /f/{id:int}", "/f/7/garbage", false},
		{"GET /s/{file:path}", "", false},
		{"GET /r/{rest...}", "", false},
		{"api.example.com/", "", true},
		{"GET /app/{$}", "", false},
		{"/app/", "/app/anything/else", true},
	}
	routes := map[string]urls.Route{}
	for _, rt := range r.Routes() {
		routes[rt.Pattern] = rt
	}
	h := r.Handler()
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			rt, ok := routes[tt.pattern]
			if !ok {
				t.Fatalf("Routes() lacks %q", tt.pattern)
			}
			if got := rt.Subtree(); got != tt.want {
				t.Errorf("Route{Pattern: %q}.Subtree() = %t; want %t", tt.pattern, got, tt.want)
			}
			if tt.probe == "" {
				return
			}
			// Subtree must agree with what the router serves.
			if served := serve(h, "GET", "", tt.probe).Code == 200; served != tt.want {
				t.Errorf("GET %s served = %t; want %t (Subtree of %q)", tt.probe, served, tt.want, tt.pattern)
			}
		})
	}
}
