package projecttemplate

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
)

// ModulePath is the Djinn module's path.
const ModulePath = "github.com/djinn-go/djinn"

// PlaceholderVersion is the version a project requires when a replace
// directive points at a local checkout: the go command's own placeholder
// for a module that is only ever replaced.
const PlaceholderVersion = "v0.0.0-00010101000000-000000000000"

// Djinn is how a generated project depends on Djinn: the version in its
// go.mod and, when Dir is set, the local checkout a replace directive
// points at (absolute).
type Djinn struct {
	Version string
	Dir     string
}

// Locate says how a project made by the running program should require
// Djinn. With dir set (the --djinn flag) the project uses that checkout.
// Otherwise a program built from a published Djinn version (go run
// github.com/djinn-go/djinn/cmd/manage@v0.3.0, or a module that requires
// it) gives that version without a replace; a program built from a local
// checkout ("(devel)", a VCS-stamped version without a module checksum, a
// "+dirty" version, or a replaced module) gives
// the checkout's directory: the replacement's directory, else the module
// root of this package's source as compiled (runtime.Caller), else the
// main module of `go list -m` in the working directory.
func Locate(ctx context.Context, dir string) (Djinn, error) {
	if dir != "" {
		abs, err := checkout(dir)
		if err != nil {
			return Djinn{}, err
		}
		return Djinn{Version: PlaceholderVersion, Dir: abs}, nil
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		mod := &info.Main
		if mod.Path != ModulePath {
			mod = nil
			for _, d := range info.Deps {
				if d.Path == ModulePath {
					mod = d
					break
				}
			}
		}
		if mod != nil {
			if mod.Replace != nil {
				if filepath.IsAbs(mod.Replace.Path) {
					if abs, err := checkout(mod.Replace.Path); err == nil {
						return Djinn{Version: PlaceholderVersion, Dir: abs}, nil
					}
				} else if mod.Replace.Version != "" {
					return Djinn{Version: mod.Replace.Version}, nil
				}
			} else if published(mod.Version) && mod.Sum != "" {
				// A checksum means the module came from a proxy or the
				// module cache. A program built inside a clean checkout
				// has a VCS-stamped pseudo-version too, but no checksum,
				// and no proxy serves that version.
				return Djinn{Version: mod.Version}, nil
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		if abs, err := checkout(filepath.Dir(filepath.Dir(file))); err == nil {
			return Djinn{Version: PlaceholderVersion, Dir: abs}, nil
		}
	}
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Path}} {{.Dir}}").Output()
	if err == nil {
		if path, d, ok := strings.Cut(strings.TrimSpace(string(out)), " "); ok && path == ModulePath {
			if abs, err := checkout(d); err == nil {
				return Djinn{Version: PlaceholderVersion, Dir: abs}, nil
			}
		}
	}
	return Djinn{}, fmt.Errorf("projecttemplate: this program was built from a local Djinn checkout that cannot be found; pass --djinn with the checkout's directory")
}

// published reports whether v is a version a module proxy can serve.
func published(v string) bool {
	return strings.HasPrefix(v, "v") && !strings.Contains(v, "+") && v != PlaceholderVersion
}

// checkout returns the absolute path of dir after checking that it holds
// the Djinn module.
func checkout(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("projecttemplate: Djinn checkout %s: %w", dir, err)
	}
	b, err := os.ReadFile(filepath.Join(abs, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("projecttemplate: Djinn checkout %s: %w", abs, err)
	}
	if modulePath(b) != ModulePath {
		return "", fmt.Errorf("projecttemplate: %s is not a Djinn checkout: its go.mod is not module %s", abs, ModulePath)
	}
	return abs, nil
}

// modulePath returns the module path declared by the go.mod content b, or
// "".
func modulePath(b []byte) string {
	for line := range bytes.Lines(b) {
		f := strings.Fields(string(line))
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}
