package forms_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/google/go-cmp/cmp"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/forms"
)

type signup struct {
	Name     string    `form:"name" json:"name" validate:"required,max=20"`
	Email    string    `form:"email" json:"email" validate:"required,email"`
	Age      int       `form:"age" json:"age" validate:"omitempty,gte=13,lte=130"`
	Website  string    `form:"website" json:"website" validate:"omitempty,url"`
	Color    string    `form:"color" json:"color" choices:"red,green,blue"`
	Agree    bool      `form:"agree" json:"agree"`
	Born     time.Time `form:"born" json:"born" widget:"date"`
	Password string    `form:"password" json:"password" widget:"password" validate:"required,min=8"`
	Confirm  string    `form:"confirm" json:"confirm" widget:"password" validate:"eqfield=Password"`
	IsStaff  bool      `form:"-" json:"is_staff"`
}

func postForm(t *testing.T, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func postJSON(t *testing.T, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

const validSignup = "name=Ada&email=ada%40example.com&age=36&website=https%3A%2F%2Fada.dev&color=red&agree=on&born=1815-12-10&password=secret123&confirm=secret123&is_staff=true&IsStaff=true"

func TestBindValid(t *testing.T) {
	got, errs := forms.Bind[signup](postForm(t, validSignup))
	if errs != nil || errs.Any() {
		t.Fatalf("Bind errors = %v; want nil", errs)
	}
	want := signup{
		Name: "Ada", Email: "ada@example.com", Age: 36, Website: "https://ada.dev", Color: "red",
		Agree: true, Born: time.Date(1815, 12, 10, 0, 0, 0, 0, time.UTC),
		Password: "secret123", Confirm: "secret123",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Bind (-want +got):\n%s", diff)
	}
	if err := errs.Err(); err != nil {
		t.Errorf("Errors(nil).Err() = %v; want nil", err)
	}
}

func TestBindErrors(t *testing.T) {
	long := strings.Repeat("é", 25)
	tests := []struct {
		name, body string
		want       forms.Errors
	}{
		{
			name: "empty",
			body: "",
			want: forms.Errors{
				"name":     {"This field is required."},
				"email":    {"This field is required."},
				"password": {"This field is required."},
			},
		},
		{
			name: "bad values",
			body: "name=" + long + "&email=nope&age=ten&website=notaurl&color=pink&born=yesterday&password=short&confirm=other",
			want: forms.Errors{
				"name":     {"Ensure this value has at most 20 characters (it has 25)."},
				"email":    {"Enter a valid email address."},
				"age":      {"Enter a whole number."},
				"website":  {"Enter a valid URL."},
				"color":    {"Select a valid choice. pink is not one of the available choices."},
				"born":     {"Enter a valid date."},
				"password": {"Ensure this value has at least 8 characters (it has 5)."},
				"confirm":  {"Ensure this value matches the Password field."},
			},
		},
		{
			name: "range",
			body: "name=A&email=a%40b.co&age=7&password=12345678&confirm=12345678",
			want: forms.Errors{"age": {"Ensure this value is greater than or equal to 13."}},
		},
		{
			name: "malformed",
			body: "name=%zz",
			want: forms.Errors{forms.NonFieldErrors: {"The form data is malformed."}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := forms.Bind[signup](postForm(t, tt.body))
			if diff := cmp.Diff(tt.want, errs); diff != "" {
				t.Errorf("Bind(%q) errors (-want +got):\n%s", tt.body, diff)
			}
			if !errs.Any() || errs.Err() == nil {
				t.Error("Any() = false or Err() = nil for a failed Bind")
			}
		})
	}
}

func TestBindQueryForGET(t *testing.T) {
	type search struct {
		Q    string `form:"q" validate:"required"`
		Page int    `form:"page"`
	}
	r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/?q=go&page=2", nil)
	got, errs := forms.Bind[search](r)
	if errs != nil || got != (search{Q: "go", Page: 2}) {
		t.Errorf("Bind = %+v, %v", got, errs)
	}
}

func TestBindJSON(t *testing.T) {
	body := `{"name":"Ada","email":"ada@example.com","age":36,"password":"secret123","confirm":"secret123","is_staff":true,"unknown":1}`
	got, errs := forms.Bind[signup](postJSON(t, body))
	if errs != nil {
		t.Fatalf("Bind errors = %v", errs)
	}
	if got.Name != "Ada" || got.Age != 36 || got.IsStaff {
		t.Errorf("Bind = %+v; want Name Ada, Age 36, IsStaff false (form:\"-\")", got)
	}

	tests := []struct {
		name, body string
		want       forms.Errors
	}{
		{"type", `{"name":"Ada","email":"a@b.co","age":"ten","password":"secret123","confirm":"secret123"}`,
			forms.Errors{"age": {"Enter a whole number."}}},
		{"syntax", `{"name":`, forms.Errors{forms.NonFieldErrors: {"The request body is not valid JSON."}}},
		{"trailing", `{} {}`, forms.Errors{forms.NonFieldErrors: {"The request body is not valid JSON."}}},
		{"validation", `{"name":"","email":"x","password":"secret123","confirm":"secret123"}`,
			forms.Errors{"name": {"This field is required."}, "email": {"Enter a valid email address."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := forms.Bind[signup](postJSON(t, tt.body))
			if diff := cmp.Diff(tt.want, errs); diff != "" {
				t.Errorf("Bind(%s) errors (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

type passwordChange struct {
	Old  string `form:"old" validate:"required"`
	New  string `form:"new" validate:"required"`
	New2 string `form:"new2" validate:"required"`
}

func (p *passwordChange) Clean() error {
	var errs []error
	if p.New != p.New2 {
		errs = append(errs, forms.FieldError("new2", "The two password fields didn’t match."))
	}
	if p.New == p.Old {
		errs = append(errs, errors.New("The new password must differ from the old one."))
	}
	return errors.Join(errs...)
}

func TestBindClean(t *testing.T) {
	_, errs := forms.Bind[passwordChange](postForm(t, "old=a&new=a&new2=b"))
	want := forms.Errors{
		"new2":               {"The two password fields didn’t match."},
		forms.NonFieldErrors: {"The new password must differ from the old one."},
	}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	// Clean is not called while a field is invalid.
	_, errs = forms.Bind[passwordChange](postForm(t, "old=a&new=a"))
	if diff := cmp.Diff(forms.Errors{"new2": {"This field is required."}}, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestValidatorRegister(t *testing.T) {
	v := forms.NewValidator()
	err := v.Register("notin", "“{param}” is reserved.", func(fl validator.FieldLevel) bool {
		return !strings.Contains(" "+fl.Param()+" ", " "+fl.Field().String()+" ")
	})
	if err != nil {
		t.Fatal(err)
	}
	type account struct {
		Username string `form:"username" validate:"required,notin=admin root"`
	}
	_, errs := forms.Bind[account](postForm(t, "username=root"), forms.WithValidator(v))
	if diff := cmp.Diff(forms.Errors{"username": {"“admin root” is reserved."}}, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	// The default validator does not know the tag: its use is a
	// programming error reported by the validator package.
	if _, errs := forms.Bind[account](postForm(t, "username=bob"), forms.WithValidator(v)); errs != nil {
		t.Errorf("valid username: %v", errs)
	}
}

func TestWithChoices(t *testing.T) {
	type vote struct {
		Choice int `form:"choice" validate:"required"`
	}
	opts := forms.WithChoices("choice", []forms.Choice{{Value: "1", Label: "Yes"}, {Value: "2", Label: "No"}})
	if _, errs := forms.Bind[vote](postForm(t, "choice=2"), opts); errs != nil {
		t.Errorf("choice=2: %v", errs)
	}
	_, errs := forms.Bind[vote](postForm(t, "choice=3"), opts)
	if diff := cmp.Diff(forms.Errors{"choice": {"Select a valid choice. 3 is not one of the available choices."}}, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

type size string

func (size) Choices() []forms.Choice {
	return []forms.Choice{{Value: "s", Label: "Small"}, {Value: "l", Label: "Large"}}
}

func TestChooserType(t *testing.T) {
	type order struct {
		Size size `form:"size" validate:"required"`
	}
	if _, errs := forms.Bind[order](postForm(t, "size=xl")); errs["size"] == nil {
		t.Errorf("size=xl accepted: %v", errs)
	}
	o, errs := forms.Bind[order](postForm(t, "size=l"))
	if errs != nil || o.Size != "l" {
		t.Errorf("size=l: %v, %v", o, errs)
	}
}

func TestLimits(t *testing.T) {
	type any1 struct {
		A string `form:"a"`
	}
	lim := forms.WithLimits(core.FormSettings{MaxNumberFields: 3, MaxMemorySize: 100})
	tests := []struct {
		name string
		req  func() *http.Request
		want string
	}{
		{"too many fields", func() *http.Request { return postForm(t, "a=1&b=2&c=3&d=4") },
			"The request has too many fields (more than 3)."},
		{"too large", func() *http.Request { return postForm(t, "a="+strings.Repeat("x", 200)) },
			"The request data is too large (more than 100 bytes, files excepted)."},
		{"too large without length", func() *http.Request {
			r := postForm(t, "a="+strings.Repeat("x", 200))
			r.ContentLength = -1
			return r
		}, "The request data is too large (more than 100 bytes, files excepted)."},
		{"too large JSON", func() *http.Request { return postJSON(t, `{"a":"`+strings.Repeat("x", 200)+`"}`) },
			"The request data is too large (more than 100 bytes, files excepted)."},
		{"too many query fields", func() *http.Request {
			return httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/?a=1&a=2&a=3&a=4", nil)
		}, "The request has too many fields (more than 3)."},
		{"too many multipart fields", func() *http.Request {
			return multipartRequest(t, map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}, nil)
		}, "The request has too many fields (more than 3)."},
		{"multipart too large", func() *http.Request {
			return multipartRequest(t, map[string]string{"a": strings.Repeat("x", 101)}, nil)
		}, "The request data is too large (more than 100 bytes, files excepted)."},
		{"content type", func() *http.Request {
			r := postForm(t, "a=1")
			r.Header.Set("Content-Type", "text/plain")
			return r
		}, `Unsupported content type "text/plain": send a form or JSON.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := forms.Bind[any1](tt.req(), lim)
			if diff := cmp.Diff(forms.Errors{forms.NonFieldErrors: {tt.want}}, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	// Reading stops at the limit: a body that never ends is not read to
	// its end.
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/", endless{})
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.ContentLength = -1
	if _, errs := forms.Bind[any1](r, lim); errs == nil {
		t.Error("endless body accepted")
	}
	// Negative MaxNumberFields disables the count.
	many := strings.Repeat("a=1&", 50)
	if _, errs := forms.Bind[any1](postForm(t, many), forms.WithLimits(core.FormSettings{MaxNumberFields: -1})); errs != nil {
		t.Errorf("MaxNumberFields -1: %v", errs)
	}
}

// endless is a body of infinitely many "a".
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestErrorsInResponses(t *testing.T) {
	errs := forms.Errors{"email": {"Enter a valid email address."}}
	if got := respond.Status(errs); got != http.StatusBadRequest {
		t.Errorf("respond.Status = %d; want 400", got)
	}
	b, err := json.Marshal(errs)
	if err != nil || string(b) != `{"email":["Enter a valid email address."]}` {
		t.Errorf("json = %s, %v", b, err)
	}
	// A view returning the errors shows them to an API client.
	h := respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		_, errs := forms.Bind[signup](r)
		if errs != nil {
			return errs
		}
		return nil
	})
	r := postForm(t, "name=Ada")
	r.Header.Set("Accept", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "email: This field is required.") {
		t.Errorf("view response = %d %s; want 400 naming the email error", w.Code, w.Body)
	}
	var nilErrs forms.Errors
	if nilErrs.Any() || nilErrs.Err() != nil || nilErrs.Field("x") != nil {
		t.Error("nil Errors is not empty")
	}
	nilErrs.Add("x", "bad")
	if !nilErrs.Any() || fmt.Sprint(nilErrs.Err()) != "forms: invalid data: x: bad" {
		t.Errorf("after Add: %v", nilErrs.Err())
	}
	if (forms.Errors{}).Err() != nil {
		t.Error("empty Errors.Err() != nil")
	}
}

// multipartRequest builds a multipart POST with values and files
// (field → filename → content).
func multipartRequest(t testing.TB, values map[string]string, files []upload) *http.Request {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range values {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.filename)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.content)
	}
	mw.Close()
	ctx := t.Context()
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", &b)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

type upload struct {
	field, filename string
	content         []byte
}

// FuzzBind posts random URL-encoded bodies: Bind never panics, and
// accepts no more fields or bytes than the limits allow.
func FuzzBind(f *testing.F) {
	for _, s := range []string{validSignup, "", "a=1&a=2", "name=%zz", "age=99999999999999999999", "items.1000000.x=1", "&&&&", "born=2024-13-45", "color=red&color=blue", "=x", "a.b.c=1"} {
		f.Add(s)
	}
	const maxFields, maxBytes = 20, 512
	lim := forms.WithLimits(core.FormSettings{MaxNumberFields: maxFields, MaxMemorySize: maxBytes})
	type item struct {
		X string `form:"x"`
	}
	type target struct {
		signup
		Items []item `form:"items"`
		Tags  []int  `form:"tags"`
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		got, errs := forms.Bind[target](r, lim)
		fields := 0
		for p := range strings.SplitSeq(body, "&") {
			if p != "" {
				fields++
			}
		}
		over := fields > maxFields || len(body) > maxBytes
		if over && errs == nil {
			t.Fatalf("body over the limits (%d fields, %d bytes) accepted", fields, len(body))
		}
		if len(got.Items) > 1001 {
			t.Fatalf("Items has %d elements", len(got.Items))
		}
		if !over {
			if _, err := url.ParseQuery(body); err == nil && errs.NonField() != nil && errs.NonField()[0] != "Ensure this value matches the Password field." {
				// the only non-field errors of a parsable body come from Clean
				t.Fatalf("non-field errors %v for a parsable body", errs.NonField())
			}
		}
	})
}
