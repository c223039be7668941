package polls

import "time"

// Item is the app's example model; its table is polls_item.
// After changing a model run `go run . makemigrations` and `go run .
// migrate`.
type Item struct {
	ID        uint
	Title     string `gorm:"size:200;not null"`
	CreatedAt time.Time
}
