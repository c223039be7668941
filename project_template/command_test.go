package projecttemplate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core/command"
)

// runTool runs cmd/manage's commands as the tool does and returns the
// exit status and output.
func runTool(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmds := []*command.Command{command.StartProjectCommand(), command.StartAppCommand(), command.VersionCommand()}
	code := command.RunTool(t.Context(), command.Stdio{Name: "manage", Out: &out, Err: &out}, cmds, args...)
	return code, out.String()
}

func TestStartProjectCommand(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "site1")
	code, out := runTool(t, "startproject", "--no-tidy", "--djinn", root, "mysite", dir)
	if code != command.ExitOK {
		t.Fatalf("startproject = %d:\n%s", code, out)
	}
	if !strings.Contains(out, "Created project mysite in "+dir) || strings.Contains(out, "go mod tidy") {
		t.Errorf("startproject --no-tidy said:\n%s", out)
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(gomod), "replace github.com/djinn-go/djinn => "+filepath.ToSlash(root)+"\n") {
		t.Errorf("go.mod has no replace to %s:\n%s", root, gomod)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.sum")); !os.IsNotExist(err) {
		t.Errorf("go.sum: %v; want none with --no-tidy", err)
	}

	// Again into the same directory: refused, exit 1, nothing changed.
	code, out = runTool(t, "startproject", "--no-tidy", "--djinn", root, "mysite", dir)
	if code != command.ExitError || !strings.Contains(out, "not empty") {
		t.Errorf("startproject into a full directory = %d:\n%s\nwant 1 and a message about the directory", code, out)
	}

	// startapp, in the project's directory.
	t.Chdir(dir)
	code, out = runTool(t, "startapp", "polls")
	if code != command.ExitOK {
		t.Fatalf("startapp = %d:\n%s", code, out)
	}
	for _, want := range []string{"Created app polls", "settings.go: added polls.New(),", "urls.go: added r.Include(\"/polls/\""} {
		if !strings.Contains(out, want) {
			t.Errorf("startapp output lacks %q:\n%s", want, out)
		}
	}
}

func TestStartCommandsUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"project name", []string{"startproject", "--no-tidy", "my-site"}, "not a lowercase Go identifier"},
		{"project clash", []string{"startproject", "--no-tidy", "http"}, "standard library"},
		{"no name", []string{"startproject"}, "takes 1 to 2 arguments"},
		{"app name", []string{"startapp", "Polls"}, "not a lowercase Go identifier"},
		{"app clash", []string{"startapp", "orm"}, "Djinn package"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			code, out := runTool(t, tt.args...)
			if code != command.ExitUsage || !strings.Contains(out, tt.want) {
				t.Fatalf("manage %s = %d:\n%s\nwant 2 and %q", strings.Join(tt.args, " "), code, out, tt.want)
			}
			if entries, _ := os.ReadDir("."); len(entries) > 0 {
				t.Errorf("manage %s wrote %d entries; want none", strings.Join(tt.args, " "), len(entries))
			}
		})
	}
}
