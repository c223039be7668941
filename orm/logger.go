package orm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"github.com/djinn-go/djinn/core/middleware"
)

// DefaultSlowQuery is the slow-query threshold used when
// DatabaseSettings.SlowQuery is 0.
const DefaultSlowQuery = 200 * time.Millisecond

// NewLogger returns a gorm logger writing to l: statements slower than slow
// at Warn ("orm: slow query"), failed statements at Error ("orm: query
// failed") except gorm.ErrRecordNotFound, and every statement at Debug
// ("orm: query") when l is enabled at debug level, or at Info after gorm's
// db.Debug(). Each record carries sql, duration_ms, rows and, when the
// statement's context comes from a request, request_id. The SQL is logged
// with its placeholders, never the bound values, which may be secrets. slow
// 0 uses DefaultSlowQuery; negative turns slow-query logging off. A nil l
// discards everything. Open installs it; the logger is safe for concurrent
// use.
func NewLogger(l *slog.Logger, slow time.Duration) gormlogger.Interface {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	if slow == 0 {
		slow = DefaultSlowQuery
	}
	return &slogLogger{log: l, slow: slow, level: gormlogger.Warn}
}

// slogLogger is immutable; LogMode returns a copy.
type slogLogger struct {
	log   *slog.Logger
	slow  time.Duration
	level gormlogger.LogLevel
}

var (
	_ gormlogger.Interface = (*slogLogger)(nil)
	_ gorm.ParamsFilter    = (*slogLogger)(nil)
)

func (g *slogLogger) LogMode(level gormlogger.LogLevel) gormlogger.Interface {
	c := *g
	c.level = level
	return &c
}

func (g *slogLogger) Info(ctx context.Context, msg string, args ...any) {
	g.log.InfoContext(ctx, "orm: "+fmt.Sprintf(msg, args...))
}

func (g *slogLogger) Warn(ctx context.Context, msg string, args ...any) {
	g.log.WarnContext(ctx, "orm: "+fmt.Sprintf(msg, args...))
}

func (g *slogLogger) Error(ctx context.Context, msg string, args ...any) {
	g.log.ErrorContext(ctx, "orm: "+fmt.Sprintf(msg, args...))
}

// ParamsFilter drops the bound values so that logged SQL keeps its
// placeholders.
func (g *slogLogger) ParamsFilter(ctx context.Context, sql string, params ...any) (string, []any) {
	return sql, nil
}

func (g *slogLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if g.level == gormlogger.Silent {
		return
	}
	elapsed := time.Since(begin)
	var level slog.Level
	var msg string
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.Is(err, ErrNotFound):
		level, msg = slog.LevelError, "orm: query failed"
	case g.slow > 0 && elapsed > g.slow:
		level, msg = slog.LevelWarn, "orm: slow query"
	case g.level >= gormlogger.Info:
		level, msg = slog.LevelInfo, "orm: query"
	default:
		level, msg = slog.LevelDebug, "orm: query"
	}
	if !g.log.Enabled(ctx, level) {
		return
	}
	sql, rows := fc()
	attrs := []slog.Attr{
		slog.String("sql", sql),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.Int64("rows", rows),
	}
	if id := middleware.RequestIDFrom(ctx); id != "" {
		attrs = append(attrs, slog.String("request_id", id))
	}
	if level == slog.LevelError {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	g.log.LogAttrs(ctx, level, msg, attrs...)
}
