package sessions

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// storeKind describes a store under the conformance suite.
type storeKind struct {
	// newStore returns a store for cfg; stores made by one kind in one test
	// share their backend (Redis prefix, database).
	newStore func(t *testing.T, cfg Config) Store
	// serverSide: the store keeps sessions on the server, so a deleted
	// session's old cookie no longer works.
	serverSide bool
}

// runStoreSuite runs the conformance suite every store must pass.
func runStoreSuite(t *testing.T, kind storeKind) {
	cfg := Config{SecretKey: testKey}

	t.Run("create and read back", func(t *testing.T) {
		st := kind.newStore(t, cfg)
		b := &browser{t: t}
		resp := b.set(st, "user", "ada", "n", 42, "ids", []int64{1, 2}, "ok", true, "flash", []any{"saved", int64(3)})
		c := sessionCookie(resp, "sessionid")
		if c == nil {
			t.Fatalf("no session cookie set; Set-Cookie: %q", setCookieHeader(resp))
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge != 14*24*3600 {
			t.Errorf("cookie %q: want HttpOnly, SameSite=Lax, Path=/, not Secure, Max-Age=1209600", setCookieHeader(resp))
		}
		if strings.Contains(c.Value, "ada") {
			t.Errorf("cookie value %q shows the session's data", c.Value)
		}
		got, isNew := b.read(st)
		want := map[string]any{"user": "ada", "n": 42, "ids": []int64{1, 2}, "ok": true, "flash": []any{"saved", int64(3)}}
		if diff := cmp.Diff(want, got); diff != "" || isNew {
			t.Errorf("read back (-want +got):\n%s\nIsNew = %v; want false", diff, isNew)
		}
	})

	t.Run("untouched session sets no cookie", func(t *testing.T) {
		st := kind.newStore(t, cfg)
		b := &browser{t: t}
		resp := b.do(st, Options{}, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hi")) })
		if h := setCookieHeader(resp); h != "" || resp.Header.Get("Vary") != "" {
			t.Errorf("a view that never used the session: Set-Cookie %q, Vary %q; want none", h, resp.Header.Get("Vary"))
		}
		resp = b.do(st, Options{}, func(w http.ResponseWriter, r *http.Request) {
			s, err := Get(r)
			if err != nil || !s.IsNew() || s.Len() != 0 {
				t.Errorf("Get = %v, %v; want a new empty session", s, err)
			}
			s.Set("x", "y")
			s.Delete("x")
		})
		if h := setCookieHeader(resp); h != "" {
			t.Errorf("new session left empty: Set-Cookie %q; want none", h)
		}
		if v := resp.Header.Get("Vary"); v != "Cookie" {
			t.Errorf("Vary = %q after loading the session; want Cookie", v)
		}
	})

	t.Run("modify and delete a key", func(t *testing.T) {
		st := kind.newStore(t, cfg)
		b := &browser{t: t}
		b.set(st, "n", 1, "k", "v")
		b.set(st, "n", 2)
		resp := b.do(st, Options{}, func(w http.ResponseWriter, r *http.Request) {
			s, _ := Get(r)
			s.Delete("k")
		})
		if sessionCookie(resp, "sessionid") == nil {
			t.Errorf("Delete did not save the session; Set-Cookie %q", setCookieHeader(resp))
		}
		if got, _ := b.read(st); !cmp.Equal(got, map[string]any{"n": 2}) {
			t.Errorf("after Set n=2 and Delete k: %v; want map[n:2]", got)
		}
		// A read-only request does not save (no cookie), unless
		// SaveEveryRequest.
		resp = b.do(st, Options{}, func(w http.ResponseWriter, r *http.Request) { Get(r) })
		if h := setCookieHeader(resp); h != "" {
			t.Errorf("read-only request: Set-Cookie %q; want none", h)
		}
		resp = b.do(st, Options{SaveEveryRequest: true}, func(w http.ResponseWriter, r *http.Request) { Get(r) })
		if sessionCookie(resp, "sessionid") == nil {
			t.Errorf("read-only request with SaveEveryRequest: no cookie; want the session saved")
		}
	})

	t.Run("expire", func(t *testing.T) {
		t.Parallel()
		short := cfg
		short.MaxAge = time.Second
		st := kind.newStore(t, short)
		b := &browser{t: t}
		resp := b.set(st, "user", "ada")
		if c := sessionCookie(resp, "sessionid"); c == nil || c.MaxAge != 1 {
			t.Fatalf("cookie %q; want Max-Age=1", setCookieHeader(resp))
		}
		if got, _ := b.read(st); got["user"] != "ada" {
			t.Fatalf("read at once: %v", got)
		}
		time.Sleep(2100 * time.Millisecond)
		if got, isNew := b.read(st); len(got) != 0 || !isNew {
			t.Errorf("read after MaxAge: %v, IsNew %v; want a new empty session", got, isNew)
		}
	})

	t.Run("flush", func(t *testing.T) {
		st := kind.newStore(t, cfg)
		b := &browser{t: t}
		b.set(st, "user", "ada")
		old := *b.cookie
		resp := b.do(st, Options{}, func(w http.ResponseWriter, r *http.Request) {
			s, _ := Get(r)
			s.Flush()
		})
		c := sessionCookie(resp, "sessionid")
		if c == nil || c.MaxAge >= 0 {
			t.Errorf("after Flush: Set-Cookie %q; want the cookie expired", setCookieHeader(resp))
		}
		if got, _ := b.read(st); len(got) != 0 {
			t.Errorf("after Flush: %v; want an empty session", got)
		}
		replay := &browser{t: t, cookie: &old}
		got, _ := replay.read(st)
		if kind.serverSide && len(got) != 0 {
			t.Errorf("the cookie from before Flush still reads %v; want the session deleted", got)
		}
		// New values after Flush go into a new session.
		resp = replay.do(st, Options{}, func(w http.ResponseWriter, r *http.Request) {
			s, _ := Get(r)
			s.Flush()
			s.Set("msg", "bye")
		})
		if c := sessionCookie(resp, "sessionid"); c == nil || c.MaxAge <= 0 || c.Value == old.Value {
			t.Errorf("Flush then Set: Set-Cookie %q; want a new session cookie", setCookieHeader(resp))
		}
		if got, _ := replay.read(st); !cmp.Equal(got, map[string]any{"msg": "bye"}) {
			t.Errorf("Flush then Set: %v; want map[msg:bye]", got)
		}
	})

	t.Run("cycle key: the pre-login cookie does not get the login", func(t *testing.T) {
		st := kind.newStore(t, cfg)
		victim := &browser{t: t}
		victim.set(st, "lang", "fr") // an attacker could have planted this cookie
		planted := *victim.cookie
		resp := victim.do(st, Options{}, func(w http.ResponseWriter, r *http.Request) {
			s, _ := Get(r)
			s.CycleKey()
			s.Set("user", "ada")
		})
		c := sessionCookie(resp, "sessionid")
		if c == nil || c.Value == planted.Value {
			t.Fatalf("login: Set-Cookie %q; want a new cookie", setCookieHeader(resp))
		}
		if got, _ := victim.read(st); !cmp.Equal(got, map[string]any{"lang": "fr", "user": "ada"}) {
			t.Errorf("after CycleKey: %v; want the values kept and the login", got)
		}
		attacker := &browser{t: t, cookie: &planted}
		got, _ := attacker.read(st)
		if got["user"] != nil {
			t.Errorf("the pre-login cookie reads %v; it must not carry the login", got)
		}
		if kind.serverSide && len(got) != 0 {
			t.Errorf("the pre-login id still reads %v; want it deleted from the store", got)
		}
	})

	t.Run("concurrent updates of different sessions", func(t *testing.T) {
		st := kind.newStore(t, cfg)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				b := &browser{t: t}
				for n := range 5 {
					b.set(st, "owner", i, "n", n)
				}
				got, _ := b.read(st)
				if want := map[string]any{"owner": i, "n": 4}; !cmp.Equal(got, want) {
					t.Errorf("goroutine %d reads %v; want %v", i, got, want)
				}
			})
		}
		wg.Wait()
	})

	t.Run("tampered cookie is a new empty session", func(t *testing.T) {
		st := kind.newStore(t, cfg)
		b := &browser{t: t}
		b.set(st, "user", "ada")
		v := []byte(b.cookie.Value)
		for _, tc := range []struct{ name, value string }{
			{"flipped character", string(flip(v, len(v)/2))},
			{"truncated", string(v[:len(v)-4])},
			{"garbage", "not-a-session"},
			{"empty", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tb := &browser{t: t, cookie: &http.Cookie{Name: "sessionid", Value: tc.value}}
				got, isNew := tb.read(st) // read fails the test on a Get error or non-200
				if len(got) != 0 || !isNew {
					t.Errorf("cookie %q: %v, IsNew %v; want a new empty session", tc.value, got, isNew)
				}
			})
		}
	})

	t.Run("cookie of another SECRET_KEY is a new empty session", func(t *testing.T) {
		a := kind.newStore(t, cfg)
		b := &browser{t: t}
		b.set(a, "user", "ada")
		other := cfg
		other.SecretKey = "another-secret-key"
		st := kind.newStore(t, other)
		if got, isNew := b.read(st); len(got) != 0 || !isNew {
			t.Errorf("read with another key: %v, IsNew %v; want a new empty session", got, isNew)
		}
	})

	t.Run("SECRET_KEY_FALLBACKS keep sessions across a key rotation", func(t *testing.T) {
		old := kind.newStore(t, cfg)
		b := &browser{t: t}
		b.set(old, "user", "ada")
		rotated := Config{SecretKey: "the-new-secret-key", SecretKeyFallbacks: []string{testKey}}
		st := kind.newStore(t, rotated)
		if got, isNew := b.read(st); got["user"] != "ada" || isNew {
			t.Fatalf("read with the old key as fallback: %v, IsNew %v; want the session", got, isNew)
		}
		b.set(st, "n", 1)
		// The new cookie is signed with the new key only.
		newOnly := kind.newStore(t, Config{SecretKey: "the-new-secret-key"})
		if got, _ := b.read(newOnly); got["user"] != "ada" || got["n"] != 1 {
			t.Errorf("re-saved session read with the new key alone: %v; want user and n", got)
		}
		if got, _ := b.read(old); len(got) != 0 {
			t.Errorf("re-saved session read with the old key alone: %v; want nothing (new cookies use the new key)", got)
		}
	})

	t.Run("unsupported value type fails the save", func(t *testing.T) {
		st := kind.newStore(t, cfg)
		b := &browser{t: t}
		resp := b.do(st, Options{}, func(w http.ResponseWriter, r *http.Request) {
			s, _ := Get(r)
			s.Set("when", time.Now())
			w.Write([]byte("saved!"))
		})
		if resp.StatusCode != 500 || sessionCookie(resp, "sessionid") != nil {
			t.Errorf("saving a time.Time: status %d, Set-Cookie %q; want 500 and no cookie", resp.StatusCode, setCookieHeader(resp))
		}
		sess := newSession(st, "sessionid", cfg.withDefaults())
		sess.Values["when"] = time.Now()
		err := st.Save(httptest.NewRequest("GET", "/", nil), httptest.NewRecorder(), sess)
		if err == nil || !strings.Contains(err.Error(), `"when"`) || !strings.Contains(err.Error(), "time.Time") {
			t.Errorf("Save(time.Time) = %v; want an error naming the key and the type", err)
		}
	})

	if kind.serverSide {
		t.Run("a save after a concurrent logout does not bring the session back", func(t *testing.T) {
			st := kind.newStore(t, cfg)
			b := &browser{t: t}
			b.set(st, "user", "ada")
			req := httptest.NewRequest("GET", "/", nil)
			req.AddCookie(&http.Cookie{Name: "sessionid", Value: b.cookie.Value})
			slow, err := st.New(req, "sessionid") // a slow request loads the session
			if err != nil || slow.IsNew {
				t.Fatalf("New = %v, %v", slow, err)
			}
			b.do(st, Options{}, func(w http.ResponseWriter, r *http.Request) { // logout meanwhile
				s, _ := Get(r)
				s.Flush()
			})
			slow.Values["cart"] = "x"
			err = st.Save(req, httptest.NewRecorder(), slow)
			if !errors.Is(err, ErrInterrupted) {
				t.Errorf("Save after the session was deleted = %v; want ErrInterrupted", err)
			}
			replay := &browser{t: t, cookie: &http.Cookie{Name: "sessionid", Value: req.Cookies()[0].Value}}
			if got, _ := replay.read(st); len(got) != 0 {
				t.Errorf("the logged-out cookie reads %v; want nothing", got)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	if c[i] == 'A' {
		c[i] = 'B'
	} else {
		c[i] = 'A'
	}
	return c
}
