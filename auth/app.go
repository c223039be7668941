package auth

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/checks"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/migrations"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/ratelimit"
	"github.com/djinn-go/djinn/templates"
)

// Label is the auth app's label in InstalledApps.
const Label = "auth"

//go:embed migrations
var migrationFiles embed.FS

// App installs authentication in a project (Django's contrib.auth): the
// User, Group and Permission models and their migrations, the middleware
// that attaches the request's user lazily (UserFrom), the "user" and
// "perms" template values, the post-migrate step that creates every
// model's permissions, the createsuperuser and changepassword commands,
// and login throttling. It needs the orm and sessions apps.
//
// Build it with New; the zero value is not usable. After Ready it is safe
// for concurrent use.
type App struct {
	backends      []Backend
	passwords     *Passwords
	validators    Validators
	validatorsSet bool
	limiter       ratelimit.Limiter

	project  *core.Project
	db       *gorm.DB
	registry *orm.Registry
	settings core.AuthSettings
	// secrets are SecretKey then SecretKeyFallbacks, for the session
	// auth hash.
	secrets []string
	logger  *slog.Logger

	throttleOnce sync.Once
	throttle     *throttle

	userTTL       time.Duration
	userCacheOnce sync.Once
	users         cache.Cache
}

// Option configures an App in New.
type Option func(*App)

// WithBackends replaces the default ModelBackend with backends, tried in
// order by Authenticate and UserFrom (Django's AUTHENTICATION_BACKENDS).
// Backends that implement core.Readier are made ready in the app's Ready.
func WithBackends(backends ...Backend) Option {
	return func(a *App) { a.backends = append([]Backend(nil), backends...) }
}

// WithValidators replaces the password validators (DefaultValidators of
// the settings by default); an empty list accepts every password.
func WithValidators(vs Validators) Option {
	return func(a *App) { a.validators, a.validatorsSet = vs, true }
}

// WithPasswords replaces the hashers built from Settings.Auth (for hashers
// with other parameters, see NewPasswordsWith).
func WithPasswords(p *Passwords) Option {
	return func(a *App) { a.passwords = p }
}

// WithLimiter sets the limiter that counts failed logins. By default it
// is a ratelimit.Redis over the cache app's Redis client when the "cache"
// app is installed and has one, so that every node shares the counts,
// and a ratelimit.Memory otherwise.
func WithLimiter(l ratelimit.Limiter) Option {
	return func(a *App) { a.limiter = l }
}

// New returns the auth app.
func New(opts ...Option) *App {
	a := &App{}
	for _, o := range opts {
		o(a)
	}
	return a
}

var (
	_ core.Dependent             = (*App)(nil)
	_ core.Readier               = (*App)(nil)
	_ core.MiddlewareProvider    = (*App)(nil)
	_ orm.ModelProvider          = (*App)(nil)
	_ migrations.Provider        = (*App)(nil)
	_ migrations.PostMigrator    = (*App)(nil)
	_ command.Provider           = (*App)(nil)
	_ templates.ContextProcessor = (*App)(nil)
	_ core.CheckProvider         = (*App)(nil)
)

// Label returns "auth".
func (a *App) Label() string { return Label }

// Dependencies returns "orm" and "sessions".
func (a *App) Dependencies() []string { return []string{orm.Label, "sessions"} }

// Models returns User, Group and Permission.
func (a *App) Models() []any { return []any{&User{}, &Group{}, &Permission{}} }

// Migrations returns the SQL migrations of the auth tables, for SQLite and
// PostgreSQL.
func (a *App) Migrations() fs.FS {
	f, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded above
	}
	return f
}

// Ready builds the hashers and validators from Settings.Auth, finds the
// database and makes the backends ready. It does no network I/O.
func (a *App) Ready(ctx context.Context, p *core.Project) error {
	s := p.Settings()
	if s.Auth.LoginAttempts < 0 || (s.Auth.LoginAttempts > 0 && s.Auth.LoginWindow <= 0) {
		return fmt.Errorf("auth: Auth.LoginAttempts %d per Auth.LoginWindow %v: the window must be positive (LoginAttempts 0 turns throttling off)", s.Auth.LoginAttempts, s.Auth.LoginWindow)
	}
	if a.passwords == nil {
		pw, err := NewPasswords(s.Auth)
		if err != nil {
			return err
		}
		a.passwords = pw
	}
	if !a.validatorsSet {
		a.validators = DefaultValidators(s.Auth)
	}
	oa, err := orm.From(p)
	if err != nil {
		return err
	}
	a.project, a.db, a.registry, a.settings, a.logger = p, oa.DB(), oa.Registry(), s.Auth, p.Logger()
	a.secrets = []string{string(s.SecretKey)}
	for _, k := range s.SecretKeyFallbacks {
		a.secrets = append(a.secrets, string(k))
	}
	if len(a.backends) == 0 {
		a.backends = []Backend{&ModelBackend{}}
	}
	for i, b := range a.backends {
		if r, ok := b.(core.Readier); ok {
			if err := r.Ready(ctx, p); err != nil {
				return fmt.Errorf("auth: backend %d (%T): %w", i, b, err)
			}
		}
	}
	return nil
}

// Passwords returns the project's password hashers (nil before Ready).
func (a *App) Passwords() *Passwords { return a.passwords }

// Validators returns the project's password validators.
func (a *App) Validators() Validators { return a.validators }

// Backends returns the authentication backends, in order.
func (a *App) Backends() []Backend { return append([]Backend(nil), a.backends...) }

// DB returns the database handle for ctx (the request's transaction
// inside AtomicRequests).
func (a *App) dbFor(ctx context.Context) *gorm.DB { return orm.DB(ctx, a.db) }

// ValidatePassword runs the password validators for pw as u's new
// password (u may be nil for a user not yet created). The error is a
// *PasswordError whose Messages are for the user.
func (a *App) ValidatePassword(pw string, u *User) error {
	return a.validators.Validate(pw, u.attrs())
}

// SetPassword hashes raw with the preferred hasher and saves it as u's
// password (Django's set_password + save). It does not validate raw: call
// ValidatePassword first. An empty raw sets an unusable password. Other
// sessions of u stop being logged in (their session auth hash no longer
// matches); to keep the current one, call Login again or
// UpdateSessionAuthHash.
func (a *App) SetPassword(ctx context.Context, u *User, raw string) error {
	if !u.IsAuthenticated() {
		return errors.New("auth: set password: the user has not been saved")
	}
	enc := MakeUnusable()
	if raw != "" {
		var err error
		if enc, err = a.passwords.Make(raw); err != nil {
			return fmt.Errorf("auth: set password of user %d: %w", u.ID, err)
		}
	}
	if err := a.dbFor(ctx).Model(&User{ID: u.ID}).Update("password", enc).Error; err != nil {
		return fmt.Errorf("auth: set password of user %d: %w", u.ID, err)
	}
	u.Password = enc
	return a.ForgetUser(ctx, u.ID)
}

// CreateUser saves a new active user with a hash of password (an unusable
// password when it is empty), after checking the username (CheckUsername)
// and email (CheckEmail). It does not run the password validators. A
// username that exists gives an error wrapping orm.ErrDuplicate.
func (a *App) CreateUser(ctx context.Context, username, email, password string) (*User, error) {
	return a.createUser(ctx, username, email, password, false)
}

// CreateSuperuser is CreateUser for a user with IsStaff and IsSuperuser.
func (a *App) CreateSuperuser(ctx context.Context, username, email, password string) (*User, error) {
	return a.createUser(ctx, username, email, password, true)
}

func (a *App) createUser(ctx context.Context, username, email, password string, super bool) (*User, error) {
	if err := CheckUsername(username); err != nil {
		return nil, err
	}
	email = NormalizeEmail(email)
	if err := CheckEmail(email); err != nil {
		return nil, err
	}
	enc := MakeUnusable()
	if password != "" {
		var err error
		if enc, err = a.passwords.Make(password); err != nil {
			return nil, fmt.Errorf("auth: create user %q: %w", username, err)
		}
	}
	u := &User{
		Username: username, Email: email, Password: enc,
		IsActive: true, IsStaff: super, IsSuperuser: super,
		DateJoined: time.Now().UTC(),
	}
	if err := a.dbFor(ctx).Create(u).Error; err != nil {
		if errors.Is(err, orm.ErrDuplicate) {
			return nil, fmt.Errorf("auth: create user: a user with username %q already exists: %w", username, err)
		}
		return nil, fmt.Errorf("auth: create user %q: %w", username, err)
	}
	return u, nil
}

// CheckUsername returns an error with a message for the user when name is
// not a valid username: empty, longer than 150 characters, or with other
// characters than letters, digits and @ . + - _ (Django's
// UnicodeUsernameValidator).
func CheckUsername(name string) error {
	if name == "" {
		return &FieldError{Field: "username", Message: "This field cannot be blank."}
	}
	if n := utf8.RuneCountInString(name); n > 150 {
		return &FieldError{Field: "username", Message: fmt.Sprintf("Ensure this value has at most 150 characters (it has %d).", n)}
	}
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("@.+-_", r)) {
			return &FieldError{Field: "username", Message: "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."}
		}
	}
	return nil
}

// CheckEmail returns an error with a message for the user when email is
// neither empty nor a plain address ("ann@example.com"), or is longer than
// 254 characters.
func CheckEmail(email string) error {
	if email == "" {
		return nil
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" || len(email) > 254 || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") && !strings.HasSuffix(email, "@localhost") {
		return &FieldError{Field: "email", Message: "Enter a valid email address."}
	}
	return nil
}

// NormalizeEmail trims spaces and lowercases the domain part (Django's
// normalize_email).
func NormalizeEmail(email string) string {
	email = strings.TrimSpace(email)
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return email
	}
	return email[:at] + "@" + strings.ToLower(email[at+1:])
}

// FieldError is a value refused for a user field, with a message for the
// user ("Enter a valid email address.").
type FieldError struct {
	// Field is "username" or "email".
	Field string
	// Message is a sentence for the user.
	Message string
}

// Error returns Message.
func (e *FieldError) Error() string { return e.Message }

var errNotInstalled = errors.New(`auth: the project has no "auth" app in InstalledApps (add auth.New())`)

// From returns the auth app of a set-up project.
func From(p *core.Project) (*App, error) {
	a, ok := p.App(Label)
	if !ok {
		return nil, errNotInstalled
	}
	aa, ok := a.(*App)
	if !ok {
		return nil, fmt.Errorf("auth: the app labelled %q is a %T, not *auth.App", Label, a)
	}
	return aa, nil
}

// Checks returns the auth system checks, with check --deploy: a warning
// when pbkdf2_sha256 is preferred with fewer iterations than OWASP's
// 600,000 (auth.W001), and when login throttling is off (auth.W002).
func (a *App) Checks() []checks.Check {
	return []checks.Check{{
		Name:   "auth",
		Deploy: true,
		Run: func(context.Context) []checks.Message {
			var msgs []checks.Message
			if a.passwords != nil && a.passwords.Preferred().Algorithm() == PBKDF2SHA256 && a.settings.PBKDF2Iterations > 0 && a.settings.PBKDF2Iterations < 600_000 {
				msgs = append(msgs, checks.Message{
					Level: checks.Warning, ID: "auth.W001", Object: "Auth.PBKDF2Iterations",
					Msg:  fmt.Sprintf("pbkdf2_sha256 hashes passwords with %d iterations, fewer than the 600,000 OWASP recommends", a.settings.PBKDF2Iterations),
					Hint: "Leave Auth.PBKDF2Iterations at 0 (Django 5.2's 1,000,000); existing hashes are upgraded at login.",
				})
			}
			if a.settings.LoginAttempts == 0 {
				msgs = append(msgs, checks.Message{
					Level: checks.Warning, ID: "auth.W002", Object: "Auth.LoginAttempts",
					Msg:  "login throttling is off: passwords can be guessed without limit",
					Hint: "Set Auth.LoginAttempts (5) and Auth.LoginWindow (15m).",
				})
			}
			return msgs
		},
	}}
}
