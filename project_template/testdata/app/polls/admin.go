package polls

import "github.com/djinn-go/djinn/admin"

var _ admin.Registrar = (*App)(nil)

// RegisterAdmin shows the app's models in the admin site (/admin/). Name
// columns, search fields and filters in the ModelAdmin; the zero value
// (admin.Auto()) lists every model with the admin's defaults.
func (a *App) RegisterAdmin(site *admin.Site) error {
	return site.Register(&Item{}, admin.ModelAdmin{
		ListDisplay:  []string{"title", "created_at"},
		SearchFields: []string{"title"},
	})
}
