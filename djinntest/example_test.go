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
