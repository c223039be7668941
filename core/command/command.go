package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/djinn-go/djinn/core"
)

// Command is one manage command ("runserver", "migrate", "createsuperuser").
// Built-in commands and apps' commands have the same shape; apps return
// theirs from a Commands() []*command.Command method.
type Command struct {
	// Name is the command word; it must be unique across the project.
	Name string
	// Args describes the positional arguments for help, e.g. "[addr]".
	Args string
	// Short is a one-line summary; Long, if set, the full help text.
	Short string
	Long  string
	// MinArgs and MaxArgs bound the number of positional arguments;
	// MaxArgs < 0 means no upper bound. Outside the bounds is a usage error.
	MinArgs, MaxArgs int
	// Flags, if set, declares the command's flags.
	Flags func(*pflag.FlagSet)
	// NoSetup runs the command without setting the project up (for commands
	// that must work with broken settings, like version).
	NoSetup bool
	// Before, if set, runs before the project is set up and may change its
	// settings (runserver turns Debug on this way).
	Before func(env *Env) error
	// Run does the work. A returned *UsageError exits with status 2, any
	// other error with status 1.
	Run func(ctx context.Context, env *Env) error
}

// Env is what a running command gets: the project (set up unless the
// command has NoSetup), its arguments and flags, and its standard streams.
type Env struct {
	Project *core.Project
	Args    []string
	Flags   *pflag.FlagSet
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	// App is the label of the app that provides the command; "" for built-ins.
	App string
}

// Provider is an App that contributes manage commands.
type Provider interface {
	Commands() []*Command
}

// UsageError is a mistake in how a command was called: an unknown command
// or flag, or a wrong number of arguments. It exits with status 2.
type UsageError struct {
	Err error
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a *UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Exit statuses of Run.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// Main runs the command named by the process arguments against p and exits
// with its status. A project's main.go calls it last. SIGINT and SIGTERM
// cancel the command's context.
func Main(p *core.Project) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, p, Stdio{Name: filepath.Base(os.Args[0]), In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Args[1:]...)
	stop()
	os.Exit(code)
}

// Stdio is the program name and standard streams a Run uses.
type Stdio struct {
	Name     string // program name in help and errors; "manage" if empty
	In       io.Reader
	Out, Err io.Writer
}

// Run runs the command named by args against p and returns the exit status:
// ExitOK, ExitError (the command failed; one line on stderr) or ExitUsage.
// It is Main without the process: tests call it with buffers.
func Run(ctx context.Context, p *core.Project, io Stdio, args ...string) int {
	io = io.withDefaults()
	list, err := commands(p)
	if err != nil {
		fmt.Fprintf(io.Err, "%s: %v\n", io.Name, err)
		return ExitError
	}
	return execute(ctx, newRoot(p, io, list), io, args)
}

// RunTool runs one of cmds, which need no project, and returns the exit
// status as Run does. It is the engine of tools outside a project, such as
// cmd/manage; every command in cmds must set NoSetup, as Env.Project is nil.
func RunTool(ctx context.Context, io Stdio, cmds []*Command, args ...string) int {
	io = io.withDefaults()
	list := make([]entry, 0, len(cmds))
	for _, c := range cmds {
		if c == nil || !c.NoSetup || c.Run == nil {
			fmt.Fprintf(io.Err, "%s: command: a tool command needs NoSetup and Run\n", io.Name)
			return ExitError
		}
		list = append(list, entry{c, ""})
	}
	return execute(ctx, newRoot(nil, io, list), io, args)
}

func (io Stdio) withDefaults() Stdio {
	if io.Name == "" {
		io.Name = "manage"
	}
	if io.In == nil {
		io.In = strings.NewReader("")
	}
	return io
}

// execute runs root with args and maps the outcome to an exit status.
func execute(ctx context.Context, root *cobra.Command, io Stdio, args []string) int {
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	prefix := io.Name
	if cmd != nil && cmd != root {
		prefix += ": " + cmd.Name()
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(io.Err, "%s: %v\nRun '%s help' for usage.\n", prefix, err, io.Name)
		return ExitUsage
	}
	fmt.Fprintf(io.Err, "%s: %v\n", prefix, err)
	return ExitError
}

// entry is a command with the app that provides it.
type entry struct {
	cmd *Command
	app string
}

// commands returns every command of p: the built-ins, then the apps'
// commands in app order. A name used twice is an error that names both
// providers. p need not be set up.
func commands(p *core.Project) ([]entry, error) {
	var list []entry
	for _, c := range builtins() {
		list = append(list, entry{c, ""})
	}
	for _, a := range p.Settings().InstalledApps {
		if cp, ok := a.(Provider); ok {
			for _, c := range cp.Commands() {
				list = append(list, entry{c, a.Label()})
			}
		}
	}
	seen := map[string]entry{}
	var errs []error
	for _, e := range list {
		if e.cmd == nil || e.cmd.Name == "" || e.cmd.Run == nil {
			errs = append(errs, fmt.Errorf("command: %s provides a command without a name or Run", provider(e.app)))
			continue
		}
		if prev, dup := seen[e.cmd.Name]; dup {
			errs = append(errs, fmt.Errorf("command: %q is defined by both %s and %s", e.cmd.Name, provider(prev.app), provider(e.app)))
			continue
		}
		seen[e.cmd.Name] = e
	}
	return list, errors.Join(errs...)
}

func provider(app string) string {
	if app == "" {
		return "djinn (built-in)"
	}
	return fmt.Sprintf("app %q", app)
}

func newRoot(p *core.Project, io Stdio, list []entry) *cobra.Command {
	root := &cobra.Command{
		Use:           io.Name,
		Short:         "Manage this Djinn project",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return Usagef("unknown command %q", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	for _, e := range list {
		root.AddCommand(toCobra(p, e, io))
	}
	return root
}

func toCobra(p *core.Project, e entry, io Stdio) *cobra.Command {
	c := e.cmd
	use := c.Name
	if c.Args != "" {
		use += " " + c.Args
	}
	short := c.Short
	if e.app != "" {
		short += " [" + e.app + "]"
	}
	cc := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  c.Long,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) < c.MinArgs || (c.MaxArgs >= 0 && len(args) > c.MaxArgs) {
				return Usagef("%s takes %s, got %d", c.Name, describeArgs(c.MinArgs, c.MaxArgs), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			env := &Env{Project: p, Args: args, Flags: cmd.Flags(), Stdin: io.In, Stdout: io.Out, Stderr: io.Err, App: e.app}
			if c.Before != nil {
				if err := c.Before(env); err != nil {
					return err
				}
			}
			if !c.NoSetup {
				if err := p.Setup(cmd.Context()); err != nil {
					return err
				}
			}
			return c.Run(cmd.Context(), env)
		},
	}
	if c.Flags != nil {
		c.Flags(cc.Flags())
	}
	return cc
}

func describeArgs(lo, hi int) string {
	switch {
	case hi < 0:
		return fmt.Sprintf("at least %d argument%s", lo, plural(lo))
	case lo == hi:
		return fmt.Sprintf("%d argument%s", lo, plural(lo))
	default:
		return fmt.Sprintf("%d to %d arguments", lo, hi)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
