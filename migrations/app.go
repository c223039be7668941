package migrations

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/checks"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/orm"
)

// Label is the migrations app's label.
const Label = "migrations"

// App installs the migrate, makemigrations, showmigrations and sqlmigrate
// commands and a system check for unapplied migrations. It depends on the
// orm app, whose database it migrates. Use New; after Ready it is safe for
// concurrent use.
type App struct {
	project *core.Project
}

// New returns the migrations app.
func New() *App { return &App{} }

var (
	_ core.Dependent     = (*App)(nil)
	_ core.Readier       = (*App)(nil)
	_ core.CheckProvider = (*App)(nil)
	_ command.Provider   = (*App)(nil)
)

// Ready remembers the project for the checks; it does no I/O.
func (a *App) Ready(_ context.Context, p *core.Project) error {
	a.project = p
	return nil
}

// Checks returns the "migrations" check: migrations.W001 lists the apps
// with unapplied migrations (runserver shows it, as Django does), and
// migrations.E001 an app marked dirty by a failed migration.
func (a *App) Checks() []checks.Check {
	return []checks.Check{{Name: "migrations", Run: a.check}}
}

func (a *App) check(ctx context.Context) []checks.Message {
	if a.project == nil {
		return nil
	}
	r, err := RunnerFor(a.project)
	if err != nil {
		return []checks.Message{{Level: checks.Error, ID: "migrations.E002", Msg: err.Error()}}
	}
	list, err := r.Status(ctx)
	if err != nil {
		return []checks.Message{{Level: checks.Error, ID: "migrations.E002", Msg: err.Error()}}
	}
	var msgs []checks.Message
	var apps []string
	n := 0
	for _, m := range list {
		if m.Dirty {
			msgs = append(msgs, checks.Message{Level: checks.Error, ID: "migrations.E001",
				Msg:  fmt.Sprintf("%s is marked dirty at %s: its last migration failed or was interrupted", m.App, m.Name),
				Hint: "Run `migrate` to see how to recover."})
		}
		if !m.Applied {
			n++
			if !slices.Contains(apps, m.App) {
				apps = append(apps, m.App)
			}
		}
	}
	if n > 0 {
		msgs = append(msgs, checks.Message{Level: checks.Warning, ID: "migrations.W001",
			Msg:  fmt.Sprintf("You have %d unapplied migration(s). Your project may not work properly until you apply the migrations for app(s): %s.", n, strings.Join(apps, ", ")),
			Hint: "Run `migrate` to apply them."})
	}
	return msgs
}

// Label returns "migrations".
func (*App) Label() string { return Label }

// Dependencies returns the orm app's label.
func (*App) Dependencies() []string { return []string{orm.Label} }

// Commands returns migrate, makemigrations, showmigrations and
// sqlmigrate.
func (*App) Commands() []*command.Command {
	return []*command.Command{migrateCommand(), makeCommand(), showCommand(), sqlCommand()}
}

// PostMigrator is an App with work to do after every migrate run (Django's
// post_migrate signal): auth creates the permissions of the models, for
// instance. PostMigrate runs after the migrations, in app order, also when
// there was nothing to apply; it must be idempotent.
type PostMigrator interface {
	PostMigrate(ctx context.Context, p *core.Project) error
}

// Migrate migrates a set-up project's database to targets (every app to
// its latest migration without targets) and then runs the apps'
// PostMigrate hooks: what the migrate command does, for programs and
// tests. progress, when not nil, sees each step.
func Migrate(ctx context.Context, p *core.Project, progress func(Step, time.Duration, error), targets ...Target) ([]Step, error) {
	r, err := RunnerFor(p)
	if err != nil {
		return nil, err
	}
	r.Progress = progress
	steps, err := r.Migrate(ctx, targets...)
	if err != nil {
		return steps, err
	}
	return steps, postMigrate(ctx, p)
}

func postMigrate(ctx context.Context, p *core.Project) error {
	for _, a := range p.Apps() {
		if pm, ok := a.(PostMigrator); ok {
			if err := pm.PostMigrate(ctx, p); err != nil {
				return fmt.Errorf("migrations: %s: after migrating: %w", a.Label(), err)
			}
		}
	}
	return nil
}

// RunnerFor returns a Runner over the database and apps of a set-up
// project, logging to the project's logger.
func RunnerFor(p *core.Project) (*Runner, error) {
	oa, err := orm.From(p)
	if err != nil {
		return nil, err
	}
	r, err := NewRunner(oa.DB(), p.Apps())
	if err != nil {
		return nil, err
	}
	r.Logger = p.Logger()
	return r, nil
}

func parseVersion(s string) (int, error) {
	if s == "zero" {
		return Zero, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, command.Usagef("migrations: target %q is not a migration number (0002) or zero", s)
	}
	return n, nil
}

func migrateCommand() *command.Command {
	return &command.Command{
		Name:  "migrate",
		Args:  "[app] [target]",
		Short: "Apply or unapply migrations",
		Long: "Migrate every app to its latest migration, or one app to a target version\n" +
			"(a migration number like 0002, or zero to unapply them all).",
		MaxArgs: 2,
		Flags: func(fs *pflag.FlagSet) {
			fs.Bool("fake", false, "record the target as applied without running SQL")
			fs.Bool("plan", false, "print the operations without running them")
		},
		Run: runMigrate,
	}
}

func runMigrate(ctx context.Context, env *command.Env) error {
	r, err := RunnerFor(env.Project)
	if err != nil {
		return err
	}
	var targets []Target
	if len(env.Args) > 0 {
		t := Target{App: env.Args[0], Version: Latest}
		if len(env.Args) == 2 {
			if t.Version, err = parseVersion(env.Args[1]); err != nil {
				return err
			}
		}
		targets = append(targets, t)
	}
	fake, _ := env.Flags.GetBool("fake")
	plan, _ := env.Flags.GetBool("plan")
	out := env.Stdout
	if plan {
		steps, err := r.Plan(ctx, targets...)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "Planned operations:")
		if len(steps) == 0 {
			fmt.Fprintln(out, "  No planned migration operations.")
		}
		for _, s := range steps {
			fmt.Fprintf(out, "  %s %s\n", verb(s.Up, "Apply", "Unapply"), s)
		}
		return nil
	}
	fmt.Fprintln(out, "Operations to perform:")
	if len(targets) == 0 {
		fmt.Fprintf(out, "  Apply all migrations: %s\n", strings.Join(r.Apps(), ", "))
	} else if len(env.Args) == 2 {
		fmt.Fprintf(out, "  Target %s.%s\n", env.Args[0], env.Args[1])
	} else {
		fmt.Fprintf(out, "  Apply all migrations: %s\n", env.Args[0])
	}
	fmt.Fprintln(out, "Running migrations:")
	r.Progress = func(s Step, took time.Duration, err error) { progress(out, s, fake, took, err) }
	var steps []Step
	if fake {
		steps, err = r.Fake(ctx, targets...)
	} else {
		steps, err = r.Migrate(ctx, targets...)
	}
	if err != nil {
		return err
	}
	if !fake {
		if err := postMigrate(ctx, env.Project); err != nil {
			return err
		}
	}
	if len(steps) == 0 {
		fmt.Fprintln(out, "  No migrations to apply.")
	}
	return nil
}

func verb(up bool, a, b string) string {
	if up {
		return a
	}
	return b
}

func progress(w io.Writer, s Step, fake bool, took time.Duration, err error) {
	status := "OK"
	switch {
	case err != nil:
		status = "FAILED"
	case fake:
		status = "FAKED"
	}
	line := fmt.Sprintf("  %s %s... %s", verb(s.Up, "Applying", "Unapplying"), s, status)
	if !fake {
		line += fmt.Sprintf(" (%dms)", took.Milliseconds())
	}
	fmt.Fprintln(w, line)
}

func showCommand() *command.Command {
	return &command.Command{
		Name:    "showmigrations",
		Args:    "[app...]",
		Short:   "List the migrations and whether they are applied ([X]) or not ([ ])",
		MaxArgs: -1,
		Run: func(ctx context.Context, env *command.Env) error {
			r, err := RunnerFor(env.Project)
			if err != nil {
				return err
			}
			list, err := r.Status(ctx)
			if err != nil {
				return err
			}
			only := map[string]bool{}
			for _, a := range env.Args {
				if _, err := r.app(a); err != nil {
					return err
				}
				only[a] = true
			}
			for _, label := range r.Apps() {
				if len(only) > 0 && !only[label] {
					continue
				}
				fmt.Fprintln(env.Stdout, label)
				n := 0
				for _, m := range list {
					if m.App != label {
						continue
					}
					n++
					mark, note := " ", ""
					if m.Applied {
						mark = "X"
					}
					if m.Dirty {
						mark, note = "!", " (dirty: failed or interrupted; see migrate)"
					}
					fmt.Fprintf(env.Stdout, " [%s] %s%s\n", mark, m.Name, note)
				}
				if n == 0 {
					fmt.Fprintln(env.Stdout, " (no migrations)")
				}
			}
			return nil
		},
	}
}

func sqlCommand() *command.Command {
	return &command.Command{
		Name:    "sqlmigrate",
		Args:    "app NNNN",
		Short:   "Print the SQL of a migration",
		MinArgs: 2,
		MaxArgs: 2,
		Flags: func(fs *pflag.FlagSet) {
			fs.Bool("backwards", false, "print the SQL that unapplies the migration")
		},
		Run: func(ctx context.Context, env *command.Env) error {
			v, err := parseVersion(env.Args[1])
			if err != nil || v == Zero {
				return command.Usagef("migrations: sqlmigrate needs a migration number like 0001, got %q", env.Args[1])
			}
			r, err := RunnerFor(env.Project)
			if err != nil {
				return err
			}
			back, _ := env.Flags.GetBool("backwards")
			body, err := r.SQL(env.Args[0], uint(v), !back)
			if err != nil {
				return err
			}
			fmt.Fprint(env.Stdout, body)
			if !strings.HasSuffix(body, "\n") {
				fmt.Fprintln(env.Stdout)
			}
			return nil
		},
	}
}
