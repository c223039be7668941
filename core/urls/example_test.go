package urls_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
)

// A project's routes: its own, plus an app's under a prefix and namespace.
func Example() {
	polls := urls.New()
	polls.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "poll index")
	}, "index")
	polls.HandleFunc("GET /{id:int}/{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "poll", urls.Int(r, "id"))
	}, "detail")

	root := urls.New()
	root.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "home")
	}, "home")
	root.Include("/polls/", "polls", polls)
	h := root.Handler()

	path, _ := root.Reverse("polls:detail", 7)
	fmt.Println(path)

	for _, target := range []string{path, "/polls/seven/", "/polls/"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		if w.Code == http.StatusOK {
			fmt.Printf("GET %s: %s", target, w.Body.String())
		} else {
			fmt.Printf("GET %s: %d\n", target, w.Code)
		}
	}
	// Output:
	// /polls/7/
	// GET /polls/7/: poll 7
	// GET /polls/seven/: 404
	// GET /polls/: poll index
}

func ExampleNew() {
	r := urls.New()
	r.Handle("GET /{$}", http.NotFoundHandler(), "home")
	fmt.Println(r.MustReverse("home"))
	// Output: /
}

func ExampleRouter_Handle() {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.PathValue("year"), r.PathValue("slug"))
	})
	r := urls.New()
	r.Handle("GET /articles/{year:int}/{slug:slug}/{$}", ok, "article")
	h := r.Handler()
	for _, target := range []string{"/articles/2024/hello/", "/articles/24th/hello/", "/articles/2024/hi there/"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", (&url.URL{Path: target}).EscapedPath(), nil))
		fmt.Println(target, w.Code)
	}
	// Output:
	// /articles/2024/hello/ 200
	// /articles/24th/hello/ 404
	// /articles/2024/hi there/ 404
}

func ExampleRouter_HandleFunc() {
	r := urls.New()
	r.HandleFunc("POST /polls/{id:int}/vote/{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "voted for", urls.Int(r, "id"))
	}, "vote")
	w := httptest.NewRecorder()
	r.Handler().ServeHTTP(w, httptest.NewRequest("POST", "/polls/3/vote/", nil))
	fmt.Print(w.Body.String())
	// Output: voted for 3
}

func ExampleRouter_Include() {
	admin := urls.New()
	admin.Handle("GET /{model:slug}/{pk:int}/change/{$}", http.NotFoundHandler(), "change")

	shop := urls.New()
	shop.Handle("GET /{$}", http.NotFoundHandler(), "index")
	shop.Include("/admin/", "admin", admin)

	root := urls.New()
	root.Include("/shop", "shop", shop) // with or without a trailing slash

	fmt.Println(root.MustReverse("shop:index"))
	fmt.Println(root.MustReverse("shop:admin:change", "product", 42))
	// Output:
	// /shop/
	// /shop/admin/product/42/change/
}

func ExampleRouter_Reverse() {
	r := urls.New()
	r.Handle("GET /articles/{year:int}/{slug:slug}/{$}", http.NotFoundHandler(), "article")
	r.Handle("GET /tags/{tag}/{$}", http.NotFoundHandler(), "tag")
	r.Handle("GET /files/{file:path}", http.NotFoundHandler(), "file")

	fmt.Println(r.Reverse("article", 2024, "hello-world"))
	fmt.Println(r.Reverse("article", urls.Args{"year": 2024, "slug": "hello-world"}))
	fmt.Println(r.Reverse("tag", "c/c++ & go"))
	fmt.Println(r.Reverse("file", "docs/read me.txt"))
	fmt.Println(r.Reverse("tag", "go", url.Values{"page": {"2"}, "sort": {"new"}}))
	fmt.Println(r.Reverse("article", "this year", "x"))
	fmt.Println(r.Reverse("articles", 2024, "x"))
	// Output:
	// /articles/2024/hello-world/ <nil>
	// /articles/2024/hello-world/ <nil>
	// /tags/c%2Fc++%20&%20go/ <nil>
	// /files/docs/read%20me.txt <nil>
	// /tags/go/?page=2&sort=new <nil>
	//  urls: reverse "article": argument 1 ("this year") does not match {year:int}
	//  urls: reverse "articles": no route with that name (did you mean "article"?)
}

func ExampleRouter_MustReverse() {
	r := urls.New()
	r.Handle("GET /accounts/login/{$}", http.NotFoundHandler(), "login")
	loginURL := r.MustReverse("login", url.Values{"next": {"/polls/"}}) // start-up code
	fmt.Println(loginURL)
	// Output: /accounts/login/?next=%2Fpolls%2F
}

func ExampleReverseError() {
	r := urls.New()
	_, err := r.Reverse("polls:detail", 1)
	var re *urls.ReverseError
	if errors.As(err, &re) {
		fmt.Println(re.Name, "|", re.Reason, "|", errors.Is(err, urls.ErrNoRoute))
	}
	// Output: polls:detail | no route with that name | true
}

func ExampleRouter_Converter() {
	r := urls.New()
	r.Converter("year", urls.ConverterFunc(func(s string) bool {
		return len(s) == 4 && s >= "1900" && s <= "2999"
	}))
	r.Handle("GET /archive/{y:year}/{$}", http.NotFoundHandler(), "archive")

	fmt.Println(r.Reverse("archive", 2024))
	fmt.Println(r.Reverse("archive", 24))
	fmt.Println(r.Resolves("GET", "", "/archive/1850/"))
	// Output:
	// /archive/2024/ <nil>
	//  urls: reverse "archive": argument 1 (24) does not match {y:year}
	// false
}

func ExampleRouter_Handler() {
	r := urls.New()
	r.Handle("GET /polls/{id:int}/{$}", http.NotFoundHandler(), "detail")
	h := r.Handler()

	for _, req := range []*http.Request{
		httptest.NewRequest("DELETE", "/polls/1/", nil),
		httptest.NewRequest("GET", "/nothing/", nil),
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		fmt.Printf("%s %s: %d Allow=%q\n", req.Method, req.URL.Path, w.Code, w.Header().Get("Allow"))
	}

	// With a DEBUG Renderer (respond.Renderer.Middleware in the project's
	// stack) the 404 lists the patterns tried.
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/nothing/", nil)
	req.Header.Set("Accept", "application/json")
	(&respond.Renderer{Debug: true}).Middleware(h).ServeHTTP(w, req)
	fmt.Print(w.Body.String())
	// Output:
	// DELETE /polls/1/: 405 Allow="GET, HEAD"
	// GET /nothing/: 404 Allow=""
	// {"error":{"status":404,"message":"Not Found","type":"*respond.HTTPError","detail":"404 Not Found: urls: no route matches GET \"/nothing/\"","debug":{"title":"Djinn tried these URL patterns, in this order:","lines":["GET /polls/{id:int}/{$}  [name=\"detail\"]"]}}}
}

// APPEND_SLASH: redirect only when the path with a slash would be served.
func ExampleRouter_Resolves() {
	r := urls.New()
	r.Handle("GET /polls/{id:int}/{$}", http.NotFoundHandler(), "detail")

	for _, path := range []string{"/polls/7", "/polls/x"} {
		if !r.Resolves("GET", "example.com", path) && r.Resolves("GET", "example.com", path+"/") {
			fmt.Println(path, "-> redirect to", path+"/")
		} else {
			fmt.Println(path, "-> 404")
		}
	}
	// Output:
	// /polls/7 -> redirect to /polls/7/
	// /polls/x -> 404
}

func ExampleRouter_Resolve() {
	r := urls.New()
	polls := urls.New()
	polls.Handle("GET /{id:int}/{$}", http.NotFoundHandler(), "detail")
	r.Include("/polls/", "polls", polls)

	rt, ok := r.Resolve("GET", "", "/polls/7/")
	fmt.Println(rt.Name, rt.Pattern, ok)
	// Output: polls:detail GET /polls/{id:int}/{$} true
}

func ExampleRouter_Routes() {
	polls := urls.New()
	polls.Handle("GET /{$}", http.NotFoundHandler(), "index")
	polls.Handle("GET /{id:int}/{$}", http.NotFoundHandler(), "detail")
	r := urls.New()
	r.Handle("GET /{$}", http.NotFoundHandler(), "home")
	r.Handle("/static/{file:path}", http.NotFoundHandler(), "")
	r.Include("/polls/", "polls", polls)
	for _, rt := range r.Routes() {
		name := rt.Name
		if name == "" {
			name = "-"
		}
		fmt.Printf("%-28s %s\n", rt.Pattern, name)
	}
	// Output:
	// GET /{$}                     home
	// /static/{file:path}          -
	// GET /polls/{$}               polls:index
	// GET /polls/{id:int}/{$}      polls:detail
}

type blogApp struct{}

func (blogApp) URLs(r *urls.Router) {
	r.Handle("GET /{slug:slug}/{$}", http.NotFoundHandler(), "post")
}

func ExampleOf() {
	root := urls.New()
	root.Include("/blog/", "blog", urls.Of(blogApp{}))
	fmt.Println(root.MustReverse("blog:post", "hello"))
	// Output: /blog/hello/
}

func ExampleInt() {
	r := urls.New()
	r.HandleFunc("GET /polls/{id:int}/{$}", func(w http.ResponseWriter, r *http.Request) {
		id := urls.Int(r, "id") // validated by the int converter
		fmt.Println(id, urls.Int64(r, "id"), urls.Param(r, "id"))
	}, "detail")
	r.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/polls/0042/", nil))
	// Output: 42 42 0042
}

func ExampleParam() {
	r := urls.New()
	r.HandleFunc("GET /users/{name}/{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(urls.Param(r, "name"))
	}, "user")
	path := r.MustReverse("user", "ann/bob")
	fmt.Println(path)
	r.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	// Output:
	// /users/ann%2Fbob/
	// ann/bob
}

// A pattern ending in a bare slash serves its whole subtree, as in
// ServeMux; {$} makes it exact. Route.Subtree tells them apart.
func ExampleRoute_Subtree() {
	r := urls.New()
	r.Handle("GET /d/{id:int}/", http.NotFoundHandler(), "loose")
	r.Handle("GET /e/{id:int}/{$}", http.NotFoundHandler(), "exact")
	for _, rt := range r.Routes() {
		fmt.Printf("%s %q subtree=%t\n", rt.Name, rt.Pattern, rt.Subtree())
	}
	// Output:
	// loose "GET /d/{id:int}/" subtree=true
	// exact "GET /e/{id:int}/{$}" subtree=false
}
