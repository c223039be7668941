package ratelimit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/djinn-go/djinn/ratelimit"
)

func ExampleMiddleware() {
	lim := ratelimit.NewMemory(ratelimit.MemoryOptions{}) // ratelimit.NewRedis(rdb, …) on several nodes
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "welcome") })
	h := ratelimit.Middleware(lim, ratelimit.PerMinute(2), ratelimit.Options{
		Name:    "login",
		Methods: []string{http.MethodPost},
	})(login)

	for range 3 {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = "192.0.2.1:5000"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%d remaining=%s retry-after=%q\n", w.Code, w.Header().Get("RateLimit-Remaining"), w.Header().Get("Retry-After"))
	}
	// Output:
	// 200 remaining=1 retry-after=""
	// 200 remaining=0 retry-after=""
	// 429 remaining=0 retry-after="30"
}

func ExampleMemory_Allow() {
	lim := ratelimit.NewMemory(ratelimit.MemoryOptions{})
	ctx := context.Background()
	for range 4 {
		res, err := lim.Allow(ctx, "login:user:ann", ratelimit.PerMinute(3))
		if err != nil {
			panic(err) // with Redis: errors.Is(err, ratelimit.ErrUnavailable) → fail open or closed
		}
		fmt.Println(res.Allowed, res.Remaining)
	}
	// Output:
	// true 2
	// true 1
	// true 0
	// false 0
}
