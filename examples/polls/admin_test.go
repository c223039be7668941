package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/examples/polls/polls"
	"github.com/djinn-go/djinn/migrations/migrationstest"
	"github.com/djinn-go/djinn/orm"
)

// TestAdmin logs a superuser into /admin/ and adds a question with two
// choices through the inline rows, as in the Django tutorial.
func TestAdmin(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		s := testSettings(t, "true", dbURL)
		s.Auth.PBKDF2Iterations = 1000
		p := migrationstest.Setup(t, s)
		aa, err := auth.From(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := aa.CreateSuperuser(t.Context(), "admin", "admin@example.com", "a-long-test-password"); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(p.Handler())
		t.Cleanup(srv.Close)
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
		do := func(method, path string, form url.Values) (*http.Response, string) {
			t.Helper()
			var body io.Reader
			if form != nil {
				body = strings.NewReader(form.Encode())
			}
			req, _ := http.NewRequest(method, srv.URL+path, body)
			if form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, string(b)
		}

		resp, body := do("POST", "/accounts/login/?next=/admin/", url.Values{"username": {"admin"}, "password": {"a-long-test-password"}})
		if resp.StatusCode != 200 || !strings.Contains(body, "Questions") {
			t.Fatalf("log in → /admin/ = %d; want the admin index listing Questions\n%s", resp.StatusCode, body)
		}
		_, form := do("GET", "/admin/polls/question/add/", nil)
		if !strings.Contains(form, "Date information") || !strings.Contains(form, "choice_text") {
			t.Fatalf("the add form lacks the fieldset or the choice rows:\n%s", form)
		}
		// Find the inline rows' field names from the form (prefix-N-field).
		name := func(field string, row int) string {
			for _, part := range strings.Split(form, `name="`) {
				n, _, _ := strings.Cut(part, `"`)
				if strings.HasSuffix(n, "-"+field) && strings.Contains(n, "-"+string(rune('0'+row))+"-") {
					return n
				}
			}
			t.Fatalf("no inline field %q in row %d", field, row)
			return ""
		}
		values := url.Values{
			"question_text": {"What's up?"},
			"pub_date":      {time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04")},
			"_save":         {"Save"},
		}
		for _, part := range strings.Split(form, `name="`) {
			n, rest, _ := strings.Cut(part, `"`)
			if strings.HasSuffix(n, "TOTAL_FORMS") || strings.HasSuffix(n, "-total") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(rest), `value="`); ok {
					v, _, _ = strings.Cut(v, `"`)
					values.Set(n, v)
				}
			}
		}
		values.Set(name("choice_text", 0), "Not much")
		values.Set(name("votes", 0), "0")
		values.Set(name("choice_text", 1), "The sky")
		values.Set(name("votes", 1), "0")
		resp, body = do("POST", "/admin/polls/question/add/", values)
		if resp.StatusCode != 200 || !strings.Contains(body, "was added successfully") {
			t.Fatalf("add a question = %d; want the success message\n%s", resp.StatusCode, body)
		}
		oa, _ := orm.From(p)
		var q polls.Question
		if err := oa.DB().Preload("Choices").Where("question_text = ?", "What's up?").Take(&q).Error; err != nil {
			t.Fatal(err)
		}
		if len(q.Choices) != 2 {
			t.Errorf("the question has %d choices; want the 2 inline rows", len(q.Choices))
		}
		if _, body = do("GET", "/admin/polls/question/?q=up", nil); !strings.Contains(body, "What&#39;s up?") || !strings.Contains(body, "Published recently?") {
			t.Errorf("changelist search lacks the question or the computed column:\n%s", body)
		}
	})
}
