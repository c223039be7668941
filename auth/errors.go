package auth

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// statusError is an error value with an HTTP status, for respond.Status.
type statusError struct {
	msg    string
	status int
}

func (e *statusError) Error() string   { return e.msg }
func (e *statusError) HTTPStatus() int { return e.status }

// Errors of authentication and authorization; test with errors.Is.
var (
	// ErrInvalidCredentials: the username is unknown or the password is
	// wrong (which of the two is not said, on purpose).
	ErrInvalidCredentials = errors.New("auth: invalid username or password")
	// ErrInactive: the password was right but the account is not active
	// (User.IsActive false). Only returned after a correct password, so
	// it reveals nothing to someone who does not know it.
	ErrInactive = errors.New("auth: this account is inactive")
	// ErrPermission: a logged-in user lacks a permission (403 Forbidden).
	ErrPermission error = &statusError{"auth: permission denied", http.StatusForbidden}
	// ErrThrottled is in the chain of a *ThrottledError: too many failed
	// logins for the username or from the client's address (429).
	ErrThrottled error = &statusError{"auth: too many failed login attempts", http.StatusTooManyRequests}
	// ErrUserNotFound is returned by Backend.User for an id with no user.
	ErrUserNotFound = errors.New("auth: no such user")
	// ErrNoMiddleware: the request did not go through the auth
	// middleware (install auth.New() after sessions.New()).
	ErrNoMiddleware = errors.New(`auth: the request did not go through the auth middleware; install auth.New() in InstalledApps`)
)

// ThrottledError is the error of a login refused by the throttle: the
// username, or the client's address, had Settings.Auth.LoginAttempts
// failed logins within Settings.Auth.LoginWindow. Its HTTPStatus is 429;
// a view sends RetryAfter as the Retry-After header. errors.Is(err,
// ErrThrottled) finds it.
type ThrottledError struct {
	// RetryAfter is how long until the next attempt is allowed.
	RetryAfter time.Duration
}

// Error implements error.
func (e *ThrottledError) Error() string {
	return fmt.Sprintf("auth: too many failed login attempts; try again in %v", e.RetryAfter.Round(time.Second))
}

// HTTPStatus is 429 Too Many Requests.
func (e *ThrottledError) HTTPStatus() int { return http.StatusTooManyRequests }

// Is reports whether target is ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up and at
// least 1: the value of the Retry-After header.
func (e *ThrottledError) RetryAfterSeconds() int {
	s := int((e.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}
