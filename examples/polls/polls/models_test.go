package polls

import (
	"testing"
	"time"

	"github.com/djinn-go/djinn/djinntest"
)

func TestWasPublishedRecently(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		pubDate time.Time
		want    bool
	}{
		{"future", now.Add(30 * 24 * time.Hour), false},
		{"a second ahead", now.Add(time.Second), false},
		{"now", now, true},
		{"23h59m59s ago", now.Add(-24*time.Hour + time.Second), true},
		{"a day and a second ago", now.Add(-24*time.Hour - time.Second), false},
		{"old", now.Add(-30 * 24 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &Question{PubDate: tt.pubDate}
			if got := q.WasPublishedRecently(now); got != tt.want {
				t.Errorf("WasPublishedRecently(%v) with PubDate %v = %v; want %v", now, tt.pubDate, got, tt.want)
			}
		})
	}
}

// TestDeletingAQuestionDeletesItsChoices checks the migrations' foreign
// key (ON DELETE CASCADE) on both dialects.
func TestDeletingAQuestionDeletesItsChoices(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		s := newSite(t, url)
		q := s.question(t, "Doomed?", time.Now(), "Yes", "No")
		other := s.question(t, "Kept?", time.Now(), "Sure")
		db := s.app.db.WithContext(t.Context())
		if err := db.Delete(&Question{}, q.ID).Error; err != nil {
			t.Fatal(err)
		}
		var left []Choice
		if err := db.Order("id").Find(&left).Error; err != nil {
			t.Fatal(err)
		}
		if len(left) != 1 || left[0].QuestionID != other.ID {
			t.Errorf("choices after deleting question %d: %+v; want only the choice of question %d", q.ID, left, other.ID)
		}
		// A choice must belong to a question.
		if err := db.Create(&Choice{QuestionID: 999999, ChoiceText: "Orphan"}).Error; err == nil {
			t.Error("creating a choice of a missing question succeeded; want a foreign key error")
		}
	})
}
