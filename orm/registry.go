package orm

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/djinn-go/djinn/core"
)

// ModelProvider is an App that owns database models. Models returns
// pointers to zero values of the app's model structs, e.g.
// []any{&Question{}, &Choice{}}; only their types are used. An app without
// models does not implement it.
type ModelProvider interface {
	Models() []any
}

// RelationKind is how a model is related to another, as gorm reports it.
type RelationKind string

// The kinds of relation.
const (
	// BelongsTo: this model's table holds the foreign key (Choice.QuestionID).
	BelongsTo RelationKind = "belongs_to"
	// HasOne: the related table holds a foreign key to this model, one row.
	HasOne RelationKind = "has_one"
	// HasMany: the related table holds a foreign key to this model, many rows.
	HasMany RelationKind = "has_many"
	// ManyToMany: a join table holds foreign keys to both models.
	ManyToMany RelationKind = "many_to_many"
)

// Relation describes the related side of a relation field. Column lists are
// in the same order: ForeignKeys[i] references References[i].
type Relation struct {
	Kind RelationKind
	// Table is the related model's table.
	Table string
	// ForeignKeys are the foreign key columns: in this model's table for
	// BelongsTo, in Table for HasOne and HasMany, in JoinTable (pointing at
	// this model) for ManyToMany.
	ForeignKeys []string
	// References are the columns the foreign keys point at: Table's for
	// BelongsTo, this model's otherwise.
	References []string
	// JoinTable is the join table of a ManyToMany relation; "" otherwise.
	JoinTable string
	// JoinForeignKeys are JoinTable's columns pointing at Table's
	// JoinReferences (ManyToMany only).
	JoinForeignKeys, JoinReferences []string
}

// Field is one field of a model: a column, or a relation to another model
// (Column "" and Relation set). Its zero value describes nothing.
type Field struct {
	// Name is the Go field name ("QuestionText").
	Name string
	// Column is the column name ("question_text"); "" for a relation field.
	Column string
	// GoType is the field's Go type.
	GoType reflect.Type
	// DataType is the data type as gorm reports it: "int", "uint",
	// "float", "string", "bool", "time", "bytes", or the `gorm:"type:..."`
	// tag value; "" for a relation field.
	DataType      string
	PrimaryKey    bool
	AutoIncrement bool
	Unique        bool
	NotNull       bool
	// Size, Precision and Scale are as gorm reports them: Size is the
	// `size:` tag (a string's length) or, for numbers, the bit size (64
	// unless tagged); 0 means unset.
	Size, Precision, Scale int
	// Default is the `gorm:"default:..."` value; "" means none.
	Default string
	// Relation is set for relation fields, nil for columns.
	Relation *Relation
	// VerboseName is the `verbose:"..."` tag or derived from Name
	// ("PubDate" → "pub date").
	VerboseName string
}

// Model is the cached metadata of one registered model. Values returned by
// a Registry are shared: read them, never modify them.
type Model struct {
	// App is the label of the app that registered the model.
	App string
	// Name is the Go type name ("ChoiceItem").
	Name string
	// Table is the table name: "<app>_<lowercased name>" ("polls_choiceitem")
	// unless the model has a TableName() string method.
	Table string
	// Type is the model's struct type (not a pointer).
	Type reflect.Type
	// VerboseName comes from a VerboseName() string method or the type name
	// ("QuestionItem" → "question item"); VerboseNamePlural from a
	// VerboseNamePlural() string method or VerboseName + "s".
	VerboseName, VerboseNamePlural string
	// PrimaryKey is the primary key field gorm uses (an element of Fields);
	// nil when the model has none or a composite key without an "ID".
	PrimaryKey *Field
	// Fields are the columns and relation fields in struct order, embedded
	// structs (gorm.Model) flattened.
	Fields []Field
}

// String returns "app.Name".
func (m *Model) String() string { return m.App + "." + m.Name }

// Field returns the field with the Go name or column name.
func (m *Model) Field(name string) (*Field, bool) {
	for i := range m.Fields {
		if f := &m.Fields[i]; f.Name == name || (f.Column != "" && f.Column == name) {
			return f, true
		}
	}
	return nil, false
}

// Registry holds the models of the installed apps and their metadata,
// computed once by NewRegistry. It is read-only and safe for concurrent
// use. The zero Registry has no models and names tables like gorm does.
type Registry struct {
	models  []*Model
	byType  map[reflect.Type]*Model
	byTable map[string]*Model
	namer   *namer
}

// NewRegistry collects the models of every app that implements
// ModelProvider, in app order (pass core.Project.Apps()), and parses their
// metadata. Every problem is reported, joined: a model that is not a
// pointer to a struct, a model registered twice, two models with the same
// table, two models with the same Go type name and no TableName method
// (gorm names tables from the type name alone), a model gorm cannot parse.
func NewRegistry(apps []core.App) (*Registry, error) {
	r := &Registry{
		byType:  map[reflect.Type]*Model{},
		byTable: map[string]*Model{},
	}
	var errs []error
	byName := map[string]*Model{} // Go name → model named by the namer
	for i, a := range apps {
		if a == nil {
			errs = append(errs, fmt.Errorf("orm: apps[%d] is nil", i))
			continue
		}
		mp, ok := a.(ModelProvider)
		if !ok {
			continue
		}
		label := a.Label()
		for _, v := range mp.Models() {
			t := reflect.TypeOf(v)
			if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
				errs = append(errs, fmt.Errorf("orm: app %q: model %v is not a pointer to a struct; register &T{}", label, t))
				continue
			}
			t = t.Elem()
			m := &Model{App: label, Name: t.Name(), Type: t}
			if prev, dup := r.byType[t]; dup {
				errs = append(errs, fmt.Errorf("orm: app %q: model %s is already registered by app %q", label, t, prev.App))
				continue
			}
			zero := reflect.New(t).Interface()
			tabler, isTabler := zero.(schema.Tabler)
			if isTabler {
				m.Table = tabler.TableName()
			} else {
				m.Table = label + "_" + strings.ToLower(t.Name())
				if prev, dup := byName[t.Name()]; dup {
					errs = append(errs, fmt.Errorf("orm: models %s and %s have the same Go type name; gorm names tables by type name alone, so give one a TableName() string method", prev, m))
					continue
				}
				byName[t.Name()] = m
			}
			if prev, dup := r.byTable[m.Table]; dup {
				errs = append(errs, fmt.Errorf("orm: models %s and %s both map to table %q", prev, m, m.Table))
				continue
			}
			m.VerboseName = words(t.Name())
			if vn, ok := zero.(interface{ VerboseName() string }); ok {
				m.VerboseName = vn.VerboseName()
			}
			m.VerboseNamePlural = m.VerboseName + "s"
			if vp, ok := zero.(interface{ VerboseNamePlural() string }); ok {
				m.VerboseNamePlural = vp.VerboseNamePlural()
			}
			r.byType[t] = m
			r.byTable[m.Table] = m
			r.models = append(r.models, m)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	r.namer = newNamer(byName)
	cache := &sync.Map{}
	for _, m := range r.models {
		s, err := schema.Parse(reflect.New(m.Type).Interface(), cache, r.namer)
		if err != nil {
			errs = append(errs, fmt.Errorf("orm: model %s: %w", m, err))
			continue
		}
		fillFields(m, s)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

// fillFields copies the parts of gorm's schema that the registry exposes.
func fillFields(m *Model, s *schema.Schema) {
	for _, sf := range s.Fields {
		rel := s.Relationships.Relations[sf.Name]
		if sf.DBName == "" && rel == nil {
			continue // gorm:"-" and other non-column fields
		}
		verbose := sf.Tag.Get("verbose")
		if verbose == "" {
			verbose = words(sf.Name)
		}
		f := Field{
			Name:          sf.Name,
			Column:        sf.DBName,
			GoType:        sf.FieldType,
			DataType:      string(sf.DataType),
			PrimaryKey:    sf.PrimaryKey,
			AutoIncrement: sf.AutoIncrement,
			Unique:        sf.Unique,
			NotNull:       sf.NotNull,
			Size:          sf.Size,
			Precision:     sf.Precision,
			Scale:         sf.Scale,
			Default:       sf.DefaultValue,
			VerboseName:   verbose,
		}
		if rel != nil {
			f.Relation = relation(rel)
		}
		m.Fields = append(m.Fields, f)
	}
	if pk := s.PrioritizedPrimaryField; pk != nil {
		m.PrimaryKey, _ = m.Field(pk.Name)
	}
}

func relation(rel *schema.Relationship) *Relation {
	out := &Relation{Kind: RelationKind(rel.Type), Table: rel.FieldSchema.Table}
	if rel.JoinTable != nil {
		out.JoinTable = rel.JoinTable.Table
	}
	for _, ref := range rel.References {
		if ref.PrimaryKey == nil {
			continue // polymorphic value
		}
		if rel.Type == schema.Many2Many && !ref.OwnPrimaryKey {
			out.JoinForeignKeys = append(out.JoinForeignKeys, ref.ForeignKey.DBName)
			out.JoinReferences = append(out.JoinReferences, ref.PrimaryKey.DBName)
			continue
		}
		out.ForeignKeys = append(out.ForeignKeys, ref.ForeignKey.DBName)
		out.References = append(out.References, ref.PrimaryKey.DBName)
	}
	return out
}

// words splits a Go name into lowercase words the way Django splits class
// names: "QuestionItem" → "question item", "HTTPRequest" → "http request".
func words(name string) string {
	rs := []rune(name)
	var b strings.Builder
	for i, c := range rs {
		if i > 0 && unicode.IsUpper(c) {
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || nextLower {
				b.WriteByte(' ')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// Models returns every registered model in app order, then model order.
func (r *Registry) Models() []*Model { return slices.Clone(r.models) }

// Model returns the metadata of v's type; v is a model value or a pointer
// to one (&Question{}, Question{}, (*Question)(nil)). It does not allocate.
func (r *Registry) Model(v any) (*Model, bool) {
	t := reflect.TypeOf(v)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	m, ok := r.byType[t]
	return m, ok
}

// ByTable returns the model stored in the table.
func (r *Registry) ByTable(table string) (*Model, bool) {
	m, ok := r.byTable[table]
	return m, ok
}

// ForApp returns the models of the app with the label, in model order; nil
// when the app has none.
func (r *Registry) ForApp(label string) []*Model {
	var out []*Model
	for _, m := range r.models {
		if m.App == label {
			out = append(out, m)
		}
	}
	return out
}

// NamingStrategy returns the gorm naming strategy that gives registered
// models their registry table names; everything else (columns, indexes,
// unregistered models, join tables) is named by gorm's default strategy.
// Pass it when opening the database:
//
//	db, err := gorm.Open(dialector, &gorm.Config{NamingStrategy: reg.NamingStrategy()})
//
// or call Install on an opened handle before its first query.
func (r *Registry) NamingStrategy() schema.Namer {
	if r.namer == nil {
		return newNamer(nil)
	}
	return r.namer
}

// Install sets the registry's naming strategy on db (on its shared
// gorm.Config, so every session of db sees it) and checks that gorm now
// resolves every registered model to its registry table. Call it at
// start-up, before db is used concurrently; a model gorm already parsed
// with another strategy is an error (install before the first query).
func (r *Registry) Install(db *gorm.DB) error {
	db.Config.NamingStrategy = r.NamingStrategy()
	var errs []error
	for _, m := range r.models {
		stmt := &gorm.Statement{DB: db}
		if err := stmt.Parse(reflect.New(m.Type).Interface()); err != nil {
			errs = append(errs, fmt.Errorf("orm: install registry: model %s: %w", m, err))
			continue
		}
		if stmt.Schema.Table != m.Table {
			errs = append(errs, fmt.Errorf("orm: install registry: model %s: gorm uses table %q, want %q; install the registry before the first query", m, stmt.Schema.Table, m.Table))
		}
	}
	return errors.Join(errs...)
}

// namer is gorm's default naming strategy with the registry's table names
// for registered models that have no TableName method.
type namer struct {
	schema.NamingStrategy
	tables map[string]string // Go type name → table
	names  map[string]string // table → Go type name
}

func newNamer(byName map[string]*Model) *namer {
	n := &namer{
		NamingStrategy: schema.NamingStrategy{IdentifierMaxLength: 64}, // gorm's default
		tables:         make(map[string]string, len(byName)),
		names:          make(map[string]string, len(byName)),
	}
	for name, m := range byName {
		n.tables[name] = m.Table
		n.names[m.Table] = name
	}
	return n
}

// TableName implements schema.Namer.
func (n *namer) TableName(name string) string {
	if t, ok := n.tables[name]; ok {
		return t
	}
	return n.NamingStrategy.TableName(name)
}

// SchemaName implements schema.Namer.
func (n *namer) SchemaName(table string) string {
	if name, ok := n.names[table]; ok {
		return name
	}
	return n.NamingStrategy.SchemaName(table)
}
