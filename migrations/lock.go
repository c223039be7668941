package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"
)

// DefaultLockTimeout is how long a Runner waits for the SQLite migration
// lock file when its LockTimeout is zero.
const DefaultLockTimeout = 10 * time.Minute

// LockFileSuffix is appended to a SQLite database file's path to name the
// lock file a Runner holds while it migrates or fakes: db.sqlite3 is
// locked through db.sqlite3-migrate.lock, next to SQLite's own -wal and
// -shm files.
const LockFileSuffix = "-migrate.lock"

// sqliteFile returns the path of the file of conn's main database, or ""
// when it has none (an in-memory or temporary database).
func sqliteFile(ctx context.Context, conn *sql.Conn) (string, error) {
	rows, err := conn.QueryContext(ctx, "PRAGMA database_list")
	if err != nil {
		return "", fmt.Errorf("migrations: find the SQLite database file: %w", err)
	}
	defer rows.Close()
	var file string
	for rows.Next() {
		var seq int64
		var name string
		var path sql.NullString
		if err := rows.Scan(&seq, &name, &path); err != nil {
			return "", fmt.Errorf("migrations: find the SQLite database file: %w", err)
		}
		if name == "main" {
			file = path.String
		}
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("migrations: find the SQLite database file: %w", err)
	}
	return file, nil
}

// lockSQLite takes the migration lock of the SQLite database conn is
// connected to, waiting for it within ctx and r's LockTimeout, and returns
// the function that releases it. An in-memory database needs no lock: no
// other process can open it.
func (r *Runner) lockSQLite(ctx context.Context, conn *sql.Conn) (func(), error) {
	file, err := sqliteFile(ctx, conn)
	if err != nil {
		return nil, err
	}
	if file == "" {
		return func() {}, nil
	}
	path := file + LockFileSuffix
	timeout := r.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	logger := r.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	waiting := func() {
		logger.InfoContext(ctx, "migrations: another migrate holds "+path+"; waiting",
			"lock_file", path, "timeout", timeout.String())
	}
	unlock, err := lockFile(wctx, path, waiting)
	switch {
	case err == nil:
		return unlock, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("migrations: wait for the migration lock %s: %w", path, context.Cause(ctx))
	case wctx.Err() != nil:
		return nil, fmt.Errorf("migrations: another migrate holds %s: gave up waiting after %s (if no migrate is running, check which process has the file open)", path, timeout)
	}
	return nil, err
}
