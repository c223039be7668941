package orm_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	_ "modernc.org/sqlite"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/orm"
)

// testApp is an app with a label and, when models is non-nil, models.
type testApp struct {
	label  string
	models []any
}

func (a testApp) Label() string { return a.label }

type modelApp struct{ testApp }

func (a modelApp) Models() []any { return a.models }

func app(label string, models ...any) core.App {
	return modelApp{testApp{label: label, models: models}}
}

// Question and Choice are the polls pair: a question has many choices, a
// choice belongs to a question.
type Question struct {
	ID           uint
	QuestionText string    `gorm:"size:200;not null"`
	PubDate      time.Time `verbose:"date published"`
	Choices      []Choice
}

type Choice struct {
	ID         uint
	QuestionID uint `gorm:"not null"`
	Question   Question
	ChoiceText string `gorm:"size:200;not null"`
	Votes      int    `gorm:"default:0"`
	Secret     string `gorm:"-"`
}

func (Choice) VerboseNamePlural() string { return "options" }

type ChoiceItem struct{ ID uint }

type HTTPRequestLog struct{ ID uint }

// Legacy keeps its pre-existing table.
type Legacy struct {
	Code string `gorm:"primaryKey;size:8"`
}

func (Legacy) TableName() string { return "legacy_codes" }

// Person is called "polls_question" in the database, clashing with Question.
type Person struct {
	ID   uint
	Name string `gorm:"unique"`
}

func (*Person) TableName() string   { return "polls_question" }
func (*Person) VerboseName() string { return "human being" }

// Tag has a many-to-many relation to Article.
type Tag struct {
	ID    uint
	Label string
}

type Article struct {
	ID    uint
	Title string
	Tags  []Tag `gorm:"many2many:article_tags"`
}

type notAModel int

func mustRegistry(t testing.TB, apps ...core.App) *orm.Registry {
	t.Helper()
	reg, err := orm.NewRegistry(apps)
	if err != nil {
		t.Fatalf("NewRegistry() error: %v", err)
	}
	return reg
}

func TestRegistryNaming(t *testing.T) {
	tests := []struct {
		name   string
		apps   []core.App
		tables []string // "app.Name table" per model, in order
	}{
		{
			name:   "django names in app order",
			apps:   []core.App{app("polls", &Question{}, &Choice{}), testApp{label: "nomodels"}, app("shop", &ChoiceItem{})},
			tables: []string{"polls.Question polls_question", "polls.Choice polls_choice", "shop.ChoiceItem shop_choiceitem"},
		},
		{
			name:   "acronyms lowercased without underscores",
			apps:   []core.App{app("logs", &HTTPRequestLog{})},
			tables: []string{"logs.HTTPRequestLog logs_httprequestlog"},
		},
		{
			name:   "tabler wins",
			apps:   []core.App{app("legacy", &Legacy{}), app("people", &Person{})},
			tables: []string{"legacy.Legacy legacy_codes", "people.Person polls_question"},
		},
		{
			name: "no apps",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := mustRegistry(t, tt.apps...)
			var got []string
			for _, m := range reg.Models() {
				got = append(got, m.String()+" "+m.Table)
			}
			if diff := cmp.Diff(tt.tables, got); diff != "" {
				t.Errorf("Models() tables mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRegistryNamingStrategyMatchesGorm(t *testing.T) {
	reg := mustRegistry(t, app("polls", &Question{}, &Choice{}), app("legacy", &Legacy{}))
	tests := []struct {
		name, in, want string
	}{
		{name: "registered", in: "Question", want: "polls_question"},
		{name: "registered second", in: "Choice", want: "polls_choice"},
		{name: "unregistered falls back to gorm", in: "AuditEntry", want: "audit_entries"},
	}
	n := reg.NamingStrategy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := n.TableName(tt.in); got != tt.want {
				t.Errorf("NamingStrategy().TableName(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
	if got, want := n.ColumnName("polls_question", "QuestionText"), "question_text"; got != want {
		t.Errorf("NamingStrategy().ColumnName(%q) = %q; want %q", "QuestionText", got, want)
	}
}

func TestRegistryErrors(t *testing.T) {
	tests := []struct {
		name string
		apps []core.App
		want []string // substrings of the error
	}{
		{
			name: "same table across apps names both",
			apps: []core.App{app("polls", &Question{}), app("people", &Person{})},
			want: []string{`polls.Question`, `people.Person`, `"polls_question"`},
		},
		{
			name: "non-pointer model",
			apps: []core.App{app("polls", Question{})},
			want: []string{`app "polls"`, `orm_test.Question`, "not a pointer to a struct"},
		},
		{
			name: "pointer to non-struct",
			apps: []core.App{app("polls", new(notAModel))},
			want: []string{`app "polls"`, `*orm_test.notAModel`},
		},
		{
			name: "nil model",
			apps: []core.App{app("polls", nil)},
			want: []string{`app "polls"`, "<nil>"},
		},
		{
			name: "registered twice",
			apps: []core.App{app("polls", &Question{}), app("quiz", &Question{})},
			want: []string{`app "quiz"`, `already registered by app "polls"`},
		},
		{
			name: "nil app",
			apps: []core.App{nil},
			want: []string{"apps[0] is nil"},
		},
		{
			name: "every problem reported",
			apps: []core.App{app("polls", Question{}, 3)},
			want: []string{"orm_test.Question", "model int"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := orm.NewRegistry(tt.apps)
			if err == nil {
				t.Fatalf("NewRegistry() = %v, nil; want an error", reg)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("NewRegistry() error = %q; want it to contain %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "orm: ") {
				t.Errorf("NewRegistry() error = %q; want prefix %q", err, "orm: ")
			}
		})
	}
}

// TestRegistrySameGoName: gorm names tables from the Go type name alone,
// so two distinct types both called Question (in two apps) are refused.
func TestRegistrySameGoName(t *testing.T) {
	other := func() any {
		type Question struct{ ID uint } // a different type with the same name
		return &Question{}
	}()
	_, err := orm.NewRegistry([]core.App{app("polls", &Question{}), app("quiz", other)})
	if err == nil {
		t.Fatal("NewRegistry(two types named Question) = nil error; want an error")
	}
	for _, w := range []string{"polls.Question", "quiz.Question", "TableName()"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("NewRegistry() error = %q; want it to contain %q", err, w)
		}
	}
}

func TestRegistryModelMetadata(t *testing.T) {
	reg := mustRegistry(t, app("polls", &Question{}, &Choice{}), app("blog", &Tag{}, &Article{}))
	typeCmp := cmp.Comparer(func(a, b reflect.Type) bool { return a == b })
	tests := []struct {
		name  string
		model any
		want  *orm.Model
	}{
		{
			name:  "question has many choices",
			model: &Question{},
			want: &orm.Model{
				App: "polls", Name: "Question", Table: "polls_question", Type: reflect.TypeFor[Question](),
				VerboseName: "question", VerboseNamePlural: "questions",
				Fields: []orm.Field{
					{Name: "ID", Column: "id", GoType: reflect.TypeFor[uint](), DataType: "uint", PrimaryKey: true, AutoIncrement: true, Size: 64, VerboseName: "id"},
					{Name: "QuestionText", Column: "question_text", GoType: reflect.TypeFor[string](), DataType: "string", NotNull: true, Size: 200, VerboseName: "question text"},
					{Name: "PubDate", Column: "pub_date", GoType: reflect.TypeFor[time.Time](), DataType: "time", VerboseName: "date published"},
					{Name: "Choices", GoType: reflect.TypeFor[[]Choice](), VerboseName: "choices", Relation: &orm.Relation{
						Kind: orm.HasMany, Table: "polls_choice", ForeignKeys: []string{"question_id"}, References: []string{"id"},
					}},
				},
			},
		},
		{
			name:  "choice belongs to question",
			model: &Choice{},
			want: &orm.Model{
				App: "polls", Name: "Choice", Table: "polls_choice", Type: reflect.TypeFor[Choice](),
				VerboseName: "choice", VerboseNamePlural: "options",
				Fields: []orm.Field{
					{Name: "ID", Column: "id", GoType: reflect.TypeFor[uint](), DataType: "uint", PrimaryKey: true, AutoIncrement: true, Size: 64, VerboseName: "id"},
					{Name: "QuestionID", Column: "question_id", GoType: reflect.TypeFor[uint](), DataType: "uint", NotNull: true, Size: 64, VerboseName: "question id"},
					{Name: "Question", GoType: reflect.TypeFor[Question](), VerboseName: "question", Relation: &orm.Relation{
						Kind: orm.BelongsTo, Table: "polls_question", ForeignKeys: []string{"question_id"}, References: []string{"id"},
					}},
					{Name: "ChoiceText", Column: "choice_text", GoType: reflect.TypeFor[string](), DataType: "string", NotNull: true, Size: 200, VerboseName: "choice text"},
					{Name: "Votes", Column: "votes", GoType: reflect.TypeFor[int](), DataType: "int", Size: 64, Default: "0", VerboseName: "votes"},
				},
			},
		},
		{
			name:  "many to many",
			model: &Article{},
			want: &orm.Model{
				App: "blog", Name: "Article", Table: "blog_article", Type: reflect.TypeFor[Article](),
				VerboseName: "article", VerboseNamePlural: "articles",
				Fields: []orm.Field{
					{Name: "ID", Column: "id", GoType: reflect.TypeFor[uint](), DataType: "uint", PrimaryKey: true, AutoIncrement: true, Size: 64, VerboseName: "id"},
					{Name: "Title", Column: "title", GoType: reflect.TypeFor[string](), DataType: "string", VerboseName: "title"},
					{Name: "Tags", GoType: reflect.TypeFor[[]Tag](), VerboseName: "tags", Relation: &orm.Relation{
						Kind: orm.ManyToMany, Table: "blog_tag", JoinTable: "article_tags",
						ForeignKeys: []string{"article_id"}, References: []string{"id"},
						JoinForeignKeys: []string{"tag_id"}, JoinReferences: []string{"id"},
					}},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := reg.Model(tt.model)
			if !ok {
				t.Fatalf("Model(%T) = _, false; want the model", tt.model)
			}
			if diff := cmp.Diff(tt.want, got, typeCmp, cmpopts.IgnoreFields(orm.Model{}, "PrimaryKey")); diff != "" {
				t.Errorf("Model(%T) mismatch (-want +got):\n%s", tt.model, diff)
			}
			if got.PrimaryKey == nil || got.PrimaryKey != &got.Fields[0] {
				t.Errorf("Model(%T).PrimaryKey = %v; want &Fields[0] (ID)", tt.model, got.PrimaryKey)
			}
		})
	}
}

func TestRegistryVerboseNames(t *testing.T) {
	reg := mustRegistry(t, app("logs", &HTTPRequestLog{}, &ChoiceItem{}), app("people", &Person{}), app("polls", &Choice{}))
	tests := []struct {
		name           string
		model          any
		single, plural string
	}{
		{name: "derived", model: &ChoiceItem{}, single: "choice item", plural: "choice items"},
		{name: "acronym", model: &HTTPRequestLog{}, single: "http request log", plural: "http request logs"},
		{name: "method on pointer", model: &Person{}, single: "human being", plural: "human beings"},
		{name: "plural method", model: &Choice{}, single: "choice", plural: "options"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := reg.Model(tt.model)
			if !ok {
				t.Fatalf("Model(%T) = _, false; want the model", tt.model)
			}
			if m.VerboseName != tt.single || m.VerboseNamePlural != tt.plural {
				t.Errorf("Model(%T) verbose names = %q, %q; want %q, %q", tt.model, m.VerboseName, m.VerboseNamePlural, tt.single, tt.plural)
			}
		})
	}
}

func TestRegistryLookupsAreCached(t *testing.T) {
	reg := mustRegistry(t, app("polls", &Question{}, &Choice{}), app("legacy", &Legacy{}))
	q, ok := reg.Model(&Question{})
	if !ok {
		t.Fatal("Model(&Question{}) = _, false; want the model")
	}
	tests := []struct {
		name string
		get  func() (*orm.Model, bool)
	}{
		{name: "pointer again", get: func() (*orm.Model, bool) { return reg.Model(&Question{}) }},
		{name: "value", get: func() (*orm.Model, bool) { return reg.Model(Question{}) }},
		{name: "nil pointer", get: func() (*orm.Model, bool) { return reg.Model((*Question)(nil)) }},
		{name: "by table", get: func() (*orm.Model, bool) { return reg.ByTable("polls_question") }},
		{name: "models", get: func() (*orm.Model, bool) { return reg.Models()[0], true }},
		{name: "for app", get: func() (*orm.Model, bool) { return reg.ForApp("polls")[0], true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := tt.get(); !ok || got != q {
				t.Errorf("lookup = %p, %v; want the cached %p, true", got, ok, q)
			}
		})
	}

	misses := []struct {
		name string
		get  func() (*orm.Model, bool)
	}{
		{name: "unregistered type", get: func() (*orm.Model, bool) { return reg.Model(&Tag{}) }},
		{name: "nil", get: func() (*orm.Model, bool) { return reg.Model(nil) }},
		{name: "unknown table", get: func() (*orm.Model, bool) { return reg.ByTable("polls_tag") }},
	}
	for _, tt := range misses {
		t.Run("miss "+tt.name, func(t *testing.T) {
			if got, ok := tt.get(); ok || got != nil {
				t.Errorf("lookup = %v, %v; want nil, false", got, ok)
			}
		})
	}
	if got := reg.ForApp("legacy"); len(got) != 1 || got[0].Name != "Legacy" {
		t.Errorf("ForApp(%q) = %v; want [legacy.Legacy]", "legacy", got)
	}
	if got := reg.ForApp("missing"); got != nil {
		t.Errorf("ForApp(%q) = %v; want nil", "missing", got)
	}
	// Models returns a copy: changing it does not change the registry.
	reg.Models()[0] = nil
	if reg.Models()[0] != q {
		t.Error("Models()[0] changed after modifying a previous result; want a copy")
	}
}

func TestRegistryZeroValue(t *testing.T) {
	var reg orm.Registry
	if m, ok := reg.Model(&Question{}); ok {
		t.Errorf("zero Registry Model() = %v, true; want nil, false", m)
	}
	if got, want := reg.NamingStrategy().TableName("Question"), "questions"; got != want {
		t.Errorf("zero Registry NamingStrategy().TableName(%q) = %q; want %q", "Question", got, want)
	}
}

// TestRegistryInstall checks that gorm, with the registry installed, creates
// and queries the registry's tables.
func TestRegistryInstall(t *testing.T) {
	reg := mustRegistry(t, app("polls", &Question{}, &Choice{}))
	db, err := gorm.Open(sqlite.Dialector{DriverName: "sqlite", DSN: "file::memory:"}, &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1) // one in-memory database
	t.Cleanup(func() { sqlDB.Close() })
	if err := reg.Install(db); err != nil {
		t.Fatalf("Install() error: %v", err)
	}
	if err := db.AutoMigrate(&Question{}, &Choice{}); err != nil {
		t.Fatalf("AutoMigrate() error: %v", err)
	}
	for _, table := range []string{"polls_question", "polls_choice"} {
		if !db.Migrator().HasTable(table) {
			t.Errorf("HasTable(%q) = false after AutoMigrate; want true", table)
		}
	}
	q := Question{QuestionText: "What's new?", Choices: []Choice{{ChoiceText: "Not much"}}}
	if err := db.Create(&q).Error; err != nil {
		t.Fatalf("Create() error: %v", err)
	}
	var got Choice
	if err := db.Preload("Question").First(&got).Error; err != nil {
		t.Fatalf("First(&Choice) error: %v", err)
	}
	if got.Question.QuestionText != q.QuestionText {
		t.Errorf("Choice.Question.QuestionText = %q; want %q", got.Question.QuestionText, q.QuestionText)
	}

	// A model gorm already parsed with another strategy is reported.
	db2, err := gorm.Open(sqlite.Dialector{DriverName: "sqlite", DSN: "file::memory:"}, &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := db2.DB(); err == nil {
		t.Cleanup(func() { d.Close() })
	}
	_ = (&gorm.Statement{DB: db2}).Parse(&Question{})
	if err := reg.Install(db2); err == nil || !strings.Contains(err.Error(), `"questions"`) {
		t.Errorf("Install(after first query) = %v; want an error naming the stale table %q", err, "questions")
	}
}

func BenchmarkRegistryModel(b *testing.B) {
	reg := mustRegistry(b, app("polls", &Question{}, &Choice{}), app("legacy", &Legacy{}))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := reg.Model(&Question{}); !ok {
			b.Fatal("Model(&Question{}) = _, false")
		}
	}
}
