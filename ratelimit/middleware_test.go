package ratelimit

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djinn-go/djinn/djinntest"
	"github.com/redis/go-redis/v9"
)

var okView = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte("ok"))
})

func serve(h http.Handler, method, remote string, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/login", nil)
	r.RemoteAddr = remote
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestMiddlewareHeaders: allowed responses carry RateLimit-*, the first
// denied one is a 429 with Retry-After, and JSON clients get JSON; on
// both backends.
func TestMiddlewareHeaders(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			h := Middleware(b.new(t), PerMinute(2), Options{})(okView)
			type want struct {
				status                  int
				remaining, reset, retry string
			}
			for i, w := range []want{
				{200, "1", "30", ""},
				{200, "0", "60", ""},
				{429, "0", "60", "30"},
			} {
				rec := serve(h, "GET", "192.0.2.1:1234", http.Header{"Accept": {"application/json"}})
				got := want{rec.Code, rec.Header().Get("RateLimit-Remaining"), rec.Header().Get("RateLimit-Reset"), rec.Header().Get("Retry-After")}
				if got != w || rec.Header().Get("RateLimit-Limit") != "2" {
					t.Errorf("request %d: %+v, limit %q; want %+v, limit 2", i+1, got, rec.Header().Get("RateLimit-Limit"), w)
				}
				if rec.Code == 429 {
					var body struct{ Error struct{ Status int } }
					if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Status != 429 {
						t.Errorf("429 body = %q (%v); want a JSON error", rec.Body, err)
					}
				}
			}
			if rec := serve(h, "GET", "192.0.2.2:1234", nil); rec.Code != 200 {
				t.Errorf("another client got %d; want 200", rec.Code)
			}
		})
	}
}

// TestMiddlewareKeys: IPv6 clients share their /64, methods outside
// Methods pass untouched, names separate budgets, a missing header is 400.
func TestMiddlewareKeys(t *testing.T) {
	l := NewMemory(MemoryOptions{})
	ip := Middleware(l, PerMinute(1), Options{Name: "ip"})(okView)
	if rec := serve(ip, "GET", "[2001:db8:1:2::1]:80", nil); rec.Code != 200 {
		t.Fatalf("first IPv6 request: %d", rec.Code)
	}
	if rec := serve(ip, "GET", "[2001:db8:1:2:ffff::9]:80", nil); rec.Code != 429 {
		t.Errorf("same /64, other address: %d; want 429", rec.Code)
	}
	if rec := serve(ip, "GET", "[2001:db8:1:3::1]:80", nil); rec.Code != 200 {
		t.Errorf("other /64: %d; want 200", rec.Code)
	}
	if rec := serve(ip, "GET", "[::ffff:192.0.2.7]:80", nil); rec.Code != 200 {
		t.Fatalf("IPv4-mapped: %d", rec.Code)
	}
	if rec := serve(ip, "GET", "192.0.2.7:81", nil); rec.Code != 429 {
		t.Errorf("IPv4 after its mapped form: %d; want 429", rec.Code)
	}

	other := Middleware(l, PerMinute(1), Options{Name: "other"})(okView)
	if rec := serve(other, "GET", "[2001:db8:1:2::1]:80", nil); rec.Code != 200 {
		t.Errorf("same client, other Name: %d; want 200", rec.Code)
	}

	post := Middleware(l, PerMinute(1), Options{Name: "post", Methods: []string{"POST"}})(okView)
	for range 3 {
		if rec := serve(post, "GET", "192.0.2.9:1", nil); rec.Code != 200 || rec.Header().Get("RateLimit-Limit") != "" {
			t.Fatalf("GET through a POST-only limit: %d, headers %v; want 200 without RateLimit headers", rec.Code, rec.Header())
		}
	}
	serve(post, "POST", "192.0.2.9:1", nil)
	if rec := serve(post, "POST", "192.0.2.9:1", nil); rec.Code != 429 {
		t.Errorf("second POST: %d; want 429", rec.Code)
	}

	hdr := Middleware(l, PerMinute(1), Options{Name: "api", KeyFunc: KeyByHeader("X-API-Key")})(okView)
	if rec := serve(hdr, "GET", "192.0.2.9:1", nil); rec.Code != 400 || !strings.Contains(rec.Body.String(), "X-Api-Key") {
		t.Errorf("no API key: %d %q; want 400 naming the header", rec.Code, rec.Body)
	}
	long := strings.Repeat("k", 10_000)
	serve(hdr, "GET", "192.0.2.9:1", http.Header{"X-Api-Key": {long}})
	if rec := serve(hdr, "GET", "192.0.2.10:1", http.Header{"X-Api-Key": {long}}); rec.Code != 429 {
		t.Errorf("second request with one long API key from another address: %d; want 429", rec.Code)
	}

	user := Middleware(l, PerMinute(1), Options{Name: "user", KeyFunc: KeyByUser(func(r *http.Request) (string, bool) {
		id := r.Header.Get("X-User")
		return id, id != ""
	})})(okView)
	serve(user, "GET", "192.0.2.11:1", http.Header{"X-User": {"42"}})
	if rec := serve(user, "GET", "192.0.2.12:1", http.Header{"X-User": {"42"}}); rec.Code != 429 {
		t.Errorf("user 42 from a second address: %d; want 429", rec.Code)
	}
	if rec := serve(user, "GET", "192.0.2.11:1", nil); rec.Code != 200 {
		t.Errorf("anonymous from user 42's address: %d; want 200 (keyed by IP)", rec.Code)
	}

	if rec := serve(ip, "GET", "@", nil); rec.Code != 500 {
		t.Errorf("RemoteAddr %q: %d; want 500", "@", rec.Code)
	}
}

// TestMiddlewareUnavailable: with Redis on a closed port, fail-open serves
// every request (without RateLimit headers) and fail-closed answers 503;
// latency stays bounded and the outage is logged once, not per request.
func TestMiddlewareUnavailable(t *testing.T) {
	for _, tt := range []struct {
		name       string
		failClosed bool
		status     int
	}{
		{"open", false, 200},
		{"closed", true, 503},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: djinntest.ClosedAddr(t)})
			defer rdb.Close()
			logger, logs := djinntest.NewLogs()
			l := NewRedis(rdb, RedisOptions{Timeout: 100 * time.Millisecond, Cooldown: 20 * time.Millisecond})
			h := Middleware(l, PerSecond(1), Options{FailClosed: tt.failClosed, Logger: logger})(okView)
			start := time.Now()
			var wg sync.WaitGroup
			for range 10 {
				wg.Go(func() {
					for range 10 {
						rec := serve(h, "GET", "192.0.2.1:1", http.Header{"Accept": {"application/json"}})
						if rec.Code != tt.status || rec.Header().Get("RateLimit-Limit") != "" {
							t.Errorf("status %d, headers %v; want %d without RateLimit headers", rec.Code, rec.Header(), tt.status)
						}
					}
				})
				time.Sleep(5 * time.Millisecond) // across several cooldowns
			}
			wg.Wait()
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("100 requests took %v with Redis down; want bounded by the 100ms timeout", d)
			}
			n := 0
			for _, rec := range logs.Records(t) {
				if rec["msg"] == "ratelimit: limiter unavailable" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("logged the outage %d times; want once\n%s", n, logs)
			}
		})
	}
}

func TestMiddlewarePanicsOnBadLimit(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Middleware with a zero Limit did not panic")
		}
	}()
	Middleware(NewMemory(MemoryOptions{}), Limit{}, Options{})
}
