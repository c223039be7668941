// Package projecttemplate writes new Djinn projects and apps, as Django's
// startproject and startapp do: `manage startproject mysite` (cmd/manage)
// and, inside a project, `go run . startapp polls`.
//
// The trees are text/template files embedded in the package (files/project
// and files/app, with [[ ]] delimiters so that the generated html/template
// files keep their {{ }}). StartProject and StartApp render them, format
// the Go files with gofmt, and write them without ever overwriting a file
// unless Force is set.
//
// # The generated project
//
// go.mod requires github.com/djinn-go/djinn at the version of the running
// tool (Locate reads it from the build information). A tool built from a
// local checkout has no published version ("(devel)", or a +dirty
// pseudo-version), so the project requires the placeholder
// v0.0.0-00010101000000-000000000000 and a replace directive points at the
// checkout's directory: the --djinn flag, else the directory of this
// package's source file as compiled (runtime.Caller) when it is a
// checkout of the module, else `go list -m` in the working directory.
// The project then builds offline. settings.go installs the project's
// own app (site.go) and orm, migrations, cache, sessions, auth, messages,
// mail, templates and static; urls.go serves a home page and the auth
// views under /accounts/. settings.go gets a fresh development
// SECRET_KEY ("djinn-insecure-" and 50 random characters from crypto/rand,
// which check --deploy reports), overridden by SECRET_KEY in the
// environment; its InstalledApps and urls.go carry the marker comments
// "// djinn:apps" and "// djinn:urls" where startapp adds an app. The
// project's own templates/ and static/ are an app of the main package
// (site.go), embedded in the binary with the collectstatic output, so
// that `go build` gives one self-contained binary.
//
// # The generated app
//
// app.go (Label, Dependencies, Models, Migrations, Templates, Static,
// Ready), models.go with one example model, views.go and urls.go with an
// index view, migrations/ with empty sqlite/ and postgres/ for
// makemigrations, templates/<app>/index.html extending the project's
// base.html, static/<app>/style.css and views_test.go, which serves the
// app on a migrated SQLite database with migrationstest.Setup.
//
// Names of projects and apps are lowercase Go identifiers that are not Go
// keywords or predeclared names and do not shadow a standard library or
// Djinn package a project imports (ValidateName).
package projecttemplate
