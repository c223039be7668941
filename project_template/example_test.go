package projecttemplate_test

import (
	"fmt"
	"os"
	"path/filepath"

	projecttemplate "github.com/djinn-go/djinn/project_template"
)

func ExampleValidateName() {
	for _, name := range []string{"polls", "blog_posts", "Polls", "http", "auth"} {
		fmt.Println(name, projecttemplate.ValidateName("app", name))
	}
	// Output:
	// polls <nil>
	// blog_posts <nil>
	// Polls projecttemplate: app name "Polls" is not a lowercase Go identifier: use a letter, then letters, digits or underscores (e.g. polls, blog_posts)
	// http projecttemplate: app name "http" clashes with a Go standard library package; choose another name
	// auth projecttemplate: app name "auth" clashes with a Djinn package; choose another name
}

// A project, then an app in it, as startproject and startapp write them.
func ExampleStartApp() {
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	proj := filepath.Join(tmp, "mysite")
	if _, err := projecttemplate.StartProject(projecttemplate.ProjectOptions{
		Name:  "mysite",
		Dir:   proj,
		Djinn: projecttemplate.Djinn{Version: "v0.3.0"},
	}); err != nil {
		fmt.Println(err)
		return
	}
	res, err := projecttemplate.StartApp(projecttemplate.AppOptions{Name: "polls", ProjectDir: proj})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Import)
	fmt.Println(res.Settings.File, res.Settings.Done, res.Settings.Line)
	fmt.Println(res.URLs.File, res.URLs.Done, res.URLs.Line)
	// Output:
	// mysite/polls
	// settings.go true polls.New(),
	// urls.go true r.Include("/polls/", polls.Label, urls.Of(installed[*polls.App](apps)))
}
