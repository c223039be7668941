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
// admin/delete_confirmation.html, admin/delete_selected_confirmation.html,
// admin/object_history.html, admin/change_password.html) and the
// stylesheet admin/css/admin.css are embedded; a project overrides any of
// them with a file of the same name.
//
// The changelist shows ListDisplay fields and Columns (computed), searches
// SearchFields (across relations with "author__name"), filters on
// booleans, choices, dates and foreign keys, sorts on its columns only,
// drills down a DateHierarchy, edits ListEditable fields in place and runs
// bulk actions ("Delete selected", with a confirmation page listing what
// cascades, and the ModelAdmin's Actions). On PostgreSQL tables over
// EstimateThreshold rows it shows the planner's estimate instead of
// counting, and pages stop at MaxOffset. Change forms group fields in
// Fieldsets and edit related rows in tabular Inlines and many-to-many
// fields in multiple selects. The default site also manages users (with
// hashed passwords and a change-password page) and groups.
//
// Several sites can be installed: admin.New(admin.WithLabel("staff"))
// next to the default one, mounted at its own prefix with its own
// namespace; it shares the default site's history.
package admin
