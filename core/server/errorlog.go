package server

import (
	"context"
	"log"
	"log/slog"
	"strings"
)

// errorLogWriter turns the lines net/http writes to Server.ErrorLog into
// structured slog records: TLS handshake failures, handler panics and
// accept errors get their own messages and attributes; anything else is
// logged at warn level as it is. It is safe for concurrent use because
// log.Logger serializes writes and slog handlers are concurrent-safe.
type errorLogWriter struct {
	logger *slog.Logger
}

// newErrorLog returns a *log.Logger for http.Server.ErrorLog.
func newErrorLog(logger *slog.Logger) *log.Logger {
	return log.New(errorLogWriter{logger}, "", 0)
}

// Write implements io.Writer for log.Logger: p is one log line.
func (w errorLogWriter) Write(p []byte) (int, error) {
	line := strings.TrimSuffix(string(p), "\n")
	ctx := context.Background()
	if rest, ok := strings.CutPrefix(line, "http: TLS handshake error from "); ok {
		// Client-caused (scanners, expired client clocks, plain HTTP to the
		// TLS port): info, not warn, so that the internet's noise does not
		// page anyone.
		addr, reason, _ := strings.Cut(rest, ": ")
		w.logger.LogAttrs(ctx, slog.LevelInfo, "tls handshake error",
			slog.String("remote_addr", addr), slog.String("error", reason))
		return len(p), nil
	}
	if rest, ok := strings.CutPrefix(line, "http: panic serving "); ok {
		head, stack, _ := strings.Cut(rest, "\n")
		addr, value, _ := strings.Cut(head, ": ")
		w.logger.LogAttrs(ctx, slog.LevelError, "panic serving request",
			slog.String("remote_addr", addr), slog.String("panic", value), slog.String("stack", stack))
		return len(p), nil
	}
	if rest, ok := strings.CutPrefix(line, "http: Accept error: "); ok {
		w.logger.LogAttrs(ctx, slog.LevelWarn, "accept error", slog.String("error", rest))
		return len(p), nil
	}
	w.logger.LogAttrs(ctx, slog.LevelWarn, line, slog.String("source", "net/http"))
	return len(p), nil
}
