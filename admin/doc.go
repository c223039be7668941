// Package admin is Djinn's admin site (Django's contrib.admin): staff
// users list, search, filter, sort, add, change and delete the rows of
// the models apps register, with per-model permissions from auth and a
// history of every change (LogEntry).
//
// Install the app after orm, auth, sessions, templates, static and
// messages, mount it, and let apps register their models:
//
//	site := admin.New()
//	s.InstalledApps = []core.App{orm.New(), migrations.New(), sessions.New(), auth.New(),
//		templates.New(), static.New(), messages.New(), site, polls.New()}
//	s.URLs = func(r *urls.Router) {
//		r.Include("/accounts/", "accounts", urls.Of(authApp))
//		r.Include("/admin/", "admin", urls.Of(site))
//	}
//
//	// in package polls: the Registrar capability, called at start-up
//	func (*App) RegisterAdmin(site *admin.Site) error {
//		return errors.Join(
//			site.Register(&Question{}, admin.ModelAdmin{ListDisplay: []string{"question_text", "pub_date"}, SearchFields: []string{"question_text"}}),
//			site.Register(&Choice{}, admin.Auto()),
//		)
//	}
//
// Every view requires an active staff user (others are sent to
// Settings.Auth.LoginURL, or get 403) and the model's permission:
// "<app>.view_<model>" (or change) to list and see, add_, change_ and
// delete_ to write. Writes are POSTs (the CSRF layer covers them) and run
// in one transaction with their LogEntry. The templates (admin/base.html,
// admin/index.html, admin/change_list.html, admin/change_form.html,
// admin/delete_confirmation.html, admin/object_history.html) and the
// stylesheet admin/css/admin.css are embedded; a project overrides any of
// them with a file of the same name.
package admin
