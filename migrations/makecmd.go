package migrations

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/djinn-go/djinn/core/command"
)

// ScratchPostgresEnv names the environment variable with the PostgreSQL
// server on which makemigrations creates its scratch databases, when
// --postgres is not given and DATABASE_URL is not a PostgreSQL URL.
const ScratchPostgresEnv = "DJINN_SCRATCH_POSTGRES"

func makeCommand() *command.Command {
	return &command.Command{
		Name:  "makemigrations",
		Args:  "[app...]",
		Short: "Write new migrations from the changes to the models",
		Long: "Compare each app's models with the schema its migrations produce and write\n" +
			"NNNN_name.up.sql and .down.sql files for SQLite and PostgreSQL into the app's\n" +
			"migrations/ directory. PostgreSQL files need a server for scratch databases:\n" +
			"--postgres, else $" + ScratchPostgresEnv + ", else DATABASE_URL when it is PostgreSQL.",
		MaxArgs: -1,
		Flags: func(fs *pflag.FlagSet) {
			fs.String("name", "", "name of the new migrations (0002_<name>)")
			fs.Bool("empty", false, "write empty migrations to fill by hand")
			fs.Bool("check", false, "exit with an error if the models have changes without migrations; write nothing")
			fs.Bool("dry-run", false, "print the migrations instead of writing them")
			fs.StringSlice("dialect", nil, "only this dialect: sqlite or postgres")
			fs.String("postgres", "", "PostgreSQL server URL for scratch databases")
			fs.Bool("yes", false, "answer yes to every rename question")
			fs.Bool("no", false, "answer no to every rename question")
		},
		Run: runMake,
	}
}

func runMake(ctx context.Context, env *command.Env) error {
	name, _ := env.Flags.GetString("name")
	empty, _ := env.Flags.GetBool("empty")
	check, _ := env.Flags.GetBool("check")
	dry, _ := env.Flags.GetBool("dry-run")
	only, _ := env.Flags.GetStringSlice("dialect")
	pg, _ := env.Flags.GetString("postgres")
	yes, _ := env.Flags.GetBool("yes")
	no, _ := env.Flags.GetBool("no")
	if yes && no {
		return command.Usagef("makemigrations: --yes and --no exclude each other")
	}
	if pg == "" {
		pg = os.Getenv(ScratchPostgresEnv)
	}
	if u := env.Project.Settings().Database.URL; pg == "" && (strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")) {
		pg = u
	}
	opts := MakeOptions{Apps: env.Args, Name: name, Empty: empty, Dialects: only, PostgresURL: pg}
	in := bufio.NewReader(env.Stdin)
	opts.Rename = func(q RenameQuestion) (bool, error) {
		switch {
		case yes:
			return true, nil
		case no:
			return false, nil
		}
		fmt.Fprintf(env.Stdout, "%s [y/N] ", q)
		line, err := in.ReadString('\n')
		if err != nil && err != io.EOF {
			return false, err
		}
		if line == "" && err == io.EOF {
			fmt.Fprintln(env.Stdout)
		}
		a := strings.ToLower(strings.TrimSpace(line))
		return a == "y" || a == "yes", nil
	}
	res, err := MakeMigrations(ctx, env.Project, opts)
	if err != nil {
		return err
	}
	for _, s := range res.Skipped {
		fmt.Fprintln(env.Stderr, "Skipped "+s)
	}
	if len(res.Made) == 0 {
		if len(env.Args) == 1 {
			fmt.Fprintf(env.Stdout, "No changes detected in app '%s'\n", env.Args[0])
		} else {
			fmt.Fprintln(env.Stdout, "No changes detected")
		}
		return nil
	}
	for _, m := range res.Made {
		fmt.Fprintf(env.Stdout, "Migrations for '%s':\n", m.App)
		for _, f := range m.Files {
			fmt.Fprintf(env.Stdout, "  %s\n", displayPath(filepath.Join(m.Dir, filepath.FromSlash(f.Path))))
		}
		for _, op := range m.Operations {
			fmt.Fprintf(env.Stdout, "    - %s\n", op)
		}
		for _, w := range m.Warnings {
			fmt.Fprintf(env.Stderr, "Warning: %s.%s: %s\n", m.App, m.Name, w)
		}
		if dry {
			for _, f := range m.Files {
				fmt.Fprintf(env.Stdout, "\n-- %s\n%s", f.Path, f.Body)
			}
		}
	}
	if check {
		return ErrChanges
	}
	if dry {
		return nil
	}
	for _, m := range res.Made {
		if err := m.Write(); err != nil {
			return err
		}
	}
	return nil
}

// displayPath is p relative to the working directory when it is below it.
func displayPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}
