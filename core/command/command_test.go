package command_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
)

type cmdApp struct {
	label string
	cmds  []*command.Command
}

func (a *cmdApp) Label() string                { return a.label }
func (a *cmdApp) Commands() []*command.Command { return a.cmds }

func greet() *command.Command {
	return &command.Command{
		Name: "greet", Args: "NAME", Short: "Say hello", MinArgs: 1, MaxArgs: 1,
		Run: func(_ context.Context, env *command.Env) error {
			if env.Args[0] == "nobody" {
				return errors.New("nobody to greet")
			}
			_, err := env.Stdout.Write([]byte("hello " + env.Args[0] + " from " + env.App + "\n"))
			return err
		},
	}
}

func project(apps ...core.App) *core.Project {
	s := core.Defaults()
	s.Debug = true
	s.Logging.Handler = slog.DiscardHandler
	s.InstalledApps = apps
	return core.New(s)
}

func run(t *testing.T, p *core.Project, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = command.Run(t.Context(), p, command.Stdio{Name: "mysite", Out: &out, Err: &errb}, args...)
	return code, out.String(), errb.String()
}

func TestRun(t *testing.T) {
	withGreet := func() *core.Project { return project(&cmdApp{label: "polls", cmds: []*command.Command{greet()}}) }
	tests := []struct {
		name     string
		p        *core.Project
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"app command", withGreet(), []string{"greet", "ada"}, 0, "hello ada from polls", ""},
		{"command error", withGreet(), []string{"greet", "nobody"}, 1, "", "mysite: greet: nobody to greet\n"},
		{"too few args", withGreet(), []string{"greet"}, 2, "", "greet takes 1 argument, got 0"},
		{"unknown command", withGreet(), []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"unknown flag", withGreet(), []string{"check", "--nope"}, 2, "", "unknown flag: --nope"},
		{"help lists app commands", withGreet(), []string{"help"}, 0, "greet", ""},
		{"version", withGreet(), []string{"version"}, 0, "djinn ", ""},
		{"check ok", withGreet(), []string{"check"}, 0, "System check identified no issues", ""},
		{"check --deploy warns", withGreet(), []string{"check", "--deploy"}, 0, "security.W018", ""},
		{"check --deploy --fail-level WARNING", withGreet(), []string{"check", "--deploy", "--fail-level", "WARNING"}, 1, "security.W004", "issue(s) at or above WARNING"},
		{"name clash", project(
			&cmdApp{label: "polls", cmds: []*command.Command{greet()}},
			&cmdApp{label: "blog", cmds: []*command.Command{greet()}},
		), []string{"version"}, 1, "", `"greet" is defined by both app "polls" and app "blog"`},
		{"clash with built-in", project(&cmdApp{label: "polls", cmds: []*command.Command{{Name: "check", Run: greet().Run}}}),
			[]string{"version"}, 1, "", `"check" is defined by both djinn (built-in) and app "polls"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.p, tt.args...)
			if code != tt.wantCode {
				t.Errorf("Run(%q) = %d; want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("Run(%q) stdout = %q; want it to contain %q", tt.args, out, tt.wantOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("Run(%q) stderr = %q; want it to contain %q", tt.args, errOut, tt.wantErr)
			}
		})
	}
}

func TestCheckReportsBrokenSettings(t *testing.T) {
	p := project()
	s := p.Settings()
	s.Debug = false
	s.SecretKey = ""
	s.Database.URL = "mysql://root:hunter2@db/x"
	code, out, errOut := run(t, p, "check")
	if code != 1 {
		t.Errorf("check with broken settings = %d; want 1", code)
	}
	for _, want := range []string{"SecretKey: (settings.E001)", "Database.URL: (settings.E001)"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, "hunter2") {
		t.Errorf("check output leaks a password:\n%s%s", out, errOut)
	}
}

func TestRunserverTurnsDebugOn(t *testing.T) {
	tests := []struct {
		name string
		env  string // "" = DEBUG unset
		flag []string
		want bool
	}{
		{"default", "", nil, true},
		{"DEBUG=false in env", "false", nil, false},
		{"flag wins", "", []string{"--debug=false"}, false},
		// 192.0.2.1 (TEST-NET-1) is not this machine's: listening fails
		// right after Setup and nothing is sent anywhere.
		{"reachable address keeps DEBUG off", "", []string{"192.0.2.1:8000"}, false},
		{"reachable address with --debug", "", []string{"--debug", "192.0.2.1:8000"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("DEBUG", tt.env)
			}
			p := project()
			p.Settings().Debug = false
			p.Settings().SecretKey = "a-secret-key-long-enough-to-pass-validation"
			// An address that cannot be listened on stops runserver right
			// after Setup, so the test does not serve.
			args := append([]string{"runserver"}, tt.flag...)
			if len(args) == 1 || strings.HasPrefix(args[len(args)-1], "--") {
				args = append(args, "unix:/nonexistent-dir/x.sock")
			}
			run(t, p, args...)
			if got := p.Settings().Debug; got != tt.want {
				t.Errorf("Debug after runserver = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestRunserverRejectsBadAddress(t *testing.T) {
	code, _, errOut := run(t, project(), "runserver", "not an address")
	if code != 2 || !strings.Contains(errOut, "address") {
		t.Errorf("runserver with a bad address = %d %q; want 2 and a message about the address", code, errOut)
	}
}

func TestRunTool(t *testing.T) {
	var out, errb bytes.Buffer
	io := command.Stdio{Name: "manage", Out: &out, Err: &errb}
	if code := command.RunTool(t.Context(), io, []*command.Command{command.VersionCommand()}, "version"); code != 0 || !strings.HasPrefix(out.String(), "djinn ") {
		t.Errorf("RunTool version = %d %q; want 0 and the version", code, out.String())
	}
	if code := command.RunTool(t.Context(), io, []*command.Command{command.VersionCommand()}, "runserver"); code != 2 {
		t.Errorf("RunTool runserver = %d; want 2 (no such command outside a project)", code)
	}
	needsProject := &command.Command{Name: "migrate", Run: greet().Run}
	if code := command.RunTool(t.Context(), io, []*command.Command{needsProject}, "migrate"); code != 1 {
		t.Errorf("RunTool with a command that needs a project = %d; want 1", code)
	}
}
