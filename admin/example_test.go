package admin_test

import (
	"fmt"

	"github.com/djinn-go/djinn/admin"
	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/messages"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/sessions"
	"github.com/djinn-go/djinn/static"
	"github.com/djinn-go/djinn/templates"
)

// A project installs the site after the apps it needs and mounts it at
// /admin/, next to auth's account views (the admin sends anonymous users
// to Settings.Auth.LoginURL).
func ExampleNew() {
	s := core.Defaults()
	authApp, site := auth.New(), admin.New(admin.WithTitle("Library administration"))
	s.InstalledApps = []core.App{orm.New(), migrations.New(), sessions.New(), authApp,
		templates.New(), static.New(), messages.New(), site /* , your apps */}
	s.URLs = func(r *urls.Router) {
		r.Include("/accounts/", "accounts", urls.Of(authApp))
		r.Include("/admin/", "admin", urls.Of(site))
	}
	_ = core.New(s)
}

// Apps usually register their models in RegisterAdmin (admin.Registrar);
// a project may also register models itself before start-up. Problems,
// such as a field name that matches no column, stop the start-up.
func ExampleSite_Register() {
	site := admin.New()
	err := site.Register(&Book{}, admin.ModelAdmin{
		ListDisplay:  []string{"title", "Author", "pages"},
		SearchFields: []string{"title"},
		ListFilter:   []string{"published", "Author"},
		Ordering:     []string{"-pub_date"},
	})
	fmt.Println(err)
	// Output: <nil>
}
