package greetings

import "time"

// Greeting counts how often a name was greeted. Its table is
// greetings_greeting; the SQL that creates it is in migrations/, written by
// `makemigrations`.
type Greeting struct {
	ID        uint
	Name      string `gorm:"size:50;not null;uniqueIndex"`
	Count     int    `gorm:"not null;default:0"`
	UpdatedAt time.Time
}
