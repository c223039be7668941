package admin_test

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/admin"
	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations/migrationstest"
	"github.com/djinn-go/djinn/orm"
)

// benchRows is the size of the books table of BenchmarkChangelist.
const benchRows = 1_000_000

// benchWords are the words of the generated titles: each is in 1 title
// of len(benchWords).
var benchWords = []string{"amber", "basalt", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper",
	"kestrel", "lagoon", "marble", "nectar", "onyx", "prairie", "quartz", "raven", "saffron", "tundra",
	"umber", "violet", "willow", "xenon", "yarrow", "zephyr", "acorn", "birch", "coral", "dune",
	"elm", "flint", "glacier", "heron", "ivory", "jade", "kelp", "lichen", "moss", "nimbus",
	"opal", "pine", "quill", "reef", "slate", "thistle", "upland", "vale", "wren", "yew"}

// sqlLog records the SQL statements a project's gorm runs.
type sqlLog struct {
	mu   sync.Mutex
	sqls []string
}

func (l *sqlLog) record(db *gorm.DB) {
	l.mu.Lock()
	l.sqls = append(l.sqls, db.Statement.SQL.String())
	l.mu.Unlock()
}

// take returns the statements since the last take.
func (l *sqlLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.sqls
	l.sqls = nil
	return out
}

// countStar matches a COUNT of rows.
var countStar = regexp.MustCompile(`(?i)\bcount\s*\(`)

// BenchmarkChangelist measures the changelist of a 1,000,000-row table
// on PostgreSQL, through the project's handler with a logged-in staff
// user (view and change permissions): the first page, a deep page, and
// both with a search and a filter. It reports the median per page as
// p50-ms and the SQL statements per page, and fails if a page counts
// rows. The table is filled with INSERT … SELECT generate_series and has
// the indexes a project would add: a trigram index for the search and a
// b-tree on the filtered column and the order (setup ≈ 12 s).
//
// It runs only when the -bench pattern names it (go test -run '^$'
// -bench Changelist ./admin/), not with -bench ., and when PostgreSQL is
// up.
func BenchmarkChangelist(b *testing.B) {
	if pat := flag.Lookup("test.bench"); pat == nil || !strings.Contains(pat.Value.String(), "Changelist") {
		b.Skip("BenchmarkChangelist builds a 1,000,000-row table: run it by name, -bench Changelist")
	}
	dbURL := djinntest.PostgresURL(b)
	start := time.Now()
	bookAdmin := admin.ModelAdmin{
		ListDisplay:  []string{"title", "Author", "pages", "published", "genre"},
		SearchFields: []string{"title"},
		ListFilter:   []string{"published", "genre", "Author"},
		Ordering:     []string{"title"},
	}
	lib := &library{admins: map[string]admin.ModelAdmin{"book": bookAdmin, "author": admin.Auto()}}
	p := migrationstest.Setup(b, settings(dbURL, lib, admin.New()))
	oa, err := orm.From(p)
	if err != nil {
		b.Fatal(err)
	}
	db := oa.DB()
	if err := db.AutoMigrate(&Author{}, &Book{}); err != nil {
		b.Fatal(err)
	}
	authors, books := benchTable(b, oa, &Author{}), benchTable(b, oa, &Book{})
	words := "ARRAY['" + strings.Join(benchWords, "','") + "']"
	for _, stmt := range []string{
		`INSERT INTO ` + authors + ` (name) SELECT 'Author ' || i FROM generate_series(1, 1000) AS i`,
		// Titles are unique, with a word in every 50th ("Book 0000042 raven"),
		// and sorted by title they interleave the genres and authors.
		`INSERT INTO ` + books + ` (title, summary, pages, published, genre, author_id)
		SELECT 'Book ' || lpad(i::text, 7, '0') || ' ' || (` + words + `)[1 + i % 50],
			'', 50 + i % 900, i % 3 = 0, CASE WHEN i % 4 = 0 THEN 'poetry' ELSE 'fiction' END, 1 + i % 1000
		FROM generate_series(1, 1000000) AS i`,
		// What a project adds for a searched and filtered changelist: a
		// trigram index on the searched expression (LOWER(title) LIKE
		// '%…%'), b-trees on the filter.
		`CREATE EXTENSION IF NOT EXISTS pg_trgm`,
		`CREATE INDEX bench_title_trgm ON ` + books + ` USING gin (LOWER(title) gin_trgm_ops)`,
		`CREATE INDEX bench_published_title ON ` + books + ` (published, title)`,
		`ANALYZE ` + authors,
		`ANALYZE ` + books,
	} {
		if err := db.Exec(stmt).Error; err != nil {
			b.Fatalf("set up %d books: %s: %v", benchRows, strings.Fields(stmt)[0:3], err)
		}
	}
	var reltuples float64
	db.Raw(`SELECT reltuples FROM pg_class WHERE oid = to_regclass(?)`, books).Scan(&reltuples)
	if reltuples < benchRows*0.9 {
		b.Fatalf("pg_class.reltuples of books = %.0f after ANALYZE, want ≈ %d", reltuples, benchRows)
	}

	// A staff user with the book permissions, logged in; then every
	// statement of the project is recorded.
	h := p.Handler()
	cookies := benchLogin(b, p, h)
	log := &sqlLog{}
	for _, cb := range []interface {
		Register(name string, fn func(*gorm.DB)) error
	}{
		db.Callback().Query().After("gorm:query"),
		db.Callback().Row().After("gorm:row"),
		db.Callback().Raw().After("gorm:raw"),
	} {
		if err := cb.Register("admin_bench:log", log.record); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("setup of %d rows: %s", benchRows, time.Since(start).Round(time.Millisecond))

	for _, bc := range []struct {
		name, query string
		want        string // the first row of the page
	}{
		{"first-page", "", "Book 0000001 basalt"},
		{"deep-page", "p=1000", "Book 0099901 basalt"},
		{"search+filter", "q=raven&published=1", "Book 0000117 raven"},
		{"search+filter/deep", "q=raven&published=1&p=40", "Book 0585117 raven"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			path := "/admin/library/book/?" + bc.query
			body := benchGet(b, h, path, cookies)
			if !strings.Contains(body, ">"+bc.want+"</a>") {
				b.Fatalf("GET %s: first row %q missing", path, bc.want)
			}
			sqls := log.take()
			for _, s := range sqls {
				if countStar.MatchString(s) {
					b.Errorf("GET %s counts rows: %s", path, s)
				}
			}
			if testing.Verbose() {
				b.Logf("GET %s: %d statements:\n%s", path, len(sqls), strings.Join(sqls, "\n"))
			}
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				benchGet(b, h, path, cookies)
				times = append(times, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(len(log.take()))/float64(len(times)), "sql/op")
		})
	}
}

// benchTable returns the table of model.
func benchTable(b *testing.B, oa *orm.App, model any) string {
	b.Helper()
	m, ok := oa.Registry().Model(model)
	if !ok {
		b.Fatalf("%T is not a model", model)
	}
	return m.Table
}

// benchLogin creates a staff user with the view and change permissions
// of books and authors, logs in through the login view and returns the
// session's cookies.
func benchLogin(b *testing.B, p *core.Project, h http.Handler) []*http.Cookie {
	b.Helper()
	aa, err := auth.From(p)
	if err != nil {
		b.Fatal(err)
	}
	oa, _ := orm.From(p)
	db := oa.DB()
	u, err := aa.CreateUser(b.Context(), "staff", "staff@example.com", "s3cret-Passw0rd!")
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Model(u).Update("is_staff", true).Error; err != nil {
		b.Fatal(err)
	}
	var perms []auth.Permission
	if err := db.Where("app = ? AND codename IN ?", "library", []string{"view_book", "change_book", "view_author"}).Find(&perms).Error; err != nil || len(perms) != 3 {
		b.Fatalf("permissions of library: %d, %v", len(perms), err)
	}
	if err := db.Model(u).Association("Permissions").Append(&perms); err != nil {
		b.Fatal(err)
	}
	form := url.Values{"username": {"staff"}, "password": {"s3cret-Passw0rd!"}}
	req := httptest.NewRequestWithContext(b.Context(), "POST", "http://127.0.0.1/accounts/login/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusFound {
		b.Fatalf("log in: status %d, want 302:\n%s", rec.Code, rec.Body)
	}
	return rec.Result().Cookies()
}

// benchGet serves GET path with the cookies and returns the body; fails
// unless the status is 200.
func benchGet(b *testing.B, h http.Handler, path string, cookies []*http.Cookie) string {
	req := httptest.NewRequestWithContext(b.Context(), "GET", "http://127.0.0.1"+path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: status %d:\n%.2000s", path, rec.Code, rec.Body)
	}
	return rec.Body.String()
}
