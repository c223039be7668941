package sessions_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/sessions"
)

func Example() {
	store, err := sessions.NewCookieStore(sessions.Config{SecretKey: "example-secret-key"})
	if err != nil {
		panic(err)
	}
	visits := respond.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		sess, err := sessions.Get(r)
		if err != nil {
			return err // 503 when the store is unreachable
		}
		n, _ := sess.Get("visits").(int)
		sess.Set("visits", n+1)
		return respond.Text(w, http.StatusOK, fmt.Sprintf("visit %d", n+1))
	})
	h := sessions.Middleware(store, sessions.Options{})(visits)

	var cookie *http.Cookie
	for range 3 {
		req := httptest.NewRequest("GET", "/", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		cookie = rec.Result().Cookies()[0]
		fmt.Println(rec.Body.String())
	}
	// Output:
	// visit 1
	// visit 2
	// visit 3
}
