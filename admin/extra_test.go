package admin_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/admin"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations/migrationstest"
)

func TestEstimatedCountOnBigPostgresTables(t *testing.T) {
	e := newEnv(t, djinntest.PostgresURL(t), admins())
	seed(t, e)
	db := e.gorm(t)
	for _, title := range []string{"B", "C", "D"} {
		db.Create(&Book{Title: title, Pages: 1, Genre: "poetry", AuthorID: 1})
	}
	// Pretend the planner thinks the table is huge.
	if err := db.Exec("UPDATE pg_class SET reltuples = 500000 WHERE oid = 'library_book'::regclass").Error; err != nil {
		t.Fatalf("set reltuples: %v", err)
	}
	e.user(t, "boss", true, true)
	c := e.client(t)
	c.login("boss")
	_, body, _ := c.get("/admin/library/book/")
	mustContain(t, "estimated", body, "about 500000 books", "Page 1 of 166667", `rel="next"`)
	_, body, _ = c.get("/admin/library/book/?published=0")
	mustContain(t, "filtered, not counted", body, "Page 1</span>", `rel="next"`)
	mustNotContain(t, "filtered, not counted", body, "Page 1 of", "about")
}

func TestDeepPagesAreBounded(t *testing.T) {
	e := newEnv(t, djinntest.SQLiteURL(t), admins())
	e.user(t, "boss", true, true)
	c := e.client(t)
	c.login("boss")
	for q, want := range map[string]int{"p=1": 200, "p=0": 404, "p=x": 404, "p=2": 404, "p=999999999": 404} {
		if code, _, _ := c.get("/admin/library/book/?" + q); code != want {
			t.Errorf("?%s = %d, want %d", q, code, want)
		}
	}
}

func TestReadonlyFields(t *testing.T) {
	ma := admins()
	ma["book"] = admin.ModelAdmin{ReadonlyFields: []string{"pages"}}
	e := newEnv(t, djinntest.SQLiteURL(t), ma)
	authorID, bookID := seed(t, e)
	e.user(t, "boss", true, true)
	c := e.client(t)
	c.login("boss")
	change := "/admin/library/book/" + bookID + "/change/"
	_, body, _ := c.get(change)
	mustContain(t, "readonly", body, `<div class="readonly" aria-labelledby="id_pages">200</div>`, `name="title"`)
	mustNotContain(t, "readonly", body, `name="pages"`)
	code, _, _ := c.post(change, url.Values{"title": {"Tehanu"}, "pages": {"999"}, "genre": {"fiction"}, "author_id": {authorID}})
	if code != http.StatusFound {
		t.Fatalf("change = %d", code)
	}
	var b Book
	e.gorm(t).Take(&b, bookID)
	if b.Title != "Tehanu" || b.Pages != 200 {
		t.Errorf("after change: %q, %d pages; want Tehanu, 200 (read-only)", b.Title, b.Pages)
	}
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	e := newEnv(t, djinntest.SQLiteURL(t), admins())
	_, bookID := seed(t, e)
	e.user(t, "boss", true, true)
	c := e.client(t)
	c.login("boss")
	req, _ := http.NewRequestWithContext(t.Context(), "POST", e.srv.URL+"/admin/library/book/"+bookID+"/delete/", strings.NewReader("post=yes"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST = %d, want 403", resp.StatusCode)
	}
	var n int64
	e.gorm(t).Model(&Book{}).Count(&n)
	if n != 1 {
		t.Errorf("cross-site POST deleted the book")
	}
}

func TestTemplatesAndStatic(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "admin"), 0o755); err != nil {
		t.Fatal(err)
	}
	override := `{{/* extends "admin/base.html" */}}{{define "content"}}<p>Project index</p>{{end}}`
	if err := os.WriteFile(filepath.Join(dir, "admin", "index.html"), []byte(override), 0o644); err != nil {
		t.Fatal(err)
	}
	s := settings(djinntest.SQLiteURL(t), &library{admins: admins()}, admin.New(admin.WithTitle("Library admin")))
	s.Templates.Dirs = []string{dir}
	p := migrationstest.Setup(t, s)
	e := &env{p: p}
	e.srv = newServer(t, p)
	e.auth = authOf(t, p)
	e.user(t, "boss", true, true)
	c := e.client(t)
	c.login("boss")
	_, body, _ := c.get("/admin/")
	mustContain(t, "overridden index", body, "<p>Project index</p>", "Library admin")
	mustNotContain(t, "overridden index", body, "Site administration</h1>")
	code, css, resp := c.get("/static/admin/css/admin.css")
	if code != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(css, ":focus-visible") {
		t.Errorf("GET admin.css = %d %q", code, resp.Header.Get("Content-Type"))
	}
}
