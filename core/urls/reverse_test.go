package urls_test

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core/urls"
)

// uuidValue stands for a UUID type such as github.com/google/uuid.UUID: a
// fmt.Stringer that prints the canonical form.
type uuidValue [16]byte

func (u uuidValue) String() string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b.WriteByte('-')
		}
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func TestReverse(t *testing.T) {
	r := siteRouter(t)
	u := uuidValue{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}
	tests := []struct {
		name  string
		route string
		args  []any
		want  string
	}{
		{"no wildcards", "home", nil, "/"},
		{"trailing slash", "about", nil, "/about/"},
		{"int", "articles-year", []any{2024}, "/articles/2024/"},
		{"int64", "articles-year", []any{int64(2024)}, "/articles/2024/"},
		{"int8", "articles-year", []any{int8(7)}, "/articles/7/"},
		{"uint16", "articles-year", []any{uint16(7)}, "/articles/7/"},
		{"max int64", "articles-year", []any{int64(math.MaxInt64)}, "/articles/9223372036854775807/"},
		{"max int64 as uint64", "articles-year", []any{uint64(math.MaxInt64)}, "/articles/9223372036854775807/"},
		{"int as string", "articles-year", []any{"2024"}, "/articles/2024/"},
		{"two wildcards", "article", []any{2024, "hello-world"}, "/articles/2024/hello-world/"},
		{"named", "article", []any{urls.Args{"slug": "hello", "year": 2024}}, "/articles/2024/hello/"},
		{"uuid string", "uuid", []any{"123e4567-e89b-12d3-a456-426614174000"}, "/u/123e4567-e89b-12d3-a456-426614174000"},
		{"uuid stringer", "uuid", []any{u}, "/u/123e4567-e89b-12d3-a456-426614174000"},
		{"path keeps slashes", "static", []any{"css/site.css"}, "/static/css/site.css"},
		{"path escapes each segment", "static", []any{"a b/c?d/e#f"}, "/static/a%20b/c%3Fd/e%23f"},
		{"path trailing slash", "static", []any{"dir/"}, "/static/dir/"},
		{"rest empty", "files", []any{""}, "/files/"},
		{"method dropped", "vote", []any{3}, "/vote/3"},
		{"host dropped", "api-status", nil, "/status"},
		{"str escapes slash", "user", []any{"a/b"}, "/users/a%2Fb/"},
		{"str escapes query and fragment", "tag", []any{"a?b#c"}, "/tags/a%3Fb%23c"},
		{"str escapes percent", "tag", []any{"50%"}, "/tags/50%25"},
		{"str escapes space", "tag", []any{"a b"}, "/tags/a%20b"},
		{"str escapes unicode", "tag", []any{"café"}, "/tags/caf%C3%A9"},
		{"str keeps sub-delims", "tag", []any{"c++&a=b:c@d$"}, "/tags/c++&a=b:c@d$"},
		{"str with dots inside", "tag", []any{"..x"}, "/tags/..x"},
		{"str negative int", "tag", []any{-5}, "/tags/-5"},
		{"str stringer", "tag", []any{u}, "/tags/123e4567-e89b-12d3-a456-426614174000"},
		{"custom converter", "y", []any{2024}, "/y/2024"},
		{"namespaced", "polls:index", nil, "/polls/"},
		{"namespaced with arg", "polls:detail", []any{7}, "/polls/7/"},
		{"namespaced named arg", "polls:detail", []any{urls.Args{"id": 7}}, "/polls/7/"},
		{"nested namespace", "polls:admin:change", []any{"question", 3}, "/polls/admin/question/3/change/"},
		{"prefix wildcard first", "users:post", []any{5, "hello"}, "/users/5/posts/hello"},
		{"prefix wildcard named", "users:post", []any{urls.Args{"uid": 5, "slug": "hello"}}, "/users/5/posts/hello"},
		{"query sorted", "polls:detail", []any{7, url.Values{"b": {"2"}, "a": {"1 2", "&"}}}, "/polls/7/?a=1+2&a=%26&b=2"},
		{"query without wildcards", "polls:index", []any{url.Values{"page": {"2"}}}, "/polls/?page=2"},
		{"empty query", "polls:index", []any{url.Values{}}, "/polls/"},
		{"named and query", "polls:detail", []any{urls.Args{"id": 7}, url.Values{"x": {"y"}}}, "/polls/7/?x=y"},
		{"empty Args", "home", []any{urls.Args{}}, "/"},
		{"nil Args", "home", []any{urls.Args(nil)}, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Reverse(tt.route, tt.args...)
			if err != nil || got != tt.want {
				t.Errorf("Reverse(%q, %v) = %q, %v; want %q", tt.route, tt.args, got, err, tt.want)
			}
		})
	}
}

func TestReverseErrors(t *testing.T) {
	r := siteRouter(t)
	tests := []struct {
		name    string
		route   string
		args    []any
		want    string // the whole message
		noRoute bool
	}{
		{"unknown name", "polls:nope", nil, `urls: reverse "polls:nope": no route with that name`, true},
		{"typo suggests", "polls:detial", []any{1}, `urls: reverse "polls:detial": no route with that name (did you mean "polls:detail"?)`, true},
		{"missing namespace suggests", "detail", []any{1}, `urls: reverse "detail": no route with that name (did you mean "polls:detail"?)`, true},
		{"empty name", "", nil, `urls: reverse "": no route with that name`, true},
		{"too few", "polls:detail", nil, `urls: reverse "polls:detail": want 1 argument, got 0`, false},
		{"too many", "polls:detail", []any{1, 2}, `urls: reverse "polls:detail": want 1 argument, got 2`, false},
		{"too many for two", "article", []any{1, "a", "b"}, `urls: reverse "article": want 2 arguments, got 3`, false},
		{"args for none", "home", []any{1}, `urls: reverse "home": want 0 arguments, got 1`, false},
		{"not an int", "polls:detail", []any{"abc"}, `urls: reverse "polls:detail": argument 1 ("abc") does not match {id:int}`, false},
		{"negative int", "polls:detail", []any{-1}, `urls: reverse "polls:detail": argument 1 (-1) does not match {id:int}`, false},
		{"int overflow", "polls:detail", []any{uint64(math.MaxUint64)}, `urls: reverse "polls:detail": argument 1 (18446744073709551615) does not match {id:int}: it does not fit in an int64`, false},
		{"int string overflow", "polls:detail", []any{"9223372036854775808"}, `urls: reverse "polls:detail": argument 1 ("9223372036854775808") does not match {id:int}`, false},
		{"float", "polls:detail", []any{1.5}, `urls: reverse "polls:detail": argument 1 has unsupported type float64 (want a string, an integer or a fmt.Stringer)`, false},
		{"nil", "polls:detail", []any{nil}, `urls: reverse "polls:detail": argument 1 is nil`, false},
		{"second argument", "article", []any{2024, "a b"}, `urls: reverse "article": argument 2 ("a b") does not match {slug:slug}`, false},
		{"uuid uppercase", "uuid", []any{"123E4567-E89B-12D3-A456-426614174000"}, `urls: reverse "uuid": argument 1 ("123E4567-E89B-12D3-A456-426614174000") does not match {id:uuid}`, false},
		{"uuid from int", "uuid", []any{5}, `urls: reverse "uuid": argument 1 (5) does not match {id:uuid}`, false},
		{"custom converter", "y", []any{24}, `urls: reverse "y": argument 1 (24) does not match {y:year}`, false},
		{"custom converter string", "y", []any{"24"}, `urls: reverse "y": argument 1 ("24") does not match {y:year}`, false},
		{"empty str", "tag", []any{""}, `urls: reverse "tag": argument 1 is empty`, false},
		{"dot", "tag", []any{"."}, `urls: reverse "tag": argument 1 (".") is a dot segment, which clients remove from URLs`, false},
		{"dot dot", "tag", []any{".."}, `urls: reverse "tag": argument 1 ("..") is a dot segment, which clients remove from URLs`, false},
		{"lone slash", "tag", []any{"/"}, `urls: reverse "tag": argument 1 ("/") is a lone slash, which ServeMux cannot match as a segment`, false},
		{"empty path", "static", []any{""}, `urls: reverse "static": argument 1 is empty`, false},
		{"path double slash", "static", []any{"a//b"}, `urls: reverse "static": argument 1 ("a//b") has an empty segment, which clients remove from URLs`, false},
		{"path leading slash", "static", []any{"/a"}, `urls: reverse "static": argument 1 ("/a") has an empty segment, which clients remove from URLs`, false},
		{"path dot dot", "static", []any{"a/../b"}, `urls: reverse "static": argument 1 ("a/../b") has a dot segment, which clients remove from URLs`, false},
		{"rest dot", "files", []any{"./a"}, `urls: reverse "files": argument 1 ("./a") has a dot segment, which clients remove from URLs`, false},
		{"named missing", "article", []any{urls.Args{"year": 1}}, `urls: reverse "article": missing argument "slug"`, false},
		{"named extra", "polls:detail", []any{urls.Args{"id": 1, "pk": 2}}, `urls: reverse "polls:detail": unexpected argument "pk"`, false},
		{"named extras", "home", []any{urls.Args{"b": 1, "a": 2}}, `urls: reverse "home": unexpected arguments "a", "b"`, false},
		{"named bad value", "polls:detail", []any{urls.Args{"id": "x"}}, `urls: reverse "polls:detail": argument "id" ("x") does not match {id:int}`, false},
		{"Args among positional", "article", []any{urls.Args{"year": 1}, "x"}, `urls: reverse "article": argument 1 has unsupported type urls.Args (want a string, an integer or a fmt.Stringer)`, false},
		{"query only counts last", "polls:detail", []any{url.Values{}, 7}, `urls: reverse "polls:detail": want 1 argument, got 2`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Reverse(tt.route, tt.args...)
			if err == nil {
				t.Fatalf("Reverse(%q, %v) = %q, nil; want error %q", tt.route, tt.args, got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Reverse(%q, %v) error = %q; want %q", tt.route, tt.args, err, tt.want)
			}
			if got != "" {
				t.Errorf("Reverse(%q, %v) = %q with an error; want \"\"", tt.route, tt.args, got)
			}
			var re *urls.ReverseError
			if !errors.As(err, &re) || re.Name != tt.route {
				t.Errorf("Reverse(%q, %v) error %#v; want a *ReverseError with Name %q", tt.route, tt.args, err, tt.route)
			}
			if is := errors.Is(err, urls.ErrNoRoute); is != tt.noRoute {
				t.Errorf("errors.Is(Reverse(%q) error, ErrNoRoute) = %v; want %v", tt.route, is, tt.noRoute)
			}
		})
	}
}

func TestMustReverse(t *testing.T) {
	r := siteRouter(t)
	if got := r.MustReverse("polls:detail", 3); got != "/polls/3/" {
		t.Errorf("MustReverse(%q, 3) = %q; want %q", "polls:detail", got, "/polls/3/")
	}
	msg := panicMessage(func() { r.MustReverse("polls:nope") })
	if want := `urls: reverse "polls:nope": no route with that name`; msg != want {
		t.Errorf("MustReverse(%q) panicked with %q; want %q", "polls:nope", msg, want)
	}
}

// TestReverseRoundTrip reverses tricky arguments and sends the result
// through a real HTTP request on loopback: the view must get back exactly
// the argument.
func TestReverseRoundTrip(t *testing.T) {
	r := urls.New()
	echo := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.PathValue(name)) })
	}
	r.Handle("GET /s/{s}/end", echo("s"), "str")
	r.Handle("GET /p/{p:path}", echo("p"), "path")
	r.Handle("GET /r/{r...}", echo("r"), "rest")
	r.Handle("GET /q/{s}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.PathValue("s")+"|"+r.URL.Query().Get("q"))
	}), "query")
	srv := httptest.NewServer(r.Handler())
	t.Cleanup(srv.Close)
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	tests := []struct {
		name  string
		route string
		arg   string
		query url.Values
		want  string // body; defaults to arg
	}{
		{name: "space", route: "str", arg: "a b"},
		{name: "slash", route: "str", arg: "a/b"},
		{name: "leading slash", route: "str", arg: "/a"},
		{name: "two slashes", route: "str", arg: "//"},
		{name: "question mark", route: "str", arg: "a?b"},
		{name: "hash", route: "str", arg: "a#b"},
		{name: "percent", route: "str", arg: "100%"},
		{name: "encoded-looking", route: "str", arg: "a%2Fb"},
		{name: "plus", route: "str", arg: "a+b"},
		{name: "semicolon", route: "str", arg: "a;b"},
		{name: "unicode", route: "str", arg: "日本語"},
		{name: "emoji", route: "str", arg: "🦫"},
		{name: "dot dot inside", route: "str", arg: "a..b"},
		{name: "dot dot slash", route: "str", arg: "../etc"},
		{name: "three dots", route: "str", arg: "..."},
		{name: "backslash", route: "str", arg: `a\b`},
		{name: "quotes and brackets", route: "str", arg: `"<a>"[]{}|^` + "`"},
		{name: "control byte", route: "str", arg: "a\x01b"},
		{name: "invalid utf-8", route: "str", arg: "a\xffb"},
		{name: "path segments", route: "path", arg: "a b/c?d/e#f"},
		{name: "path unicode", route: "path", arg: "données/été.txt"},
		{name: "path trailing slash", route: "path", arg: "dir/"},
		{name: "path dots inside", route: "path", arg: "a/.../b..c"},
		{name: "rest empty", route: "rest", arg: ""},
		{name: "rest segments", route: "rest", arg: "x/y z"},
		{name: "query", route: "query", arg: "a/b", query: url.Values{"q": {"1&2 #?"}}, want: "a/b|1&2 #?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []any{tt.arg}
			if tt.query != nil {
				args = append(args, tt.query)
			}
			path, err := r.Reverse(tt.route, args...)
			if err != nil {
				t.Fatalf("Reverse(%q, %q) error: %v", tt.route, tt.arg, err)
			}
			resp, err := client.Get(srv.URL + path)
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := tt.want
			if want == "" {
				want = tt.arg
			}
			if resp.StatusCode != 200 || string(body) != want {
				t.Errorf("GET %s (Reverse(%q, %q)) = %d %q; want 200 %q", path, tt.route, tt.arg, resp.StatusCode, body, want)
			}
			if !r.Resolves("GET", "", strings.SplitN(path, "?", 2)[0]) {
				t.Errorf("Resolves(GET, %q) = false; want true", path)
			}
		})
	}
}

// TestReverseConcurrent reverses, resolves and serves from many goroutines
// at once; run with -race.
func TestReverseConcurrent(t *testing.T) {
	r := siteRouter(t)
	h := r.Handler()
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 200; i++ {
				p, err := r.Reverse("polls:detail", i)
				if err != nil {
					done <- err
					return
				}
				if !r.Resolves("GET", "", p) {
					done <- fmt.Errorf("Resolves(GET, %q) = false", p)
					return
				}
				if w := serve(h, "GET", "", p); w.Code != 200 {
					done <- fmt.Errorf("GET %s = %d", p, w.Code)
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
