package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/djinn-go/djinn/djinntest"
)

// chromiumPath is Debian's Chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// browser is one headless Chromium tab on the test server. Every method
// fails the test on an error.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string // the server's URL
	dir  string // where screenshots go
	shot int    // screenshots taken, for their names' order
}

// newBrowser starts Chromium for t (skipped when it is not installed,
// failed on CI) with screenshots into $DJINN_ARTIFACTS/<test> or a
// temporary directory.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser test: %s: %v (install Debian's chromium)", chromiumPath, err)
		}
		t.Skipf("browser test: %s not installed (apt-get install chromium); skipping", chromiumPath)
	}
	dir := t.TempDir()
	if root := os.Getenv("DJINN_ARTIFACTS"); root != "" {
		dir = filepath.Join(root, strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatalf("DJINN_ARTIFACTS: %v", err)
		}
	}
	t.Logf("screenshots in %s", dir)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base, dir: dir}
	b.do(chromedp.EmulateViewport(1280, 900))
	return b
}

// do runs actions that return nothing.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser at %s: %v", b.location(), err)
	}
}

// load runs the actions (a click on a link or a submit button), waits for
// the page they load and returns its HTTP status.
func (b *browser) load(steps ...chromedp.Action[chromedp.Void]) int {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, steps...)
	if err != nil {
		b.t.Fatalf("browser at %s: %v", b.location(), err)
	}
	return int(resp.Status)
}

// open loads path and fails unless the page's status is 200.
func (b *browser) open(path string) {
	b.t.Helper()
	if code := b.load(chromedp.Navigate(b.base + path)); code != 200 {
		b.t.Fatalf("GET %s: status %d", path, code)
	}
}

// click clicks the element (a link or a submit button) and wants a page
// with status want.
func (b *browser) click(sel chromedp.CSS, want int) {
	b.t.Helper()
	if code := b.load(chromedp.Click(sel)); code != want {
		b.t.Fatalf("click %s: status %d, want %d; page:\n%s", sel, code, want, b.text("main"))
	}
}

// location returns the path and query of the page.
func (b *browser) location() string {
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return strings.TrimPrefix(loc, b.base)
}

// text returns the text of the first element matching sel, as written
// (not as CSS transforms it), its spaces collapsed.
func (b *browser) text(sel chromedp.CSS) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.TextContent(sel))
	if err != nil {
		b.t.Fatalf("browser at %s: text of %s: %v", b.location(), sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// eval returns the JSON value of a JavaScript expression, decoded into v.
func (b *browser) eval(expr string, v any) {
	b.t.Helper()
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[json.RawMessage](expr))
	if err == nil {
		err = json.Unmarshal(raw, v)
	}
	if err != nil {
		b.t.Fatalf("browser at %s: eval %s: %v", b.location(), expr, err)
	}
}

// rows returns the first column of the changelist, in order.
func (b *browser) rows() []string {
	b.t.Helper()
	var out []string
	b.eval(`[...document.querySelectorAll('#result_list tbody th a')].map(a => a.textContent)`, &out)
	return out
}

// mustSee fails unless the text of main has every want.
func (b *browser) mustSee(what string, wants ...string) {
	b.t.Helper()
	body := b.text("main")
	for _, w := range wants {
		if !strings.Contains(body, w) {
			b.t.Errorf("%s (%s): missing %q in:\n%s", what, b.location(), w, body)
		}
	}
}

// screenshot saves a full-page PNG of the page as NN-name.png, after
// checking that the page is styled: every stylesheet loaded with rules.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	var styled struct {
		Sheets, Empty int
		Font          string
	}
	b.eval(`(() => { const s = [...document.styleSheets];
		return {Sheets: s.length, Empty: s.filter(x => x.cssRules.length === 0).length,
			Font: getComputedStyle(document.body).fontFamily}; })()`, &styled)
	if styled.Sheets == 0 || styled.Empty > 0 || strings.HasPrefix(styled.Font, "\"Times") {
		b.t.Errorf("%s (%s): page not styled: %d stylesheets, %d empty, body font %q", name, b.location(), styled.Sheets, styled.Empty, styled.Font)
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.shot++
	path := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.shot, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// TestBrowser walks the admin in headless Chromium like a user: log in,
// add a book with an error then fixed, search, filter, sort, paginate,
// delete with confirmation and read the history, with a screenshot of
// every step.
func TestBrowser(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, admins())
		b := newBrowser(t, e.srv.URL)
		db := e.gorm(t)
		e.user(t, "boss", true, true)
		ursula, octavia := Author{Name: "Ursula K. Le Guin"}, Author{Name: "Octavia E. Butler"}
		if err := db.Create(&ursula).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&octavia).Error; err != nil {
			t.Fatal(err)
		}
		// 7 books (3 a page): 3 pages; 4 poetry.
		for i, title := range []string{"A Wizard of Earthsea", "Kindred", "The Lathe of Heaven", "Parable of the Sower", "The Left Hand of Darkness", "Dawn", "The Word for World Is Forest"} {
			a, g := ursula, Genre("poetry")
			if i%2 == 1 {
				a, g = octavia, "fiction"
			}
			bk := Book{Title: title, Pages: 100 + 37*i, Published: i%3 == 0, Genre: g, AuthorID: a.ID}
			if err := db.Create(&bk).Error; err != nil {
				t.Fatal(err)
			}
		}

		// Anonymous: the admin sends to the login form.
		b.open("/admin/")
		if loc := b.location(); !strings.HasPrefix(loc, "/accounts/login/") {
			t.Fatalf("anonymous /admin/ → %s, want the login page", loc)
		}
		b.screenshot("login")
		b.do(chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "boss"),
			chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "s3cret-Passw0rd!"))
		b.click(`main form button[type=submit]`, 200)
		if loc := b.location(); loc != "/admin/" {
			t.Fatalf("after log in at %s, want /admin/", loc)
		}
		b.mustSee("index", "Site administration", "Library", "Books", "Authors")
		b.screenshot("index")

		// Changelist, sorted by title, 3 a page.
		b.click(`a[href="/admin/library/book/"]`, 200)
		if got, want := b.rows(), []string{"A Wizard of Earthsea", "Dawn", "Kindred"}; !slices.Equal(got, want) {
			t.Errorf("changelist page 1 = %q, want %q", got, want)
		}
		b.mustSee("changelist", "Select book to change", "Page 1 of 3", "7 books", "By published", "By genre", "By author")
		b.screenshot("changelist")

		// Add with the required title empty: the error, nothing saved.
		b.click(`a.addlink`, 200)
		b.screenshot("add-form")
		b.do(chromedp.SendKeys(chromedp.CSS(`textarea[name=summary]`), "A young wizard named Ged."),
			chromedp.Clear(chromedp.CSS(`input[name=pages]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name=pages]`), "205"),
			chromedp.Click(chromedp.CSS(`input[name=published]`)),
			chromedp.SetValue(chromedp.CSS(`select[name=genre]`), "fiction"),
			chromedp.SetValue(chromedp.CSS(`select[name=author_id]`), itoa(ursula.ID)))
		b.click(`button[name=_save]`, 400)
		b.mustSee("add with an error", "Please correct the errors below.", "This field is required.")
		var n int64
		db.Model(&Book{}).Count(&n)
		if n != 7 {
			t.Errorf("the invalid add saved a book: %d books", n)
		}
		b.screenshot("add-error")
		// The other values were kept; fix the title and save.
		if v, _ := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(`input[name=pages]`))); v != "205" {
			t.Errorf("pages after the error = %q, want 205 kept", v)
		}
		b.do(chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "The Tombs of Atuan"))
		b.click(`button[name=_save]`, 200)
		if loc := b.location(); loc != "/admin/library/book/" {
			t.Errorf("after save at %s, want the changelist", loc)
		}
		b.mustSee("after add", "The book “The Tombs of Atuan” was added successfully.", "8 books")
		var tombs Book
		if err := db.Where("title = ?", "The Tombs of Atuan").Take(&tombs).Error; err != nil {
			t.Fatalf("added book not in the database: %v", err)
		}
		if tombs.Pages != 205 || !tombs.Published || tombs.Genre != "fiction" || tombs.AuthorID != ursula.ID || tombs.Summary != "A young wizard named Ged." {
			t.Errorf("added book = %+v", tombs)
		}
		b.screenshot("added")

		// Search, case-insensitive.
		b.do(chromedp.SendKeys(chromedp.CSS(`#searchbar`), "LATHE"))
		b.click(`form.search button[type=submit]`, 200)
		if got, want := b.rows(), []string{"The Lathe of Heaven"}; !slices.Equal(got, want) {
			t.Errorf("search LATHE = %q, want %q", got, want)
		}
		b.mustSee("search", "1 book")
		b.screenshot("search")

		// Clear the search, filter by genre.
		b.click(`form.search a`, 200)
		b.click(`aside.filters a[href*="genre=poetry"]`, 200)
		if got, want := b.rows(), []string{"A Wizard of Earthsea", "The Lathe of Heaven", "The Left Hand of Darkness"}; !slices.Equal(got, want) {
			t.Errorf("genre=poetry page 1 = %q, want %q", got, want)
		}
		b.mustSee("filter", "4 books")
		var selected []string
		b.eval(`[...document.querySelectorAll('aside.filters li.selected')].map(li => li.textContent)`, &selected)
		if want := []string{"All", "Poetry", "All"}; !slices.Equal(selected, want) {
			t.Errorf("selected filters = %q, want %q", selected, want)
		}
		b.screenshot("filter")

		// Sort by pages (keeps the filter), then descending.
		b.click(`#result_list thead a[href*="o=pages"]`, 200)
		if got, want := b.rows(), []string{"A Wizard of Earthsea", "The Lathe of Heaven", "The Left Hand of Darkness"}; !slices.Equal(got, want) {
			t.Errorf("poetry by pages = %q, want %q", got, want)
		}
		b.click(`#result_list thead th.sorted a`, 200)
		if got, want := b.rows(), []string{"The Word for World Is Forest", "The Left Hand of Darkness", "The Lathe of Heaven"}; !slices.Equal(got, want) {
			t.Errorf("poetry by pages descending = %q, want %q", got, want)
		}
		if !strings.Contains(b.location(), "genre=poetry") {
			t.Errorf("sorting lost the filter: %s", b.location())
		}
		b.screenshot("sorted")

		// Paginate.
		b.click(`.paginator a[rel=next]`, 200)
		if got, want := b.rows(), []string{"A Wizard of Earthsea"}; !slices.Equal(got, want) {
			t.Errorf("poetry by pages descending, page 2 = %q, want %q", got, want)
		}
		b.mustSee("page 2", "Page 2 of 2")
		b.screenshot("page-2")

		// Change the added book, then its history.
		b.open("/admin/library/book/" + itoa(tombs.ID) + "/change/")
		b.do(chromedp.Clear(chromedp.CSS(`input[name=pages]`)), chromedp.SendKeys(chromedp.CSS(`input[name=pages]`), "180"))
		b.click(`button[name=_continue]`, 200)
		b.mustSee("after change", "was changed successfully")
		b.screenshot("change-form")
		b.click(`.object-tools a`, 200)
		b.mustSee("history", "Change history: The Tombs of Atuan", "Added.", "Changed pages.", "boss")
		if rows := b.text(`#change-history tbody`); strings.Count(rows, "boss") != 2 {
			t.Errorf("history rows:\n%s\nwant 2 entries", rows)
		}
		b.screenshot("history")

		// Delete "Dawn" through its confirmation page.
		var dawn Book
		db.Where("title = ?", "Dawn").Take(&dawn)
		b.open("/admin/library/book/" + itoa(dawn.ID) + "/change/")
		b.click(`a.deletelink`, 200)
		b.mustSee("delete confirmation", "Are you sure you want to delete the book “Dawn”?")
		b.screenshot("delete-confirmation")
		if err := db.Take(&Book{}, dawn.ID).Error; err != nil {
			t.Fatalf("the confirmation page deleted the book: %v", err)
		}
		b.click(`button.danger`, 200)
		b.mustSee("after delete", "The book “Dawn” was deleted successfully.", "7 books")
		if err := db.Take(&Book{}, dawn.ID).Error; err == nil {
			t.Errorf("book %d still in the database after the delete", dawn.ID)
		}
		b.screenshot("deleted")

		// Bulk delete: select two books on the changelist, "Delete selected",
		// the confirmation lists them, then they are gone.
		var kindred, sower Book
		db.Where("title = ?", "Kindred").Take(&kindred)
		db.Where("title = ?", "Parable of the Sower").Take(&sower)
		b.open("/admin/library/book/?author_id=" + itoa(octavia.ID))
		if got, want := b.rows(), []string{"Kindred", "Parable of the Sower"}; !slices.Equal(got, want) {
			t.Fatalf("Octavia's books = %q, want %q", got, want)
		}
		b.do(chromedp.Click(chromedp.CSS(`#action-toggle`)),
			chromedp.SetValue(chromedp.CSS(`select[name=action]`), "delete_selected"))
		b.screenshot("bulk-selected")
		b.click(`.actions button[type=submit]`, 200)
		b.mustSee("bulk delete confirmation", "Are you sure you want to delete the selected books?", "book: Kindred", "book: Parable of the Sower")
		b.screenshot("bulk-delete-confirmation")
		db.Model(&Book{}).Count(&n)
		if n != 7 {
			t.Fatalf("the bulk delete confirmation deleted books: %d left, want 7", n)
		}
		b.click(`button.danger`, 200)
		b.mustSee("after bulk delete", "Successfully deleted 2 books.")
		db.Model(&Book{}).Where("id IN ?", []uint{kindred.ID, sower.ID}).Count(&n)
		if n != 0 {
			t.Errorf("%d of the 2 selected books still in the database", n)
		}
		b.screenshot("bulk-deleted")

		// Logging out ends the session: the admin asks to log in again.
		b.click(`header.site form button`, 200)
		b.open("/admin/")
		if loc := b.location(); !strings.HasPrefix(loc, "/accounts/login/") {
			t.Errorf("after log out, /admin/ → %s, want the login page", loc)
		}
	})
}
