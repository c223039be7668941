package forms_test

import (
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/djinn-go/djinn/forms"
)

type contact struct {
	Subject  string      `form:"subject" validate:"required,max=100" help:"Keep it <short>."`
	Email    string      `form:"email" label:"Your e-mail" validate:"required,email"`
	Message  string      `form:"message" widget:"textarea"`
	Priority int         `form:"priority" validate:"min=1,max=5"`
	Rating   float64     `form:"rating"`
	Kind     string      `form:"kind" choices:"bug,idea"`
	CC       bool        `form:"cc"`
	When     time.Time   `form:"when"`
	Day      time.Time   `form:"day" widget:"date"`
	Password string      `form:"password" widget:"password"`
	Token    string      `form:"token" widget:"hidden"`
	Avatar   *forms.File `form:"avatar" accept:"image/png,image/jpeg"`
	Internal string      `form:"-"`
}

func mustDiv(t *testing.T, f *forms.Form) string {
	t.Helper()
	html, err := f.AsDiv()
	if err != nil {
		t.Fatal(err)
	}
	return string(html)
}

func TestAsDiv(t *testing.T) {
	v := contact{
		Subject: "Hi", Email: "bad", Message: "</textarea><script>x</script>", Priority: 9,
		Kind: "idea", CC: true, When: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC),
		Day: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Password: "hunter2", Token: "t0k",
	}
	errs := forms.Errors{
		"email":              {"Enter a valid email address."},
		"priority":           {"Ensure this value is less than or equal to 5."},
		"token":              {"Expired."},
		"nested.key":         {"Odd."},
		forms.NonFieldErrors: {"Try again <later>."},
	}
	got := mustDiv(t, forms.New(&v, errs))
	for _, want := range []string{
		`<ul class="errorlist nonfield"><li>Try again &lt;later&gt;.</li><li>(Hidden field token) Expired.</li><li>nested.key: Odd.</li></ul>`,
		`<div><label for="id_subject">Subject:</label><div class="helptext" id="id_subject_helptext">Keep it &lt;short&gt;.</div><input type="text" name="subject" value="Hi" maxlength="100" required aria-describedby="id_subject_helptext" id="id_subject"></div>`,
		`<div><label for="id_email">Your e-mail:</label><ul class="errorlist" id="id_email_error"><li>Enter a valid email address.</li></ul><input type="email" name="email" value="bad" required aria-invalid="true" id="id_email"></div>`,
		"<textarea name=\"message\" cols=\"40\" rows=\"10\" id=\"id_message\">\n&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;</textarea>",
		`<input type="number" name="priority" value="9" min="1" max="5" aria-invalid="true" id="id_priority">`,
		`<input type="number" name="rating" value="0" step="any" id="id_rating">`,
		`<select name="kind" id="id_kind"><option value="">---------</option><option value="bug">bug</option><option value="idea" selected>idea</option></select>`,
		`<input type="checkbox" name="cc" checked id="id_cc">`,
		`<input type="datetime-local" name="when" value="2026-01-02T03:04" id="id_when">`,
		`<input type="date" name="day" value="2026-01-02" id="id_day">`,
		`<input type="password" name="password" id="id_password">`,
		`<input type="file" name="avatar" accept="image/png,image/jpeg" id="id_avatar">`,
		`<input type="hidden" name="token" value="t0k" aria-invalid="true" id="id_token">`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("AsDiv() lacks\n%s\nin\n%s", want, got)
		}
	}
	if strings.Contains(got, "hunter2") || strings.Contains(got, "Internal") {
		t.Errorf("AsDiv() shows the password or a form:\"-\" field:\n%s", got)
	}
	if !forms.New(v, nil).IsMultipart() {
		t.Error("IsMultipart() = false with a file field")
	}
}

func TestAsDivEscapesAttributes(t *testing.T) {
	type f struct {
		Q string `form:"q"`
	}
	got := mustDiv(t, forms.New(f{Q: `"><img src=x onerror=alert(1)>`}, nil))
	want := `value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"`
	if !strings.Contains(got, want) || strings.Contains(got, "<img") {
		t.Errorf("AsDiv() = %s; want the value escaped as %s", got, want)
	}
}

func TestFields(t *testing.T) {
	form := forms.New(contact{Subject: "Hi"}, forms.Errors{"subject": {"Too dull."}})
	var names []string
	for _, f := range form.Fields() {
		names = append(names, f.Name)
	}
	want := []string{"subject", "email", "message", "priority", "rating", "kind", "cc", "when", "day", "password", "token", "avatar"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Fields() names (-want +got):\n%s", diff)
	}
	f, ok := form.Field("subject")
	if !ok || f.Label != "Subject" || !f.Required || f.MaxLength != 100 || f.Value != "Hi" || !cmp.Equal(f.Errors, []string{"Too dull."}) {
		t.Errorf("Field(subject) = %+v", f)
	}
	in, err := f.Input()
	if err != nil || in != `<input type="text" name="subject" value="Hi" maxlength="100" required aria-invalid="true" aria-describedby="id_subject_helptext" id="id_subject">` {
		t.Errorf("Input() = %s, %v", in, err)
	}
	label, _ := f.LabelTag()
	if label != `<label for="id_subject">Subject:</label>` {
		t.Errorf("LabelTag() = %s", label)
	}
	if len(form.HiddenFields()) != 1 || len(form.VisibleFields()) != len(want)-1 {
		t.Errorf("hidden %d, visible %d", len(form.HiddenFields()), len(form.VisibleFields()))
	}
}

func TestNestedFields(t *testing.T) {
	type address struct {
		City string `form:"city" validate:"required"`
	}
	type person struct {
		Name    string  `form:"name"`
		Address address `form:"address"`
	}
	_, errs := forms.Bind[person](postForm(t, "name=Ada&address.city="))
	if diff := cmp.Diff(forms.Errors{"address.city": {"This field is required."}}, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	got := mustDiv(t, forms.New(person{}, errs))
	want := `<label for="id_address_city">City:</label><ul class="errorlist" id="id_address_city_error"><li>This field is required.</li></ul><input type="text" name="address.city" required aria-invalid="true" id="id_address_city">`
	if !strings.Contains(got, want) {
		t.Errorf("AsDiv() = %s; want %s", got, want)
	}
	p, errs := forms.Bind[person](postForm(t, "name=Ada&address.city=Paris"))
	if errs != nil || p.Address.City != "Paris" {
		t.Errorf("Bind = %+v, %v", p, errs)
	}
}

func TestRendererOverride(t *testing.T) {
	r, err := forms.NewRenderer(`{{define "field"}}<p>{{template "label" .}} {{template "input" .}}</p>{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	type f struct {
		Q string `form:"q"`
	}
	got := mustDiv(t, forms.New(f{Q: "<b>"}, nil, forms.WithRenderer(r)))
	want := `<p><label for="id_q">Q:</label> <input type="text" name="q" value="&lt;b&gt;" id="id_q"></p>` + "\n"
	if got != want {
		t.Errorf("AsDiv() = %q; want %q", got, want)
	}
	// The default renderer is unchanged.
	if got := mustDiv(t, forms.New(f{}, nil)); !strings.HasPrefix(got, "<div>") {
		t.Errorf("default AsDiv() = %q", got)
	}
	if _, err := forms.NewRenderer(`{{define "field"}}{{.Nope`); err == nil {
		t.Error("NewRenderer accepted a broken template")
	}
	bad, _ := forms.NewRenderer(`{{define "input"}}{{.Nope}}{{end}}`)
	if _, err := forms.New(f{}, nil, forms.WithRenderer(bad)).AsDiv(); err == nil {
		t.Error("AsDiv with a failing template returned no error")
	}
}

func TestHumanize(t *testing.T) {
	for in, want := range map[string]string{
		"PubDate": "Pub date", "pub_date": "Pub date", "pubDate": "Pub date", "HTTPStatus": "Http status",
		"ID": "ID", "QuestionID": "Question ID", "email": "Email",
	} {
		if got := forms.Humanize(in); got != want {
			t.Errorf("Humanize(%q) = %q; want %q", in, got, want)
		}
	}
}

var _ template.HTML // html/template is what Field.Input returns
