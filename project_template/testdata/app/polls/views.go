package polls

import (
	"net/http"

	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/templates"
)

// indexData is the index page's template data.
type indexData struct {
	Items []*Item
}

// index lists the latest items with templates/polls/index.html.
func (a *App) index(w http.ResponseWriter, r *http.Request) error {
	var latest []*Item
	if err := orm.DB(r.Context(), a.db).Order("created_at DESC").Limit(10).Find(&latest).Error; err != nil {
		return err
	}
	return templates.Render(w, r, http.StatusOK, "polls/index.html", indexData{Items: latest})
}
