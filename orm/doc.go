// Package orm opens gorm on the embedded SQLite default or on PostgreSQL,
// from core.DatabaseSettings, and gives every error a driver-independent
// meaning.
//
// # Opening
//
// Open reads DatabaseSettings.URL: "sqlite:///db.sqlite3" (relative to the
// working directory), "sqlite:////abs/db.sqlite3", "sqlite:///:memory:",
// or "postgres://user:pass@host:5432/name?sslmode=disable". SQLite runs on
// the pure-Go modernc.org/sqlite driver, so CGO_ENABLED=0 builds work, with
// WAL, a 5 s busy timeout, foreign keys and synchronous NORMAL on every
// connection. PostgreSQL runs on pgx v5 with prepared statements and the
// settings' statement_timeout. The pool sizes come from the settings, and
// Open pings the database, so a wrong URL or a server that is down stops
// the start-up with an error naming Database.URL, password hidden.
//
// # Errors
//
// Every error the returned *gorm.DB reports goes through Translate (Open
// installs it as the dialect's gorm ErrorTranslator, which gorm applies in
// DB.AddError to every statement, transaction and First/Take/Last). Test
// errors with errors.Is against the constants ErrNotFound, ErrDuplicate,
// ErrForeignKey, ErrCheck, ErrNotNull, ErrTooLong and ErrUnavailable (the
// connection to the database was refused or lost: a server restart, a
// failover; rendered as 503 with Retry-After, and the pool reconnects by
// itself), and read the table, constraint
// and column with errors.As and *Error; no driver import is needed.
// ErrNotFound renders as 404 through core/respond. Errors from
// (*sql.Row).Scan after db.Row(), which gorm never sees, are not
// translated: pass them to Translate.
//
// # Reading
//
// Get[T] is Django's objects.get (one row or ErrNotFound, which is
// already get_object_or_404) and All[T] its objects.all() evaluated.
// On a plain handle both read with a statement and scan plan built once per
// model type — on PostgreSQL on pgx itself outside transactions — instead
// of gorm's per-call statement building and reflective scan: a read by
// primary key costs about what the raw driver costs (docs/performance.md).
// They fall back to gorm whenever its answer could differ (conditions or
// scopes on the handle, AfterFind hooks, serializers, read replicas,
// extra query callbacks). Everything else is gorm's own API.
//
// # Logging
//
// Statements log through the *slog.Logger given to Open (see NewLogger):
// slow ones at Warn, failures at Error, all at Debug, with sql (placeholders
// only, never the values), duration_ms, rows and request_id.
//
// # Models
//
// Apps list their models with a Models() []any method (ModelProvider).
// NewRegistry collects them in app order, names tables like Django
// ("<app>_<model>", unless the model has TableName), refuses two models on
// one table, and computes each model's metadata (fields, primary key,
// relations, verbose names) once; the admin and makemigrations read it.
// Install the registry's naming on the *gorm.DB before its first query
// (Registry.Install) so that gorm uses the same table names.
//
// # Readiness
//
// Probe returns the "database" probe for the server's /readyz.
//
// # Data commands
//
// The orm app adds Django's data commands: dumpdata [app[.Model]...]
// writes the registered models' rows as a JSON fixture ([{"model":
// "polls.question", "pk": 1, "fields": {...}}], fields by column name),
// loaddata file.json... loads fixtures in one transaction (parents first,
// PostgreSQL sequences reset after), flush empties the models' tables and
// dbshell opens sqlite3 or psql on the database. DumpData, LoadData and
// Flush are the same operations for programs and tests. Too-long strings
// are ErrTooLong on both databases: PostgreSQL checks varchar(n) itself,
// and on SQLite, which does not, Open adds a check before each create and
// update of a model with sized string fields.
package orm
