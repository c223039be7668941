package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/admin"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
)

func TestChangelistOptionErrors(t *testing.T) {
	value := func(any) (string, error) { return "", nil }
	run := func(context.Context, *gorm.DB, []any) (string, error) { return "", nil }
	cases := []struct {
		name string
		ma   admin.ModelAdmin
		want string
	}{
		{"unknown display name", admin.ModelAdmin{ListDisplay: []string{"title", "nope"}}, `ListDisplay "nope" is neither a column of the model nor one of Columns`},
		{"column without value", admin.ModelAdmin{Columns: []admin.Column{{Name: "x"}}}, `Columns "x" has no Value function`},
		{"editable first column", admin.ModelAdmin{ListDisplay: []string{"title", "pages"}, ListEditable: []string{"title"}}, `ListEditable "title" is the first column`},
		{"editable not displayed", admin.ModelAdmin{ListDisplay: []string{"title"}, ListEditable: []string{"pages"}}, `ListEditable "pages" is not in ListDisplay`},
		{"editable computed", admin.ModelAdmin{ListDisplay: []string{"title", "x"}, Columns: []admin.Column{{Name: "x", Value: value}}, ListEditable: []string{"x"}}, `ListEditable "x" is not a column of the model`},
		{"bad search relation", admin.ModelAdmin{SearchFields: []string{"author__nope"}}, `SearchFields "author__nope" is not a string column`},
		{"non-date hierarchy", admin.ModelAdmin{DateHierarchy: "title"}, `DateHierarchy "title" is not a date or time column`},
		{"bad action name", admin.ModelAdmin{Actions: []admin.Action{{Name: "Go!", Run: run}}}, `Actions "Go!" is not a valid action name`},
		{"bad action perm", admin.ModelAdmin{Actions: []admin.Action{{Name: "go", Perm: "root", Run: run}}}, `has Perm "root"`},
		{"shadowing delete", admin.ModelAdmin{Actions: []admin.Action{{Name: "delete_selected", Run: run}}}, `Actions "delete_selected" is defined twice`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ma := admins()
			ma["book"] = tc.ma
			p := core.New(settings(djinntest.SQLiteURL(t), &library{admins: ma}, admin.New()))
			t.Cleanup(func() { _ = p.Close(context.Background()) })
			err := p.Setup(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Setup = %v; want an error with %q", err, tc.want)
			}
		})
	}
}

// books creates an author and a book per title; it returns the author's id
// and the books' ids in order.
func books(t *testing.T, e *env, author string, titles ...string) (uint, []uint) {
	t.Helper()
	db := e.gorm(t)
	a := &Author{Name: author}
	if err := db.Create(a).Error; err != nil {
		t.Fatal(err)
	}
	var ids []uint
	for i, title := range titles {
		b := &Book{Title: title, Pages: 10 * (i + 1), Genre: "fiction", AuthorID: a.ID}
		if err := db.Create(b).Error; err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	return a.ID, ids
}

func TestComputedColumnAndRelationSearch(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		ma := admins()
		ma["book"] = admin.ModelAdmin{
			ListDisplay:  []string{"title", "pages_per_10", "Author"},
			Columns:      []admin.Column{{Name: "pages_per_10", Value: func(obj any) (string, error) { return fmt.Sprintf("≈%d", obj.(*Book).Pages/10), nil }}},
			SearchFields: []string{"title", "author__name"},
		}
		e := newEnv(t, dbURL, ma)
		books(t, e, "Ursula 100%", "Earthsea", "Lathe")
		books(t, e, "Octavia", "Kindred")
		e.user(t, "boss", true, true)
		c := e.client(t)
		c.login("boss")
		_, body, _ := c.get("/admin/library/book/")
		mustContain(t, "computed column", body, ">Pages per 10</th>", "<td>≈1</td>", "<td>≈2</td>", "3 books")
		_, body, _ = c.get("/admin/library/book/?q=" + url.QueryEscape("URSULA"))
		mustContain(t, "search by author", body, "Earthsea", "Lathe", "2 books")
		mustNotContain(t, "search by author", body, "Kindred")
		_, body, _ = c.get("/admin/library/book/?q=" + url.QueryEscape("0%"))
		mustContain(t, "search % through the relation", body, "2 books")
		_, body, _ = c.get("/admin/library/book/?q=" + url.QueryEscape("a%"))
		mustContain(t, "% matches itself", body, "0 books")
		_, body, _ = c.get("/admin/library/book/?q=" + url.QueryEscape("octavia kindred"))
		mustContain(t, "words across fields", body, "Kindred", "1 book")
	})
}

func countRows(t *testing.T, db *gorm.DB, model any) int64 {
	t.Helper()
	var n int64
	if err := db.Model(model).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBulkActions(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		ma := admins()
		book := bookAdmin
		book.Actions = []admin.Action{{
			Name: "publish", Label: "Publish selected books", Perm: "change",
			Run: func(ctx context.Context, tx *gorm.DB, objs []any) (string, error) {
				for _, o := range objs {
					if err := tx.Model(o).Update("published", true).Error; err != nil {
						return "", err
					}
				}
				return fmt.Sprintf("Published %d books.", len(objs)), nil
			},
		}}
		ma["book"] = book
		e := newEnv(t, dbURL, ma)
		db := e.gorm(t)
		_, ids := books(t, e, "Ursula", "A", "B", "C", "D")
		ursula2, _ := books(t, e, "Octavia", "Kindred")
		e.user(t, "boss", true, true)
		e.user(t, "viewer", true, false, "library.view_book", "library.view_author", "library.delete_author")
		boss := e.client(t)
		boss.login("boss")
		viewer := e.client(t)
		viewer.login("viewer")

		_, body, _ := boss.get("/admin/library/book/")
		mustContain(t, "actions for boss", body, `<option value="delete_selected">Delete selected books</option>`, `<option value="publish">Publish selected books</option>`,
			`name="_selected_action" value="`+itoa(ids[0])+`"`, `id="action-toggle"`)
		_, body, _ = viewer.get("/admin/library/book/")
		mustNotContain(t, "actions for viewer", body, "delete_selected", `value="publish"`, "_selected_action")

		// No selection.
		code, _, resp := boss.post("/admin/library/book/?o=pages", url.Values{"action": {"publish"}})
		if code != http.StatusFound || resp.Header.Get("Location") != "/admin/library/book/?o=pages" {
			t.Fatalf("empty action = %d %q", code, resp.Header.Get("Location"))
		}
		_, body, _ = boss.get("/admin/library/book/")
		mustContain(t, "no selection", body, "Items must be selected in order to perform actions on them. No items have been changed.")

		// A user without the permission: 403, nothing changes.
		for _, action := range []string{"publish", "delete_selected"} {
			form := url.Values{"action": {action}, "_selected_action": {itoa(ids[0])}, "post": {"yes"}}
			if code, _, _ := viewer.post("/admin/library/book/", form); code != http.StatusForbidden {
				t.Errorf("viewer POST %s = %d, want 403", action, code)
			}
		}
		if n := countRows(t, db.Where("published = ?", true), &Book{}); n != 0 {
			t.Errorf("after forbidden publish: %d published", n)
		}
		if n := countRows(t, db, &Book{}); n != 5 {
			t.Errorf("after forbidden delete: %d books, want 5", n)
		}

		// Custom action.
		code, _, _ = boss.post("/admin/library/book/", url.Values{"action": {"publish"}, "_selected_action": {itoa(ids[0]), itoa(ids[1])}})
		if code != http.StatusFound {
			t.Fatalf("publish = %d", code)
		}
		if n := countRows(t, db.Where("published = ?", true), &Book{}); n != 2 {
			t.Errorf("published %d books, want 2", n)
		}
		_, body, _ = boss.get("/admin/library/book/")
		mustContain(t, "action message", body, "Published 2 books.")

		// Delete selected: confirmation, then deletion with LogEntries.
		sel := url.Values{"action": {"delete_selected"}, "_selected_action": {itoa(ids[0]), itoa(ids[1]), itoa(ids[2])}}
		code, body, _ = boss.post("/admin/library/book/", sel)
		if code != http.StatusOK {
			t.Fatalf("delete selected = %d", code)
		}
		mustContain(t, "confirmation", body, "Are you sure you want to delete the selected books?", ">A</a>", ">B</a>", ">C</a>", `name="post" value="yes"`)
		if n := countRows(t, db, &Book{}); n != 5 {
			t.Fatalf("confirmation page deleted books: %d left", n)
		}
		sel.Set("post", "yes")
		code, _, resp = boss.post("/admin/library/book/", sel)
		if code != http.StatusFound || resp.Header.Get("Location") != "/admin/library/book/" {
			t.Fatalf("confirm delete = %d %q", code, resp.Header.Get("Location"))
		}
		if n := countRows(t, db, &Book{}); n != 2 {
			t.Errorf("after delete: %d books, want 2", n)
		}
		_, body, _ = boss.get("/admin/library/book/")
		mustContain(t, "delete message", body, "Successfully deleted 3 books.")
		if n := countRows(t, db.Where("action_flag = ? AND model = ?", admin.Deletion, "book"), &admin.LogEntry{}); n != 3 {
			t.Errorf("deletion log entries = %d, want 3", n)
		}

		// Cascades: deleting authors lists their books; the viewer may
		// delete authors but not books → refused.
		asel := url.Values{"action": {"delete_selected"}, "_selected_action": {itoa(ursula2)}}
		_, body, _ = boss.post("/admin/library/author/", asel)
		mustContain(t, "cascade listed", body, "Book: Kindred", "Octavia")
		_, body, _ = viewer.post("/admin/library/author/", asel)
		mustContain(t, "cascade refused", body, "doesn’t have permission to delete the following types of objects", "<li>book</li>")
		asel.Set("post", "yes")
		if code, _, _ := viewer.post("/admin/library/author/", asel); code != http.StatusForbidden {
			t.Errorf("viewer confirm cascade = %d, want 403", code)
		}
		if code, _, _ := boss.post("/admin/library/author/", asel); code != http.StatusFound {
			t.Errorf("boss confirm cascade = %d, want 302", code)
		}
		if n := countRows(t, db.Where("title = ?", "Kindred"), &Book{}); n != 0 {
			t.Errorf("Kindred survived its author's deletion")
		}

		// Select all on the page.
		_, ids = books(t, e, "Le Guin", "X", "Y")
		all := url.Values{"action": {"publish"}, "select_all": {"1"}, "form-0-id": {itoa(ids[0])}, "form-1-id": {itoa(ids[1])}}
		boss.post("/admin/library/book/", all)
		if n := countRows(t, db.Where("published = ? AND title IN ?", true, []string{"X", "Y"}), &Book{}); n != 2 {
			t.Errorf("select all published %d, want 2", n)
		}
	})
}

func TestListEditable(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		ma := admins()
		book := bookAdmin
		book.ListDisplay = []string{"title", "pages", "genre", "published"}
		book.ListEditable = []string{"pages", "genre", "published"}
		book.Ordering = []string{"title"}
		ma["book"] = book
		e := newEnv(t, dbURL, ma)
		db := e.gorm(t)
		_, ids := books(t, e, "Ursula", "A", "B")
		e.user(t, "boss", true, true)
		e.user(t, "viewer", true, false, "library.view_book")
		c := e.client(t)
		c.login("boss")
		_, body, _ := c.get("/admin/library/book/")
		mustContain(t, "inputs", body, `name="form-0-pages"`, `value="10"`, `name="form-1-genre"`, `name="form-0-published"`, `name="_save"`, `name="form-0-id" value="`+itoa(ids[0])+`"`)
		mustNotContain(t, "first column stays a link", body, `name="form-0-title"`)

		bad := url.Values{"_save": {"Save"}, "form-TOTAL_FORMS": {"2"},
			"form-0-id": {itoa(ids[0])}, "form-0-pages": {"99"}, "form-0-genre": {"poetry"},
			"form-1-id": {itoa(ids[1])}, "form-1-pages": {"lots"}, "form-1-genre": {"fiction"}}
		code, body, _ := c.post("/admin/library/book/", bad)
		if code != http.StatusBadRequest {
			t.Fatalf("invalid list edit = %d, want 400", code)
		}
		mustContain(t, "errors per cell", body, "Please correct the errors below.", "Enter a whole number.", `value="lots"`, `value="99"`)
		var a Book
		db.Take(&a, ids[0])
		if a.Pages != 10 || a.Genre != "fiction" {
			t.Errorf("invalid edit saved row A: %+v", a)
		}

		viewer := e.client(t)
		viewer.login("viewer")
		good := url.Values{"_save": {"Save"}, "form-TOTAL_FORMS": {"2"},
			"form-0-id": {itoa(ids[0])}, "form-0-pages": {"99"}, "form-0-genre": {"fiction"},
			"form-1-id": {itoa(ids[1])}, "form-1-pages": {"20"}, "form-1-genre": {"fiction"}, "form-1-published": {"on"}}
		if code, _, _ := viewer.post("/admin/library/book/", good); code != http.StatusForbidden {
			t.Errorf("viewer save = %d, want 403", code)
		}
		_, body, _ = viewer.get("/admin/library/book/")
		mustNotContain(t, "viewer sees no inputs", body, `name="form-0-pages"`)
		db.Take(&a, ids[0])
		if a.Pages != 10 {
			t.Errorf("forbidden edit saved: %+v", a)
		}

		code, _, resp := c.post("/admin/library/book/?o=pages", good)
		if code != http.StatusFound || resp.Header.Get("Location") != "/admin/library/book/?o=pages" {
			t.Fatalf("save = %d %q", code, resp.Header.Get("Location"))
		}
		var got []Book
		db.Order("id").Find(&got)
		if got[0].Pages != 99 || got[0].Published || got[1].Pages != 20 || !got[1].Published {
			t.Errorf("after save: %+v", got)
		}
		var logs []admin.LogEntry
		db.Where("action_flag = ?", admin.Change).Order("object_id").Find(&logs)
		var msgs []string
		for _, l := range logs {
			msgs = append(msgs, l.ObjectRepr+": "+l.ChangeMessage)
		}
		if got, want := strings.Join(msgs, "; "), "A: Changed pages.; B: Changed published."; got != want {
			t.Errorf("log entries = %q, want %q", got, want)
		}
		_, body, _ = c.get("/admin/library/book/")
		mustContain(t, "save message", body, "2 books were changed successfully.")
	})
}

func TestDateFiltersAndHierarchy(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		ma := admins()
		book := bookAdmin
		book.ListFilter = []string{"pub_date"}
		book.DateHierarchy = "pub_date"
		book.ListPerPage = 100
		ma["book"] = book
		e := newEnv(t, dbURL, ma)
		db := e.gorm(t)
		_, ids := books(t, e, "Ursula", "Today", "Lastweek", "Old", "Older", "Undated")
		now := time.Now().UTC()
		dates := []time.Time{now, now.AddDate(0, 0, -3), time.Date(2001, 3, 5, 12, 0, 0, 0, time.UTC), time.Date(2001, 7, 9, 23, 30, 0, 0, time.UTC)}
		for i, d := range dates {
			if err := db.Model(&Book{}).Where("id = ?", ids[i]).Update("pub_date", d).Error; err != nil {
				t.Fatal(err)
			}
		}
		e.user(t, "boss", true, true)
		c := e.client(t)
		c.login("boss")
		_, body, _ := c.get("/admin/library/book/")
		mustContain(t, "date filter", body, "By pub date", ">Any date<", ">Today<", ">Past 7 days<", ">This month<", ">This year<",
			`href="/admin/library/book/?pub_date__year=2001">2001<`, fmt.Sprintf(">%d<", now.Year()))
		_, body, _ = c.get("/admin/library/book/?pub_date=today")
		mustContain(t, "today", body, ">Today</a>", "1 book")
		_, body, _ = c.get("/admin/library/book/?pub_date=past_7_days")
		mustContain(t, "past 7 days", body, ">Lastweek</a>", "2 books")
		_, body, _ = c.get("/admin/library/book/?pub_date=this_year")
		mustNotContain(t, "this year", body, ">Old</a>")
		_, body, _ = c.get("/admin/library/book/?pub_date=" + url.QueryEscape("' OR 1=1 --"))
		mustContain(t, "unknown value ignored", body, "5 books")

		_, body, _ = c.get("/admin/library/book/?pub_date__year=2001")
		mustContain(t, "year", body, "2 books", "‹ All dates", `href="/admin/library/book/?pub_date__month=3&amp;pub_date__year=2001">March 2001<`, ">July 2001<")
		_, body, _ = c.get("/admin/library/book/?pub_date__year=2001&pub_date__month=7")
		mustContain(t, "month", body, "1 book", ">Older</a>", ">July 9<", "‹ 2001")
		_, body, _ = c.get("/admin/library/book/?pub_date__year=2001&pub_date__month=7&pub_date__day=9")
		mustContain(t, "day", body, "1 book", "July 9, 2001", "‹ July 2001")
		_, body, _ = c.get("/admin/library/book/?pub_date__year=2001&pub_date__month=2&pub_date__day=30")
		mustContain(t, "invalid day ignored", body, "0 books")
	})
}
