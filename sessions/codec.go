package sessions

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// valueCodec serializes session values in a small tagged binary format
// (below) that gives back every value with the type it was stored with.
// Only the types listed in the package doc are accepted; any other type is
// an error at save time that names the key. No type registry is involved,
// so a session written by one process reads the same in any other.
//
// Format: version byte 1, uvarint count, then per entry the key (uvarint
// length + bytes) and the value: one tag byte and its payload (varint for
// signed integers, uvarint for unsigned ones and lengths, IEEE-754 bits
// for floats, length + bytes for strings and []byte, count + elements for
// slices).
//
// It implements securecookie.Serializer for the cookie store.
type valueCodec struct{}

const codecVersion = 1

// Value tags.
const (
	tagString byte = iota + 1
	tagBool
	tagInt
	tagInt8
	tagInt16
	tagInt32
	tagInt64
	tagUint
	tagUint16
	tagUint32
	tagUint64
	tagFloat32
	tagFloat64
	tagBytes
	tagStrings
	tagInts
	tagInt64s
	tagFloat64s
	tagAnys
)

// Serialize encodes src, a map[any]any of session values.
func (valueCodec) Serialize(src any) ([]byte, error) {
	values, ok := src.(map[any]any)
	if !ok {
		return nil, fmt.Errorf("sessions: encode: %T is not session values", src)
	}
	return encodeValues(values)
}

// Deserialize decodes into dst, a *map[any]any.
func (valueCodec) Deserialize(src []byte, dst any) error {
	p, ok := dst.(*map[any]any)
	if !ok {
		return fmt.Errorf("sessions: decode into %T", dst)
	}
	m, err := decodeValues(src)
	if err != nil {
		return err
	}
	*p = m
	return nil
}

func encodeValues(values map[any]any) ([]byte, error) {
	b := make([]byte, 0, 64)
	b = append(b, codecVersion)
	b = binary.AppendUvarint(b, uint64(len(values)))
	for k, v := range values {
		ks, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("sessions: session key %v is a %T; keys are strings", k, k)
		}
		b = appendString(b, ks)
		var err error
		if b, err = appendValue(b, v); err != nil {
			return nil, fmt.Errorf("sessions: session key %q: %w", ks, err)
		}
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendString(append(b, tagString), v), nil
	case bool:
		if v {
			return append(b, tagBool, 1), nil
		}
		return append(b, tagBool, 0), nil
	case int:
		return binary.AppendVarint(append(b, tagInt), int64(v)), nil
	case int8:
		return binary.AppendVarint(append(b, tagInt8), int64(v)), nil
	case int16:
		return binary.AppendVarint(append(b, tagInt16), int64(v)), nil
	case int32:
		return binary.AppendVarint(append(b, tagInt32), int64(v)), nil
	case int64:
		return binary.AppendVarint(append(b, tagInt64), v), nil
	case uint:
		return binary.AppendUvarint(append(b, tagUint), uint64(v)), nil
	case uint16:
		return binary.AppendUvarint(append(b, tagUint16), uint64(v)), nil
	case uint32:
		return binary.AppendUvarint(append(b, tagUint32), uint64(v)), nil
	case uint64:
		return binary.AppendUvarint(append(b, tagUint64), v), nil
	case float32:
		return binary.LittleEndian.AppendUint32(append(b, tagFloat32), math.Float32bits(v)), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, tagFloat64), math.Float64bits(v)), nil
	case []byte:
		b = binary.AppendUvarint(append(b, tagBytes), uint64(len(v)))
		return append(b, v...), nil
	case []string:
		b = binary.AppendUvarint(append(b, tagStrings), uint64(len(v)))
		for _, s := range v {
			b = appendString(b, s)
		}
		return b, nil
	case []int:
		b = binary.AppendUvarint(append(b, tagInts), uint64(len(v)))
		for _, n := range v {
			b = binary.AppendVarint(b, int64(n))
		}
		return b, nil
	case []int64:
		b = binary.AppendUvarint(append(b, tagInt64s), uint64(len(v)))
		for _, n := range v {
			b = binary.AppendVarint(b, n)
		}
		return b, nil
	case []float64:
		b = binary.AppendUvarint(append(b, tagFloat64s), uint64(len(v)))
		for _, f := range v {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
		}
		return b, nil
	case []any:
		b = binary.AppendUvarint(append(b, tagAnys), uint64(len(v)))
		for i, e := range v {
			var err error
			if b, err = appendValue(b, e); err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
		}
		return b, nil
	case nil:
		return nil, errors.New("the value is nil; use Delete to remove a key")
	default:
		return nil, fmt.Errorf("a %T cannot be stored in a session: use a string, bool, integer, float, []byte, []string, []int, []int64, []float64 or []any of those (store times as Unix seconds, structs as JSON strings)", v)
	}
}

var errCorrupt = errors.New("sessions: decode: corrupt session data")

// decoder reads the format; any read past the end sets err.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() { d.err, d.b = errCorrupt, nil }

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// length reads a count of items of at least min bytes each.
func (d *decoder) length(min int) int {
	n := d.uvarint()
	if n > uint64(len(d.b)/min) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) bytes() []byte {
	n := d.length(1)
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) fixed(n int) []byte {
	if len(d.b) < n {
		d.fail()
		return make([]byte, n)
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func decodeValues(b []byte) (map[any]any, error) {
	d := &decoder{b: b}
	if d.byte() != codecVersion {
		return nil, errCorrupt
	}
	n := d.length(2)
	values := make(map[any]any, n)
	for range n {
		k := string(d.bytes())
		v := d.value(0)
		if d.err != nil {
			return nil, d.err
		}
		values[k] = v
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, errCorrupt
	}
	return values, nil
}

// maxDepth bounds nested []any.
const maxDepth = 32

func (d *decoder) value(depth int) any {
	switch d.byte() {
	case tagString:
		return string(d.bytes())
	case tagBool:
		return d.byte() != 0
	case tagInt:
		return int(d.varint())
	case tagInt8:
		return int8(d.varint())
	case tagInt16:
		return int16(d.varint())
	case tagInt32:
		return int32(d.varint())
	case tagInt64:
		return d.varint()
	case tagUint:
		return uint(d.uvarint())
	case tagUint16:
		return uint16(d.uvarint())
	case tagUint32:
		return uint32(d.uvarint())
	case tagUint64:
		return d.uvarint()
	case tagFloat32:
		return math.Float32frombits(binary.LittleEndian.Uint32(d.fixed(4)))
	case tagFloat64:
		return math.Float64frombits(binary.LittleEndian.Uint64(d.fixed(8)))
	case tagBytes:
		return append([]byte{}, d.bytes()...)
	case tagStrings:
		v := make([]string, d.length(1))
		for i := range v {
			v[i] = string(d.bytes())
		}
		return v
	case tagInts:
		v := make([]int, d.length(1))
		for i := range v {
			v[i] = int(d.varint())
		}
		return v
	case tagInt64s:
		v := make([]int64, d.length(1))
		for i := range v {
			v[i] = d.varint()
		}
		return v
	case tagFloat64s:
		v := make([]float64, d.length(8))
		for i := range v {
			v[i] = math.Float64frombits(binary.LittleEndian.Uint64(d.fixed(8)))
		}
		return v
	case tagAnys:
		if depth >= maxDepth {
			d.fail()
			return nil
		}
		v := make([]any, d.length(1))
		for i := range v {
			v[i] = d.value(depth + 1)
		}
		return v
	}
	d.fail()
	return nil
}
