package sessions

import "github.com/gorilla/sessions"

// Session is a request's session, returned by Get. Reads and writes work
// on the values loaded once per request; the middleware saves them before
// the response starts if they changed (see Middleware).
//
// A Session belongs to one request and is not safe for concurrent use.
// Values must be of the types listed in the package doc; others make the
// save fail with an error that names the key.
type Session struct {
	gs       *sessions.Session
	modified bool
	// deleted are ids to remove from the store at save (CycleKey, Flush).
	deleted []string
	// flushed: Flush ran, so an empty session expires the cookie.
	flushed bool
}

// Get returns the value of key, or nil.
func (s *Session) Get(key string) any { return s.gs.Values[key] }

// GetString returns the value of key if it is a string, or "".
func (s *Session) GetString(key string) string {
	v, _ := s.gs.Values[key].(string)
	return v
}

// Has reports whether the session has a value for key.
func (s *Session) Has(key string) bool {
	_, ok := s.gs.Values[key]
	return ok
}

// Set sets the value of key and marks the session modified. A nil value
// deletes the key.
func (s *Session) Set(key string, v any) {
	if v == nil {
		s.Delete(key)
		return
	}
	s.gs.Values[key] = v
	s.modified = true
}

// Delete removes key and marks the session modified if it was there.
func (s *Session) Delete(key string) {
	if _, ok := s.gs.Values[key]; ok {
		delete(s.gs.Values, key)
		s.modified = true
	}
}

// Keys returns the session's keys in no particular order.
func (s *Session) Keys() []string {
	keys := make([]string, 0, len(s.gs.Values))
	for k := range s.gs.Values {
		if ks, ok := k.(string); ok {
			keys = append(keys, ks)
		}
	}
	return keys
}

// Len returns the number of values.
func (s *Session) Len() int { return len(s.gs.Values) }

// Flush removes every value and deletes the session from the store: call
// it at logout. Unless the view sets new values afterwards (they go into a
// new session with a new id), the response expires the cookie.
func (s *Session) Flush() {
	clear(s.gs.Values)
	s.forgetID()
	s.flushed = true
	s.modified = true
}

// CycleKey keeps the values under a new session id and deletes the old
// id from the store: call it at login, so that an id planted before login
// (session fixation) or seen by someone else does not carry the login.
func (s *Session) CycleKey() {
	s.forgetID()
	s.modified = true
}

func (s *Session) forgetID() {
	if s.gs.ID != "" {
		s.deleted = append(s.deleted, s.gs.ID)
		s.gs.ID = ""
	}
}

// IsNew reports whether the request carried no valid session: the values
// started empty.
func (s *Session) IsNew() bool { return s.gs.IsNew }

// Modified reports whether the session changed during the request (and
// will be saved).
func (s *Session) Modified() bool { return s.modified }

// MarkModified marks the session modified, for a value changed in place
// (an element of a slice stored in it), so that it is saved.
func (s *Session) MarkModified() { s.modified = true }
