package sessions

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCodecRoundTrip(t *testing.T) {
	in := map[any]any{
		"s": "héllo", "empty": "", "t": true, "f": false,
		"int": -42, "int8": int8(-8), "int16": int16(1600), "int32": int32(-32), "int64": int64(math.MinInt64),
		"uint": uint(7), "uint16": uint16(16), "uint32": uint32(32), "uint64": uint64(math.MaxUint64),
		"f32": float32(1.5), "f64": math.Pi, "bytes": []byte{0, 1, 255}, "nobytes": []byte{},
		"strings": []string{"a", ""}, "ints": []int{1, -1}, "int64s": []int64{math.MaxInt64}, "floats": []float64{0.1},
		"anys": []any{"x", 1, []any{true, int64(2)}},
	}
	b, err := encodeValues(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeValues(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
	// Every truncation and every single-byte change is an error or a
	// valid map, never a panic.
	for i := range b {
		if _, err := decodeValues(b[:i]); err == nil {
			t.Errorf("decode of the first %d bytes succeeded; want an error", i)
		}
		c := append([]byte(nil), b...)
		c[i] ^= 0xff
		decodeValues(c)
	}
	if _, err := decodeValues(append(b, 0)); err == nil {
		t.Errorf("decode with a trailing byte succeeded")
	}
	if _, err := decodeValues([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f}); err == nil {
		t.Errorf("decode of a huge count succeeded")
	}
}

func TestCodecRejectsUnsupportedTypes(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"time", time.Now(), "time.Time"},
		{"struct", struct{ A int }{1}, "struct"},
		{"map", map[string]any{"a": 1}, "map[string]interface {}"},
		{"pointer", new(int), "*int"},
		{"nil", nil, "nil"},
		{"nested", []any{"ok", time.Second}, "element 1: a time.Duration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := encodeValues(map[any]any{"key": tc.v})
			if err == nil || !strings.Contains(err.Error(), `"key"`) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("encode %T = %v; want an error naming the key and %s", tc.v, err, tc.want)
			}
		})
	}
	if _, err := encodeValues(map[any]any{1: "x"}); err == nil || !strings.Contains(err.Error(), "keys are strings") {
		t.Errorf("int key: %v; want keys are strings", err)
	}
}
