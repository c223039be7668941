package projecttemplate

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// addLine adds line above the marker comment in the Go file at file,
// indented as the marker, and imports importPath, then gofmts the file.
// A file without the marker, or without the file, is left alone: the Edit
// says Done false. A file that has the line already is left alone too.
func addLine(file, marker, line, importPath string) (Edit, error) {
	e := Edit{File: filepath.Base(file), Line: line}
	src, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return e, nil
	}
	if err != nil {
		return e, fmt.Errorf("projecttemplate: %w", err)
	}
	out, ok, err := insertAtMarker(src, marker, line, importPath)
	if err != nil {
		return e, fmt.Errorf("projecttemplate: add %q to %s: %w", line, file, err)
	}
	if !ok {
		return e, nil
	}
	e.Done = true
	if bytes.Equal(out, src) {
		return e, nil
	}
	if err := os.WriteFile(file, out, 0o644); err != nil {
		return e, fmt.Errorf("projecttemplate: %w", err)
	}
	return e, nil
}

// insertAtMarker returns src with line inserted above the line that holds
// marker, and importPath in its import block, gofmt'd. ok is false when
// src has no marker or no parenthesized import block. src that has the
// line already comes back unchanged.
func insertAtMarker(src []byte, marker, line, importPath string) (out []byte, ok bool, err error) {
	text := string(src)
	at := strings.Index(text, marker)
	if at < 0 {
		return nil, false, nil
	}
	if strings.Contains(text, line) {
		return src, true, nil
	}
	lineStart := strings.LastIndex(text[:at], "\n") + 1
	indent := text[lineStart:at]
	if strings.TrimSpace(indent) != "" {
		return nil, false, nil // the marker ends a line of code
	}
	text = text[:lineStart] + indent + line + "\n" + text[lineStart:]

	quoted := strconv.Quote(importPath)
	if !strings.Contains(text, "\t"+quoted+"\n") {
		open := strings.Index(text, "\nimport (\n")
		if open < 0 {
			return nil, false, nil
		}
		body := open + len("\nimport (\n")
		end := strings.Index(text[body:], "\n)\n")
		if end < 0 {
			return nil, false, nil
		}
		end += body + 1 // the ")" line
		block := text[body:end]
		// The project's own packages form the last group: join it when it
		// exists, else start it.
		prefix := strconv.Quote(modulePrefix(importPath))
		prefix = prefix[:len(prefix)-1] // `"mysite/` without the closing quote
		ins := "\n\t" + quoted + "\n"
		if strings.Contains(block, "\t"+prefix) {
			ins = "\t" + quoted + "\n"
		}
		text = text[:end] + ins + text[end:]
	}
	b, err := format.Source([]byte(text))
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// modulePrefix returns the module part of an app's import path
// ("mysite/polls" gives "mysite/").
func modulePrefix(importPath string) string {
	i := strings.LastIndex(importPath, "/")
	return importPath[:i+1]
}
