package polls

import "time"

// Question is a poll's question; its table is polls_question. Deleting a
// question deletes its choices (ON DELETE CASCADE). After changing a model
// run makemigrations (see migrations/README.md) and migrate.
type Question struct {
	ID           uint
	QuestionText string    `gorm:"size:200;not null"`
	PubDate      time.Time `gorm:"not null;index"`
	Choices      []Choice  `gorm:"constraint:OnDelete:CASCADE"`
}

// String returns the question's text.
func (q *Question) String() string { return q.QuestionText }

// WasPublishedRecently reports whether q was published in the day before
// now, and not after now (Django tutorial's was_published_recently, with
// its bug fixed).
func (q *Question) WasPublishedRecently(now time.Time) bool {
	return !q.PubDate.After(now) && q.PubDate.After(now.Add(-24*time.Hour))
}

// Choice is one answer to a Question with its number of votes; its table
// is polls_choice.
type Choice struct {
	ID         uint
	QuestionID uint   `gorm:"not null;index"`
	ChoiceText string `gorm:"size:200;not null"`
	Votes      int    `gorm:"not null;default:0"`
}

// String returns the choice's text.
func (c *Choice) String() string { return c.ChoiceText }
