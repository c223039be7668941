package polls

import (
	"errors"
	"time"

	"github.com/djinn-go/djinn/admin"
)

var _ admin.Registrar = (*App)(nil)

// RegisterAdmin registers the polls with the admin site, as in the Django
// tutorial: questions with their choices inline (three blank rows), list
// columns with "published recently", a date filter and a search on the
// text.
func (a *App) RegisterAdmin(site *admin.Site) error {
	return errors.Join(
		site.Register(&Question{}, admin.ModelAdmin{
			ListDisplay:  []string{"question_text", "pub_date", "was_published_recently"},
			ListFilter:   []string{"pub_date"},
			SearchFields: []string{"question_text"},
			Ordering:     []string{"-pub_date"},
			Fieldsets: []admin.Fieldset{
				{Fields: []string{"question_text"}},
				{Name: "Date information", Fields: []string{"pub_date"}, Collapsed: true},
			},
			Columns: []admin.Column{{
				Name:  "was_published_recently",
				Label: "Published recently?",
				Value: func(obj any) (string, error) {
					if obj.(*Question).WasPublishedRecently(time.Now()) {
						return "yes", nil
					}
					return "no", nil
				},
			}},
			Inlines: []admin.Inline{{Model: &Choice{}, Extra: 3}},
		}),
		site.Register(&Choice{}, admin.ModelAdmin{
			ListDisplay:  []string{"choice_text", "question_id", "votes"},
			SearchFields: []string{"choice_text"},
		}),
	)
}
