package djinntest

import (
	"log/slog"

	"github.com/djinn-go/djinn/djinntest/logtest"
)

// Logs collects JSON log records for a test (see logtest.Logs). Servers
// and middleware under test write to it from their own goroutines while
// the test reads it; the zero value is ready to use.
type Logs = logtest.Logs

// NewLogs returns a logger that writes JSON records at every level,
// debug included, into the returned Logs.
func NewLogs() (*slog.Logger, *Logs) { return logtest.New() }
