package cache_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/cache"
)

type codecPoint struct {
	X int `json:"x"`
	Y int `msgpack:"why"`
}

// codecCount is a named integer type: the codec stores it as MessagePack, not
// as decimal text.
type codecCount int

func TestCodecStoredForms(t *testing.T) {
	c := cache.NewMemory(cache.MemoryOptions{})
	ctx := t.Context()
	cases := []struct {
		name  string
		set   func() error
		check func(b []byte) bool
		want  string
	}{
		{"[]byte raw", func() error { return cache.SetAs(ctx, c, "k", []byte{0, 1, 0xff}, time.Hour) },
			func(b []byte) bool { return string(b) == "\x00\x01\xff" }, "the bytes as they are"},
		{"string raw", func() error { return cache.SetAs(ctx, c, "k", "héllo", time.Hour) },
			func(b []byte) bool { return string(b) == "héllo" }, "the string as it is"},
		{"int decimal", func() error { return cache.SetAs(ctx, c, "k", -42, time.Hour) },
			func(b []byte) bool { return string(b) == "-42" }, `"-42"`},
		{"uint8 decimal", func() error { return cache.SetAs(ctx, c, "k", uint8(255), time.Hour) },
			func(b []byte) bool { return string(b) == "255" }, `"255"`},
		{"struct tagged", func() error { return cache.SetAs(ctx, c, "k", codecPoint{1, 2}, time.Hour) },
			func(b []byte) bool {
				return len(b) > 1 && b[0] == 0xC1 && strings.Contains(string(b), "x") && strings.Contains(string(b), "why")
			}, "0xC1 then MessagePack with the json and msgpack tag names"},
		{"named int tagged", func() error { return cache.SetAs(ctx, c, "k", codecCount(3), time.Hour) },
			func(b []byte) bool { return len(b) == 2 && b[0] == 0xC1 && b[1] == 3 }, "0xC1 then MessagePack 3"},
	}
	for _, tc := range cases {
		if err := tc.set(); err != nil {
			t.Fatalf("%s: SetAs = %v", tc.name, err)
		}
		b, err := c.Get(ctx, "k")
		if err != nil || !tc.check(b) {
			t.Errorf("%s: stored %q, %v; want %s", tc.name, b, err, tc.want)
		}
	}
	if n, err := cache.GetAs[codecCount](ctx, c, "k"); err != nil || n != 3 {
		t.Errorf("GetAs[codecCount] = %d, %v; want 3, nil", n, err)
	}
	if p, err := func() (codecPoint, error) {
		cache.SetAs(ctx, c, "p", codecPoint{1, 2}, time.Hour)
		return cache.GetAs[codecPoint](ctx, c, "p")
	}(); err != nil || p != (codecPoint{1, 2}) {
		t.Errorf("GetAs[codecPoint] = %+v, %v; want {1 2}", p, err)
	}
}

func TestCodecErrors(t *testing.T) {
	c := cache.NewMemory(cache.MemoryOptions{})
	ctx := t.Context()
	if err := c.Set(ctx, "text", []byte("hello"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := cache.SetAs(ctx, c, "codecPoint", codecPoint{1, 2}, time.Hour); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"struct from text", errOf(cache.GetAs[codecPoint](ctx, c, "text")),
			[]string{`cache: decode "text" as cache_test.codecPoint`, "not in the MessagePack format"}},
		{"int from a struct", errOf(cache.GetAs[int](ctx, c, "codecPoint")),
			[]string{`cache: decode "codecPoint" as int`, "not decimal text", "MessagePack"}},
		{"int from text", errOf(cache.GetAs[int](ctx, c, "text")),
			[]string{`cache: decode "text" as int`, "not decimal text"}},
		{"func", cache.SetAs(ctx, c, "f", func() {}, time.Hour),
			[]string{`cache: encode "f": cannot encode a func()`}},
		{"nil map of funcs", cache.SetAs(ctx, c, "f", map[string]func(){"a": nil}, time.Hour),
			[]string{`cache: encode "f"`, "map[string]func()"}},
		{"Decr(MinInt64)", errOf(cache.Decr(ctx, c, "n", -1<<63)),
			[]string{`cache: decr "n"`, "cannot be negated"}},
	}
	for _, tc := range cases {
		if tc.err == nil {
			t.Errorf("%s: err = nil; want an error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(tc.err.Error(), w) {
				t.Errorf("%s: err = %q; want it to contain %q", tc.name, tc.err, w)
			}
		}
	}
	if _, err := c.Get(ctx, "f"); !errors.Is(err, cache.ErrMiss) {
		t.Errorf("Get(%q) after failed SetAs = %v; want a miss", "f", err)
	}
}

func errOf[T any](_ T, err error) error { return err }
