package orm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

// Quiz and Answer are a parent and a child (Answer belongs to Quiz);
// Sample has a column of each kind a fixture must carry.
type Quiz struct {
	ID      uint
	Text    string `gorm:"size:200;not null"`
	PubDate time.Time
	Answers []Answer
}

type Answer struct {
	ID     uint
	QuizID uint `gorm:"not null"`
	Quiz   Quiz
	Text   string
	Votes  int
}

type Sample struct {
	ID     uint
	At     time.Time
	Active bool
	Blob   []byte
	Note   *string
	Text   string
}

// quizApp registers Answer before Quiz, so that loading must reorder them.
type quizApp struct{}

func (quizApp) Label() string          { return "quizzes" }
func (quizApp) Dependencies() []string { return []string{orm.Label} }
func (quizApp) Models() []any          { return []any{&Answer{}, &Quiz{}, &Sample{}} }

// quizProject returns a set-up project with quizApp on url and its
// tables created.
func quizProject(t *testing.T, url string) (*core.Project, *orm.App) {
	t.Helper()
	p, oa := setUpProject(t, url, quizApp{})
	if err := oa.DB().WithContext(t.Context()).AutoMigrate(&Quiz{}, &Answer{}, &Sample{}); err != nil {
		t.Fatal(err)
	}
	return p, oa
}

// setUpProject returns a set-up project with the orm and apps on url.
func setUpProject(t *testing.T, url string, apps ...core.App) (*core.Project, *orm.App) {
	t.Helper()
	s := core.Defaults()
	s.Debug = true
	s.Logging.Handler = slog.DiscardHandler
	s.Database.URL = url
	s.InstalledApps = append([]core.App{orm.New()}, apps...)
	p := core.New(s)
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	oa, err := orm.From(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, oa
}

func ptr[T any](v T) *T { return &v }

// seed creates two quizzes, three answers and two samples.
func seed(t *testing.T, db *gorm.DB) {
	t.Helper()
	at := time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
	rows := []any{
		&Quiz{ID: 1, Text: `What's "new"? ☃ 日本語`, PubDate: at},
		&Quiz{ID: 2, Text: "Second\nline", PubDate: at.Add(time.Hour)},
		&Answer{ID: 1, QuizID: 1, Text: "Not much", Votes: 3},
		&Answer{ID: 2, QuizID: 1, Text: "The sky 🌤", Votes: 0},
		&Answer{ID: 3, QuizID: 2, Text: "", Votes: -1},
		&Sample{ID: 1, At: at.In(time.FixedZone("CET", 3600)), Active: true, Blob: []byte{0, 1, 2, 0xff}, Note: ptr("ünïcødé"), Text: "naïve café"},
		&Sample{ID: 2, At: time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC), Active: false, Blob: nil, Note: nil, Text: ""},
	}
	for _, r := range rows {
		if err := db.WithContext(t.Context()).Create(r).Error; err != nil {
			t.Fatalf("create %+v: %v", r, err)
		}
	}
}

// contents is every row of the quiz app, in primary-key order.
type contents struct {
	Quizzes []Quiz
	Answers []Answer
	Samples []Sample
}

func readAll(t *testing.T, db *gorm.DB) contents {
	t.Helper()
	var c contents
	db = db.WithContext(t.Context()).Order("id")
	for _, dst := range []any{&c.Quizzes, &c.Answers, &c.Samples} {
		if err := db.Find(dst).Error; err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestDumpDataShape(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		_, oa := quizProject(t, url)
		seed(t, oa.DB())
		var b bytes.Buffer
		n, err := orm.DumpData(t.Context(), oa.DB(), oa.Registry(), &b, orm.DumpOptions{Labels: []string{"quizzes.Quiz", "quizzes.sample"}, BatchSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		want := `[{"model": "quizzes.quiz", "pk": 1, "fields": {"text": "What's \"new\"? ☃ 日本語", "pub_date": "2024-01-02T03:04:05.123456Z"}}, ` +
			`{"model": "quizzes.quiz", "pk": 2, "fields": {"text": "Second\nline", "pub_date": "2024-01-02T04:04:05.123456Z"}}, ` +
			`{"model": "quizzes.sample", "pk": 1, "fields": {"at": "2024-01-02T03:04:05.123456Z", "active": true, "blob": "AAEC/w==", "note": "ünïcødé", "text": "naïve café"}}, ` +
			`{"model": "quizzes.sample", "pk": 2, "fields": {"at": "1999-12-31T23:59:59Z", "active": false, "blob": null, "note": null, "text": ""}}]` + "\n"
		if diff := cmp.Diff(want, b.String()); diff != "" {
			t.Errorf("DumpData (-want +got):\n%s", diff)
		}
		if n != 4 {
			t.Errorf("DumpData returned %d objects; want 4", n)
		}

		b.Reset()
		if _, err := orm.DumpData(t.Context(), oa.DB(), oa.Registry(), &b, orm.DumpOptions{Labels: []string{"quizzes"}, Exclude: []string{"quizzes.quiz", "quizzes.sample"}, Indent: 2}); err != nil {
			t.Fatal(err)
		}
		wantIndented := `[
{
  "model": "quizzes.answer",
  "pk": 1,
  "fields": {
    "quiz_id": 1,
    "text": "Not much",
    "votes": 3
  }
},
{
  "model": "quizzes.answer",
  "pk": 2,
  "fields": {
    "quiz_id": 1,
    "text": "The sky 🌤",
    "votes": 0
  }
},
{
  "model": "quizzes.answer",
  "pk": 3,
  "fields": {
    "quiz_id": 2,
    "text": "",
    "votes": -1
  }
}
]
`
		if diff := cmp.Diff(wantIndented, b.String()); diff != "" {
			t.Errorf("DumpData with Indent 2 (-want +got):\n%s", diff)
		}
	})
}

func TestDumpDataBadLabel(t *testing.T) {
	reg, err := orm.NewRegistry([]core.App{quizApp{}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts orm.DumpOptions
		want string
	}{
		{"unknown app", orm.DumpOptions{Labels: []string{"nope"}}, `orm: no app "nope" with models`},
		{"unknown model", orm.DumpOptions{Labels: []string{"quizzes.nope"}}, `orm: app "quizzes" has no model "quizzes.nope"`},
		{"unknown exclude", orm.DumpOptions{Exclude: []string{"other.quiz"}}, `orm: no app "other.quiz" with models`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			// The labels are checked before the database is used.
			_, err := orm.DumpData(t.Context(), nil, reg, &b, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DumpData(%+v) error = %v; want it to contain %q", tt.opts, err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("DumpData(%+v) wrote %q; want nothing", tt.opts, b.String())
			}
		})
	}
}

func TestLoadDataRoundTrip(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		_, oa := quizProject(t, url)
		db, reg := oa.DB(), oa.Registry()
		seed(t, db)
		before := readAll(t, db)
		var b bytes.Buffer
		if _, err := orm.DumpData(t.Context(), db, reg, &b, orm.DumpOptions{BatchSize: 2}); err != nil {
			t.Fatal(err)
		}
		tables, err := orm.Flush(t.Context(), db, reg)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(tables, ","), "quizzes_answer,quizzes_quiz,quizzes_sample"; got != want {
			t.Errorf("Flush emptied %s; want %s", got, want)
		}
		if got := readAll(t, db); len(got.Quizzes)+len(got.Answers)+len(got.Samples) != 0 {
			t.Fatalf("after Flush: %+v; want no rows", got)
		}
		n, err := orm.LoadData(t.Context(), db, reg, orm.Fixture{Name: "dump.json", R: &b})
		if err != nil {
			t.Fatal(err)
		}
		if n != 7 {
			t.Errorf("LoadData = %d; want 7", n)
		}
		if diff := cmp.Diff(before, readAll(t, db)); diff != "" {
			t.Errorf("rows after dump, flush, load (-before +after):\n%s", diff)
		}
		q := Quiz{Text: "next", PubDate: time.Now()}
		if err := db.WithContext(t.Context()).Create(&q).Error; err != nil {
			t.Fatalf("create after LoadData: %v", err)
		}
		if q.ID != 3 {
			t.Errorf("new quiz after LoadData got ID %d; want 3", q.ID)
		}
	})
}

func TestLoadDataErrorKinds(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		_, oa := quizProject(t, url)
		db, reg := oa.DB(), oa.Registry()
		seed(t, db)
		tests := []struct {
			name    string
			fixture string
			kind    error
		}{
			{"duplicate pk", `[{"model": "quizzes.quiz", "pk": 2, "fields": {"text": "again"}}]`, orm.ErrDuplicate},
			{"missing parent", `[{"model": "quizzes.answer", "pk": 9, "fields": {"quiz_id": 77}}]`, orm.ErrForeignKey},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := orm.LoadData(t.Context(), db, reg, orm.Fixture{Name: "f.json", R: strings.NewReader(tt.fixture)})
				if !errors.Is(err, tt.kind) {
					t.Errorf("LoadData error = %v; want errors.Is %v", err, tt.kind)
				}
			})
		}
	})
}

func TestFlushJoinTables(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		_, oa := setUpProject(t, url, app("news", &Tag{}, &Article{}))
		db := oa.DB().WithContext(t.Context())
		if err := db.AutoMigrate(&Tag{}, &Article{}); err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&Article{Title: "Go", Tags: []Tag{{Label: "lang"}, {Label: "news"}}}).Error; err != nil {
			t.Fatal(err)
		}
		// The relation field is left out of the dump.
		var b bytes.Buffer
		if _, err := orm.DumpData(t.Context(), db, oa.Registry(), &b, orm.DumpOptions{Labels: []string{"news.article"}}); err != nil {
			t.Fatal(err)
		}
		if want := `[{"model": "news.article", "pk": 1, "fields": {"title": "Go"}}]` + "\n"; b.String() != want {
			t.Errorf("DumpData(news.article) = %q; want %q", b.String(), want)
		}

		tables, err := orm.Flush(t.Context(), db, oa.Registry())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(tables, ","), "news_tag,news_article,article_tags"; got != want {
			t.Errorf("Flush emptied %s; want %s", got, want)
		}
		for _, table := range tables {
			var n int64
			if err := db.Table(table).Count(&n).Error; err != nil || n != 0 {
				t.Errorf("%s after Flush: %d rows, %v; want 0", table, n, err)
			}
		}
	})
}

func ExampleLoadData() {
	ctx := context.Background()
	db, err := orm.Open(ctx, core.DatabaseSettings{URL: "sqlite:///:memory:"}, nil)
	if err != nil {
		panic(err)
	}
	reg, err := orm.NewRegistry([]core.App{quizApp{}})
	if err != nil {
		panic(err)
	}
	if err := reg.Install(db); err != nil {
		panic(err)
	}
	if err := db.AutoMigrate(&Quiz{}, &Answer{}); err != nil {
		panic(err)
	}

	fixture := `[
		{"model": "quizzes.answer", "pk": 7, "fields": {"quiz_id": 1, "text": "Yes", "votes": 2}},
		{"model": "quizzes.quiz", "pk": 1, "fields": {"text": "Ready?", "pub_date": "2024-01-02T03:04:05Z"}}
	]`
	n, err := orm.LoadData(ctx, db, reg, orm.Fixture{Name: "quizzes.json", R: strings.NewReader(fixture)})
	fmt.Println("loaded", n, err)

	_, err = orm.DumpData(ctx, db, reg, os.Stdout, orm.DumpOptions{Labels: []string{"quizzes.quiz", "quizzes.answer"}})
	fmt.Println(err)

	_, err = orm.LoadData(ctx, db, reg, orm.Fixture{Name: "again.json", R: strings.NewReader(`[{"model": "quizzes.quiz", "pk": 1}]`)})
	fmt.Println(errors.Is(err, orm.ErrDuplicate))
	// Output:
	// loaded 2 <nil>
	// [{"model": "quizzes.answer", "pk": 7, "fields": {"quiz_id": 1, "text": "Yes", "votes": 2}}, {"model": "quizzes.quiz", "pk": 1, "fields": {"text": "Ready?", "pub_date": "2024-01-02T03:04:05Z"}}]
	// <nil>
	// true
}
