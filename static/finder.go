package static

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/djinn-go/djinn/core"
)

// Provider is an App with static files. Static returns the tree whose root
// holds the app's files under a directory named after the app, as in
// Django's app "static/" directories: "polls/style.css". An app with the
// files in an embedded "static" directory returns
// fs.Sub(files, "static").
type Provider interface {
	Static() fs.FS
}

// Source is one place the finders look: a project directory on disk
// (Settings.Static.Dirs) or an app's Static tree.
type Source struct {
	// App is the label of the app the files come from; "" for a project
	// directory.
	App string
	// Dir is the project directory's absolute path; "" for an app.
	Dir string
	// FS holds the files.
	FS fs.FS
}

// String describes the source for messages: "app polls" or "directory
// /srv/site/static".
func (s Source) String() string {
	if s.App != "" {
		return "app " + s.App
	}
	return "directory " + s.Dir
}

// Found is a file a Finder found: its name and where it comes from.
type Found struct {
	Source Source
	Name   string
}

// Location returns where the file is: its path on disk for a project
// directory, "app polls: polls/style.css" for an app.
func (f Found) Location() string {
	if f.Source.App != "" {
		return "app " + f.Source.App + ": " + f.Name
	}
	return filepath.Join(f.Source.Dir, filepath.FromSlash(f.Name))
}

// Finder finds static files in project directories and apps, in Django's
// order: the project directories first, in the order of Settings.Static.Dirs,
// then the apps in app order. The first source that has a name wins. The
// zero Finder finds nothing. A Finder is safe for concurrent use; it reads
// the sources on every call, so files edited on disk are found at once.
type Finder struct {
	sources []Source
}

// NewFinder returns a Finder over the directories dirs (relative to the
// working directory, made absolute; directories that do not exist are
// skipped, see static.W002) and the apps that implement Provider. A dir
// that exists but is not a directory is an error.
//
// Project directories are read through os.DirFS, which follows symbolic
// links as Django's FileSystemFinder does; the production server never
// serves from them.
func NewFinder(dirs []string, apps []core.App) (*Finder, error) {
	f := &Finder{}
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("static: Static.Dirs %q: %w", d, err)
		}
		st, err := os.Stat(abs)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("static: Static.Dirs %q: %w", d, err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("static: Static.Dirs %q: %s is not a directory", d, abs)
		}
		f.sources = append(f.sources, Source{Dir: abs, FS: os.DirFS(abs)})
	}
	for _, a := range apps {
		if p, ok := a.(Provider); ok {
			if fsys := p.Static(); fsys != nil {
				f.sources = append(f.sources, Source{App: a.Label(), FS: fsys})
			}
		}
	}
	return f, nil
}

// Sources returns the sources in search order.
func (f *Finder) Sources() []Source {
	if f == nil {
		return nil
	}
	return append([]Source(nil), f.sources...)
}

// Find returns the file name names in the first source that has it as a
// regular file. Names are slash-separated and relative ("polls/style.css").
func (f *Finder) Find(name string) (Found, bool) {
	if f == nil {
		return Found{}, false
	}
	if !fs.ValidPath(name) {
		return Found{}, false
	}
	for _, s := range f.sources {
		if isFile(s.FS, name) {
			return Found{Source: s, Name: name}, true
		}
	}
	return Found{}, false
}

// FindAll returns name in every source that has it, the winner first.
func (f *Finder) FindAll(name string) []Found {
	if f == nil || !fs.ValidPath(name) {
		return nil
	}
	var all []Found
	for _, s := range f.sources {
		if isFile(s.FS, name) {
			all = append(all, Found{Source: s, Name: name})
		}
	}
	return all
}

// Files returns every file the sources hold, each name once, from the
// source that wins it, in search order and then name order. Like Django's
// default ignore patterns, names with an element starting with "." or
// ending with "~" and "CVS" directories are skipped.
func (f *Finder) Files() ([]Found, error) {
	if f == nil {
		return nil, nil
	}
	seen := map[string]bool{}
	var files []Found
	for _, s := range f.sources {
		err := fs.WalkDir(s.FS, ".", func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if name == "." {
				return nil
			}
			if ignored(d.Name()) {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || seen[name] {
				return nil
			}
			if !d.Type().IsRegular() && !isFile(s.FS, name) {
				// Symbolic links to files count (os.DirFS follows them when
				// opening); anything else (a socket) does not.
				return nil
			}
			seen[name] = true
			files = append(files, Found{Source: s, Name: name})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("static: list %s: %w", s, err)
		}
	}
	return files, nil
}

// ignored reports whether a file or directory is skipped by Files (Django's
// ignore patterns "CVS", ".*" and "*~").
func ignored(base string) bool {
	return base == "CVS" || strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~")
}

func isFile(fsys fs.FS, name string) bool {
	st, err := fs.Stat(fsys, name)
	return err == nil && st.Mode().IsRegular()
}

// splitExt splits a name into what comes before its extension and the
// extension with its dot, as Python's os.path.splitext does for the names
// collectstatic hashes: "css/site.css" → "css/site", ".css".
func splitExt(name string) (string, string) {
	ext := path.Ext(name)
	return name[:len(name)-len(ext)], ext
}
