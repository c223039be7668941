package static

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/djinn-go/djinn/core/command"
)

// Commands returns collectstatic and findstatic.
func (a *App) Commands() []*command.Command {
	return []*command.Command{a.collectstaticCommand(), a.findstaticCommand()}
}

func (a *App) collectstaticCommand() *command.Command {
	var clear, noInput, dryRun bool
	return &command.Command{
		Name:  "collectstatic",
		Short: "Collect the static files into Static.Root, with hashed names and compressed copies",
		Long: `collectstatic copies every static file the finders find (project
directories first, then apps in order) into Static.Root, then gives each a
content-hashed name ("css/site.3f2a1b9c8d7e.css"), rewrites url() and @import
references in CSS to the hashed names, writes the manifest staticfiles.json
and precompressed .br and .gz copies of text files. Unchanged files are not
rewritten. It asks before overwriting a non-empty Static.Root unless
--no-input is given.`,
		MaxArgs: 0,
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&clear, "clear", false, "delete everything in Static.Root first")
			fs.BoolVar(&noInput, "no-input", false, "do not ask for confirmation")
			fs.BoolVar(&noInput, "noinput", false, "same as --no-input")
			fs.BoolVarP(&dryRun, "dry-run", "n", false, "do everything except write or delete files")
		},
		Run: func(ctx context.Context, env *command.Env) error {
			if !noInput && !dryRun && !isEmptyDir(a.rootAbs) {
				ok, err := confirm(env, a.rootAbs, clear)
				if err != nil {
					return err
				}
				if !ok {
					return errors.New("collectstatic: cancelled")
				}
			}
			_, err := Collect(ctx, a.finder, CollectOptions{
				Root:      a.settings.Root,
				StaticURL: a.prefix,
				Clear:     clear,
				DryRun:    dryRun,
				Progress:  env.Stdout,
			})
			return err
		},
	}
}

// confirm asks, as Django does, before collectstatic overwrites or
// deletes files; only "yes" goes on.
func confirm(env *command.Env, root string, clear bool) (bool, error) {
	what := "This will overwrite existing files!"
	if clear {
		what = "This will DELETE ALL FILES in this location!"
	}
	fmt.Fprintf(env.Stdout, "\nYou have requested to collect static files at the destination\nlocation as specified in your settings:\n\n    %s\n\n%s\nAre you sure you want to do this?\n\nType 'yes' to continue, or 'no' to cancel: ", root, what)
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(env.Stdout)
		return false, nil
	}
	return strings.TrimSpace(line) == "yes", nil
}

// isEmptyDir reports whether dir is missing or has no entries.
func isEmptyDir(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return true
	}
	defer f.Close()
	names, _ := f.Readdirnames(1)
	return len(names) == 0
}

func (a *App) findstaticCommand() *command.Command {
	var all bool
	return &command.Command{
		Name:    "findstatic",
		Args:    "name...",
		Short:   "Show where the finders find static files",
		Long:    "findstatic prints where each named static file comes from: the winning source, or every source that has it with --all (the winner first). A name no source has is an error.",
		MinArgs: 1,
		MaxArgs: -1,
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&all, "all", false, "show every source that has the file, the winner first")
		},
		Run: func(_ context.Context, env *command.Env) error {
			missing := 0
			for _, name := range env.Args {
				clean := strings.TrimPrefix(name, "/")
				found := a.finder.FindAll(clean)
				if len(found) == 0 {
					fmt.Fprintf(env.Stderr, "No matching file found for '%s'.\n", name)
					missing++
					continue
				}
				if !all {
					found = found[:1]
				}
				fmt.Fprintf(env.Stdout, "Found '%s' here:\n", name)
				for _, f := range found {
					fmt.Fprintf(env.Stdout, "  %s\n", f.Location())
				}
			}
			if missing > 0 {
				return fmt.Errorf("findstatic: %d of %d files not found", missing, len(env.Args))
			}
			return nil
		},
	}
}
