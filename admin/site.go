package admin

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"testing/fstest"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/static"
	"github.com/djinn-go/djinn/templates"
)

// Label is the admin app's label in InstalledApps.
const Label = "admin"

// DefaultListPerPage is the changelist's page size when
// ModelAdmin.ListPerPage is 0.
const DefaultListPerPage = 100

//go:embed templates
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

//go:embed migrations
var migrationFiles embed.FS

// Registrar is an app that registers its models with the admin site. The
// site calls RegisterAdmin for every installed app that has it, in its
// Ready; an error stops the start-up.
type Registrar interface {
	RegisterAdmin(site *Site) error
}

// ModelAdmin configures how the admin shows one model, like Django's
// ModelAdmin. Field names are Go names ("QuestionText"), column names
// ("question_text") or, for a foreign key, the relation's name
// ("Question", meaning "question_id"). The zero value (Auto) shows every
// editable column with the defaults.
type ModelAdmin struct {
	// ListDisplay are the changelist's columns; empty means one column,
	// the object's string form (its String method, or "<model> object
	// (<pk>)"). The first column links to the change page. Columns can
	// be sorted by clicking their header.
	ListDisplay []string
	// SearchFields are the string columns the changelist's search box
	// matches, case-insensitively, every word in one of them.
	SearchFields []string
	// ListFilter are the boolean, choice (forms.Chooser) and foreign-key
	// fields the changelist's sidebar filters on.
	ListFilter []string
	// Ordering is the changelist's default order, column names with "-"
	// for descending ("-pub_date"); empty means by primary key,
	// descending.
	Ordering []string
	// ListPerPage is the changelist's page size; 0 means
	// DefaultListPerPage.
	ListPerPage int
	// Fields are the fields of the add and change forms, in order; empty
	// means every column except the primary key, CreatedAt, UpdatedAt,
	// DeletedAt and columns of types the admin has no widget for.
	Fields []string
	// ReadonlyFields are shown on the change form but never set from a
	// request.
	ReadonlyFields []string

	// Columns are computed changelist columns that ListDisplay may name
	// next to fields (Django's list_display callables).
	Columns []Column
	// Actions are bulk actions offered on the changelist besides "Delete
	// selected", which is always there for users with delete permission.
	Actions []Action
	// ListEditable are ListDisplay fields edited in place on the
	// changelist (not the first column), saved with one "Save" button.
	ListEditable []string
	// DateHierarchy is a date or time field the changelist drills down by
	// year, month and day.
	DateHierarchy string

	// Fieldsets group the change form's fields under headings; when set
	// they replace Fields.
	Fieldsets []Fieldset
	// Inlines edit related models (has-many) on the parent's change form,
	// as tabular rows.
	Inlines []Inline
}

// Column is a computed changelist column: Value returns what the cell
// shows for one object (a pointer to the model struct).
type Column struct {
	Name  string // what ListDisplay names
	Label string // the header; Name humanized when empty
	Value func(obj any) (string, error)
}

// Action is a bulk action: Run gets the selected objects (pointers to the
// model struct) inside a transaction and returns the message the user
// sees. Perm is the permission a user needs ("change" when empty: one of
// "view", "add", "change", "delete").
type Action struct {
	Name  string // the form value, [a-z0-9_]
	Label string // what the menu shows
	Perm  string
	Run   func(ctx context.Context, tx *gorm.DB, objs []any) (message string, err error)
}

// Fieldset is one heading of a change form and its fields.
type Fieldset struct {
	Name        string
	Description string
	Fields      []string
	Collapsed   bool
}

// Inline edits the objects of a related model whose foreign key points at
// the parent, as rows of a table on the parent's change form.
type Inline struct {
	// Model is a pointer to the related model (registered with the orm).
	Model any
	// FK is the related model's field pointing at the parent; empty finds
	// the only one.
	FK string
	// Fields are the row's fields; empty means every editable one.
	Fields []string
	// Extra is the number of blank rows for new objects (3 when 0;
	// negative for none).
	Extra int
}

// Auto returns the zero ModelAdmin: the admin's defaults for everything.
func Auto() ModelAdmin { return ModelAdmin{} }

// Site is an admin site: an app that serves the admin of the models
// registered with it, wherever the project includes its URLs.
//
// Build it with New; register models before or during Ready (through
// Registrar). After Ready it is read-only and safe for concurrent use.
type Site struct {
	title  string
	header string

	pending []pendingModel
	entries []*entry
	byKey   map[string]*entry // "app/model"
	byType  map[reflect.Type]*entry

	project  *core.Project
	db       *gorm.DB
	registry *orm.Registry
	auth     *auth.App
	router   *urls.Router
	label    string
}

type pendingModel struct {
	model any
	admin ModelAdmin
}

// Option configures a Site in New.
type Option func(*Site)

// WithLabel names a second (third…) admin site, installed next to the
// default one labelled "admin": its label is its app label and URL
// namespace ("staff"). It shares the default site's history table, so the
// default site must be installed too. Registrars are called for every
// site; one that registers different models on different sites looks at
// site.Label().
func WithLabel(label string) Option { return func(s *Site) { s.label = label } }

// WithTitle sets the site header shown on every page ("Djinn
// administration" by default) and the suffix of page titles.
func WithTitle(header string) Option { return func(s *Site) { s.header, s.title = header, header } }

// New returns an admin site.
func New(opts ...Option) *Site {
	s := &Site{label: Label, header: "Djinn administration", title: "Djinn site admin"}
	for _, o := range opts {
		o(s)
	}
	return s
}

// primary reports whether s is the default site, which owns LogEntry.
func (s *Site) primary() bool { return s.label == Label }

var (
	_ core.Dependent      = (*Site)(nil)
	_ core.Readier        = (*Site)(nil)
	_ urls.Provider       = (*Site)(nil)
	_ templates.Provider  = (*Site)(nil)
	_ static.Provider     = (*Site)(nil)
	_ orm.ModelProvider   = (*Site)(nil)
	_ migrations.Provider = (*Site)(nil)
)

// Label returns "admin", or the label given to WithLabel.
func (s *Site) Label() string { return s.label }

// Dependencies returns orm, auth, sessions, templates, static and
// messages; a site made WithLabel depends on the default site too.
func (s *Site) Dependencies() []string {
	deps := []string{orm.Label, auth.Label, "sessions", templates.Label, static.Label, "messages"}
	if !s.primary() {
		deps = append(deps, Label)
	}
	return deps
}

// Models returns LogEntry (the default site only: the others share it).
func (s *Site) Models() []any {
	if !s.primary() {
		return nil
	}
	return []any{&LogEntry{}}
}

// Migrations returns the SQL migrations of admin_logentry, for SQLite and
// PostgreSQL (none for a site made WithLabel, which shares the table).
func (s *Site) Migrations() fs.FS {
	if !s.primary() {
		return fstest.MapFS{
			"sqlite":   &fstest.MapFile{Mode: fs.ModeDir | 0o555},
			"postgres": &fstest.MapFile{Mode: fs.ModeDir | 0o555},
		}
	}
	return mustSub(migrationFiles, "migrations")
}

// Templates returns the admin's templates, "admin/*.html".
func (s *Site) Templates() fs.FS { return mustSub(templateFiles, "templates") }

// Static returns the admin's static files, "admin/css/admin.css".
func (s *Site) Static() fs.FS { return mustSub(staticFiles, "static") }

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic("admin: embedded " + dir + ": " + err.Error()) // cannot happen: embedded above
	}
	return sub
}

// Register registers the model (a pointer to a registered orm model,
// &Question{}) with the admin options ma (Auto() for defaults). It may be
// called before the project starts or from a Registrar's RegisterAdmin;
// problems are reported by Ready, or at once when the site is ready: a
// model that is not an orm model of an installed app, a model registered
// twice, a field name that matches nothing.
func (s *Site) Register(model any, ma ModelAdmin) error {
	t := reflect.TypeOf(model)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("admin: Register(%v): want a pointer to a model struct, &T{}", t)
	}
	if s.registry != nil {
		return s.add(model, ma)
	}
	s.pending = append(s.pending, pendingModel{model: model, admin: ma})
	return nil
}

// Ready finds the database, the registry and auth, collects the models of
// the Registrar apps and builds every model's admin.
func (s *Site) Ready(ctx context.Context, p *core.Project) error {
	oa, err := orm.From(p)
	if err != nil {
		return err
	}
	aa, err := auth.From(p)
	if err != nil {
		return err
	}
	s.project, s.db, s.registry, s.auth = p, oa.DB(), oa.Registry(), aa
	s.byKey = map[string]*entry{}
	s.byType = map[reflect.Type]*entry{}
	var errs []error
	for _, pm := range s.pending {
		errs = append(errs, s.add(pm.model, pm.admin))
	}
	s.pending = nil
	for _, a := range p.Apps() {
		if rg, ok := a.(Registrar); ok {
			if err := rg.RegisterAdmin(s); err != nil {
				errs = append(errs, fmt.Errorf("admin: app %q: RegisterAdmin: %w", a.Label(), err))
			}
		}
	}
	if s.primary() {
		// Users and groups are managed on the default site.
		errs = append(errs, s.registerAuth())
	}
	return errors.Join(errs...)
}

// add builds the entry of a model.
func (s *Site) add(model any, ma ModelAdmin) error {
	m, ok := s.registry.Model(model)
	if !ok {
		return fmt.Errorf("admin: Register(%T): not a model of an installed app (add it to the app's Models)", model)
	}
	if _, dup := s.byType[m.Type]; dup {
		return fmt.Errorf("admin: model %s is registered twice", m)
	}
	e, err := newEntry(s.registry, m, ma)
	if err != nil {
		return err
	}
	s.entries = append(s.entries, e)
	s.byKey[e.key()] = e
	s.byType[m.Type] = e
	e.setupUser()
	return nil
}

// Registered reports whether the model (&Question{}) is registered.
func (s *Site) Registered(model any) bool {
	t := reflect.TypeOf(model)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	_, ok := s.byType[t]
	return ok
}

// From returns the admin site installed in p.
func From(p *core.Project) (*Site, error) {
	return core.AppAs[*Site](p, Label, "admin.New()")
}

// modelName is the model's name in URLs and permissions: "question".
func modelName(m *orm.Model) string { return strings.ToLower(m.Name) }
