package admin_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/admin"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations/migrationstest"
	"github.com/djinn-go/djinn/orm"
)

// Survey has answers, edited inline.
type Survey struct {
	ID      uint
	Title   string `gorm:"size:100;not null"`
	Answers []Answer
}

func (s *Survey) String() string { return s.Title }

// Answer belongs to a survey.
type Answer struct {
	ID       uint
	SurveyID uint   `gorm:"not null"`
	Text     string `gorm:"size:50;not null"`
	Votes    int    `gorm:"not null"`
}

func (a *Answer) String() string { return a.Text }

// Tag is the target of Note's many-to-many relation.
type Tag struct {
	ID   uint
	Name string `gorm:"size:50;not null"`
}

func (t *Tag) String() string { return t.Name }

// Note has tags.
type Note struct {
	ID   uint
	Text string `gorm:"size:100;not null"`
	Tags []Tag  `gorm:"many2many:shelf_note_tags"`
}

func (n *Note) String() string { return n.Text }

// shelf is a second test app; it registers the models in admins.
type shelf struct {
	admins map[string]admin.ModelAdmin
}

func (*shelf) Label() string { return "shelf" }
func (*shelf) Models() []any { return []any{&Survey{}, &Answer{}, &Tag{}, &Note{}} }
func (s *shelf) RegisterAdmin(site *admin.Site) error {
	models := map[string]any{"survey": &Survey{}, "answer": &Answer{}, "tag": &Tag{}, "note": &Note{}}
	var errs []error
	for name, ma := range s.admins {
		errs = append(errs, site.Register(models[name], ma))
	}
	return errors.Join(errs...)
}

// newShelfEnv is newEnv with the shelf app and its tables.
func newShelfEnv(t *testing.T, dbURL string, shelfAdmins map[string]admin.ModelAdmin) *env {
	t.Helper()
	st := settings(dbURL, &library{admins: admins()}, admin.New())
	st.InstalledApps = append(st.InstalledApps, &shelf{admins: shelfAdmins})
	p := migrationstest.Setup(t, st)
	oa, err := orm.From(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := oa.DB().AutoMigrate(&Author{}, &Book{}, &Survey{}, &Answer{}, &Tag{}, &Note{}); err != nil {
		t.Fatal(err)
	}
	return &env{p: p, auth: authOf(t, p), srv: newServer(t, p)}
}

// lastLog returns the change message of the newest LogEntry.
func lastLog(t *testing.T, e *env) string {
	t.Helper()
	var le admin.LogEntry
	if err := e.gorm(t).Order("id DESC").Take(&le).Error; err != nil {
		t.Fatalf("last log entry: %v", err)
	}
	return le.ChangeMessage
}

func TestFieldsets(t *testing.T) {
	ma := admins()
	ma["book"] = admin.ModelAdmin{Fieldsets: []admin.Fieldset{
		{Fields: []string{"title", "Author"}},
		{Name: "Details", Description: "More about the book.", Fields: []string{"pages", "genre", "summary"}, Collapsed: true},
		{Name: "Publishing", Fields: []string{"published", "pub_date"}},
	}}
	e := newEnv(t, djinntest.SQLiteURL(t), ma)
	authorID, bookID := seed(t, e)
	e.user(t, "boss", true, true)
	c := e.client(t)
	c.login("boss")
	_, body, _ := c.get("/admin/library/book/add/")
	mustContain(t, "fieldsets", body, `<details class="module collapse"><summary>Details</summary>`, `<p class="description">More about the book.</p>`,
		`<fieldset class="module"><h2>Publishing</h2>`)
	if i, j, k := strings.Index(body, `name="title"`), strings.Index(body, `name="pages"`), strings.Index(body, `name="published"`); i < 0 || j < i || k < j {
		t.Errorf("fields out of fieldset order: title %d, pages %d, published %d", i, j, k)
	}
	// An error inside a collapsed fieldset opens it.
	code, body, _ := c.post("/admin/library/book/"+bookID+"/change/", url.Values{"title": {"T"}, "pages": {"x"}, "genre": {"poetry"}, "author_id": {authorID}})
	if code != http.StatusBadRequest {
		t.Fatalf("invalid change = %d", code)
	}
	mustContain(t, "open on error", body, `<details class="module collapse" open><summary>Details</summary>`, "Enter a whole number.")

	for name, tc := range map[string]struct {
		ma   admin.ModelAdmin
		want string
	}{
		"twice":   {admin.ModelAdmin{Fieldsets: []admin.Fieldset{{Name: "A", Fields: []string{"title"}}, {Name: "B", Fields: []string{"pages", "title"}}}}, `Fieldsets: field "title" is in fieldset "A" and in fieldset "B"`},
		"unknown": {admin.ModelAdmin{Fieldsets: []admin.Fieldset{{Name: "A", Fields: []string{"title", "nope"}}}}, `Fields "nope" is not a column of the model`},
	} {
		t.Run(name, func(t *testing.T) {
			p := core.New(settings(djinntest.SQLiteURL(t), &library{admins: map[string]admin.ModelAdmin{"author": {}, "book": tc.ma}}, admin.New()))
			t.Cleanup(func() { _ = p.Close(t.Context()) })
			err := p.Setup(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("start-up error = %v; want %q", err, tc.want)
			}
		})
	}
}

// answers returns the survey's answers as "text:votes", by id.
func answers(t *testing.T, e *env, surveyID uint) string {
	t.Helper()
	var list []Answer
	if err := e.gorm(t).Where("survey_id = ?", surveyID).Order("id").Find(&list).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range list {
		out = append(out, a.Text+":"+itoa(uint(a.Votes)))
	}
	return strings.Join(out, " ")
}

func TestInlines(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		e := newShelfEnv(t, dbURL, map[string]admin.ModelAdmin{
			"survey": {Inlines: []admin.Inline{{Model: &Answer{}, Extra: 2}}},
			"answer": {},
		})
		db := e.gorm(t)
		e.user(t, "boss", true, true)
		c := e.client(t)
		c.login("boss")

		// Add page: two blank rows, no delete boxes.
		_, body, _ := c.get("/admin/shelf/survey/add/")
		mustContain(t, "add form", body, `id="shelf_answer-group"`, "<h2>Answers</h2>", `name="shelf_answer-TOTAL_FORMS" value="2"`,
			`name="shelf_answer-0-text"`, `name="shelf_answer-1-votes"`, "<th scope=\"col\">Text</th>")
		mustNotContain(t, "add form", body, `name="shelf_answer-2-text"`, "DELETE", `name="shelf_answer-0-survey_id"`)

		// Add with one filled row and one blank: the parent and one answer.
		code, _, resp := c.post("/admin/shelf/survey/add/", url.Values{"title": {"Lunch?"}, "shelf_answer-TOTAL_FORMS": {"2"},
			"shelf_answer-0-text": {"Yes"}, "shelf_answer-0-votes": {"1"}, "shelf_answer-1-text": {""}, "shelf_answer-1-votes": {""}, "_continue": {""}})
		if code != http.StatusFound {
			t.Fatalf("add survey = %d", code)
		}
		var sv Survey
		if err := db.Where("title = ?", "Lunch?").Take(&sv).Error; err != nil {
			t.Fatalf("survey not saved: %v", err)
		}
		if got := answers(t, e, sv.ID); got != "Yes:1" {
			t.Errorf("answers after add = %q, want Yes:1", got)
		}
		if got := lastLog(t, e); got != "Added. Added answer “Yes”." {
			t.Errorf("log = %q", got)
		}
		change := resp.Header.Get("Location")
		var yes Answer
		db.Where("text = ?", "Yes").Take(&yes)

		// The change page lists the row with a delete box, then blanks.
		_, body, _ = c.get(change)
		mustContain(t, "change form", body, `name="shelf_answer-0-id" value="`+itoa(yes.ID)+`"`, `value="Yes"`, `name="shelf_answer-0-DELETE"`,
			`name="shelf_answer-2-text"`, `name="shelf_answer-TOTAL_FORMS" value="3"`)

		// Add two more.
		c.post(change, url.Values{"title": {"Lunch?"}, "shelf_answer-TOTAL_FORMS": {"3"},
			"shelf_answer-0-id": {itoa(yes.ID)}, "shelf_answer-0-text": {"Yes"}, "shelf_answer-0-votes": {"1"},
			"shelf_answer-1-text": {"No"}, "shelf_answer-1-votes": {"0"}, "shelf_answer-2-text": {"Maybe"}, "shelf_answer-2-votes": {"2"}})
		if got := answers(t, e, sv.ID); got != "Yes:1 No:0 Maybe:2" {
			t.Fatalf("answers = %q", got)
		}
		if got := lastLog(t, e); got != "Added answer “No”. Added answer “Maybe”." {
			t.Errorf("log = %q", got)
		}
		var no, maybe Answer
		db.Where("text = ?", "No").Take(&no)
		db.Where("text = ?", "Maybe").Take(&maybe)
		rows := func(extra url.Values) url.Values {
			v := url.Values{"title": {"Lunch?"}, "shelf_answer-TOTAL_FORMS": {"4"},
				"shelf_answer-0-id": {itoa(yes.ID)}, "shelf_answer-0-text": {"Yes"}, "shelf_answer-0-votes": {"1"},
				"shelf_answer-1-id": {itoa(no.ID)}, "shelf_answer-1-text": {"No"}, "shelf_answer-1-votes": {"5"},
				"shelf_answer-2-id": {itoa(maybe.ID)}, "shelf_answer-2-text": {"Maybe"}, "shelf_answer-2-votes": {"2"}, "shelf_answer-2-DELETE": {"on"}}
			for k, vs := range extra {
				v[k] = vs
			}
			return v
		}

		// An invalid row: everything is shown again, nothing is saved.
		code, body, _ = c.post(change, rows(url.Values{"title": {"Dinner?"}, "shelf_answer-0-votes": {"lots"}, "shelf_answer-3-text": {"Perhaps"}, "shelf_answer-3-votes": {"0"}}))
		if code != http.StatusBadRequest {
			t.Fatalf("invalid row = %d, want 400", code)
		}
		mustContain(t, "invalid row", body, "Please correct the errors below.", "Enter a whole number.", `value="lots"`, `value="Perhaps"`, `value="Dinner?"`, `class="row-errors"`)
		db.Take(&sv, sv.ID)
		if got := answers(t, e, sv.ID); sv.Title != "Lunch?" || got != "Yes:1 No:0 Maybe:2" {
			t.Errorf("after invalid post: title %q, answers %q; want nothing saved", sv.Title, got)
		}

		// Change, delete and add in one save and one transaction.
		code, _, _ = c.post(change, rows(url.Values{"shelf_answer-3-text": {"Perhaps"}, "shelf_answer-3-votes": {"0"}}))
		if code != http.StatusFound {
			t.Fatalf("save rows = %d", code)
		}
		if got := answers(t, e, sv.ID); got != "Yes:1 No:5 Perhaps:0" {
			t.Errorf("answers = %q, want Yes:1 No:5 Perhaps:0", got)
		}
		if got := lastLog(t, e); got != "Added answer “Perhaps”. Changed votes for answer “No”. Deleted answer “Maybe”." {
			t.Errorf("log = %q", got)
		}
	})
}

func TestInlinePermissions(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		e := newShelfEnv(t, dbURL, map[string]admin.ModelAdmin{
			"survey": {Inlines: []admin.Inline{{Model: &Answer{}}}},
			"answer": {},
		})
		db := e.gorm(t)
		sv := &Survey{Title: "Lunch?", Answers: []Answer{{Text: "Yes", Votes: 1}}}
		if err := db.Create(sv).Error; err != nil {
			t.Fatal(err)
		}
		yes := sv.Answers[0]
		change := "/admin/shelf/survey/" + itoa(sv.ID) + "/change/"
		e.user(t, "viewer", true, false, "shelf.change_survey", "shelf.view_answer")
		e.user(t, "changer", true, false, "shelf.change_survey", "shelf.change_answer")
		e.user(t, "none", true, false, "shelf.change_survey")
		post := func(c *client, extra url.Values) int {
			v := url.Values{"title": {"Lunch?"}, "shelf_answer-TOTAL_FORMS": {"2"},
				"shelf_answer-0-id": {itoa(yes.ID)}, "shelf_answer-0-text": {"Hacked"}, "shelf_answer-0-votes": {"99"}, "shelf_answer-0-DELETE": {"on"}}
			for k, vs := range extra {
				v[k] = vs
			}
			code, _, _ := c.post(change, v)
			return code
		}

		// View only: rows read-only, no blanks, no delete; writes ignored.
		c := e.client(t)
		c.login("viewer")
		_, body, _ := c.get(change)
		mustContain(t, "viewer", body, "<h2>Answers</h2>", "<td>Yes</td>")
		mustNotContain(t, "viewer", body, `name="shelf_answer-0-text"`, `name="shelf_answer-1-text"`, "DELETE")
		if code := post(c, nil); code != http.StatusFound {
			t.Errorf("viewer save = %d", code)
		}
		if code := post(c, url.Values{"shelf_answer-1-text": {"New"}, "shelf_answer-1-votes": {"1"}}); code != http.StatusForbidden {
			t.Errorf("viewer adding a row = %d, want 403", code)
		}
		if got := answers(t, e, sv.ID); got != "Yes:1" {
			t.Errorf("after viewer: answers %q, want Yes:1", got)
		}

		// Change only: inputs, but no blanks and no delete.
		c = e.client(t)
		c.login("changer")
		_, body, _ = c.get(change)
		mustContain(t, "changer", body, `name="shelf_answer-0-text"`)
		mustNotContain(t, "changer", body, `name="shelf_answer-1-text"`, "DELETE")
		if code := post(c, nil); code != http.StatusFound {
			t.Errorf("changer save = %d", code)
		}
		if got := answers(t, e, sv.ID); got != "Hacked:99" {
			t.Errorf("after changer: answers %q, want Hacked:99 (changed, not deleted)", got)
		}

		// No permission on answers: no inline at all.
		c = e.client(t)
		c.login("none")
		_, body, _ = c.get(change)
		mustNotContain(t, "none", body, "Answers", "Hacked")
	})
}

func TestManyToMany(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		e := newShelfEnv(t, dbURL, map[string]admin.ModelAdmin{"note": admin.Auto(), "tag": admin.Auto()})
		db := e.gorm(t)
		tags := []Tag{{Name: "red"}, {Name: "green"}, {Name: "blue"}}
		if err := db.Create(&tags).Error; err != nil {
			t.Fatal(err)
		}
		e.user(t, "boss", true, true)
		c := e.client(t)
		c.login("boss")
		_, body, _ := c.get("/admin/shelf/note/add/")
		mustContain(t, "add form", body, `<select name="tags" multiple`, `<option value="`+itoa(tags[1].ID)+`">green</option>`)

		code, _, _ := c.post("/admin/shelf/note/add/", url.Values{"text": {"n1"}, "tags": {itoa(tags[0].ID), itoa(tags[2].ID)}})
		if code != http.StatusFound {
			t.Fatalf("add note = %d", code)
		}
		var note Note
		tagNames := func() string {
			t.Helper()
			var n Note
			if err := db.Preload("Tags", func(q *gorm.DB) *gorm.DB { return q.Order("id") }).Take(&n, note.ID).Error; err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, tg := range n.Tags {
				out = append(out, tg.Name)
			}
			return strings.Join(out, ",")
		}
		db.Where("text = ?", "n1").Take(&note)
		if got := tagNames(); got != "red,blue" {
			t.Errorf("tags after add = %q, want red,blue", got)
		}
		change := "/admin/shelf/note/" + itoa(note.ID) + "/change/"
		_, body, _ = c.get(change)
		mustContain(t, "change form", body, `<option value="`+itoa(tags[0].ID)+`" selected>red</option>`, `<option value="`+itoa(tags[1].ID)+`">green</option>`)

		code, body, _ = c.post(change, url.Values{"text": {"n1"}, "tags": {itoa(tags[1].ID), "99999"}})
		if code != http.StatusBadRequest {
			t.Fatalf("unknown tag = %d, want 400", code)
		}
		mustContain(t, "unknown tag", body, "Select a valid choice. 99999 is not one of the available choices.")
		if got := tagNames(); got != "red,blue" {
			t.Errorf("tags after invalid post = %q, want red,blue", got)
		}
		c.post(change, url.Values{"text": {"n1"}, "tags": {itoa(tags[1].ID)}})
		if got := tagNames(); got != "green" {
			t.Errorf("tags after change = %q, want green", got)
		}
		if got := lastLog(t, e); got != "Changed tags." {
			t.Errorf("log = %q, want Changed tags.", got)
		}
		c.post(change, url.Values{"text": {"n1"}})
		if got := tagNames(); got != "" {
			t.Errorf("tags after clearing = %q, want none", got)
		}
	})
}
