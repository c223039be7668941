package main

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/examples/bench/techempower"
	"github.com/djinn-go/djinn/migrations/migrationstest"
	"github.com/djinn-go/djinn/orm"
)

// site is the bench project served for a test.
type site struct {
	p   *core.Project
	srv *httptest.Server
}

// newSite serves the bench project with DEBUG off, as scripts/bench runs
// it, on the database at dbURL (migrated and filled by benchdata) with
// sessions in Redis under a prefix of the test's.
func newSite(t *testing.T, dbURL string) *site {
	t.Helper()
	s, err := settings()
	if err != nil {
		t.Fatal(err)
	}
	s.Debug = false
	s.AllowedHosts = []string{"127.0.0.1"}
	s.Database.URL = dbURL
	s.Cache.RedisURL = djinntest.RedisURL(t)
	s.Cache.KeyPrefix = djinntest.RedisPrefix(t)
	s.Sessions.Store = "redis"
	p := migrationstest.Setup(t, s)
	if out := manage(t, p, "benchdata"); !strings.Contains(out, "world: 10000 rows created") {
		t.Fatalf("benchdata printed %q", out)
	}
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	return &site{p: p, srv: srv}
}

// manage runs a command of the project and returns its output.
func manage(t *testing.T, p *core.Project, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := command.Run(t.Context(), p, command.Stdio{Name: "bench", Out: &out, Err: &errOut}, args...); code != command.ExitOK {
		t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

// get fetches path with client and checks the status and content type.
func (s *site) get(t *testing.T, client *http.Client, path, contentType string) []byte {
	t.Helper()
	resp, err := client.Get(s.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", path, resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, contentType) {
		t.Fatalf("GET %s: Content-Type %q, want %s", path, ct, contentType)
	}
	return body
}

// worldsIn decodes a JSON array of worlds, requiring exactly the keys id
// and randomNumber, and checks each against the table.
func (s *site) worldsIn(t *testing.T, body []byte) []techempower.World {
	t.Helper()
	var raw []map[string]json.Number
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	ws := make([]techempower.World, len(raw))
	for i, m := range raw {
		ws[i] = s.world(t, m)
	}
	return ws
}

// world checks one decoded world: its keys, range and value in the table.
func (s *site) world(t *testing.T, m map[string]json.Number) techempower.World {
	t.Helper()
	if len(m) != 2 {
		t.Fatalf("world %v: want exactly the keys id and randomNumber", m)
	}
	id, err1 := m["id"].Int64()
	n, err2 := m["randomNumber"].Int64()
	if err1 != nil || err2 != nil || id < 1 || id > techempower.WorldRows || n < 1 || n > 10000 {
		t.Fatalf("world %v: want integers id in 1..10000 and randomNumber in 1..10000", m)
	}
	oa, err := orm.From(s.p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := orm.Get[techempower.World](t.Context(), oa.DB(), id)
	if err != nil {
		t.Fatal(err)
	}
	if int64(w.RandomNumber) != n {
		t.Fatalf("world %d: randomNumber %d, the table has %d", id, n, w.RandomNumber)
	}
	return *w
}

func TestEndpoints(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		s := newSite(t, url)
		client := &http.Client{Timeout: 30 * time.Second}

		t.Run("plaintext", func(t *testing.T) {
			if body := s.get(t, client, "/plaintext", "text/plain"); string(body) != "Hello, World!" {
				t.Errorf("body %q", body)
			}
		})
		t.Run("json", func(t *testing.T) {
			body := s.get(t, client, "/json", "application/json")
			if strings.TrimSpace(string(body)) != `{"message":"Hello, World!"}` {
				t.Errorf("body %q", body)
			}
		})
		t.Run("db", func(t *testing.T) {
			// One object, not an array.
			var m map[string]json.Number
			dec := json.NewDecoder(bytes.NewReader(s.get(t, client, "/db", "application/json")))
			dec.UseNumber()
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			s.world(t, m)
		})
		for _, path := range []string{"/queries", "/cached"} {
			t.Run(path, func(t *testing.T) {
				for _, tt := range []struct {
					n    string
					want int
				}{
					{"", 1}, {"abc", 1}, {"0", 1}, {"-3", 1}, {"1", 1}, {"20", 20},
					{"500", 500}, {"501", 500}, {"100000", 500}, {"2.5", 1},
				} {
					q := path
					if tt.n != "" {
						q += "?n=" + tt.n
					}
					if ws := s.worldsIn(t, s.get(t, client, q, "application/json")); len(ws) != tt.want {
						t.Errorf("GET %s: %d worlds, want %d", q, len(ws), tt.want)
					}
				}
			})
		}
		t.Run("fortunes", func(t *testing.T) {
			body := string(s.get(t, client, "/fortunes", "text/html"))
			if !strings.HasPrefix(strings.ToLower(body), "<!doctype html><html><head><title>fortunes</title>") {
				t.Errorf("not rendered through the layout: %.120s", body)
			}
			if strings.Contains(body, "<script>") {
				t.Errorf("the <script> fortune is not escaped:\n%s", body)
			}
			if !strings.Contains(body, "&lt;script&gt;alert(&#34;This should not be displayed in a browser alert box.&#34;);&lt;/script&gt;") {
				t.Errorf("no escaped <script> fortune in:\n%s", body)
			}
			rows := regexp.MustCompile(`<tr><td>(\d+)</td><td>(.*?)</td></tr>`).FindAllStringSubmatch(body, -1)
			want := append(techempower.Fortunes(), techempower.Fortune{ID: 0, Message: techempower.AddedFortune})
			slices.SortFunc(want, func(a, b techempower.Fortune) int { return strings.Compare(a.Message, b.Message) })
			if len(rows) != len(want) {
				t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), body)
			}
			for i, r := range rows {
				id, _ := strconv.Atoi(r[1])
				if got := (techempower.Fortune{ID: int32(id), Message: html.UnescapeString(r[2])}); got != want[i] {
					t.Errorf("row %d: %+v, want %+v", i, got, want[i])
				}
			}
			if !strings.Contains(body, "フレームワークのベンチマーク") {
				t.Error("the Japanese fortune is not there as UTF-8")
			}
		})
		t.Run("session", func(t *testing.T) {
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Timeout: 30 * time.Second, Jar: jar}
			for want := 1; want <= 3; want++ {
				body := s.get(t, c, "/session", "application/json")
				if strings.TrimSpace(string(body)) != `{"visits":`+strconv.Itoa(want)+`}` {
					t.Fatalf("visit %d: body %q", want, body)
				}
			}
			// Another visitor starts at 1.
			if body := s.get(t, client, "/session", "application/json"); strings.TrimSpace(string(body)) != `{"visits":1}` {
				t.Errorf("new visitor: body %q", body)
			}
		})
	})
}

func TestBenchDataIsIdempotent(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		s := newSite(t, url) // runs benchdata once
		if out := manage(t, s.p, "benchdata"); out != "world: 0 rows created, 10000 existed; fortune: 0 rows created, 12 existed.\n" {
			t.Errorf("second benchdata printed %q", out)
		}
		oa, err := orm.From(s.p)
		if err != nil {
			t.Fatal(err)
		}
		var worlds, fortunes int64
		db := oa.DB().WithContext(t.Context())
		if err := db.Model(&techempower.World{}).Count(&worlds).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Model(&techempower.Fortune{}).Count(&fortunes).Error; err != nil {
			t.Fatal(err)
		}
		if worlds != 10000 || fortunes != 12 {
			t.Errorf("world has %d rows, fortune %d; want 10000 and 12", worlds, fortunes)
		}
	})
}
