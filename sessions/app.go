package sessions

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/orm"
)

// Label is the sessions app's label in InstalledApps.
const Label = "sessions"

//go:embed migrations
var migrationFiles embed.FS

// App installs sessions in a project: at start-up it builds the store
// Settings.Sessions.Store names ("cookie", "redis", "db"; empty means redis
// when Cache.RedisURL is set and db otherwise) and adds Middleware at
// core.StageSession. It owns the sessions_session table (Record) and its
// migrations, and the clearsessions command.
//
// The redis store uses the cache app's Redis client when the "cache" app
// is installed before this one and has one; otherwise it opens its own
// from Cache.RedisURL and closes it at shutdown. The app depends on "orm"
// whatever the store, so that the db store can be chosen by settings alone.
//
// Its zero value is not usable; use New. After Ready it is safe for
// concurrent use.
type App struct {
	store     Store
	opts      Options
	ownClient redis.UniversalClient // closed by Close
}

// New returns the sessions app.
func New() *App { return &App{} }

var (
	_ core.Dependent          = (*App)(nil)
	_ core.Readier            = (*App)(nil)
	_ core.Closer             = (*App)(nil)
	_ core.MiddlewareProvider = (*App)(nil)
	_ orm.ModelProvider       = (*App)(nil)
	_ command.Provider        = (*App)(nil)
)

// Label returns "sessions".
func (a *App) Label() string { return Label }

// Dependencies returns "orm".
func (a *App) Dependencies() []string { return []string{orm.Label} }

// Models returns the database store's Record.
func (a *App) Models() []any { return []any{&Record{}} }

// Migrations returns the SQL migrations of sessions_session, for SQLite and
// PostgreSQL.
func (a *App) Migrations() fs.FS {
	f, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded above
	}
	return f
}

// Store returns the project's session store (nil before Ready).
func (a *App) Store() Store { return a.store }

// redisProvider is the cache app's accessor for its Redis client (nil
// without Redis).
type redisProvider interface {
	Redis() redis.UniversalClient
}

// Ready builds the store from the settings. It does no network I/O.
func (a *App) Ready(_ context.Context, p *core.Project) error {
	s := p.Settings()
	cfg, err := ConfigFrom(s)
	if err != nil {
		return err
	}
	if cfg.SecretKey == "" {
		// Only with Debug on (core requires SECRET_KEY otherwise):
		// sessions then last until the process stops.
		cfg.SecretKey = rand.Text() + rand.Text()
		p.Logger().Warn("sessions: SECRET_KEY is empty; signing sessions with a random key, so they end when the process stops")
	}
	a.opts = Options{SaveEveryRequest: s.Sessions.SaveEveryRequest}
	kind := s.Sessions.Store
	if kind == "" {
		kind = "db"
		if s.Cache.RedisURL != "" {
			kind = "redis"
		}
	}
	switch kind {
	case "cookie":
		a.store, err = NewCookieStore(cfg)
	case "db":
		var oa *orm.App
		if oa, err = orm.From(p); err == nil {
			a.store, err = NewDBStore(oa.DB(), cfg)
		}
	case "redis":
		var client redis.UniversalClient
		if c, ok := p.App("cache"); ok {
			if rp, ok := c.(redisProvider); ok {
				client = rp.Redis()
			}
		}
		if client == nil {
			if s.Cache.RedisURL == "" {
				return errors.New(`sessions: Sessions.Store is "redis" but Cache.RedisURL (REDIS_URL) is not set`)
			}
			o, perr := redis.ParseURL(s.Cache.RedisURL)
			if perr != nil {
				return fmt.Errorf("sessions: Cache.RedisURL: %v", strings.ReplaceAll(perr.Error(), s.Cache.RedisURL, "…"))
			}
			client = redis.NewClient(o)
			a.ownClient = client
		}
		a.store, err = NewRedisStore(client, cfg)
	default:
		return fmt.Errorf(`sessions: Sessions.Store is %q; it must be "cookie", "redis", "db" or empty`, kind)
	}
	return err
}

// ConfigFrom returns the stores' Config for the project's settings:
// SecretKey and SecretKeyFallbacks, the Security.SessionCookie* attributes
// and Cache.KeyPrefix + "session:" as the Redis key prefix.
func ConfigFrom(s *core.Settings) (Config, error) {
	cfg := Config{
		SecretKey:    string(s.SecretKey),
		CookieName:   s.Security.SessionCookieName,
		MaxAge:       s.Security.SessionCookieAge,
		Secure:       s.Security.SessionCookieSecure,
		ScriptAccess: !s.Security.SessionCookieHTTPOnly,
		KeyPrefix:    s.Cache.KeyPrefix + DefaultKeyPrefix,
	}
	for _, k := range s.SecretKeyFallbacks {
		cfg.SecretKeyFallbacks = append(cfg.SecretKeyFallbacks, string(k))
	}
	switch strings.ToLower(s.Security.SessionCookieSameSite) {
	case "", "lax":
		cfg.SameSite = http.SameSiteLaxMode
	case "strict":
		cfg.SameSite = http.SameSiteStrictMode
	case "none":
		cfg.SameSite = http.SameSiteNoneMode
	default:
		return Config{}, fmt.Errorf("sessions: Security.SessionCookieSameSite is %q; use Lax, Strict or None", s.Security.SessionCookieSameSite)
	}
	return cfg, nil
}

// Middleware returns the session middleware at core.StageSession.
func (a *App) Middleware() []core.Layer {
	if a.store == nil {
		return nil
	}
	return []core.Layer{{Stage: core.StageSession, Name: "sessions", Wrap: Middleware(a.store, a.opts)}}
}

// Close closes the Redis client the app opened itself.
func (a *App) Close(context.Context) error {
	if a.ownClient == nil {
		return nil
	}
	if err := a.ownClient.Close(); err != nil {
		return fmt.Errorf("sessions: close the Redis client: %w", err)
	}
	return nil
}

// From returns the sessions app of a set-up project.
func From(p *core.Project) (*App, error) {
	return core.AppAs[*App](p, Label, "sessions.New()")
}
