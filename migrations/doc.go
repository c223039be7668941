// Package migrations applies apps' SQL migrations to the project's
// database, one version table per app (djinn_migrations_<app>), apps in the
// order of their MigrationDependencies.
//
// An app provides migrations with a Migrations() fs.FS method (Provider)
// returning a file system with "sqlite/" and "postgres/" directories of
// golang-migrate-style files, NNNN_name.up.sql and NNNN_name.down.sql,
// usually from an embed.FS:
//
//	//go:embed migrations
//	var migrationFiles embed.FS
//
//	func (App) Migrations() fs.FS { f, _ := fs.Sub(migrationFiles, "migrations"); return f }
//
// Install New() after orm.New(); it adds the commands migrate [app]
// [target] [--fake] [--plan], makemigrations, showmigrations and
// sqlmigrate app NNNN [--backwards]. Runner is the same engine for
// programs and tests.
//
// makemigrations [app...] writes the files for you. For each dialect it
// applies the existing migrations to one scratch database and creates the
// models' tables (orm.ModelProvider) with gorm in another, inspects both
// with Atlas (ariga.io/atlas) and plans the up and down SQL between them
// for the tables each app owns. It then runs the new files up and down on
// the scratch database and checks that they reach the models and the old
// state again. A dropped column or table is a warning; a column dropped
// while another of the same type is added asks whether it was renamed
// (--yes, --no for scripts). --check fails when the models have changes
// without migrations (for CI), --dry-run prints the SQL, --empty writes
// files to fill by hand. SQLite scratch databases are temporary files;
// PostgreSQL ones are created and dropped on the server of --postgres,
// $DJINN_SCRATCH_POSTGRES or a PostgreSQL DATABASE_URL, and without one
// the PostgreSQL files are skipped with a note. Files are written to the
// app's migrations/ directory next to its Go package (found with go list,
// or given by a MigrationsDir method) and never overwritten.
//
// Every file runs in a transaction, statement by statement, so a failing
// file leaves nothing behind on SQLite and PostgreSQL; the error names the
// file, the statement (number, line, text) and the database's message,
// the app's version is left marked dirty and the error says how to
// recover with migrate --fake. On SQLite foreign keys are off while a file
// runs (table rebuilds would otherwise cascade deletes) and PRAGMA
// foreign_key_check must pass before it commits. Migrating an app
// backwards first unapplies the apps whose MigrationDependencies name it.
// On PostgreSQL a run holds the session advisory lock AdvisoryLockKey,
// and on a SQLite file an flock(2) on the file <database>-migrate.lock
// beside it (Linux, macOS and the BSDs; see Runner), so that nodes or
// processes starting at once take turns and each migration is applied
// once. The "migrations" system check (shown by runserver) warns about
// unapplied migrations.
package migrations
