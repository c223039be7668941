package djinntest_test

import (
	"net"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/djinntest"
)

func TestRedisPrefix(t *testing.T) {
	u := djinntest.RedisURL(t)
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx := t.Context()

	// A neighbour outside the subtest's prefix must survive its cleanup.
	outside := djinntest.RedisPrefix(t) + ":neighbour"
	if err := c.Set(ctx, outside, "x", 0).Err(); err != nil {
		t.Fatal(err)
	}

	var prefix, other string
	t.Run("test with keys", func(t *testing.T) {
		prefix = djinntest.RedisPrefix(t)
		other = djinntest.RedisPrefix(t)
		if !strings.HasPrefix(prefix, "djinntest:") || prefix == other {
			t.Fatalf("RedisPrefix() = %q, then %q; want two different djinntest:… prefixes", prefix, other)
		}
		for _, k := range []string{prefix + ":a", prefix + ":1:b", prefix + "c"} {
			if err := c.Set(ctx, k, "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	n, err := c.Exists(ctx, prefix+":a", prefix+":1:b", prefix+"c").Result()
	if err != nil || n != 0 {
		t.Errorf("after the test, %d of its 3 keys remain (%v); want all deleted", n, err)
	}
	if v, err := c.Get(ctx, outside).Result(); err != nil || v != "x" {
		t.Errorf("the key %s outside the prefix = %q, %v; want it untouched", outside, v, err)
	}
}

func TestRedisURLSkipsWhenUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	t.Setenv("CI", "")
	t.Setenv("DJINN_TEST_REDIS", "redis://:secret@"+addr+"/0")
	var got string
	ok := t.Run("unreachable", func(t *testing.T) {
		got = djinntest.RedisURL(t)
	})
	if !ok || got != "" {
		t.Errorf("RedisURL with nothing at %s: ok=%v, returned %q; want the subtest skipped", addr, ok, got)
	}
}

// A test with Redis gets the server and a key prefix of its own.
func ExampleRedisPrefix() {
	_ = func(t *testing.T) {
		url := djinntest.RedisURL(t)       // skips the test without a server
		prefix := djinntest.RedisPrefix(t) // its keys go when the test ends
		_, _ = url, prefix
	}
}
