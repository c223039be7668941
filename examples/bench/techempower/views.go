package techempower

import (
	"cmp"
	"context"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/sessions"
	"github.com/djinn-go/djinn/templates"
)

// URLs registers the benchmark's views.
func (a *App) URLs(r *urls.Router) {
	r.HandleFunc("GET /plaintext", plaintext, "plaintext")
	r.Handle("GET /json", respond.HandlerFunc(jsonView), "json")
	r.Handle("GET /db", respond.HandlerFunc(a.db1), "db")
	r.Handle("GET /queries", respond.HandlerFunc(a.queries), "queries")
	r.Handle("GET /fortunes", respond.HandlerFunc(a.fortunes), "fortunes")
	r.Handle("GET /cached", respond.HandlerFunc(a.cached), "cached")
	r.Handle("GET /session", respond.HandlerFunc(session), "session")
}

var helloWorld = []byte("Hello, World!")

func plaintext(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(helloWorld)
}

// message is the JSON test's body.
type message struct {
	Message string `json:"message"`
}

func jsonView(w http.ResponseWriter, _ *http.Request) error {
	return respond.JSON(w, http.StatusOK, message{Message: "Hello, World!"})
}

// randomID returns a world id, 1 to WorldRows.
func randomID() int32 { return rand.Int32N(WorldRows) + 1 }

// QueryCount reads the n parameter the way TechEmpower specifies: missing,
// not an integer or below 1 is 1, above 500 is 500.
func QueryCount(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	switch {
	case err != nil || n < 1:
		return 1
	case n > 500:
		return 500
	}
	return n
}

func (a *App) db1(w http.ResponseWriter, r *http.Request) error {
	world, err := orm.Get[World](r.Context(), a.db, randomID())
	if err != nil {
		return err
	}
	return respond.JSON(w, http.StatusOK, world)
}

// queries reads n worlds, one query each, as the test requires.
func (a *App) queries(w http.ResponseWriter, r *http.Request) error {
	worlds := make([]World, QueryCount(r))
	for i := range worlds {
		world, err := orm.Get[World](r.Context(), a.db, randomID())
		if err != nil {
			return err
		}
		worlds[i] = *world
	}
	return respond.JSON(w, http.StatusOK, worlds)
}

// AddedFortune is the message the fortunes view adds to the table's.
const AddedFortune = "Additional fortune added at request time."

func (a *App) fortunes(w http.ResponseWriter, r *http.Request) error {
	fortunes, err := orm.All[Fortune](r.Context(), a.db)
	if err != nil {
		return err
	}
	fortunes = append(fortunes, Fortune{Message: AddedFortune})
	slices.SortFunc(fortunes, func(x, y Fortune) int { return cmp.Compare(x.Message, y.Message) })
	return templates.Render(w, r, http.StatusOK, "techempower/fortunes.html", fortunes)
}

// cached reads n worlds through the cache, loading a missing one from the
// database (TechEmpower's cached queries).
func (a *App) cached(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	worlds := make([]World, QueryCount(r))
	for i := range worlds {
		id := randomID()
		world, err := cache.GetOrSetAs(ctx, a.cache, "world:"+strconv.Itoa(int(id)), cache.DefaultTTL, func(ctx context.Context) (World, error) {
			w, err := orm.Get[World](ctx, a.db, id)
			if err != nil {
				return World{}, err
			}
			return *w, nil
		})
		if err != nil {
			return err
		}
		worlds[i] = world
	}
	return respond.JSON(w, http.StatusOK, worlds)
}

// visits is the session view's body.
type visits struct {
	Visits int `json:"visits"`
}

// session counts the visitor's requests in the session: one load and one
// save per request.
func session(w http.ResponseWriter, r *http.Request) error {
	sess, err := sessions.Get(r)
	if err != nil {
		return err
	}
	n, _ := sess.Get("visits").(int)
	n++
	sess.Set("visits", n)
	return respond.JSON(w, http.StatusOK, visits{Visits: n})
}
