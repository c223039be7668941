package admin

import (
	"net/http"
	"sort"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/orm"
)

// IndexPage is the body of admin/index.html.
type IndexPage struct {
	Apps []*AppGroup
	// Recent are the user's last actions, newest first.
	Recent []*RecentAction
}

// AppGroup is an app and the models of it the user may see.
type AppGroup struct {
	Label  string
	Models []*ModelLink
}

// ModelLink is a model on the index: its name and pages.
type ModelLink struct {
	Name       string
	Changelist string
	Add        string // "" without the add permission
	CanChange  bool
}

// RecentAction is a LogEntry with the link to its object.
type RecentAction struct {
	*LogEntry
	// URL is the object's change page, "" when deleted or not visible.
	URL       string
	ModelName string
}

func (s *Site) index(w http.ResponseWriter, r *http.Request, u *auth.User) error {
	page := &IndexPage{}
	groups := map[string]*AppGroup{}
	visible := map[string]*entry{}
	for _, e := range s.entries {
		view, err := s.can(r, u, e, "view")
		if err != nil {
			return err
		}
		change, err := s.can(r, u, e, "change")
		if err != nil {
			return err
		}
		if !view && !change {
			continue
		}
		visible[e.model.App+"/"+modelName(e.model)] = e
		l := s.links(r, e)
		ml := &ModelLink{Name: capFirst(e.model.VerboseNamePlural), Changelist: l.Changelist(), CanChange: change}
		if ok, err := s.can(r, u, e, "add"); err != nil {
			return err
		} else if ok {
			ml.Add = l.Add()
		}
		g := groups[e.model.App]
		if g == nil {
			g = &AppGroup{Label: capFirst(e.model.App)}
			groups[e.model.App] = g
			page.Apps = append(page.Apps, g)
		}
		g.Models = append(g.Models, ml)
	}
	sort.Slice(page.Apps, func(i, j int) bool { return page.Apps[i].Label < page.Apps[j].Label })
	var logs []*LogEntry
	if err := orm.DB(r.Context(), s.db).Where("user_id = ?", u.ID).Order("action_time DESC").Order("id DESC").Limit(10).Find(&logs).Error; err != nil {
		return err
	}
	for _, le := range logs {
		ra := &RecentAction{LogEntry: le, ModelName: le.Model}
		if e, ok := visible[le.App+"/"+le.Model]; ok {
			ra.ModelName = capFirst(e.model.VerboseName)
			if !le.IsDeletion() {
				ra.URL = s.links(r, e).Change(le.ObjectID)
			}
		}
		page.Recent = append(page.Recent, ra)
	}
	return s.render(w, r, http.StatusOK, "admin/index.html", "Site administration", u, nil, page)
}
