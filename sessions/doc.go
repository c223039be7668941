// Package sessions gives each visitor a session: values kept between
// requests under a signed cookie, like Django's contrib.sessions.
//
// Install New() (after orm.New(), and after the cache app to share its
// Redis client). Settings.Sessions.Store picks the store: "cookie"
// (CookieStore: the values in a signed and encrypted cookie), "redis"
// (RedisStore) or "db" (DBStore, table sessions_session); empty means
// redis when Cache.RedisURL is set and db otherwise. The cookie's name,
// age and flags come from Security.SessionCookie*; SameSite defaults to
// Lax and HttpOnly is on. Keys are derived from SECRET_KEY with HKDF, and
// cookies made with a SECRET_KEY_FALLBACKS key are still read, so rotating
// the key logs nobody out. Every store implements gorilla/sessions.Store.
//
// Views read the session with Get:
//
//	sess, err := sessions.Get(r)
//	if err != nil {
//		return err // 503 when the store is down: never a silent logout
//	}
//	sess.Set("cart", []int64{42})
//
// Loading is lazy: a request that never calls Get costs no store call.
// The middleware saves a modified session before the response starts (see
// Middleware). At login call CycleKey (new id, same values, old id deleted:
// no session fixation); at logout call Flush.
//
// # Values
//
// A session holds string keys and values of these types, which every
// store encodes in the same compact binary format and gives back with the
// same type: string, bool, int, int8, int16, int32, int64, uint, uint16,
// uint32, uint64, float32, float64, []byte, []string, []int, []int64,
// []float64, and []any of those (as gorilla's flashes). Saving any other
// type (a struct, a map, time.Time, a pointer, nil) fails with an error
// naming the key: store a time as Unix seconds and a struct as a JSON
// string. The cookie store must fit in a 4096-byte cookie.
//
// # Failures
//
// When Redis or the database cannot be reached, Get returns an error
// wrapping ErrUnavailable whose HTTPStatus is 503, and the view should
// return it; requests that do not use the session are unaffected. A
// tampered cookie, one signed with an unknown key, or an expired one is
// no session: the visitor gets a new empty one, without an error. A save
// that fails replaces the view's response with the error page (see
// Middleware). A session deleted by a concurrent request (logout in
// another tab) is not brought back by a later save: that save fails with
// ErrInterrupted (400).
//
// Expired rows of the db store are ignored when read and deleted by the
// clearsessions command.
package sessions
