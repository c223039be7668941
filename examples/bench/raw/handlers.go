package main

import (
	"cmp"
	"crypto/hmac"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"log"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

const worldRows = 10_000

type world struct {
	ID           int32 `json:"id"`
	RandomNumber int32 `json:"randomNumber"`
}

type fortune struct {
	ID      int32
	Message string
}

// server holds what the handlers share.
type server struct {
	pool   *pgxpool.Pool
	tmpl   *template.Template
	cache  sync.Map // int32 → world
	redis  *redis.Client
	prefix string
	key    []byte // signs session ids
}

const fortunesHTML = `{{define "base"}}<!DOCTYPE html><html><head><title>{{block "title" .}}Fortunes{{end}}</title></head><body>{{block "content" .}}{{end}}</body></html>
{{end}}{{define "content"}}<table><tr><th>id</th><th>message</th></tr>{{range .}}<tr><td>{{.ID}}</td><td>{{.Message}}</td></tr>{{end}}</table>{{end}}`

func newServer(pool *pgxpool.Pool) (*server, error) {
	t, err := template.New("fortunes").Parse(fortunesHTML)
	if err != nil {
		return nil, err
	}
	return &server{pool: pool, tmpl: t, key: []byte(strings.Repeat("raw-bench-key-", 4))}, nil
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /plaintext", plaintext)
	mux.HandleFunc("GET /json", jsonHandler)
	mux.HandleFunc("GET /db", s.db)
	mux.HandleFunc("GET /queries", s.queries)
	mux.HandleFunc("GET /fortunes", s.fortunes)
	mux.HandleFunc("GET /cached", s.cached)
	mux.HandleFunc("GET /session", s.session)
	return mux
}

func fail(w http.ResponseWriter, err error) {
	log.Print(err)
	http.Error(w, "Internal Server Error", http.StatusInternalServerError)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

func plaintext(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("Hello, World!"))
}

func jsonHandler(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, struct {
		Message string `json:"message"`
	}{"Hello, World!"})
}

func randomID() int32 { return rand.Int32N(worldRows) + 1 }

func queryCount(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	switch {
	case err != nil || n < 1:
		return 1
	case n > 500:
		return 500
	}
	return n
}

func (s *server) world(r *http.Request, id int32) (world, error) {
	w := world{ID: id}
	err := s.pool.QueryRow(r.Context(), "SELECT randomnumber FROM world WHERE id = $1", id).Scan(&w.RandomNumber)
	return w, err
}

func (s *server) db(w http.ResponseWriter, r *http.Request) {
	wd, err := s.world(r, randomID())
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, wd)
}

func (s *server) queries(w http.ResponseWriter, r *http.Request) {
	worlds := make([]world, queryCount(r))
	for i := range worlds {
		wd, err := s.world(r, randomID())
		if err != nil {
			fail(w, err)
			return
		}
		worlds[i] = wd
	}
	writeJSON(w, worlds)
}

func (s *server) fortunes(w http.ResponseWriter, r *http.Request) {
	rows, err := s.pool.Query(r.Context(), "SELECT id, message FROM fortune")
	if err != nil {
		fail(w, err)
		return
	}
	fs := make([]fortune, 0, 16)
	for rows.Next() {
		var f fortune
		if err := rows.Scan(&f.ID, &f.Message); err != nil {
			rows.Close()
			fail(w, err)
			return
		}
		fs = append(fs, f)
	}
	if err := rows.Err(); err != nil {
		fail(w, err)
		return
	}
	fs = append(fs, fortune{Message: "Additional fortune added at request time."})
	slices.SortFunc(fs, func(a, b fortune) int { return cmp.Compare(a.Message, b.Message) })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.tmpl.ExecuteTemplate(w, "base", fs); err != nil {
		log.Print(err)
	}
}

func (s *server) cached(w http.ResponseWriter, r *http.Request) {
	worlds := make([]world, queryCount(r))
	for i := range worlds {
		id := randomID()
		if v, ok := s.cache.Load(id); ok {
			worlds[i] = v.(world)
			continue
		}
		wd, err := s.world(r, id)
		if err != nil {
			fail(w, err)
			return
		}
		s.cache.Store(id, wd)
		worlds[i] = wd
	}
	writeJSON(w, worlds)
}

const sessionCookie = "rawsession"

// session counts the visitor's requests in Redis under a signed cookie:
// one GET and one SET per request, as the Djinn side does.
func (s *server) session(w http.ResponseWriter, r *http.Request) {
	if s.redis == nil {
		fail(w, errors.New("no Redis: pass -redis"))
		return
	}
	ctx := r.Context()
	id := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		id = s.verify(c.Value)
	}
	n := 0
	if id != "" {
		v, err := s.redis.Get(ctx, s.prefix+id).Int()
		if err != nil && !errors.Is(err, redis.Nil) {
			fail(w, err)
			return
		}
		n = v
	} else {
		id = crand.Text()
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.sign(id), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 14 * 24 * 3600})
	}
	n++
	if err := s.redis.Set(ctx, s.prefix+id, n, 14*24*time.Hour).Err(); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, struct {
		Visits int `json:"visits"`
	}{n})
}

func (s *server) mac(id string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *server) sign(id string) string { return id + "." + s.mac(id) }

// verify returns the id of a signed cookie value, or "".
func (s *server) verify(v string) string {
	id, sig, ok := strings.Cut(v, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.mac(id))) {
		return ""
	}
	return id
}
