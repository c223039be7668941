// Package logtest captures a logger's records for a test. It is a leaf
// package (no Djinn imports), so that the tests of Djinn's own core
// packages can use it; projects use it through djinntest.NewLogs.
package logtest

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Logs collects JSON log records for a test. Servers and middleware under
// test write to it from their own goroutines while the test reads it, so
// every method is safe for concurrent use. The zero value is ready to use.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// New returns a logger that writes JSON records at every level,
// debug included, into the returned Logs.
func New() (*slog.Logger, *Logs) {
	l := &Logs{}
	return l.Logger(), l
}

// Logger returns a logger writing JSON records at every level into l.
func (l *Logs) Logger() *slog.Logger {
	return slog.New(l.Handler())
}

// Handler returns a JSON slog.Handler writing at every level into l (for
// Settings.Logging.Handler).
func (l *Logs) Handler() slog.Handler {
	return slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug})
}

// Write appends p; it is what the handlers write through.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything written so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Records returns the records written so far, decoded; a line that is not
// JSON fails the test.
func (l *Logs) Records(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(l.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("logtest: log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// Find returns the first record whose message is msg, or nil.
func (l *Logs) Find(t testing.TB, msg string) map[string]any {
	t.Helper()
	for _, rec := range l.Records(t) {
		if rec["msg"] == msg {
			return rec
		}
	}
	return nil
}
