package sessions

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

// BenchmarkSessionLoad loads an existing session (three values) through
// the middleware, per store: what a request that reads the session costs.
func BenchmarkSessionLoad(b *testing.B) {
	cfg := Config{SecretKey: testKey}
	stores := []struct {
		name string
		new  func(b *testing.B) Store
	}{
		{"cookie", func(b *testing.B) Store {
			st, err := NewCookieStore(cfg)
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
		{"redis", func(b *testing.B) Store {
			client, prefix := testRedis(b)
			c := cfg
			c.KeyPrefix = prefix
			st, err := NewRedisStore(client, c)
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
		{"db-sqlite", func(b *testing.B) Store { return benchDBStore(b, djinntest.SQLiteURL(b), cfg) }},
		{"db-postgres", func(b *testing.B) Store { return benchDBStore(b, djinntest.PostgresURL(b), cfg) }},
	}
	for _, s := range stores {
		b.Run(s.name, func(b *testing.B) {
			st := s.new(b)
			br := &browser{t: b}
			br.set(st, "user", "ada", "user_id", int64(42), "lang", "fr")
			if br.cookie == nil {
				b.Fatal("no session cookie")
			}
			h := Middleware(st, Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, err := Get(r)
				if err != nil || s.GetString("user") != "ada" {
					b.Fatalf("Get = %v, %v", s, err)
				}
				w.WriteHeader(204)
			}))
			req := httptest.NewRequest("GET", "/", nil)
			req.AddCookie(&http.Cookie{Name: br.cookie.Name, Value: br.cookie.Value})
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(discard{}, req)
			}
		})
	}
}

func benchDBStore(b *testing.B, url string, cfg Config) Store {
	p := newProject(b, url, nil)
	oa, err := orm.From(p)
	if err != nil {
		b.Fatal(err)
	}
	st, err := NewDBStore(oa.DB(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkNoSession is a request whose view never touches the session,
// with a session cookie, against the same view without the middleware.
func BenchmarkNoSession(b *testing.B) {
	client, prefix := testRedis(b)
	st, err := NewRedisStore(client, Config{SecretKey: testKey, KeyPrefix: prefix})
	if err != nil {
		b.Fatal(err)
	}
	br := &browser{t: b}
	br.set(st, "user", "ada")
	view := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: br.cookie.Name, Value: br.cookie.Value})
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{
		{"baseline", view},
		{"middleware", Middleware(st, Options{})(view)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tc.h.ServeHTTP(discard{}, req)
			}
		})
	}
}

// discard is a ResponseWriter that keeps nothing, so that the benchmarks
// measure the middleware rather than a recorder.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}
