package orm

import (
	"database/sql"
	"reflect"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// colKind is how a column is scanned into its field.
type colKind uint8

const (
	kindInt colKind = iota + 1
	kindInt8
	kindInt16
	kindInt32
	kindInt64
	kindUint
	kindUint8
	kindUint16
	kindUint32
	kindUint64
	kindFloat32
	kindFloat64
	kindBool
	kindString
	kindTime
	// kindDirect hands database/sql a pointer to the field itself: []byte,
	// pointers to scalars (NULL is nil, as gorm sets it) and the
	// database/sql and gorm Scanner types whose Scan(nil) is their zero
	// value.
	kindDirect
)

// scanCol is one selected column: the field's offset in the model and how
// to scan into it.
type scanCol struct {
	off  uintptr
	kind colKind
	typ  reflect.Type // the field's type, for kindDirect
}

// isDirectScanner reports whether t is a Scanner field type read by
// pointer: the database/sql Null types and gorm.DeletedAt, whose Scan of
// NULL leaves the zero value, which is what gorm stores.
func isDirectScanner(t reflect.Type) bool {
	switch t {
	case reflect.TypeFor[sql.NullString](), reflect.TypeFor[sql.NullInt64](), reflect.TypeFor[sql.NullInt32](),
		reflect.TypeFor[sql.NullInt16](), reflect.TypeFor[sql.NullByte](), reflect.TypeFor[sql.NullFloat64](),
		reflect.TypeFor[sql.NullBool](), reflect.TypeFor[sql.NullTime](), reflect.TypeFor[gorm.DeletedAt]():
		return true
	}
	return false
}

// scanColFor returns the scan of field, a field of the struct type t, or
// false when the fast path cannot store it exactly as gorm would.
func scanColFor(t reflect.Type, field *schema.Field) (scanCol, bool) {
	// The offset along the path of embedded structs; an embedded pointer
	// (a negative index in gorm's path) would need allocating.
	var off uintptr
	cur := t
	for i, idx := range field.StructField.Index {
		if idx < 0 || cur.Kind() != reflect.Struct || idx >= cur.NumField() {
			return scanCol{}, false
		}
		sf := cur.Field(idx)
		off += sf.Offset
		cur = sf.Type
		if i < len(field.StructField.Index)-1 && cur.Kind() != reflect.Struct {
			return scanCol{}, false
		}
	}
	if cur != field.FieldType {
		return scanCol{}, false
	}
	kind, ok := kindOf(cur)
	return scanCol{off: off, kind: kind, typ: cur}, ok
}

// kindOf classifies a field type; false for anything else (named byte
// slices, JSON, custom Scanners, structs), which gorm reads.
func kindOf(t reflect.Type) (colKind, bool) {
	if isDirectScanner(t) || t == reflect.TypeFor[[]byte]() {
		return kindDirect, true
	}
	if t == reflect.TypeFor[time.Time]() {
		return kindTime, true
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[sql.Scanner]()) {
		return 0, false
	}
	switch t.Kind() {
	case reflect.Int:
		return kindInt, true
	case reflect.Int8:
		return kindInt8, true
	case reflect.Int16:
		return kindInt16, true
	case reflect.Int32:
		return kindInt32, true
	case reflect.Int64:
		return kindInt64, true
	case reflect.Uint:
		return kindUint, true
	case reflect.Uint8:
		return kindUint8, true
	case reflect.Uint16:
		return kindUint16, true
	case reflect.Uint32:
		return kindUint32, true
	case reflect.Uint64:
		return kindUint64, true
	case reflect.Float32:
		return kindFloat32, true
	case reflect.Float64:
		return kindFloat64, true
	case reflect.Bool:
		return kindBool, true
	case reflect.String:
		return kindString, true
	case reflect.Pointer:
		// database/sql stores NULL as nil and otherwise a new value, as
		// gorm does.
		e := t.Elem()
		if e == reflect.TypeFor[time.Time]() || isDirectScanner(e) {
			return kindDirect, true
		}
		if reflect.PointerTo(e).Implements(reflect.TypeFor[sql.Scanner]()) || e.Kind() == reflect.Pointer {
			return 0, false
		}
		if k, ok := kindOf(e); ok && k != kindDirect {
			return kindDirect, true
		}
	}
	return 0, false
}

// dests fills dest with the scan destinations of the row at base, an
// instance of the plan's model type.
func (p *readPlan) dests(base unsafe.Pointer, dest []any) {
	for i, c := range p.cols {
		f := unsafe.Add(base, c.off)
		switch c.kind {
		case kindInt:
			dest[i] = intDest[int]{(*int)(f)}
		case kindInt8:
			dest[i] = intDest[int8]{(*int8)(f)}
		case kindInt16:
			dest[i] = intDest[int16]{(*int16)(f)}
		case kindInt32:
			dest[i] = intDest[int32]{(*int32)(f)}
		case kindInt64:
			dest[i] = intDest[int64]{(*int64)(f)}
		case kindUint:
			dest[i] = uintDest[uint]{(*uint)(f)}
		case kindUint8:
			dest[i] = uintDest[uint8]{(*uint8)(f)}
		case kindUint16:
			dest[i] = uintDest[uint16]{(*uint16)(f)}
		case kindUint32:
			dest[i] = uintDest[uint32]{(*uint32)(f)}
		case kindUint64:
			dest[i] = uintDest[uint64]{(*uint64)(f)}
		case kindFloat32:
			dest[i] = valueDest[float32]{(*float32)(f)}
		case kindFloat64:
			dest[i] = valueDest[float64]{(*float64)(f)}
		case kindBool:
			dest[i] = valueDest[bool]{(*bool)(f)}
		case kindString:
			dest[i] = stringDest{(*string)(f)}
		case kindTime:
			dest[i] = valueDest[time.Time]{(*time.Time)(f)}
		default:
			dest[i] = reflect.NewAt(c.typ, f).Interface()
		}
	}
}

// The destinations below are structs of one pointer, which an interface
// holds without allocating. Each stores NULL as the zero value (gorm's
// behaviour for a non-pointer field, where database/sql would fail), the
// driver's common value type directly, and anything else through
// database/sql's own conversion (slowScan), so that conversions and their
// errors are database/sql's.

// valueDest scans into a field of a scalar type T (or one whose
// underlying type is T).
type valueDest[T any] struct{ p *T }

func (d valueDest[T]) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		var zero T
		*d.p = zero
		return nil
	case T:
		*d.p = v
		return nil
	}
	return slowScan(d.p, src)
}

// stringDest scans into a string field (or one of a string type).
type stringDest struct{ p *string }

func (d stringDest) Scan(src any) error { return valueDest[string](d).Scan(src) }

// ScanText is pgx's text scan, which spares boxing the value.
func (d stringDest) ScanText(v pgtype.Text) error {
	*d.p = v.String // "" when NULL
	return nil
}

// intDest scans into a signed integer field; drivers hand integers as
// int64.
type intDest[T ~int | ~int8 | ~int16 | ~int32 | ~int64] struct{ p *T }

func (d intDest[T]) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.p = 0
		return nil
	case int64:
		if int64(T(v)) == v {
			*d.p = T(v)
			return nil
		}
	}
	return slowScan(d.p, src) // out of range: database/sql's error
}

// ScanInt64 is pgx's integer scan, which spares boxing the value.
func (d intDest[T]) ScanInt64(v pgtype.Int8) error {
	if !v.Valid {
		*d.p = 0
		return nil
	}
	return d.Scan(v.Int64)
}

// uintDest scans into an unsigned integer field.
type uintDest[T ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64] struct{ p *T }

func (d uintDest[T]) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.p = 0
		return nil
	case int64:
		if v >= 0 && uint64(T(v)) == uint64(v) {
			*d.p = T(v)
			return nil
		}
	}
	return slowScan(d.p, src)
}

// ScanInt64 is pgx's integer scan, which spares boxing the value.
func (d uintDest[T]) ScanInt64(v pgtype.Int8) error {
	if !v.Valid {
		*d.p = 0
		return nil
	}
	return d.Scan(v.Int64)
}

// slowScan converts src into *p with database/sql's rules (sql.Null's
// Scan), NULL being the zero value.
func slowScan[T any](p *T, src any) error {
	var n sql.Null[T]
	if err := n.Scan(src); err != nil {
		return err
	}
	*p = n.V
	return nil
}
