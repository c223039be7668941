package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/admin"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations/migrationstest"
)

func admins() map[string]admin.ModelAdmin {
	return map[string]admin.ModelAdmin{"book": bookAdmin, "author": {ListDisplay: []string{"name"}, SearchFields: []string{"name"}}}
}

// mustContain fails t unless body has every want.
func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q in:\n%s", what, w, body)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Errorf("%s: unexpected %q in:\n%s", what, w, body)
		}
	}
}

func TestCRUD(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, admins())
		db := e.gorm(t)
		e.user(t, "boss", true, true)
		c := e.client(t)
		c.login("boss")

		// Index lists the app and models with add links.
		code, body, _ := c.get("/admin/")
		if code != http.StatusOK {
			t.Fatalf("GET /admin/ = %d:\n%s", code, body)
		}
		mustContain(t, "index", body, "Site administration", `href="/admin/library/book/"`, `href="/admin/library/book/add/"`, "Authors", "Welcome, <strong>boss</strong>", "/static/admin/css/admin.css")

		// Add an author, then a book with errors, then fixed.
		code, _, resp := c.post("/admin/library/author/add/", url.Values{"name": {"Ursula"}, "_save": {""}})
		if code != http.StatusFound || resp.Header.Get("Location") != "/admin/library/author/" {
			t.Fatalf("add author = %d %q", code, resp.Header.Get("Location"))
		}
		var author Author
		if err := db.Where("name = ?", "Ursula").Take(&author).Error; err != nil {
			t.Fatalf("author not saved: %v", err)
		}
		code, body, _ = c.get("/admin/library/author/")
		mustContain(t, "author changelist after add", body, "The author “Ursula” was added successfully.", ">Ursula</a>")

		code, body, _ = c.get("/admin/library/book/add/")
		mustContain(t, "book add form", body, `name="title"`, `maxlength="50"`, `<textarea name="summary"`, `type="number" name="pages"`,
			`type="checkbox" name="published"`, `<option value="fiction">Fiction</option>`, `>Ursula</option>`, `type="datetime-local" name="pub_date"`, `<label for="id_title">Title:</label>`)
		bad := url.Values{"title": {strings.Repeat("x", 51)}, "pages": {"many"}, "genre": {"opera"}, "author_id": {"999"}, "_save": {""}}
		code, body, _ = c.post("/admin/library/book/add/", bad)
		if code != http.StatusBadRequest {
			t.Fatalf("invalid add = %d, want 400", code)
		}
		mustContain(t, "invalid add", body, "Please correct the errors below.", "Ensure this value has at most 50 characters (it has 51).",
			"Enter a whole number.", "Select a valid choice.", strings.Repeat("x", 51))
		var n int64
		db.Model(&Book{}).Count(&n)
		if n != 0 {
			t.Fatalf("invalid add saved %d books", n)
		}
		good := url.Values{"title": {"The Dispossessed"}, "summary": {"Anarres"}, "pages": {"387"}, "published": {"on"}, "genre": {"fiction"},
			"author_id": {itoa(author.ID)}, "pub_date": {"1974-05-01T10:00"}, "_continue": {""}}
		code, _, resp = c.post("/admin/library/book/add/", good)
		if code != http.StatusFound {
			t.Fatalf("valid add = %d", code)
		}
		var book Book
		if err := db.Where("title = ?", "The Dispossessed").Take(&book).Error; err != nil {
			t.Fatalf("book not saved: %v", err)
		}
		if book.Pages != 387 || !book.Published || book.Genre != "fiction" || book.AuthorID != author.ID || book.PubDate == nil || book.PubDate.Year() != 1974 {
			t.Errorf("saved book = %+v", book)
		}
		changeURL := "/admin/library/book/" + itoa(book.ID) + "/change/"
		if loc := resp.Header.Get("Location"); loc != changeURL {
			t.Errorf("save and continue → %q, want %q", loc, changeURL)
		}
		code, body, _ = c.get(changeURL)
		mustContain(t, "change form", body, "The book “The Dispossessed” was added successfully. You may edit it again below.",
			`value="The Dispossessed"`, `value="387"`, "checked", `<option value="fiction" selected>`, `value="1974-05-01T10:00"`)

		// Uniqueness error.
		dup := url.Values{"title": {"The Dispossessed"}, "pages": {"1"}, "genre": {"poetry"}, "author_id": {itoa(author.ID)}, "_addanother": {""}}
		code, body, _ = c.post("/admin/library/book/add/", dup)
		if code != http.StatusBadRequest {
			t.Fatalf("duplicate add = %d, want 400", code)
		}
		mustContain(t, "duplicate", body, "Book with this title already exists.")

		// More books for the changelist; "Save and add another".
		for _, title := range []string{"A Wizard of Earthsea", "The Lathe of Heaven", "100% Pure_Poetry", "Always Coming Home"} {
			v := url.Values{"title": {title}, "pages": {"10"}, "genre": {"poetry"}, "author_id": {itoa(author.ID)}, "_addanother": {""}}
			code, _, resp = c.post("/admin/library/book/add/", v)
			if code != http.StatusFound || resp.Header.Get("Location") != "/admin/library/book/add/" {
				t.Fatalf("add %q = %d %q", title, code, resp.Header.Get("Location"))
			}
		}

		// Changelist: sorted by title, 3 a page.
		_, body, _ = c.get("/admin/library/book/")
		mustContain(t, "messages", body, "The book “Always Coming Home” was added successfully. You may add another book below.")
		code, body, _ = c.get("/admin/library/book/")
		if code != http.StatusOK {
			t.Fatalf("changelist = %d:\n%s", code, body)
		}
		mustContain(t, "changelist", body, "100% Pure_Poetry", "A Wizard of Earthsea", "Always Coming Home", "Page 1 of 2", "5 books", ">Ursula<")
		mustNotContain(t, "changelist page 1", body, "The Lathe of Heaven")
		code, body, _ = c.get("/admin/library/book/?p=2")
		mustContain(t, "page 2", body, `href="`+changeURL+`"`, "The Dispossessed", "The Lathe of Heaven", "Page 2 of 2")
		if code, _, _ = c.get("/admin/library/book/?p=3"); code != http.StatusNotFound {
			t.Errorf("page 3 = %d, want 404", code)
		}
		// Sort by pages descending then title: 387 first.
		_, body, _ = c.get("/admin/library/book/?o=-pages")
		if i, j := strings.Index(body, "The Dispossessed"), strings.Index(body, "Always Coming Home"); i < 0 || (j >= 0 && j < i) {
			t.Errorf("?o=-pages: The Dispossessed should come first")
		}
		// Search: case-insensitive; % and _ match themselves.
		_, body, _ = c.get("/admin/library/book/?q=" + url.QueryEscape("LATHE"))
		mustContain(t, "search", body, "The Lathe of Heaven", "1 book")
		_, body, _ = c.get("/admin/library/book/?q=" + url.QueryEscape("0%"))
		mustContain(t, "search %", body, "100% Pure_Poetry", "1 book")
		_, body, _ = c.get("/admin/library/book/?q=" + url.QueryEscape("e_p"))
		mustContain(t, "search _", body, "100% Pure_Poetry", "1 book")
		_, body, _ = c.get("/admin/library/book/?q=" + url.QueryEscape("anarres"))
		mustContain(t, "search summary", body, "The Dispossessed", "1 book")
		// Filters.
		_, body, _ = c.get("/admin/library/book/?published=1")
		mustContain(t, "filter published", body, "The Dispossessed", "1 book", "By published")
		_, body, _ = c.get("/admin/library/book/?genre=poetry")
		mustContain(t, "filter genre", body, "4 books")
		_, body, _ = c.get("/admin/library/book/?author_id=" + itoa(author.ID+100))
		mustContain(t, "filter author", body, "0 books")

		// Change.
		edit := url.Values{"title": {"The Dispossessed"}, "summary": {"An ambiguous utopia"}, "pages": {"400"}, "genre": {"fiction"},
			"author_id": {itoa(author.ID)}, "_save": {""}}
		code, _, resp = c.post(changeURL, edit)
		if code != http.StatusFound || resp.Header.Get("Location") != "/admin/library/book/" {
			t.Fatalf("change = %d %q", code, resp.Header.Get("Location"))
		}
		book = Book{}
		db.Take(&book, changeURLID(changeURL))
		if book.Pages != 400 || book.Published || book.Summary != "An ambiguous utopia" || book.PubDate != nil {
			t.Errorf("changed book = %+v", book)
		}
		_, body, _ = c.get("/admin/library/book/")
		mustContain(t, "after change", body, "The book “The Dispossessed” was changed successfully.")

		// Delete the author: the confirmation lists the cascade.
		delURL := "/admin/library/author/" + itoa(author.ID) + "/delete/"
		code, body, _ = c.get(delURL)
		if code != http.StatusOK {
			t.Fatalf("delete page = %d", code)
		}
		mustContain(t, "delete page", body, "Are you sure you want to delete the author “Ursula”?", "Book: The Dispossessed", "Book: A Wizard of Earthsea")
		db.Model(&Author{}).Count(&n)
		if n != 1 {
			t.Fatalf("GET delete removed the author")
		}
		code, _, resp = c.post(delURL, url.Values{"post": {"yes"}})
		if code != http.StatusFound || resp.Header.Get("Location") != "/admin/library/author/" {
			t.Fatalf("delete = %d %q", code, resp.Header.Get("Location"))
		}
		db.Model(&Author{}).Count(&n)
		var nb int64
		db.Model(&Book{}).Count(&nb)
		if n != 0 || nb != 0 {
			t.Errorf("after delete: %d authors, %d books; want 0, 0", n, nb)
		}
		_, body, _ = c.get("/admin/library/author/")
		mustContain(t, "after delete", body, "The author “Ursula” was deleted successfully.")

		// History of a book that still exists.
		v := url.Values{"name": {"Octavia"}}
		c.post("/admin/library/author/add/", v)
		var oct Author
		db.Where("name = ?", "Octavia").Take(&oct)
		c.post("/admin/library/author/"+itoa(oct.ID)+"/change/", url.Values{"name": {"Octavia Butler"}})
		code, body, _ = c.get("/admin/library/author/" + itoa(oct.ID) + "/history/")
		if code != http.StatusOK {
			t.Fatalf("history = %d", code)
		}
		mustContain(t, "history", body, "Added.", "Changed name.", "boss")
		var logs []admin.LogEntry
		db.Order("id").Find(&logs)
		var flags []string
		for _, l := range logs {
			flags = append(flags, l.Model+":"+l.ActionFlag.String())
		}
		want := "author:Added book:Added book:Added book:Added book:Added book:Added book:Changed author:Deleted author:Added author:Changed"
		if got := strings.Join(flags, " "); got != want {
			t.Errorf("log entries = %s\nwant %s", got, want)
		}
		// Recent actions on the index.
		_, body, _ = c.get("/admin/")
		mustContain(t, "recent actions", body, "Recent actions", "Octavia Butler", "Ursula")
	})
}

func TestMigrationsUpToDate(t *testing.T) {
	p := migrationstest.Setup(t, settings(djinntest.SQLiteURL(t), &library{admins: admins()}, admin.New()))
	migrationstest.UpToDate(t, p)
}

func itoa(n uint) string {
	return strconvUint(n)
}

func changeURLID(u string) string { return strings.Split(u, "/")[4] }
