package command

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/checks"
)

// builtins returns the commands every project has.
func builtins() []*Command {
	return []*Command{runserverCommand(), serveCommand(), checkCommand(), VersionCommand(), showURLsCommand(), StartAppCommand()}
}

func checkCommand() *Command {
	var deploy bool
	var failLevel string
	return &Command{
		Name:  "check",
		Short: "Run the system checks (settings, URLs, apps; --deploy for production)",
		Long: `check runs the project's system checks and every app's, prints what they
find and fails when any finding is an error. With --deploy it also runs the
deployment checks: DEBUG on, a weak SECRET_KEY, empty ALLOWED_HOSTS, no HSTS,
insecure cookies.`,
		MaxArgs: 0,
		// check reports broken settings itself instead of failing at setup.
		NoSetup: true,
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&deploy, "deploy", false, "also run the deployment checks")
			fs.StringVar(&failLevel, "fail-level", "ERROR", "fail on findings at or above this level: CRITICAL, ERROR, WARNING, INFO, DEBUG")
		},
		Run: func(ctx context.Context, env *Env) error {
			level, err := parseLevel(failLevel)
			if err != nil {
				return err
			}
			if err := env.Project.Setup(ctx); err != nil {
				var se *core.SettingsError
				if !errors.As(err, &se) {
					return err
				}
				// Broken settings are findings too: report them like the
				// other checks, then fail.
				res := checks.Result{Messages: se.Messages()}
				if err := res.Write(env.Stdout); err != nil {
					return err
				}
				return fmt.Errorf("system check found %d issue(s) in the settings", len(se.Problems))
			}
			list := env.Project.Checks()
			res := checks.Run(ctx, list, checks.Options{Deploy: deploy, Silenced: env.Project.Settings().SilencedChecks})
			if err := res.Write(env.Stdout); err != nil {
				return err
			}
			for _, m := range res.Messages {
				if m.Level >= level {
					return fmt.Errorf("system check found %d issue(s) at or above %s", countAtLeast(res.Messages, level), level)
				}
			}
			return nil
		},
	}
}

func countAtLeast(msgs []checks.Message, l checks.Level) int {
	n := 0
	for _, m := range msgs {
		if m.Level >= l {
			n++
		}
	}
	return n
}

func parseLevel(s string) (checks.Level, error) {
	for l := checks.Debug; l <= checks.Critical; l++ {
		if strings.EqualFold(l.String(), s) {
			return l, nil
		}
	}
	return 0, Usagef("--fail-level %q: use CRITICAL, ERROR, WARNING, INFO or DEBUG", s)
}

// VersionCommand returns the version command, which prints the Djinn and
// Go versions; tools built with RunTool include it too.
func VersionCommand() *Command {
	return &Command{
		Name:    "version",
		Short:   "Print the Djinn and Go versions",
		MaxArgs: 0,
		NoSetup: true,
		Run: func(_ context.Context, env *Env) error {
			_, err := fmt.Fprintf(env.Stdout, "djinn %s (%s %s/%s)\n", Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}

// Version returns the version of the Djinn module in this binary, as the Go
// build records it ("v0.3.0", or "(devel)" for a local checkout).
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	const path = "github.com/djinn-go/djinn"
	if info.Main.Path == path {
		return info.Main.Version
	}
	for _, d := range info.Deps {
		if d.Path == path {
			if d.Replace != nil {
				return d.Version + " => " + d.Replace.Path
			}
			return d.Version
		}
	}
	return "(unknown)"
}

func showURLsCommand() *Command {
	return &Command{
		Name:    "showurls",
		Short:   "List the URL patterns with their names",
		MaxArgs: 0,
		Run: func(_ context.Context, env *Env) error {
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PATTERN\tNAME")
			for _, r := range env.Project.Router().Routes() {
				fmt.Fprintf(tw, "%s\t%s\n", r.Pattern, r.Name)
			}
			return tw.Flush()
		},
	}
}

// debugFromEnv reports whether DEBUG or DJINN_DEBUG is set in the
// environment, whatever its value.
func debugFromEnv() bool {
	_, a := os.LookupEnv("DEBUG")
	_, b := os.LookupEnv("DJINN_DEBUG")
	return a || b
}
