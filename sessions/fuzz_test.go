package sessions

import (
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzCookieDecode checks the cookie store's decoding of the session
// cookie and the value codec under it:
//   - arbitrary cookie values never panic and never give a session other
//     than one the key signed (the seeds);
//   - a cookie signed with another key never decodes;
//   - session values the store saved come back equal, and the saved
//     cookie with one character changed gives either no session or the
//     same values (base64 ignores some low bits of the last character);
//   - bytes that decodeValues accepts re-encode to the same values.
func FuzzCookieDecode(f *testing.F) {
	seedValues := []map[any]any{
		{"_auth_user_id": "42", "_auth_user_hash": "abc123"},
		{"cart": []any{"a", int64(2), []any{true, 1.5}}, "n": -1, "f32": float32(math.NaN())},
		{"empty": "", "bytes": []byte{0, 255}, "ints": []int{1, -1}, "u": uint64(math.MaxUint64)},
	}
	equal := cmp.Options{cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}
	seedStore, err := NewCookieStore(Config{SecretKey: testKey})
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range seedValues {
		enc, err := encodeValues(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(saveCookie(f, seedStore, v), enc, uint(len(enc)))
	}
	for _, s := range []string{
		"", "=", "a", "YQ==", "MTcwMDAwMDAwMHxhYmN8ZGVm", "1700000000|abc|def",
		"||||", "\x00", "\xff\xfe", "%00", "a b;c", "\"quoted\"",
		"MTcwMDAwMDAwMHw=|", "-_-_-_-_", string(make([]byte, 5000)),
	} {
		f.Add(s, []byte(s), uint(0))
	}
	f.Add("x", []byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f}, uint(3))               // huge count
	f.Add("x", []byte{1, 1, 1, 'k', byte(tagAnys), 1, byte(tagAnys)}, uint(1)) // truncated nesting

	store, err := NewCookieStore(Config{SecretKey: "the-fuzz-round-trip-key"})
	if err != nil {
		f.Fatal(err)
	}
	other, err := NewCookieStore(Config{SecretKey: "another-key-that-is-not-the-test-key"})
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, cookie string, data []byte, pos uint) {
		// Only the seeds were ever signed with seedStore's key.
		if got, ok := loadCookie(t, seedStore, cookie); ok && !isSeed(got, seedValues, equal) {
			t.Fatalf("cookie %q decoded to %#v, which was never signed", cookie, got)
		}

		// The codec: what decodes re-encodes to the same values.
		values, err := decodeValues(data)
		if err == nil {
			again, err := encodeValues(values)
			if err != nil {
				t.Fatalf("decodeValues(%x) = %#v, which does not encode: %v", data, values, err)
			}
			back, err := decodeValues(again)
			if err != nil {
				t.Fatalf("decode(encode(decode(%x))) error: %v", data, err)
			}
			if diff := cmp.Diff(values, back, equal); diff != "" {
				t.Fatalf("decode(encode(decode(%x))) differs (-first +second):\n%s", data, diff)
			}
		} else {
			values = map[any]any{"data": data, "text": string(data), "len": len(data)}
		}

		// Round trip through the store; too large a session is an error.
		w := httptest.NewRecorder()
		sess, _ := store.New(httptest.NewRequest("GET", "/", nil), store.Name())
		sess.Values = values
		if err := store.Save(nil, w, sess); err != nil {
			return
		}
		saved := cookieValue(t, w, store.Name())
		got, ok := loadCookie(t, store, saved)
		if !ok {
			t.Fatalf("the store's own cookie for %#v does not decode", values)
		}
		if diff := cmp.Diff(values, got, equal); diff != "" {
			t.Fatalf("cookie round trip differs (-saved +loaded):\n%s", diff)
		}
		for _, o := range []*CookieStore{other, seedStore} {
			if _, ok := loadCookie(t, o, saved); ok {
				t.Fatalf("a cookie signed with one key decoded with another")
			}
		}

		// One character changed: no session, or the same one.
		b := []byte(saved)
		i := int(pos % uint(len(b)))
		for _, c := range []byte{'A', '_', '=', '|', b[i] ^ 1} {
			if c == b[i] {
				continue
			}
			tampered := string(b[:i]) + string(c) + string(b[i+1:])
			if got, ok := loadCookie(t, store, tampered); ok {
				if diff := cmp.Diff(values, got, equal); diff != "" {
					t.Fatalf("cookie with byte %d changed to %q decoded to other values (-saved +loaded):\n%s", i, c, diff)
				}
			}
		}
	})
}

// saveCookie returns the cookie value store writes for values.
func saveCookie(tb testing.TB, store *CookieStore, values map[any]any) string {
	tb.Helper()
	w := httptest.NewRecorder()
	sess, _ := store.New(httptest.NewRequest("GET", "/", nil), store.Name())
	sess.Values = values
	if err := store.Save(nil, w, sess); err != nil {
		tb.Fatal(err)
	}
	return cookieValue(tb, w, store.Name())
}

func cookieValue(tb testing.TB, w *httptest.ResponseRecorder, name string) string {
	tb.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c.Value
		}
	}
	tb.Fatalf("no %s cookie in %q", name, w.Header().Values("Set-Cookie"))
	return ""
}

// loadCookie returns the session values store reads from a request with
// cookie value v, and whether it found a session.
func loadCookie(t *testing.T, store *CookieStore, v string) (map[any]any, bool) {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: store.Name(), Value: v, Quoted: false})
	sess, err := store.New(r, store.Name())
	if err != nil {
		t.Fatalf("New with cookie %q: %v", v, err)
	}
	return sess.Values, !sess.IsNew
}

// isSeed reports whether values are those of one of the seeds.
func isSeed(values map[any]any, seeds []map[any]any, opts cmp.Options) bool {
	for _, s := range seeds {
		if cmp.Equal(values, s, opts) {
			return true
		}
	}
	return false
}
