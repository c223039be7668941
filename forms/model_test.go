package forms

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

// Author and Question are the models of the model form tests: a question
// belongs to an author; Text is unique and sized, Slug unique and set by
// code, IsStaff never editable.
type Author struct {
	ID      uint
	Name    string `gorm:"size:50;not null;unique"`
	IsStaff bool
}

func (a *Author) String() string { return a.Name }

type Question struct {
	ID        uint
	Text      string  `gorm:"size:20;not null;unique"`
	Slug      *string `gorm:"size:50;unique"`
	Body      string
	AuthorID  uint `gorm:"not null"`
	Author    Author
	Published bool
	Votes     int
}

type pollsApp struct{}

func (pollsApp) Label() string { return "polls" }
func (pollsApp) Models() []any { return []any{&Author{}, &Question{}} }

func openPolls(t *testing.T, url string) (*gorm.DB, *orm.Registry) {
	t.Helper()
	db, err := orm.Open(t.Context(), core.DatabaseSettings{URL: url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	reg, err := orm.NewRegistry([]core.App{pollsApp{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Install(db); err != nil {
		t.Fatal(err)
	}
	if err := db.WithContext(t.Context()).AutoMigrate(&Author{}, &Question{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Ada", "Grace", "Barbara"} {
		if err := db.WithContext(t.Context()).Create(&Author{Name: name}).Error; err != nil {
			t.Fatal(err)
		}
	}
	return db, reg
}

func post(t *testing.T, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func questionForm(t *testing.T, reg *orm.Registry) *ModelForm[Question] {
	t.Helper()
	mf, err := NewModelForm[Question](reg, ModelFormOptions{Fields: []string{"text", "Author", "published", "body"}})
	if err != nil {
		t.Fatal(err)
	}
	return mf
}

func TestNewModelFormErrors(t *testing.T) {
	reg, err := orm.NewRegistry([]core.App{pollsApp{}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		opts ModelFormOptions
		want string
	}{
		{ModelFormOptions{}, "set ModelFormOptions.Fields"},
		{ModelFormOptions{Fields: []string{"nope"}}, `has no field "nope"`},
		{ModelFormOptions{Fields: []string{"id"}}, "is the primary key"},
	}
	for _, tt := range tests {
		if _, err := NewModelForm[Question](reg, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewModelForm(%+v) = %v; want an error containing %q", tt.opts, err, tt.want)
		}
	}
	if _, err := NewModelForm[struct{ X int }](reg, ModelFormOptions{Fields: []string{"x"}}); err == nil {
		t.Error("NewModelForm of an unregistered type succeeded")
	}
	mf, err := NewModelForm[Question](reg, ModelFormOptions{Exclude: []string{"slug"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mf.Names(), []string{"text", "body", "author_id", "published", "votes"}; !cmp.Equal(got, want) {
		t.Errorf("Exclude slug: Names() = %v; want %v", got, want)
	}
}

func TestModelForm(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db, reg := openPolls(t, url)
		ctx := t.Context()
		mf := questionForm(t, reg)

		t.Run("render", func(t *testing.T) {
			form, err := mf.Form(ctx, db, &Question{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			html, err := form.AsDiv()
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				`<label for="id_text">Text:</label><input type="text" name="text" maxlength="20" required id="id_text">`,
				`<select name="author_id" required id="id_author_id"><option value="" selected>---------</option><option value="1">Ada</option><option value="2">Grace</option><option value="3">Barbara</option></select>`,
				`<input type="checkbox" name="published" id="id_published">`,
				`<textarea name="body" cols="40" rows="10" id="id_body">`,
			} {
				if !strings.Contains(string(html), want) {
					t.Errorf("AsDiv() lacks %s\n%s", want, html)
				}
			}
		})

		t.Run("choice limit", func(t *testing.T) {
			small, err := NewModelForm[Question](reg, ModelFormOptions{Fields: []string{"author_id"}, ChoiceLimit: 2})
			if err != nil {
				t.Fatal(err)
			}
			form, err := small.Form(ctx, db, &Question{AuthorID: 2}, nil)
			if err != nil {
				t.Fatal(err)
			}
			f, _ := form.Field("author_id")
			want := []Choice{{Value: "1", Label: "Ada"}, {Value: "2", Label: "Grace", Selected: true}}
			if diff := cmp.Diff(want, f.Choices); diff != "" || f.HelpText != "Only the first 2 choices are shown." {
				t.Errorf("choices (-want +got):\n%s\nhelp %q", diff, f.HelpText)
			}
		})

		var q Question
		t.Run("create", func(t *testing.T) {
			r := post(t, "text=What%27s+up%3F&author_id=2&published=on&slug=evil&id=99&votes=1000&body=Hi")
			if errs := mf.Bind(r, &q); errs != nil {
				t.Fatalf("Bind: %v", errs)
			}
			errs, err := mf.Save(ctx, db, &q)
			if errs != nil || err != nil {
				t.Fatalf("Save = %v, %v", errs, err)
			}
			var got Question
			if err := db.WithContext(ctx).First(&got, q.ID).Error; err != nil {
				t.Fatal(err)
			}
			want := Question{ID: q.ID, Text: "What's up?", AuthorID: 2, Published: true, Body: "Hi"}
			if diff := cmp.Diff(want, got); diff != "" || q.ID == 99 {
				t.Errorf("saved row (-want +got):\n%s", diff)
			}
		})

		t.Run("update", func(t *testing.T) {
			db.WithContext(ctx).Model(&Question{}).Where("id = ?", q.ID).Update("votes", 7)
			inst, err := orm.Get[Question](ctx, db, q.ID)
			if err != nil {
				t.Fatal(err)
			}
			// Same text as itself is not a duplicate; the checkbox is
			// unchecked; votes is not a field of the form.
			if errs := mf.Bind(post(t, "text=What%27s+up%3F&author_id=3&votes=1"), inst); errs != nil {
				t.Fatalf("Bind: %v", errs)
			}
			if errs, err := mf.Save(ctx, db, inst); errs != nil || err != nil {
				t.Fatalf("Save = %v, %v", errs, err)
			}
			got, _ := orm.Get[Question](ctx, db, q.ID)
			if got.AuthorID != 3 || got.Published || got.Votes != 7 || got.Body != "Hi" {
				t.Errorf("updated row = %+v; want author 3, unpublished, votes 7, body kept", got)
			}
		})

		tests := []struct {
			name, body string
			want       Errors
		}{
			{"required", "text=++&author_id=", Errors{"text": {"This field is required."}, "author_id": {"This field is required."}}},
			{"too long", "text=" + strings.Repeat("x", 25) + "&author_id=1", Errors{"text": {"Ensure this value has at most 20 characters (it has 25)."}}},
			{"not a number", "text=Hello&author_id=one", Errors{"author_id": {"Enter a whole number."}}},
			{"unique", "text=What%27s+up%3F&author_id=1", Errors{"text": {"Question with this Text already exists."}}},
			{"missing author", "text=Hello&author_id=999", Errors{"author_id": {"Select a valid choice. That choice is not one of the available choices."}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var inst Question
				errs := mf.Bind(post(t, tt.body), &inst)
				if errs == nil {
					var err error
					errs, err = mf.Save(ctx, db, &inst)
					if err != nil {
						t.Fatal(err)
					}
				}
				if diff := cmp.Diff(tt.want, errs); diff != "" {
					t.Errorf("errors (-want +got):\n%s", diff)
				}
				var n int64
				db.WithContext(ctx).Model(&Question{}).Count(&n)
				if n != 1 {
					t.Errorf("%d questions in the table; want 1", n)
				}
			})
		}

		t.Run("race", func(t *testing.T) {
			racy := questionForm(t, reg)
			racy.beforeWrite = func(tx *gorm.DB) {
				// Another request inserted the same text after the check.
				if err := tx.Create(&Question{Text: "Racy", AuthorID: 1}).Error; err != nil {
					t.Fatal(err)
				}
			}
			var inst Question
			if errs := racy.Bind(post(t, "text=Racy&author_id=1"), &inst); errs != nil {
				t.Fatal(errs)
			}
			errs, err := racy.Save(ctx, db, &inst)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(Errors{"text": {"Question with this Text already exists."}}, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			var n int64
			db.WithContext(ctx).Model(&Question{}).Where("text = ?", "Racy").Count(&n)
			if n != 0 {
				t.Errorf("%d Racy rows after the rollback; want 0", n)
			}
		})

		t.Run("duplicate of a column the form does not edit", func(t *testing.T) {
			slug := "taken"
			if err := db.WithContext(ctx).Create(&Question{Text: "First", AuthorID: 1, Slug: &slug}).Error; err != nil {
				t.Fatal(err)
			}
			inst := Question{Slug: &slug} // set by code, not by the form
			if errs := mf.Bind(post(t, "text=Second&author_id=1"), &inst); errs != nil {
				t.Fatal(errs)
			}
			errs, err := mf.Save(ctx, db, &inst)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(Errors{NonFieldErrors: {"Question with this Slug already exists."}}, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})

		t.Run("JSON", func(t *testing.T) {
			r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", strings.NewReader(`{"text":"From JSON","author_id":1,"votes":5}`))
			r.Header.Set("Content-Type", "application/json")
			var inst Question
			if errs := mf.Bind(r, &inst); errs != nil {
				t.Fatal(errs)
			}
			if inst.Text != "From JSON" || inst.AuthorID != 1 || inst.Votes != 0 {
				t.Errorf("bound %+v; want text, author 1, votes 0", inst)
			}
		})
	})
}

// TestModelFormMassAssignment checks that a column not in Fields cannot be
// set from the request, whatever name it is sent under.
func TestModelFormMassAssignment(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		db, reg := openPolls(t, url)
		ctx := t.Context()
		mf, err := NewModelForm[Author](reg, ModelFormOptions{Fields: []string{"name"}})
		if err != nil {
			t.Fatal(err)
		}
		for i, body := range []string{
			"name=Mallory&is_staff=true&IsStaff=true&id=1",
			"name=Mallory2&is_staff=on&ID=1",
		} {
			var a Author
			if errs := mf.Bind(post(t, body), &a); errs != nil {
				t.Fatal(errs)
			}
			if errs, err := mf.Save(ctx, db, &a); errs != nil || err != nil {
				t.Fatalf("Save = %v, %v", errs, err)
			}
			var got Author
			db.WithContext(ctx).Where("name = ?", fmt.Sprintf("Mallory%s", map[int]string{0: "", 1: "2"}[i])).First(&got)
			if got.ID == 0 || got.IsStaff || got.ID == 1 {
				t.Errorf("%s: saved %+v; want a new, non-staff author", body, got)
			}
		}
		var ada Author
		db.WithContext(ctx).First(&ada, 1)
		if ada.Name != "Ada" {
			t.Errorf("author 1 became %+v", ada)
		}
	})
}
