package admin_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/admin"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
)

// seed adds an author and a book and returns their ids.
func seed(t *testing.T, e *env) (authorID, bookID string) {
	t.Helper()
	db := e.gorm(t)
	a := &Author{Name: "Ursula"}
	if err := db.Create(a).Error; err != nil {
		t.Fatal(err)
	}
	b := &Book{Title: "Earthsea", Pages: 200, Genre: "fiction", AuthorID: a.ID}
	if err := db.Create(b).Error; err != nil {
		t.Fatal(err)
	}
	return itoa(a.ID), itoa(b.ID)
}

// skip marks an allowed write in TestAccess's table, tested separately.
const skip = -1

func TestAccess(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, admins())
		authorID, bookID := seed(t, e)
		db := e.gorm(t)
		e.user(t, "outsider", false, false, "library.view_book", "library.change_book")
		e.user(t, "nobody", true, false)
		e.user(t, "viewer", true, false, "library.view_book")
		e.user(t, "adder", true, false, "library.add_book")
		e.user(t, "changer", true, false, "library.change_book")
		e.user(t, "deleter", true, false, "library.delete_book")
		e.user(t, "authordeleter", true, false, "library.delete_author", "library.view_author")

		book := "/admin/library/book/"
		change := book + bookID + "/change/"
		del := book + bookID + "/delete/"
		hist := book + bookID + "/history/"
		newBook := url.Values{"title": {"New"}, "pages": {"1"}, "genre": {"poetry"}, "author_id": {authorID}}
		edit := url.Values{"title": {"Changed"}, "pages": {"1"}, "genre": {"poetry"}, "author_id": {authorID}}
		type req struct {
			method, path string
			form         url.Values
			want         int
		}
		all := func(want map[string]int) []req {
			w := func(k string) int {
				if v, ok := want[k]; ok {
					return v
				}
				return http.StatusForbidden
			}
			return []req{
				{"GET", book, nil, w("list")},
				{"GET", book + "add/", nil, w("addget")},
				{"POST", book + "add/", newBook, w("add")},
				{"GET", change, nil, w("changeget")},
				{"POST", change, edit, w("change")},
				{"GET", hist, nil, w("history")},
				{"GET", del, nil, w("delget")},
				{"POST", del, url.Values{"post": {"yes"}}, w("delete")},
			}
		}
		tests := []struct {
			user string
			reqs []req
		}{
			{"outsider", []req{{"GET", "/admin/", nil, 403}, {"GET", book, nil, 403}, {"POST", change, edit, 403}, {"POST", del, nil, 403}}},
			{"nobody", all(nil)},
			{"viewer", all(map[string]int{"list": 200, "changeget": 200, "history": 200})},
			{"adder", all(map[string]int{"addget": 200, "add": skip})},
			{"changer", all(map[string]int{"list": 200, "changeget": 200, "history": 200, "change": skip})},
			{"deleter", all(map[string]int{"delget": 200, "delete": skip})},
			{"authordeleter", []req{{"GET", "/admin/library/author/" + authorID + "/delete/", nil, 200}, {"POST", "/admin/library/author/" + authorID + "/delete/", url.Values{"post": {"yes"}}, 403}}},
		}
		for _, tt := range tests {
			t.Run(tt.user, func(t *testing.T) {
				c := e.client(t)
				c.login(tt.user)
				for _, r := range tt.reqs {
					if r.want == skip {
						continue // allowed: tested below
					}
					code, body, _ := c.do(r.method, r.path, r.form)
					if code != r.want {
						t.Errorf("%s %s %s = %d, want %d", tt.user, r.method, r.path, code, r.want)
					}
					if r.path == change && r.method == "GET" && code == 200 && tt.user == "viewer" && strings.Contains(body, `name="_save"`) {
						t.Errorf("viewer sees a Save button")
					}
				}
				var nb, na, nl int64
				db.Model(&Book{}).Where("title = ?", "Earthsea").Count(&nb)
				db.Model(&Author{}).Count(&na)
				db.Model(&admin.LogEntry{}).Count(&nl)
				if nb != 1 || na != 1 || nl != 0 {
					t.Errorf("after %s's forbidden requests: %d Earthsea books, %d authors, %d log entries; want 1, 1, 0", tt.user, nb, na, nl)
				}
			})
		}

		t.Run("allowed", func(t *testing.T) {
			c := e.client(t)
			c.login("adder")
			if code, _, _ := c.post(book+"add/", newBook); code != http.StatusFound {
				t.Errorf("adder POST add = %d, want 302", code)
			}
			c = e.client(t)
			c.login("changer")
			if code, _, _ := c.post(change, edit); code != http.StatusFound {
				t.Errorf("changer POST change = %d, want 302", code)
			}
			c = e.client(t)
			c.login("deleter")
			if code, _, _ := c.post(del, url.Values{"post": {"yes"}}); code != http.StatusFound {
				t.Errorf("deleter POST delete = %d, want 302", code)
			}
			var titles []string
			db.Model(&Book{}).Order("title").Pluck("title", &titles)
			if strings.Join(titles, ",") != "New" {
				t.Errorf("books after add, change and delete = %v, want [New]", titles)
			}
		})

		t.Run("anonymous", func(t *testing.T) {
			c := e.client(t)
			for _, p := range []string{"/admin/", change} {
				code, _, resp := c.get(p)
				if want := "/accounts/login/?next=" + url.QueryEscape(p); code != http.StatusFound || resp.Header.Get("Location") != want {
					t.Errorf("anonymous GET %s = %d %q, want 302 %q", p, code, resp.Header.Get("Location"), want)
				}
			}
			if code, _, _ := c.post(del, url.Values{"post": {"yes"}}); code != http.StatusFound {
				t.Errorf("anonymous POST delete = %d, want 302", code)
			}
		})
	})
}

func TestIndexShowsOnlyPermittedModels(t *testing.T) {
	e := newEnv(t, djinntest.SQLiteURL(t), admins())
	e.user(t, "viewer", true, false, "library.view_book")
	c := e.client(t)
	c.login("viewer")
	code, body, _ := c.get("/admin/")
	if code != http.StatusOK {
		t.Fatalf("index = %d", code)
	}
	mustContain(t, "index", body, "/admin/library/book/")
	mustNotContain(t, "index", body, "/admin/library/author/", "/admin/library/book/add/")
}

func TestInjection(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, admins())
		seed(t, e)
		e.user(t, "boss", true, true)
		c := e.client(t)
		c.login("boss")
		for _, q := range []string{
			"o=" + url.QueryEscape("title; DROP TABLE library_book; --"),
			"o=" + url.QueryEscape("-(SELECT 1)"),
			"o=" + url.QueryEscape("summary"), // a column not in ListDisplay
			"q=" + url.QueryEscape("' OR 1=1; DROP TABLE library_book; --"),
			"q=" + url.QueryEscape("%"),
			"q=" + url.QueryEscape("_"),
			"published=" + url.QueryEscape("1 OR 1=1"),
			"author_id=" + url.QueryEscape("1) OR (1=1"),
			"summary=x", // not a filter: ignored
		} {
			code, body, _ := c.get("/admin/library/book/?" + q)
			if code != http.StatusOK {
				t.Errorf("?%s = %d, want 200:\n%s", q, code, body)
			}
			if strings.HasPrefix(q, "q=") && strings.Contains(body, "Earthsea</a>") {
				t.Errorf("?%s matched the book", q)
			}
		}
		var n int64
		if err := e.gorm(t).Model(&Book{}).Count(&n).Error; err != nil || n != 1 {
			t.Errorf("books after injection attempts: %d, %v; want 1", n, err)
		}
		_, body, _ := c.get("/admin/library/book/?o=-pages")
		mustContain(t, "sorted header", body, `class="sorted desc"`)
	})
}

func TestRegisterErrors(t *testing.T) {
	type Stray struct{ ID uint }
	tests := []struct {
		name  string
		lib   *library
		wants []string
	}{
		{"unregistered model", &library{admins: admins(), extra: []any{&Stray{}}}, []string{"Stray", "not a model of an installed app"}},
		{"unknown field", &library{admins: map[string]admin.ModelAdmin{"book": {ListDisplay: []string{"nope"}, SearchFields: []string{"pages"}}}},
			[]string{"library.Book", `ListDisplay "nope"`, `SearchFields "pages"`}},
		{"twice", &library{admins: admins(), extra: []any{&Book{}}}, []string{"library.Book is registered twice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := core.New(settings(djinntest.SQLiteURL(t), tt.lib, admin.New()))
			t.Cleanup(func() { _ = p.Close(t.Context()) })
			err := p.Setup(t.Context())
			if err == nil {
				t.Fatal("Setup succeeded; want an error")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Setup error %q lacks %q", err, w)
				}
			}
			_ = errors.New
		})
	}
}
