package projecttemplate

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// GoVersion and Toolchain are the go and toolchain lines of a generated
// go.mod.
const (
	GoVersion = "1.26"
	Toolchain = "go1.26.11"
)

// ProjectOptions says what StartProject writes. Name and Djinn are
// required.
type ProjectOptions struct {
	// Name is the project's name: a valid name (ValidateName), the module
	// path unless Module is set, and the name of its binary.
	Name string
	// Module is the module path of go.mod ("example.com/mysite"); empty
	// means Name.
	Module string
	// Dir is where the project goes; empty means ./Name. It must not exist
	// or be empty, unless Force is set.
	Dir string
	// Djinn is how go.mod requires Djinn (see Locate).
	Djinn Djinn
	// SecretKey is settings.go's development key; empty generates one with
	// NewSecretKey (tests set it for reproducible output).
	SecretKey string
	// Force writes into a non-empty directory and overwrites existing
	// files.
	Force bool
}

// Result is what StartProject or StartApp wrote.
type Result struct {
	// Dir is the directory of the project or app, as given or derived.
	Dir string
	// Files are the written files, relative to Dir, with slashes, sorted.
	Files []string
}

// installedApp is one of a new project's InstalledApps.
type installedApp struct {
	Import      string // the package's import path
	Constructor string // the Go expression that makes the app
}

// projectApps are the Djinn apps a new project installs, in order.
func projectApps() []installedApp {
	app := func(pkg string) installedApp {
		return installedApp{Import: ModulePath + "/" + pkg, Constructor: pkg + ".New()"}
	}
	return []installedApp{
		app("orm"), app("migrations"), app("cache"), app("sessions"),
		app("auth"), app("messages"), app("mail"),
		app("templates"), app("static"), app("admin"),
	}
}

// projectData is the data of the project tree's templates.
type projectData struct {
	Name, Module         string
	GoVersion, Toolchain string
	DjinnVersion         string
	DjinnDir             string
	SecretKey            string
	Apps                 []installedApp
}

// StartProject writes a new project: go.mod, main.go, settings.go, urls.go,
// site.go, templates/, static/, staticfiles/README.md, .gitignore and
// README.md. It writes nothing when the name is invalid, the directory is
// not empty or a file exists, unless Force is set. Run Tidy afterwards to
// complete go.mod and write go.sum.
func StartProject(opts ProjectOptions) (*Result, error) {
	if err := ValidateName("project", opts.Name); err != nil {
		return nil, err
	}
	module := opts.Module
	if module == "" {
		module = opts.Name
	}
	if strings.ContainsAny(module, " \t\n\"'`\\") || strings.HasPrefix(module, "/") || strings.HasSuffix(module, "/") {
		return nil, fmt.Errorf("projecttemplate: module path %q is not valid", module)
	}
	if opts.Djinn.Version == "" {
		return nil, fmt.Errorf("projecttemplate: no Djinn version for go.mod (see Locate)")
	}
	dir := opts.Dir
	if dir == "" {
		dir = opts.Name
	}
	if !opts.Force {
		full, err := nonEmptyDir(dir)
		if err != nil {
			return nil, err
		}
		if full {
			return nil, fmt.Errorf("projecttemplate: %s exists and is not empty; choose another directory (--force writes into it and overwrites files)", dir)
		}
	}
	key := opts.SecretKey
	if key == "" {
		key = NewSecretKey()
	}
	if strings.ContainsAny(key, "\"\\\n") {
		return nil, fmt.Errorf("projecttemplate: the secret key must not contain quotes, backslashes or newlines")
	}
	files, err := render("project", projectData{
		Name: opts.Name, Module: module,
		GoVersion: GoVersion, Toolchain: Toolchain,
		DjinnVersion: opts.Djinn.Version, DjinnDir: filepath.ToSlash(opts.Djinn.Dir),
		SecretKey: key,
		Apps:      projectApps(),
	}, "")
	if err != nil {
		return nil, err
	}
	if err := write(dir, files, nil, opts.Force); err != nil {
		return nil, err
	}
	return &Result{Dir: dir, Files: paths(files)}, nil
}

// Tidy runs `go mod tidy` in dir, with -mod=mod added to GOFLAGS, so that
// go.mod lists every module the project needs and go.sum has their
// checksums: the project then builds without the network. Its output
// goes to out.
func Tidy(ctx context.Context, dir string, out io.Writer) error {
	if _, err := exec.LookPath("go"); err != nil {
		return fmt.Errorf("projecttemplate: go mod tidy: the go command is not on PATH")
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("projecttemplate: go mod tidy in %s: %w", dir, err)
	}
	return nil
}
