package migrations_test

import (
	"strings"
	"testing"

	"github.com/djinn-go/djinn/djinntest"
)

func TestUnappliedMigrationsCheck(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		p := project(t, url, pollsApp())
		out := mustRun(t, p, "check")
		if want := "(migrations.W001) You have 2 unapplied migration(s). Your project may not work properly until you apply the migrations for app(s): polls."; !strings.Contains(out, want) {
			t.Errorf("check before migrate = %q; want %q", out, want)
		}
		mustRun(t, p, "migrate", "polls", "0001")
		if out := mustRun(t, p, "check"); !strings.Contains(out, "You have 1 unapplied migration(s)") {
			t.Errorf("check after one migration = %q; want 1 unapplied", out)
		}
		mustRun(t, p, "migrate")
		if out := mustRun(t, p, "check"); strings.Contains(out, "migrations.") {
			t.Errorf("check after migrate = %q; want no migrations finding", out)
		}
	})
}
