package admin

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// ActionFlag is what a LogEntry records: an addition, a change or a
// deletion (Django's ADDITION, CHANGE, DELETION).
type ActionFlag int

// The actions a LogEntry records.
const (
	Addition ActionFlag = 1
	Change   ActionFlag = 2
	Deletion ActionFlag = 3
)

// String returns "Added", "Changed" or "Deleted".
func (f ActionFlag) String() string {
	switch f {
	case Addition:
		return "Added"
	case Change:
		return "Changed"
	case Deletion:
		return "Deleted"
	}
	return "Unknown"
}

// LogEntry is one action of a user in the admin, written in the
// transaction of the action (table admin_logentry).
type LogEntry struct {
	ID         uint      `gorm:"primaryKey"`
	ActionTime time.Time `gorm:"not null;index"`
	// UserID is the auth_user id of the user who acted.
	UserID uint `gorm:"not null;index"`
	// App and Model name the object's model ("polls", "question").
	App   string `gorm:"size:100;not null;index:admin_logentry_object,priority:1"`
	Model string `gorm:"size:100;not null;index:admin_logentry_object,priority:2"`
	// ObjectID is the object's primary key as text.
	ObjectID string `gorm:"size:100;not null;index:admin_logentry_object,priority:3"`
	// ObjectRepr is the object's string form when the action happened.
	ObjectRepr string     `gorm:"size:200;not null"`
	ActionFlag ActionFlag `gorm:"not null"`
	// ChangeMessage says what changed ("Changed question text.").
	ChangeMessage string `gorm:"not null"`
}

// TableName returns "admin_logentry".
func (LogEntry) TableName() string { return "admin_logentry" }

// IsAddition reports whether the entry records an addition.
func (l *LogEntry) IsAddition() bool { return l.ActionFlag == Addition }

// IsChange reports whether the entry records a change.
func (l *LogEntry) IsChange() bool { return l.ActionFlag == Change }

// IsDeletion reports whether the entry records a deletion.
func (l *LogEntry) IsDeletion() bool { return l.ActionFlag == Deletion }

// String returns the action and the object: `Added “What's new?”.`.
func (l *LogEntry) String() string {
	return l.ActionFlag.String() + " “" + l.ObjectRepr + "”."
}

// logAction writes a LogEntry with tx.
func logAction(ctx context.Context, tx *gorm.DB, userID uint, e *entry, objectID, repr string, flag ActionFlag, msg string) error {
	le := &LogEntry{
		ActionTime:    time.Now().UTC(),
		UserID:        userID,
		App:           e.model.App,
		Model:         modelName(e.model),
		ObjectID:      truncate(objectID, 100),
		ObjectRepr:    truncate(repr, 200),
		ActionFlag:    flag,
		ChangeMessage: msg,
	}
	return tx.WithContext(ctx).Create(le).Error
}

// truncate cuts s to n runes.
func truncate(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}
