package projecttemplate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
)

// Marker comments of a generated project: startapp adds the new app's
// line above them.
const (
	AppsMarker = "// djinn:apps" // in settings.go's InstalledApps
	URLsMarker = "// djinn:urls" // in urls.go's urlpatterns
)

// AppOptions says what StartApp writes.
type AppOptions struct {
	// Name is the app's name (ValidateName): its package, label, URL
	// prefix and namespace.
	Name string
	// ProjectDir is the project's directory, which holds go.mod; empty
	// means the working directory.
	ProjectDir string
	// Force writes into an existing app directory and overwrites files.
	Force bool
}

// AppResult is what StartApp did.
type AppResult struct {
	Result
	// Module is the project's module path; Import the app's import path.
	Module, Import string
	// Settings and URLs are the edits of settings.go and urls.go.
	Settings, URLs Edit
}

// Edit is the line a new app needs in one of the project's files, and
// whether StartApp added it.
type Edit struct {
	File string // "settings.go" or "urls.go"
	Line string // the Go line, e.g. "polls.New(),"
	// Done is true when the line was added (or was there already); false
	// when the file has no marker comment and the user must add Line and
	// the import of the app by hand.
	Done bool
}

// appData is the data of the app tree's templates.
type appData struct {
	Name, Project, Title string
	Model, ModelLower    string
}

// StartApp writes a new app in the project at opts.ProjectDir: the
// package <name>/ (app.go, models.go, views.go, urls.go, admin.go, views_test.go),
// its migrations/ (README, empty sqlite/ and postgres/ for
// makemigrations), templates/<name>/index.html and
// static/<name>/style.css. Then it adds the app to settings.go and
// urls.go where they have the marker comments (AppsMarker, URLsMarker);
// the result says which lines it could not add.
func StartApp(opts AppOptions) (*AppResult, error) {
	if err := ValidateName("app", opts.Name); err != nil {
		return nil, err
	}
	proj := opts.ProjectDir
	if proj == "" {
		proj = "."
	}
	gomod, err := os.ReadFile(filepath.Join(proj, "go.mod"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("projecttemplate: no go.mod in %s: run startapp in the project's directory", proj)
	}
	if err != nil {
		return nil, fmt.Errorf("projecttemplate: %w", err)
	}
	module := modulePath(gomod)
	if module == "" {
		return nil, fmt.Errorf("projecttemplate: %s has no module line", filepath.Join(proj, "go.mod"))
	}
	projectName := path.Base(module)
	if opts.Name == projectName {
		return nil, &NameError{Kind: "app", Name: opts.Name, Reason: "is the project's name (the label of its own app in site.go); choose another name"}
	}
	dir := filepath.Join(proj, opts.Name)
	if !opts.Force {
		full, err := nonEmptyDir(dir)
		if err != nil {
			return nil, err
		}
		if full {
			return nil, fmt.Errorf("projecttemplate: %s exists and is not empty; choose another name (--force writes into it and overwrites files)", dir)
		}
	}
	files, err := render("app", appData{
		Name: opts.Name, Project: projectName, Title: title(opts.Name),
		Model: "Item", ModelLower: "item",
	}, opts.Name)
	if err != nil {
		return nil, err
	}
	if err := write(dir, files, []string{"migrations/sqlite", "migrations/postgres"}, opts.Force); err != nil {
		return nil, err
	}
	res := &AppResult{
		Result: Result{Dir: dir, Files: paths(files)},
		Module: module,
		Import: module + "/" + opts.Name,
	}
	res.Settings, err = addLine(filepath.Join(proj, "settings.go"), AppsMarker, opts.Name+".New(),", res.Import)
	if err != nil {
		return res, err
	}
	res.URLs, err = addLine(filepath.Join(proj, "urls.go"), URLsMarker,
		fmt.Sprintf("r.Include(%q, %s.Label, urls.Of(installed[*%s.App](apps)))", "/"+opts.Name+"/", opts.Name, opts.Name), res.Import)
	return res, err
}

// title makes a page title of an app name: "blog_posts" is "Blog posts".
func title(name string) string {
	s := strings.ReplaceAll(name, "_", " ")
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
