// Package migrationstest has test helpers for projects with migrations.
package migrationstest

import (
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations"
)

// UpToDate fails t when an app's models have changes that its migrations
// do not have, on SQLite or on PostgreSQL: `makemigrations --check` as a
// test, so that a model changed without its migration fails `go test`.
// p must be set up (Setup). The PostgreSQL scratch databases go on the
// server of djinntest.PostgresURL, whose rules apply: without a server the
// PostgreSQL half skips locally and fails when CI=true.
func UpToDate(t testing.TB, p *core.Project) {
	t.Helper()
	res, err := migrations.MakeMigrations(t.Context(), p, migrations.MakeOptions{
		PostgresURL: djinntest.PostgresURL(t),
	})
	if err != nil {
		t.Fatalf("makemigrations --check: %v", err)
	}
	for _, m := range res.Made {
		t.Errorf("app %q has model changes without a migration; run makemigrations and commit %s:\n  %s",
			m.App, m.Name, strings.Join(m.Operations, "\n  "))
	}
}

// Setup sets up a project from s for a test (djinntest.Setup) and
// migrates its database, running the apps' PostMigrate hooks, as `migrate`
// does before a deployment serves.
func Setup(t testing.TB, s core.Settings) *core.Project {
	t.Helper()
	p := djinntest.Setup(t, s)
	if _, err := migrations.Migrate(t.Context(), p, nil); err != nil {
		t.Fatalf("migrationstest: migrate: %v", err)
	}
	return p
}
