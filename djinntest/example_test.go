package djinntest_test

import (
	"fmt"
	"testing"

	"github.com/djinn-go/djinn/djinntest"
)

func ExampleLogs() {
	logger, logs := djinntest.NewLogs()
	logger.Warn("slow query", "duration_ms", 250)
	rec := logs.Find(&testing.T{}, "slow query")
	fmt.Println(rec["level"], rec["duration_ms"])
	// Output: WARN 250
}

// EachDialect runs a test body once on SQLite and once on PostgreSQL, each
// with a database of its own.
func ExampleEachDialect() {
	_ = func(t *testing.T) {
		djinntest.EachDialect(t, func(t *testing.T, url string) {
			// s := core.Defaults(); s.Database.URL = url
			// db, err := orm.Open(t.Context(), s.Database, logger) …
			_ = url
		})
	}
}
