package migrations_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations"
)

// hookApp records its PostMigrate calls and the tables it then sees.
type hookApp struct {
	testApp
	calls *int
	fail  error
}

func (a hookApp) PostMigrate(ctx context.Context, p *core.Project) error {
	*a.calls++
	return a.fail
}

func TestPostMigrate(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		calls := 0
		p := project(t, url, hookApp{testApp: pollsApp(), calls: &calls})
		mustRun(t, p, "migrate")
		mustRun(t, p, "migrate") // nothing to apply: the hook runs again
		if calls != 2 {
			t.Errorf("PostMigrate ran %d times after two migrate runs; want 2", calls)
		}
		mustRun(t, p, "migrate", "polls", "0002", "--fake")
		if calls != 2 {
			t.Errorf("PostMigrate ran after migrate --fake (%d calls); want no call", calls)
		}
		if _, err := migrations.Migrate(t.Context(), p, nil); err != nil || calls != 3 {
			t.Errorf("migrations.Migrate: err %v, %d calls; want nil, 3", err, calls)
		}
	})
}

func TestPostMigrateError(t *testing.T) {
	calls := 0
	p := project(t, djinntest.SQLiteURL(t), hookApp{testApp: pollsApp(), calls: &calls, fail: errors.New("boom")})
	code, _, errs := run(t, p, "migrate")
	if code != command.ExitError || !strings.Contains(errs, "polls: after migrating: boom") {
		t.Errorf("migrate with a failing hook: exit %d, stderr %q; want the app and its error", code, errs)
	}
}
