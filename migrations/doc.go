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
// [target] [--fake] [--plan], showmigrations and sqlmigrate app NNNN
// [--backwards]. Runner is the same engine for programs and tests.
//
// Every file runs in a transaction, so a failing file leaves nothing
// behind on SQLite and PostgreSQL; the app's version is left marked dirty
// and the error says how to recover with migrate --fake. On PostgreSQL a
// run holds the session advisory lock AdvisoryLockKey, so that nodes
// starting at once take turns and each migration is applied once.
package migrations
