package projecttemplate

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
)

// The template trees: files/project and files/app. Every file ends in
// .tmpl (so that the go command never sees a go.mod or Go file here); the
// file "gitignore.tmpl" becomes ".gitignore" and a directory named APP
// takes the app's name.
//
//go:embed files
var trees embed.FS

// file is one rendered file, its path relative to the tree's root.
type file struct {
	Path string
	Data []byte
}

// render executes every template of tree (with [[ ]] delimiters) with
// data, and gofmts the Go files.
func render(tree string, data any, appName string) ([]file, error) {
	root := path.Join("files", tree)
	var out []file
	err := fs.WalkDir(trees, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(trees, p)
		if err != nil {
			return err
		}
		rel := outputPath(strings.TrimPrefix(p, root+"/"), appName)
		t, err := template.New(p).Delims("[[", "]]").Option("missingkey=error").Parse(string(b))
		if err != nil {
			return fmt.Errorf("projecttemplate: parse %s: %w", p, err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return fmt.Errorf("projecttemplate: render %s: %w", p, err)
		}
		content := buf.Bytes()
		if strings.HasSuffix(rel, ".go") {
			if content, err = format.Source(content); err != nil {
				return fmt.Errorf("projecttemplate: gofmt %s: %w", rel, err)
			}
		}
		out = append(out, file{Path: rel, Data: content})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b file) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// outputPath maps a template's path in its tree to the generated file's.
func outputPath(p, appName string) string {
	p = strings.TrimSuffix(p, ".tmpl")
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if s == "APP" {
			parts[i] = appName
		}
	}
	if last := len(parts) - 1; parts[last] == "gitignore" {
		parts[last] = ".gitignore"
	}
	return path.Join(parts...)
}

// ExistsError lists the files a command would overwrite; nothing was
// written. Force overwrites them.
type ExistsError struct {
	Dir   string
	Files []string
}

func (e *ExistsError) Error() string {
	const max = 5
	list := e.Files
	more := ""
	if len(list) > max {
		list, more = list[:max], fmt.Sprintf(" and %d more", len(e.Files)-max)
	}
	return fmt.Sprintf("projecttemplate: %s already has %s%s; nothing was written (--force overwrites)",
		e.Dir, strings.Join(list, ", "), more)
}

// write writes files under dir, and the empty directories dirs. Unless
// force is set it first checks that none of the files exists, and writes
// nothing when one does (*ExistsError).
func write(dir string, files []file, dirs []string, force bool) error {
	if !force {
		var exist []string
		for _, f := range files {
			if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.Path))); err == nil {
				exist = append(exist, f.Path)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("projecttemplate: %w", err)
			}
		}
		if len(exist) > 0 {
			return &ExistsError{Dir: dir, Files: exist}
		}
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(d)), 0o755); err != nil {
			return fmt.Errorf("projecttemplate: %w", err)
		}
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("projecttemplate: %w", err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("projecttemplate: %w", err)
		}
	}
	return nil
}

// nonEmptyDir reports whether dir exists and has entries.
func nonEmptyDir(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("projecttemplate: %w", err)
	}
	return len(entries) > 0, nil
}

func paths(files []file) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}
