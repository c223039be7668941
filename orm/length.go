package orm

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// lengthCheckName names the callback registerLengthCheck adds to the create
// and update processors.
const lengthCheckName = "djinn:length_check"

// registerLengthCheck makes the creates and updates of db fail with an
// *Error of Kind ErrTooLong, before any SQL runs, when a string, *string or
// []byte field with a length limit holds more characters (runes, as
// Postgres's varchar(n) counts them) than the limit. The limit of a field
// is its `gorm:"type:varchar(N)"` (or char(N), character varying(N)) when it
// has a type tag, and its `gorm:"size:N"` otherwise, the column type gorm's
// Postgres migrator makes of the field. Creates of a struct, a slice of
// structs or maps, and updates with a struct, a map[string]any (keys are
// columns or field names) or Update(column, value) are checked.
//
// Only SQLite needs it: it stores any length into a varchar(n) column,
// while Postgres reports the error itself (SQLSTATE 22001, which Translate
// turns into ErrTooLong), so on other dialects registerLengthCheck does
// nothing. Registering twice is harmless. The limits are computed once per
// model schema; a model without limits costs one map lookup per statement.
func registerLengthCheck(db *gorm.DB) error {
	if db.Dialector.Name() != "sqlite" {
		return nil
	}
	c := &lengthChecker{}
	cb := db.Callback()
	if cb.Create().Get(lengthCheckName) == nil {
		// After the BeforeCreate hooks, which may set fields, and before
		// belongs-to associations are saved.
		err := cb.Create().Before("gorm:save_before_associations").Register(lengthCheckName, c.checkCreate)
		if err != nil {
			return fmt.Errorf("orm: register %s on create: %w", lengthCheckName, err)
		}
	}
	if cb.Update().Get(lengthCheckName) == nil {
		err := cb.Update().Before("gorm:save_before_associations").Register(lengthCheckName, c.checkUpdate)
		if err != nil {
			return fmt.Errorf("orm: register %s on update: %w", lengthCheckName, err)
		}
	}
	return nil
}

// lengthChecker caches the length-limited fields of each model schema.
type lengthChecker struct {
	limits sync.Map // *schema.Schema → []limitedField
}

// limitedField is a column field and the most characters it holds.
type limitedField struct {
	field *schema.Field
	max   int
}

// fields returns the length-limited fields of s, computed on first use.
func (c *lengthChecker) fields(s *schema.Schema) []limitedField {
	if v, ok := c.limits.Load(s); ok {
		return v.([]limitedField)
	}
	var fs []limitedField
	for _, f := range s.Fields {
		if f.DBName == "" || f.Serializer != nil {
			continue
		}
		if n := maxChars(f); n > 0 {
			fs = append(fs, limitedField{field: f, max: n})
		}
	}
	v, _ := c.limits.LoadOrStore(s, fs)
	return v.([]limitedField)
}

// maxChars returns the length limit of a string, *string or []byte field,
// or 0 when it has none.
func maxChars(f *schema.Field) int {
	t := f.IndirectFieldType
	if t.Kind() != reflect.String && (t.Kind() != reflect.Slice || t.Elem().Kind() != reflect.Uint8) {
		return 0
	}
	if typ, ok := f.TagSettings["TYPE"]; ok {
		return typeLength(typ)
	}
	if t.Kind() == reflect.Slice {
		return 0 // size: on []byte makes bytea on PostgreSQL, which has no limit
	}
	return max(f.Size, 0)
}

// typeLength returns n for the SQL types varchar(n), character varying(n),
// char(n), character(n), nvarchar(n) and nchar(n), any case, and 0 for
// other types.
func typeLength(typ string) int {
	name, rest, ok := strings.Cut(strings.ToLower(typ), "(")
	if !ok {
		return 0
	}
	switch strings.Join(strings.Fields(name), " ") {
	case "varchar", "character varying", "char", "character", "nvarchar", "nchar":
	default:
		return 0
	}
	num, _, ok := strings.Cut(rest, ")")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// checkCreate is the create callback.
func (c *lengthChecker) checkCreate(db *gorm.DB) {
	stmt := db.Statement
	if db.Error != nil || stmt.Schema == nil {
		return
	}
	fields := c.fields(stmt.Schema)
	if len(fields) == 0 {
		return
	}
	var err error
	switch v := stmt.Dest.(type) {
	case map[string]any:
		err = checkMap(db, fields, v, true)
	case *map[string]any:
		err = checkMap(db, fields, *v, true)
	case []map[string]any:
		for _, m := range v {
			if err = checkMap(db, fields, m, true); err != nil {
				break
			}
		}
	case *[]map[string]any:
		for _, m := range *v {
			if err = checkMap(db, fields, m, true); err != nil {
				break
			}
		}
	default:
		err = checkValue(db, fields, stmt.ReflectValue, true)
	}
	if err != nil {
		_ = db.AddError(err)
	}
}

// checkUpdate is the update callback.
func (c *lengthChecker) checkUpdate(db *gorm.DB) {
	stmt := db.Statement
	if db.Error != nil || stmt.Schema == nil {
		return
	}
	fields := c.fields(stmt.Schema)
	if len(fields) == 0 {
		return
	}
	dest := reflect.ValueOf(stmt.Dest)
	for dest.Kind() == reflect.Pointer {
		dest = dest.Elem()
	}
	var err error
	switch {
	case !dest.IsValid():
	case dest.Kind() == reflect.Map:
		if m, ok := dest.Interface().(map[string]any); ok {
			err = checkMap(db, fields, m, false)
		}
	case dest.Kind() == reflect.Struct && dest.Type() == stmt.Schema.ModelType:
		err = checkValue(db, fields, dest, false)
	case dest.Kind() == reflect.Struct:
		err = checkOtherStruct(db, fields, dest)
	}
	if err != nil {
		_ = db.AddError(err)
	}
}

// checkValue checks v, a struct of the statement's model or a slice or
// array of them (or of pointers to them).
func checkValue(db *gorm.DB, fields []limitedField, v reflect.Value, create bool) error {
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := checkValue(db, fields, reflect.Indirect(v.Index(i)), create); err != nil {
				return err
			}
		}
	case reflect.Struct:
		if v.Type() != db.Statement.Schema.ModelType {
			return nil
		}
		for _, f := range fields {
			if err := checkLength(db, f, f.field.ReflectValueOf(db.Statement.Context, v), create); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkMap checks the values of m, keyed by column or field name.
func checkMap(db *gorm.DB, fields []limitedField, m map[string]any, create bool) error {
	for _, f := range fields {
		val, ok := m[f.field.DBName]
		if !ok {
			val, ok = m[f.field.Name]
		}
		if ok && val != nil {
			if err := checkLength(db, f, reflect.ValueOf(val), create); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkOtherStruct checks an update from a struct of another type than the
// model, whose fields gorm matches to the model's by column name.
func checkOtherStruct(db *gorm.DB, fields []limitedField, v reflect.Value) error {
	other := &gorm.Statement{DB: db}
	if err := other.Parse(db.Statement.Dest); err != nil {
		return nil // gorm reports it when it builds the UPDATE
	}
	for _, f := range fields {
		if of := other.Schema.LookUpField(f.field.DBName); of != nil && of.DBName != "" {
			if err := checkLength(db, f, of.ReflectValueOf(db.Statement.Context, v), false); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkLength returns an ErrTooLong *Error when v, a string, *string or
// []byte (of any named type), has more characters than f allows and the
// statement writes f's column.
func checkLength(db *gorm.DB, f limitedField, v reflect.Value, create bool) error {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	var n int
	switch {
	case v.Kind() == reflect.String:
		if v.Len() <= f.max { // a rune is at least one byte
			return nil
		}
		n = utf8.RuneCountInString(v.String())
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		if v.Len() <= f.max {
			return nil
		}
		n = utf8.RuneCount(v.Bytes())
	default:
		return nil
	}
	if n <= f.max || !writes(db.Statement, f.field, create) {
		return nil
	}
	table := db.Statement.Table
	if table == "" {
		table = db.Statement.Schema.Table
	}
	return &Error{
		Kind:   ErrTooLong,
		Table:  table,
		Column: f.field.DBName,
		Err:    fmt.Errorf("value for %s.%s is %d characters; the column allows %d", table, f.field.DBName, n, f.max),
	}
}

// writes reports whether the statement writes f's column, given its
// Select and Omit and f's permissions.
func writes(stmt *gorm.Statement, f *schema.Field, create bool) bool {
	if create && !f.Creatable || !create && !f.Updatable {
		return false
	}
	cols, restricted := stmt.SelectAndOmitColumns(create, !create)
	selected, ok := cols[f.DBName]
	return ok && selected || !ok && !restricted
}
