package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/orm"
)

// Backend authenticates users and loads them by id (Django's
// authentication backends). The App tries its backends in order.
// Implementations must be safe for concurrent use; one that implements
// core.Readier is made ready with the auth app.
type Backend interface {
	// Authenticate returns the user with these credentials, or an error
	// wrapping ErrInvalidCredentials (the next backend is tried),
	// ErrInactive, or another error (a database failure), which stops the
	// login. r may be nil outside a request.
	Authenticate(ctx context.Context, r *http.Request, username, password string) (*User, error)
	// User returns the user with id for a logged-in session, or
	// ErrUserNotFound.
	User(ctx context.Context, id uint) (*User, error)
}

// ModelBackend authenticates against the auth_user table with the
// project's password hashers (Django's ModelBackend). Usernames are
// case-sensitive. An unknown username spends one hashing of the password
// (Passwords.RunDummy), so that its answer takes as long as a wrong
// password's and does not tell which usernames exist; an inactive user is
// refused with ErrInactive only after the right password. A password
// stored with an older hasher or work factor is re-hashed and saved at a
// successful login.
//
// Its zero value is made ready by the auth app (WithBackends); it is then
// safe for concurrent use.
type ModelBackend struct {
	app *App
}

var (
	_ Backend      = (*ModelBackend)(nil)
	_ core.Readier = (*ModelBackend)(nil)
)

// Ready finds the project's auth app.
func (b *ModelBackend) Ready(_ context.Context, p *core.Project) error {
	a, err := From(p)
	if err != nil {
		return err
	}
	b.app = a
	return nil
}

// Authenticate implements Backend.
func (b *ModelBackend) Authenticate(ctx context.Context, _ *http.Request, username, password string) (*User, error) {
	pw := b.app.passwords
	var u User
	err := b.app.dbFor(ctx).Where("username = ?", username).Take(&u).Error
	switch {
	case errors.Is(err, orm.ErrNotFound), errors.Is(err, gorm.ErrRecordNotFound):
		pw.RunDummy(password)
		return nil, ErrInvalidCredentials
	case err != nil:
		return nil, fmt.Errorf("auth: load user %q: %w", username, err)
	}
	ok, upgrade, err := pw.Check(password, u.Password)
	if err != nil && !ok {
		// An unreadable hash or a disabled algorithm: the password cannot
		// match. Say why in the chain (never the hash).
		return nil, fmt.Errorf("%w (user %d: %w)", ErrInvalidCredentials, u.ID, err)
	}
	if !ok {
		return nil, ErrInvalidCredentials
	}
	if !u.IsActive {
		return nil, ErrInactive
	}
	if upgrade != "" {
		if err := b.app.dbFor(ctx).Model(&User{ID: u.ID}).Update("password", upgrade).Error; err != nil {
			return nil, fmt.Errorf("auth: save the upgraded password hash of user %d: %w", u.ID, err)
		}
		u.Password = upgrade
		_ = b.app.ForgetUser(ctx, u.ID) // Login forgets it again
	}
	return &u, nil
}

// User implements Backend: the user with id, whatever IsActive says (the
// middleware treats inactive users as anonymous).
func (b *ModelBackend) User(ctx context.Context, id uint) (*User, error) {
	var u User
	err := b.app.dbFor(ctx).Where("id = ?", id).Take(&u).Error
	switch {
	case errors.Is(err, orm.ErrNotFound), errors.Is(err, gorm.ErrRecordNotFound):
		return nil, ErrUserNotFound
	case err != nil:
		return nil, fmt.Errorf("auth: load user %d: %w", id, err)
	}
	return &u, nil
}

// Authenticate checks username and password with each backend in turn
// and returns the user of the first that accepts them (Django's
// authenticate). It is throttled (see throttle.go): when the username, or
// the client address of r, had Settings.Auth.LoginAttempts failures
// within Settings.Auth.LoginWindow, it returns a *ThrottledError without
// checking the password; each failure counts against both, and a
// success forgets the username's failures. r may be nil outside a
// request (no address to count). When the limiter's store is
// unreachable the login fails with a 503 error rather than going
// unthrottled.
//
// Errors: ErrInvalidCredentials (in the chain), ErrInactive, a
// *ThrottledError, or another error (database, limiter).
func (a *App) Authenticate(ctx context.Context, r *http.Request, username, password string) (*User, error) {
	t := a.throttler()
	keys := t.keys(r, username)
	if err := t.check(ctx, keys); err != nil {
		return nil, err
	}
	var lastErr error = ErrInvalidCredentials
	for _, b := range a.backends {
		u, err := b.Authenticate(ctx, r, username, password)
		if err == nil {
			if u == nil {
				return nil, fmt.Errorf("auth: backend %T returned no user and no error", b)
			}
			if err := t.succeeded(ctx, keys); err != nil {
				return nil, err
			}
			return u, nil
		}
		lastErr = err
		if !errors.Is(err, ErrInvalidCredentials) {
			break
		}
	}
	if errors.Is(lastErr, ErrInvalidCredentials) || errors.Is(lastErr, ErrInactive) {
		if err := t.failed(ctx, keys); err != nil {
			return nil, err
		}
	}
	return nil, lastErr
}

// User loads the user with id through the backends (the first that knows
// it wins), or returns ErrUserNotFound.
func (a *App) User(ctx context.Context, id uint) (*User, error) {
	for _, b := range a.backends {
		u, err := b.User(ctx, id)
		if errors.Is(err, ErrUserNotFound) {
			continue
		}
		return u, err
	}
	return nil, ErrUserNotFound
}
