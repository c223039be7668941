package orm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/pflag"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
)

// Commands returns the data commands: dumpdata, loaddata, flush and
// dbshell.
func (a *App) Commands() []*command.Command {
	return []*command.Command{dumpCommand(), loadCommand(), flushCommand(), dbshellCommand()}
}

func dumpCommand() *command.Command {
	return &command.Command{
		Name:  "dumpdata",
		Args:  "[app[.model] ...]",
		Short: "Write the database's rows as a JSON fixture",
		Long: "Write the rows of every registered model, or of the given apps and models,\n" +
			"as a JSON fixture for loaddata: models in app order, rows in primary-key order.\n" +
			"Many-to-many join rows are not included.",
		MaxArgs: -1,
		Flags: func(fs *pflag.FlagSet) {
			fs.Int("indent", 0, "pretty-print with this many spaces of indentation")
			fs.StringP("output", "o", "", "write to this file instead of standard output")
			fs.StringArrayP("exclude", "e", nil, "leave out an app or app.model (repeatable)")
		},
		Run: runDump,
	}
}

func runDump(ctx context.Context, env *command.Env) error {
	a, err := From(env.Project)
	if err != nil {
		return err
	}
	opts := DumpOptions{Labels: env.Args}
	opts.Indent, _ = env.Flags.GetInt("indent")
	opts.Exclude, _ = env.Flags.GetStringArray("exclude")
	if opts.Indent < 0 {
		return command.Usagef("--indent must be >= 0, got %d", opts.Indent)
	}
	if _, err := selectModels(a.Registry(), opts.Labels, opts.Exclude); err != nil {
		return command.Usagef("%v", err)
	}
	output, _ := env.Flags.GetString("output")
	if output == "" {
		_, err := DumpData(ctx, a.DB(), a.Registry(), env.Stdout, opts)
		return err
	}
	f, err := os.Create(output)
	if err != nil {
		return fmt.Errorf("dumpdata: %w", err)
	}
	_, err = DumpData(ctx, a.DB(), a.Registry(), f, opts)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("dumpdata: %w", cerr)
	}
	if err != nil {
		_ = os.Remove(output) // no half-written fixture
	}
	return err
}

func loadCommand() *command.Command {
	return &command.Command{
		Name:  "loaddata",
		Args:  "fixture.json [fixture.json ...]",
		Short: "Insert the objects of JSON fixtures into the database",
		Long: "Insert the objects of the fixture files (- for standard input) in one\n" +
			"transaction: all of them, or none and an error naming the file, object and field.",
		MinArgs: 1,
		MaxArgs: -1,
		Run:     runLoad,
	}
}

func runLoad(ctx context.Context, env *command.Env) error {
	a, err := From(env.Project)
	if err != nil {
		return err
	}
	fixtures := make([]Fixture, 0, len(env.Args))
	for _, name := range env.Args {
		if name == "-" {
			fixtures = append(fixtures, Fixture{Name: "-", R: env.Stdin})
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("loaddata: %w", err)
		}
		defer f.Close()
		fixtures = append(fixtures, Fixture{Name: name, R: f})
	}
	n, err := LoadData(ctx, a.DB(), a.Registry(), fixtures...)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Installed %d object(s) from %d fixture(s)\n", n, len(fixtures))
	return nil
}

func flushCommand() *command.Command {
	return &command.Command{
		Name:  "flush",
		Short: "Delete every row of the registered models' tables",
		Long: "Delete every row of the registered models' tables and their many-to-many join\n" +
			"tables, after asking for confirmation. The migrations' version tables are kept.",
		Flags: func(fs *pflag.FlagSet) {
			fs.Bool("no-input", false, "do not ask for confirmation")
		},
		Run: runFlush,
	}
}

func runFlush(ctx context.Context, env *command.Env) error {
	a, err := From(env.Project)
	if err != nil {
		return err
	}
	if noInput, _ := env.Flags.GetBool("no-input"); !noInput {
		fmt.Fprintf(env.Stdout, "This will DELETE ALL DATA in the database %s. Type 'yes' to continue: ", databaseName(a.settings.URL))
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("flush: read the confirmation: %w", err)
		}
		if strings.TrimSpace(line) != "yes" {
			fmt.Fprintln(env.Stdout, "\nFlush cancelled.")
			return nil
		}
	}
	tables, err := Flush(ctx, a.DB(), a.Registry())
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Deleted all rows of %d table(s).\n", len(tables))
	return nil
}

// databaseName is the database's URL with the password hidden, or the
// file of a SQLite database.
func databaseName(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Scheme == "sqlite" {
		return strings.TrimPrefix(u.Path, "/")
	}
	return core.RedactURL(raw)
}

func dbshellCommand() *command.Command {
	return &command.Command{
		Name:  "dbshell",
		Args:  "[-- client args...]",
		Short: "Run the database's command-line client (sqlite3 or psql)",
		Long: "Run sqlite3 or psql connected to the project's database, with the arguments\n" +
			"after -- passed on (e.g. dbshell -- -c 'select 1').",
		MaxArgs: -1,
		Run:     runDBShell,
	}
}

// isLibpqParam reports whether psql understands the URL query parameter;
// others (pgx's, statement_timeout) are dropped from the URL given to it.
func isLibpqParam(key string) bool {
	switch key {
	case "sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "sslcrl", "sslnegotiation",
		"connect_timeout", "application_name", "options", "target_session_attrs", "client_encoding",
		"service", "gssencmode", "krbsrvname", "channel_binding", "hostaddr", "keepalives",
		"keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
		"require_auth", "load_balance_hosts":
		return true
	}
	return false
}

func runDBShell(ctx context.Context, env *command.Env) error {
	a, err := From(env.Project)
	if err != nil {
		return err
	}
	name, args, extraEnv, err := shellCommand(a.settings.URL, env.Args)
	if err != nil {
		return err
	}
	path, err := exec.LookPath(name)
	if err != nil {
		hint := "apt-get install sqlite3"
		if name == "psql" {
			hint = "apt-get install postgresql-client"
		}
		return fmt.Errorf("dbshell: %s is not installed or not on PATH (%s)", name, hint)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = env.Stdin, env.Stdout, env.Stderr
	cmd.Env = append(os.Environ(), extraEnv...)
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("dbshell: %s exited with status %d", name, ee.ExitCode())
		}
		return fmt.Errorf("dbshell: run %s: %w", name, err)
	}
	return nil
}

// shellCommand returns the client, its arguments and extra environment for
// the database at raw: the password goes in PGPASSWORD, never on the
// command line, where other users could read it.
func shellCommand(raw string, extra []string) (name string, args, environ []string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, nil, fmt.Errorf("dbshell: Database.URL %s is not a valid URL", core.RedactURL(raw))
	}
	switch u.Scheme {
	case "sqlite":
		path := strings.TrimPrefix(u.Path, "/")
		if path == ":memory:" {
			return "", nil, nil, errors.New("dbshell: the database is in memory (sqlite:///:memory:); another process cannot open it")
		}
		return "sqlite3", append([]string{path}, extra...), nil, nil
	case "postgres", "postgresql":
		c := *u
		if c.User != nil {
			if pw, ok := c.User.Password(); ok {
				environ = append(environ, "PGPASSWORD="+pw)
			}
			c.User = url.User(c.User.Username())
		}
		q := c.Query()
		for k := range q {
			if !isLibpqParam(k) {
				q.Del(k)
			}
		}
		c.RawQuery = q.Encode()
		return "psql", append(append([]string{}, extra...), c.String()), environ, nil
	}
	return "", nil, nil, fmt.Errorf("dbshell: Database.URL %s: unsupported scheme %q", core.RedactURL(raw), u.Scheme)
}
