package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// The codec's formats. A stored value is one of:
//
//   - raw bytes, for []byte and string: stored as they are, so that the
//     values of Set, Incr and other programs read back unchanged;
//   - decimal text, for the integer types (int, int8 … int64, uint, uint8 …
//     uint64, not named types based on them): "42", as Incr and Redis's
//     INCR write, so that SetAs, GetAs and Incr work on one key;
//   - msgpackTag followed by MessagePack (github.com/vmihailenco/msgpack),
//     for every other type. Struct fields are named by their msgpack tag,
//     else their json tag, else their Go name.
//
// msgpackTag is 0xC1, a byte that never starts UTF-8 text (and that
// MessagePack itself never uses), so a value written as text is never
// mistaken for MessagePack and decoding it into a struct fails with a
// clear error instead of producing garbage.
const msgpackTag byte = 0xC1

// GetAs returns the value of key decoded as a T (see SetAs for the
// formats). A miss is an error wrapping ErrMiss; a value in another format
// than T's, or one that does not decode into a T, is an error naming the
// key and the type.
func GetAs[T any](ctx context.Context, c Cache, key string) (T, error) {
	b, err := c.Get(ctx, key)
	if err != nil {
		var zero T
		return zero, err
	}
	return decode[T](key, b)
}

// SetAs encodes v and stores it under key for ttl. []byte and string are
// stored as they are, the built-in integer types as decimal text (so that
// Incr works on them), any other type as MessagePack behind a one-byte
// format tag. A value that cannot be encoded (a func, a channel) is an
// error naming the key and the type, and nothing is stored.
func SetAs[T any](ctx context.Context, c Cache, key string, v T, ttl time.Duration) error {
	b, err := encode(key, v)
	if err != nil {
		return err
	}
	return c.Set(ctx, key, b, ttl)
}

// GetOrSetAs is GetOrSet for a T: it returns the value of key decoded as a
// T, or computes it with fn, stores it encoded for ttl and returns it.
// Concurrent callers share one call of fn as with GetOrSet. fn's error,
// or a value that cannot be encoded, is returned and nothing is stored.
func GetOrSetAs[T any](ctx context.Context, c Cache, key string, ttl time.Duration, fn func(ctx context.Context) (T, error)) (T, error) {
	b, err := c.GetOrSet(ctx, key, ttl, func(ctx context.Context) ([]byte, error) {
		v, err := fn(ctx)
		if err != nil {
			return nil, err
		}
		return encode(key, v)
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return decode[T](key, b)
}

// Decr subtracts delta from the integer stored at key and returns the
// result: Incr with -delta.
func Decr(ctx context.Context, c Cache, key string, delta int64) (int64, error) {
	if delta == math.MinInt64 {
		return 0, fmt.Errorf("cache: decr %q: delta %d cannot be negated", key, delta)
	}
	return c.Incr(ctx, key, -delta)
}

// encode returns the stored form of v.
func encode[T any](key string, v T) ([]byte, error) {
	switch x := any(v).(type) {
	case []byte:
		return x, nil
	case string:
		return []byte(x), nil
	case int:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(nil, x, 10), nil
	case uint:
		return strconv.AppendUint(nil, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(nil, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(nil, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(nil, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(nil, x, 10), nil
	}
	var buf bytes.Buffer
	buf.WriteByte(msgpackTag)
	enc := msgpack.GetEncoder()
	enc.Reset(&buf)
	enc.SetCustomStructTag("json")
	err := enc.Encode(v)
	msgpack.PutEncoder(enc)
	if err != nil {
		return nil, fmt.Errorf("cache: encode %q: cannot encode a %s: %w", key, typeName[T](v), err)
	}
	return buf.Bytes(), nil
}

// errNotInteger and errNotMsgpack explain a format mismatch.
var (
	errNotInteger = errors.New("the value is not decimal text")
	errNotMsgpack = errors.New("the value is not in the MessagePack format of SetAs (it was stored raw, by Set, Incr or SetAs of a []byte, string or integer)")
)

// decode reads the stored form b as a T.
func decode[T any](key string, b []byte) (T, error) {
	var v T
	var err error
	switch p := any(&v).(type) {
	case *[]byte:
		*p = b
		return v, nil
	case *string:
		*p = string(b)
		return v, nil
	case *int:
		*p, err = parseInt[int](b, strconv.IntSize)
	case *int8:
		*p, err = parseInt[int8](b, 8)
	case *int16:
		*p, err = parseInt[int16](b, 16)
	case *int32:
		*p, err = parseInt[int32](b, 32)
	case *int64:
		*p, err = parseInt[int64](b, 64)
	case *uint:
		*p, err = parseUint[uint](b, strconv.IntSize)
	case *uint8:
		*p, err = parseUint[uint8](b, 8)
	case *uint16:
		*p, err = parseUint[uint16](b, 16)
	case *uint32:
		*p, err = parseUint[uint32](b, 32)
	case *uint64:
		*p, err = parseUint[uint64](b, 64)
	default:
		return decodeMsgpack[T](key, b)
	}
	if err != nil {
		return decodeError[T](key, err)
	}
	return v, nil
}

// decodeMsgpack reads a tagged MessagePack value as a T. It is apart from
// decode so that decode's variable, which does not escape, stays on the
// stack: GetAs of a []byte or string allocates nothing more than Get.
func decodeMsgpack[T any](key string, b []byte) (T, error) {
	var v T
	if err := unmarshal(b, &v); err != nil {
		return decodeError[T](key, err)
	}
	return v, nil
}

func decodeError[T any](key string, err error) (T, error) {
	var zero T
	return zero, fmt.Errorf("cache: decode %q as %s: %w", key, reflect.TypeFor[T](), err)
}

func parseInt[I int | int8 | int16 | int32 | int64](b []byte, bitSize int) (I, error) {
	if len(b) > 0 && b[0] == msgpackTag {
		return 0, fmt.Errorf("%w: it is MessagePack (stored by SetAs of another type)", errNotInteger)
	}
	n, err := strconv.ParseInt(string(b), 10, bitSize)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errNotInteger, err)
	}
	return I(n), nil
}

func parseUint[I uint | uint8 | uint16 | uint32 | uint64](b []byte, bitSize int) (I, error) {
	if len(b) > 0 && b[0] == msgpackTag {
		return 0, fmt.Errorf("%w: it is MessagePack (stored by SetAs of another type)", errNotInteger)
	}
	n, err := strconv.ParseUint(string(b), 10, bitSize)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errNotInteger, err)
	}
	return I(n), nil
}

// unmarshal decodes a tagged MessagePack value into v, which must be
// consumed entirely.
func unmarshal(b []byte, v any) error {
	if len(b) == 0 || b[0] != msgpackTag {
		return errNotMsgpack
	}
	r := bytes.NewReader(b[1:])
	dec := msgpack.GetDecoder()
	dec.Reset(r)
	dec.SetCustomStructTag("json")
	err := dec.Decode(v)
	msgpack.PutDecoder(dec)
	if err != nil {
		return err
	}
	if r.Len() > 0 {
		return fmt.Errorf("%d bytes left over after the value", r.Len())
	}
	return nil
}

// typeName names the dynamic type of v, or T when v is a nil interface.
func typeName[T any](v T) string {
	if t := reflect.TypeOf(v); t != nil {
		return t.String()
	}
	return reflect.TypeFor[T]().String()
}
