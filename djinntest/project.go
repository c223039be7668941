package djinntest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core"
)

// Setup builds and sets up a project from s for a test, and closes it when
// the test ends. Log records are discarded unless s.Logging.Handler is
// set (use NewLogs to capture them). A Setup error fails the test. For a
// project whose database must be migrated first, use
// migrations/migrationstest.Setup.
func Setup(t testing.TB, s core.Settings) *core.Project {
	t.Helper()
	if s.Logging.Handler == nil {
		s.Logging.Handler = slog.DiscardHandler
	}
	p := core.New(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = p.Close(ctx)
	})
	if err := p.Setup(t.Context()); err != nil {
		t.Fatalf("djinntest: set up the project: %v", err)
	}
	return p
}
