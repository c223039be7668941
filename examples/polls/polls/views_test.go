package polls

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djinn-go/djinn/djinntest"
)

const day = 24 * time.Hour

func TestIndex(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		s := newSite(t, dbURL)
		if _, body := s.get(t, "/polls/"); !strings.Contains(body, "No polls are available.") {
			t.Errorf("GET /polls/ without questions lacks %q:\n%s", "No polls are available.", body)
		}
		now := time.Now()
		for i := range 6 {
			s.question(t, fmt.Sprintf("Past question %d?", i), now.Add(-time.Duration(i+1)*day))
		}
		s.question(t, "Future question?", now.Add(30*day))

		resp, body := s.get(t, "/polls/")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /polls/ = %d; want 200\n%s", resp.StatusCode, body)
		}
		// The five latest published, newest first; not the sixth, not the future one.
		last := -1
		for i := range 5 {
			at := strings.Index(body, fmt.Sprintf(">Past question %d?<", i))
			if at < 0 {
				t.Errorf("GET /polls/ lacks Past question %d:\n%s", i, body)
				continue
			}
			if at < last {
				t.Errorf("GET /polls/: Past question %d is above a newer one:\n%s", i, body)
			}
			last = at
		}
		for _, absent := range []string{"Past question 5?", "Future question?"} {
			if strings.Contains(body, absent) {
				t.Errorf("GET /polls/ shows %q:\n%s", absent, body)
			}
		}
		for _, want := range []string{"/static/polls/style.css", "/static/css/site.css"} {
			if !strings.Contains(body, want) {
				t.Errorf("GET /polls/ lacks %q:\n%s", want, body)
			}
		}
	})
}

func TestDetailAndResultsOfUnpublishedQuestions(t *testing.T) {
	s := newSite(t, djinntest.SQLiteURL(t))
	past := s.question(t, "Past question?", time.Now().Add(-day), "Yes", "No")
	future := s.question(t, "Future question?", time.Now().Add(5*day), "Maybe")
	tests := []struct {
		name   string
		path   string
		status int
		want   string
	}{
		{"detail of a past question", fmt.Sprintf("/polls/%d/", past.ID), http.StatusOK, `value="` + fmt.Sprint(past.Choices[1].ID) + `"> No</label>`},
		{"results of a past question", fmt.Sprintf("/polls/%d/results/", past.ID), http.StatusOK, "Yes -- 0 votes"},
		{"detail of a future question", fmt.Sprintf("/polls/%d/", future.ID), http.StatusNotFound, ""},
		{"results of a future question", fmt.Sprintf("/polls/%d/results/", future.ID), http.StatusNotFound, ""},
		{"detail of an unknown question", "/polls/999999/", http.StatusNotFound, ""},
		{"results of an unknown question", "/polls/999999/results/", http.StatusNotFound, ""},
		{"an id too large", "/polls/99999999999999999999/", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := s.get(t, tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s = %d; want %d\n%s", tt.path, resp.StatusCode, tt.status, body)
			}
			if !strings.Contains(body, tt.want) {
				t.Errorf("GET %s lacks %q:\n%s", tt.path, tt.want, body)
			}
			if tt.status == http.StatusNotFound && strings.Contains(body, "Future question?") {
				t.Errorf("GET %s shows the future question:\n%s", tt.path, body)
			}
		})
	}
}

func TestVote(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		s := newSite(t, dbURL)
		q := s.question(t, "What's new?", time.Now().Add(-time.Hour), "Not much", "The sky")
		other := s.question(t, "Other?", time.Now().Add(-time.Hour), "Elsewhere")
		future := s.question(t, "Later?", time.Now().Add(day), "Soon")
		sky := q.Choices[1].ID
		votePath := fmt.Sprintf("/polls/%d/vote/", q.ID)

		resp, body := s.post(t, votePath, url.Values{"choice": {fmt.Sprint(sky)}})
		wantLoc := fmt.Sprintf("/polls/%d/results/", q.ID)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != wantLoc {
			t.Fatalf("POST %s = %d, Location %q; want 303 to %s\n%s", votePath, resp.StatusCode, resp.Header.Get("Location"), wantLoc, body)
		}
		_, body = s.get(t, wantLoc)
		for _, want := range []string{"Thanks for voting.", "The sky -- 1 vote<", "Not much -- 0 votes"} {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s after a vote lacks %q:\n%s", wantLoc, want, body)
			}
		}
		if _, body = s.get(t, wantLoc); strings.Contains(body, "Thanks for voting.") {
			t.Errorf("GET %s shows the message a second time:\n%s", wantLoc, body)
		}

		for _, tt := range []struct {
			name string
			form url.Values
		}{
			{"no choice", url.Values{}},
			{"not a number", url.Values{"choice": {"sky"}}},
			{"a choice of another question", url.Values{"choice": {fmt.Sprint(other.Choices[0].ID)}}},
			{"an unknown choice", url.Values{"choice": {"999999"}}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				resp, body := s.post(t, votePath, tt.form)
				if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You didn&#39;t select a choice.") || !strings.Contains(body, "The sky</label>") {
					t.Errorf("POST %s %v = %d; want 200 with the question and \"You didn't select a choice.\"\n%s", votePath, tt.form, resp.StatusCode, body)
				}
			})
		}
		if got := s.votes(t, sky); got != 1 {
			t.Errorf("votes of %q after one vote and four refused ones = %d; want 1", "The sky", got)
		}
		if got := s.votes(t, other.Choices[0].ID); got != 0 {
			t.Errorf("votes of another question's choice = %d; want 0", got)
		}

		futurePath := fmt.Sprintf("/polls/%d/vote/", future.ID)
		if resp, body := s.post(t, futurePath, url.Values{"choice": {fmt.Sprint(future.Choices[0].ID)}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s = %d; want 404\n%s", futurePath, resp.StatusCode, body)
		}
		if got := s.votes(t, future.Choices[0].ID); got != 0 {
			t.Errorf("votes of a future question's choice = %d; want 0", got)
		}
	})
}

// TestConcurrentVotesAreAllCounted: votes = votes + 1 in the database, not
// read-modify-write in Go, so no vote is lost.
func TestConcurrentVotesAreAllCounted(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		s := newSite(t, dbURL)
		q := s.question(t, "Busy?", time.Now().Add(-time.Hour), "Very")
		path := fmt.Sprintf("/polls/%d/vote/", q.ID)
		const voters = 20
		statuses := make(chan int, voters)
		var wg sync.WaitGroup
		for range voters {
			wg.Go(func() {
				client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				resp, err := client.PostForm(s.srv.URL+path, url.Values{"choice": {fmt.Sprint(q.Choices[0].ID)}})
				if err != nil {
					t.Errorf("POST %s: %v", path, err)
					return
				}
				resp.Body.Close()
				statuses <- resp.StatusCode
			})
		}
		wg.Wait()
		close(statuses)
		for st := range statuses {
			if st != http.StatusSeeOther {
				t.Errorf("a concurrent vote answered %d; want 303", st)
			}
		}
		if got := s.votes(t, q.Choices[0].ID); got != voters {
			t.Errorf("votes after %d concurrent votes = %d; want %d", voters, got, voters)
		}
		if _, body := s.get(t, fmt.Sprintf("/polls/%d/results/", q.ID)); !strings.Contains(body, fmt.Sprintf("Very -- %d votes", voters)) {
			t.Errorf("results after %d votes lack %q:\n%s", voters, fmt.Sprintf("Very -- %d votes", voters), body)
		}
	})
}

// TestResultsAreCachedUntilAVote: the tally is served from the cache, and
// a vote invalidates it.
func TestResultsAreCachedUntilAVote(t *testing.T) {
	s := newSite(t, djinntest.SQLiteURL(t))
	q := s.question(t, "Cached?", time.Now().Add(-time.Hour), "Yes", "No")
	path := fmt.Sprintf("/polls/%d/results/", q.ID)
	if _, body := s.get(t, path); !strings.Contains(body, "Yes -- 0 votes") {
		t.Fatalf("GET %s lacks %q:\n%s", path, "Yes -- 0 votes", body)
	}
	// Behind the app's back: the cached page does not see it.
	if err := s.app.db.WithContext(t.Context()).Model(&Choice{}).Where("id = ?", q.Choices[0].ID).Update("votes", 5).Error; err != nil {
		t.Fatal(err)
	}
	if _, body := s.get(t, path); !strings.Contains(body, "Yes -- 0 votes") {
		t.Errorf("GET %s after a change behind the cache lacks the cached %q:\n%s", path, "Yes -- 0 votes", body)
	}
	s.post(t, fmt.Sprintf("/polls/%d/vote/", q.ID), url.Values{"choice": {fmt.Sprint(q.Choices[0].ID)}})
	if _, body := s.get(t, path); !strings.Contains(body, "Yes -- 6 votes") {
		t.Errorf("GET %s after a vote lacks %q:\n%s", path, "Yes -- 6 votes", body)
	}
}
