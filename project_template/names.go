package projecttemplate

import (
	"fmt"
	"go/token"
	"slices"
)

// NameError is a project or app name that cannot be used, with the reason.
type NameError struct {
	Kind   string // "project" or "app"
	Name   string
	Reason string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("projecttemplate: %s name %q %s", e.Kind, e.Name, e.Reason)
}

// ValidateName reports whether name can name a project or an app (kind is
// "project" or "app", for the message): a lowercase Go identifier (a
// letter, then letters, digits or underscores) that is not a Go keyword or
// predeclared identifier, nor a standard library or Djinn package that
// the generated code imports or would shadow. The error is a *NameError.
func ValidateName(kind, name string) error {
	bad := func(reason string) error { return &NameError{Kind: kind, Name: name, Reason: reason} }
	switch {
	case name == "":
		return bad("is empty")
	case !validIdent(name):
		return bad("is not a lowercase Go identifier: use a letter, then letters, digits or underscores (e.g. polls, blog_posts)")
	case token.IsKeyword(name):
		return bad("is a Go keyword")
	}
	if why := reservation(name); why != "" {
		return bad("clashes with " + why + "; choose another name")
	}
	return nil
}

func validIdent(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_'):
		default:
			return false
		}
	}
	return s != ""
}

// reservation says why name is taken, or "" when it is free.
func reservation(name string) string {
	std := []string{
		"archive", "bufio", "builtin", "bytes", "cmp", "compress", "container", "context", "crypto", "database",
		"debug", "embed", "encoding", "errors", "expvar", "flag", "fmt", "go", "hash", "html", "image",
		"index", "internal", "io", "iter", "log", "maps", "math", "mime", "net", "os", "path", "plugin",
		"reflect", "regexp", "runtime", "slices", "sort", "strconv", "strings", "structs", "sync", "syscall",
		"testing", "text", "time", "unicode", "unique", "unsafe", "weak",
		// Leaves that a project's code commonly imports.
		"http", "httptest", "url", "template", "sql", "json", "xml", "csv", "base64", "hex", "rand", "filepath",
		"fs", "slog", "signal", "exec", "atomic", "heap", "list", "ring", "tar", "zip", "gzip", "sha256", "utf8",
		"big", "bits", "cookiejar", "smtp", "textproto", "netip", "user", "pprof", "trace", "ast",
		"token", "parser", "format", "types", "build", "scanner", "tabwriter", "fstest", "iotest",
	}
	djinn := []string{
		"djinn", "core", "orm", "migrations", "migrationstest", "templates", "static", "cache", "cachetest",
		"sessions", "forms", "auth", "messages", "mail", "ratelimit", "storage", "admin", "urls", "respond",
		"command", "checks", "server", "djinntest", "contrib", "projecttemplate", "gorm", "clause",
	}
	gocmd := []string{"main", "test", "vendor", "testdata"}
	predeclared := []string{
		"bool", "byte", "complex64", "complex128", "error", "float32", "float64", "int", "int8", "int16",
		"int32", "int64", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "any",
		"comparable", "true", "false", "iota", "nil", "append", "cap", "clear", "close", "complex", "copy",
		"delete", "imag", "len", "make", "max", "min", "new", "panic", "print", "println", "real", "recover",
	}
	switch {
	case slices.Contains(djinn, name):
		return "a Djinn package"
	case slices.Contains(std, name):
		return "a Go standard library package"
	case slices.Contains(gocmd, name):
		return "a name the go command gives a meaning"
	case slices.Contains(predeclared, name):
		return "a predeclared Go identifier"
	}
	return ""
}
