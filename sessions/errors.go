package sessions

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrUnavailable is in the chain of every error that comes from a session
// store that cannot be reached (Redis down, database unreachable). Get
// returns it instead of a new empty session, so that an outage never logs
// users out silently: a view returns the error and the project answers
// 503 Service Unavailable.
var ErrUnavailable = errors.New("sessions: the session store is unavailable")

// ErrInterrupted is in the chain of the error a save gets when the session
// was deleted by another request while this one ran (the user logged out
// in another tab): the save does not bring the session back. It is a 400,
// like Django's SessionInterrupted.
var ErrInterrupted = errors.New("sessions: the session was deleted by a concurrent request (the user may have logged out)")

// ErrNoMiddleware is returned by Get for a request that did not go through
// the session middleware.
var ErrNoMiddleware = errors.New(`sessions: the request did not go through the session middleware; install sessions.New() in InstalledApps or wrap the handler with sessions.Middleware`)

// StoreError is an error of a session store: Op ("load", "save",
// "delete"), the store's name ("cookie", "redis", "db") and the cause.
// Its HTTPStatus is 503 (400 for ErrInterrupted); errors.Is finds
// ErrUnavailable (or ErrInterrupted) and the cause in its chain.
type StoreError struct {
	Op    string
	Store string
	Err   error
	kind  error // ErrUnavailable or ErrInterrupted
}

func unavailable(op, store string, err error) *StoreError {
	return &StoreError{Op: op, Store: store, Err: err, kind: ErrUnavailable}
}

func (e *StoreError) Error() string {
	return fmt.Sprintf("sessions: %s session in the %s store: %v", e.Op, e.Store, e.Err)
}

// Unwrap returns the kind (ErrUnavailable or ErrInterrupted) and the cause.
func (e *StoreError) Unwrap() []error { return []error{e.kind, e.Err} }

// HTTPStatus is 400 for an interrupted save and 503 otherwise.
func (e *StoreError) HTTPStatus() int {
	if e.kind == ErrInterrupted {
		return http.StatusBadRequest
	}
	return http.StatusServiceUnavailable
}
