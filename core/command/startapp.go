package command

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/spf13/pflag"

	projecttemplate "github.com/djinn-go/djinn/project_template"
)

// StartAppCommand returns the startapp command, which writes a new app
// into the project in the working directory and adds it to settings.go
// and urls.go (see projecttemplate.StartApp). It needs no set-up project,
// so it works while the settings are broken.
func StartAppCommand() *Command {
	var force bool
	return &Command{
		Name:  "startapp",
		Args:  "name",
		Short: "Create an app in this project (models, views, URLs, migrations, templates, static files, tests)",
		Long: `startapp writes the app package <name>/ in the working directory, the
project's directory: app.go, models.go with an example model, views.go
and urls.go with an index view, migrations/, templates/<name>/index.html,
static/<name>/style.css and views_test.go. It adds the app to
InstalledApps in settings.go and includes its URLs under /<name>/ in
urls.go where those files have the marker comments "// djinn:apps" and
"// djinn:urls"; otherwise it prints the lines to add. Existing files
are never overwritten unless --force is given.`,
		MinArgs: 1,
		MaxArgs: 1,
		NoSetup: true,
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&force, "force", false, "write into an existing app directory, overwriting its files")
		},
		Run: func(_ context.Context, env *Env) error {
			name := env.Args[0]
			res, err := projecttemplate.StartApp(projecttemplate.AppOptions{Name: name, Force: force})
			if err != nil {
				if ne := (*projecttemplate.NameError)(nil); errors.As(err, &ne) {
					return &UsageError{Err: err}
				}
				return err
			}
			w := env.Stdout
			fmt.Fprintf(w, "Created app %s in %s (%d files).\n", name, res.Dir, len(res.Files))
			for _, e := range []projecttemplate.Edit{res.Settings, res.URLs} {
				if e.Done {
					fmt.Fprintf(w, "%s: added %s\n", e.File, e.Line)
				} else {
					fmt.Fprintf(w, "%s has no marker comment: add\n\t%s\nand the import %q\n", e.File, e.Line, res.Import)
				}
			}
			fmt.Fprintf(w, "Next: go run . makemigrations %s && go run . migrate, then go run . runserver and open /%s/\n", name, name)
			return nil
		},
	}
}

// StartProjectCommand returns the startproject command of cmd/manage,
// which writes a new project (see projecttemplate.StartProject) and runs
// `go mod tidy` in it.
func StartProjectCommand() *Command {
	var (
		djinnDir, module string
		force, noTidy    bool
	)
	return &Command{
		Name:  "startproject",
		Args:  "name [dir]",
		Short: "Create a Djinn project",
		Long: `startproject writes a new project into dir (default ./name): go.mod,
main.go, settings.go with a fresh development SECRET_KEY, urls.go,
site.go, templates/, static/, .gitignore and a README with the project's
commands; then it runs "go mod tidy" there (skip it with --no-tidy).

go.mod requires Djinn at the version of this tool. A tool run from a
local checkout ("go run ./cmd/manage", version "(devel)") adds a replace
directive to that checkout, found from the tool's build information or
its source directory; --djinn PATH names the checkout instead. The
project then builds without fetching Djinn.`,
		MinArgs: 1,
		MaxArgs: 2,
		NoSetup: true,
		Flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&djinnDir, "djinn", "", "use the Djinn checkout in this directory (a replace directive)")
			fs.StringVar(&module, "module", "", "module path of go.mod (default: the name)")
			fs.BoolVar(&force, "force", false, "write into a non-empty directory, overwriting files")
			fs.BoolVar(&noTidy, "no-tidy", false, `do not run "go mod tidy" in the new project`)
		},
		Run: func(ctx context.Context, env *Env) error {
			name := env.Args[0]
			// Check the name before looking for Djinn: a typo should not
			// cost a go list.
			if err := projecttemplate.ValidateName("project", name); err != nil {
				return &UsageError{Err: err}
			}
			dj, err := projecttemplate.Locate(ctx, djinnDir)
			if err != nil {
				return err
			}
			opts := projecttemplate.ProjectOptions{Name: name, Module: module, Djinn: dj, Force: force}
			if len(env.Args) > 1 {
				opts.Dir = env.Args[1]
			}
			res, err := projecttemplate.StartProject(opts)
			if err != nil {
				return err
			}
			w := env.Stdout
			req := dj.Version
			if dj.Dir != "" {
				req = "the checkout " + dj.Dir
			}
			fmt.Fprintf(w, "Created project %s in %s (%d files), with Djinn %s.\n", name, res.Dir, len(res.Files), req)
			switch _, lookErr := exec.LookPath("go"); {
			case noTidy:
			case lookErr != nil:
				fmt.Fprintf(w, "The go command is not on PATH: run go mod tidy in %s before building.\n", res.Dir)
			default:
				fmt.Fprintln(w, "Running go mod tidy (GOFLAGS=-mod=mod) to complete go.mod and write go.sum...")
				if err := projecttemplate.Tidy(ctx, res.Dir, env.Stderr); err != nil {
					return fmt.Errorf("%w; the project is written: fix the problem and run go mod tidy in %s", err, res.Dir)
				}
			}
			dir := res.Dir
			if abs, err := filepath.Abs(dir); err == nil {
				if rel, err := filepath.Rel(".", abs); err == nil {
					dir = rel
				}
			}
			fmt.Fprintf(w, "Next:\n\tcd %s\n\tgo run . migrate\n\tgo run . runserver\n", dir)
			return nil
		},
	}
}
