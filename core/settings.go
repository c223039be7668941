package core

import (
	"io/fs"
	"log/slog"

	"net/http"
	"time"

	"github.com/djinn-go/djinn/core/urls"
)

// Settings is a project's whole configuration: one typed struct with a
// section per capability. Start from Defaults, change what the project
// needs in its settings.go, then call FromEnv; Project.Setup validates the
// result.
//
// The zero Settings is usable: numeric and string fields left at zero take
// the values of Defaults when the project is set up. Booleans mean what they
// say, so a zero Settings has AppendSlash and ContentTypeNosniff off; start
// from Defaults to get Django's behaviour.
//
// Settings is a plain value: copy it freely before Setup; after Setup the
// project keeps its own copy and never changes it.
type Settings struct {
	// Debug turns on detailed error pages, the list of tried URL patterns on
	// 404 pages and template reloading. DEBUG in the environment.
	Debug bool
	// SecretKey signs sessions, cookies and tokens. Required unless Debug is
	// on. SECRET_KEY in the environment.
	SecretKey Secret
	// SecretKeyFallbacks are older keys still accepted for verification so
	// that keys can be rotated without logging everybody out.
	SecretKeyFallbacks []Secret
	// AllowedHosts lists the host names this site serves: "example.com",
	// ".example.com" (the domain and its subdomains) or "*". Empty with Debug
	// on allows localhost only; empty with Debug off refuses every request.
	// ALLOWED_HOSTS (comma-separated) in the environment.
	AllowedHosts []string

	Database  DatabaseSettings
	Cache     CacheSettings
	Server    ServerSettings
	Security  SecuritySettings
	Templates TemplateSettings
	Static    StaticSettings
	Forms     FormSettings
	Sessions  SessionSettings
	Auth      AuthSettings
	Mail      MailSettings
	Logging   LoggingSettings

	// SiteURL is the site's public origin ("https://example.com"), used for
	// absolute links in e-mails (password reset) instead of the request's
	// Host header, which a client chooses. DJINN_SITE_URL.
	SiteURL string

	// AppendSlash redirects /path to /path/ when only the latter resolves
	// (Django's APPEND_SLASH).
	AppendSlash bool
	// PrependWWW redirects example.com to www.example.com.
	PrependWWW bool

	// InstalledApps is the ordered list of the project's apps. Order matters
	// for templates and static files (earlier apps win) and for commands;
	// an app's dependencies are moved before it.
	InstalledApps []App `json:"-"`
	// URLs registers the project's routes on the root router, usually by
	// including each app's routes under a prefix (Django's ROOT_URLCONF).
	// Nil mounts every app that provides URLs under "/<label>/" with the
	// app's label as namespace.
	URLs func(*urls.Router) `json:"-"`
	// Middleware is extra project middleware, run innermost (just before the
	// router) in the order given.
	Middleware []func(http.Handler) http.Handler `json:"-"`
	// SilencedChecks lists system check IDs that check does not report.
	SilencedChecks []string
}

// DatabaseSettings configures the ORM's connections.
type DatabaseSettings struct {
	// URL selects the database: "sqlite:///path/db.sqlite3" (relative to the
	// working directory; "sqlite:////abs/path" for an absolute path) or
	// "postgres://user:pass@host:5432/name?sslmode=disable". DATABASE_URL.
	URL string
	// ReplicaURLs are read replicas; reads go there, writes and transactions
	// to URL. DATABASE_REPLICA_URLS (comma-separated).
	ReplicaURLs []string
	// MaxOpenConns and MaxIdleConns size the pool.
	MaxOpenConns int
	MaxIdleConns int
	// ConnMaxLifetime recycles connections older than this.
	ConnMaxLifetime time.Duration
	// StatementTimeout cancels statements that run longer (Postgres).
	StatementTimeout time.Duration
	// SlowQuery logs statements slower than this at Warn; 0 uses the
	// default, negative turns slow-query logging off.
	SlowQuery time.Duration
}

// CacheSettings configures the cache and, with RedisURL, the session store.
type CacheSettings struct {
	// RedisURL, when set, selects Redis for the cache and sessions:
	// "redis://[:password@]host:6379/0", "rediss://…", "unix:///path",
	// "redis-sentinel://h1:26379,h2:26379/0?master=NAME" or
	// "redis-cluster://h1:6379,h2:6379" (rediss-… for TLS).
	// REDIS_URL in the environment.
	RedisURL string
	// Backend is "memory", "redis" or "dummy"; empty chooses redis when
	// RedisURL is set and memory otherwise. DJINN_CACHE_BACKEND.
	Backend string
	// KeyPrefix is prepended to every cache key (Django's KEY_PREFIX).
	KeyPrefix string
	// Version is part of every key (Django's VERSION): bumping it
	// invalidates the whole cache without deleting anything.
	Version int
	// DefaultTTL is the lifetime of entries set with TTL 0.
	DefaultTTL time.Duration
	// MaxEntries and MaxBytes bound the memory backend; the least recently
	// used entries go first.
	MaxEntries int
	MaxBytes   int64
	// Timeout bounds each Redis call; a slower call counts as a miss (reads)
	// or a no-op (writes) so that a sick Redis cannot stall the site.
	Timeout time.Duration
	// BreakerCooldown is how long the Redis backend stops trying after it
	// finds Redis unreachable, before it probes again.
	BreakerCooldown time.Duration
	// Caches are further named caches ("sessions", "pages", …) next to the
	// default one. Their zero fields take the default cache's values.
	Caches map[string]CacheSettings
}

// ServerSettings configures the gateway server and the request limits of
// the middleware stack.
type ServerSettings struct {
	// Addr is where the server listens: "host:port", ":port" or
	// "unix:/path/to.sock". DJINN_SERVER_ADDR; runserver's argument wins.
	Addr string
	// Timeouts of the HTTP server (see net/http.Server).
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// ShutdownTimeout bounds how long in-flight requests may take to finish
	// after SIGTERM.
	ShutdownTimeout time.Duration
	// DrainDelay keeps serving after /readyz turns 503 at shutdown so that
	// load balancers stop sending traffic first.
	DrainDelay time.Duration
	// RequestTimeout cancels a request's context after this long and answers
	// 503 if the view has not started its response. Negative disables it.
	RequestTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers (431 above it).
	MaxHeaderBytes int
	// MaxBodyBytes bounds request bodies (413 above it). Negative disables it.
	MaxBodyBytes int64
	// MaxInFlight is the most requests served at once; more get 503 with
	// Retry-After instead of queueing. Negative disables it.
	MaxInFlight int
	// RetryAfter is the Retry-After sent with load-shedding 503s.
	RetryAfter time.Duration
	// TLSCertFile and TLSKeyFile turn on HTTPS (with HTTP/2).
	TLSCertFile string
	TLSKeyFile  string
	// H2C serves unencrypted HTTP/2 as well (behind a TLS-terminating proxy).
	H2C bool
	// MaxConns bounds open connections; above it the server stops
	// accepting until one closes. Negative means unlimited.
	MaxConns int
	// ReusePort sets SO_REUSEPORT so that a new binary can bind the port
	// before the old one stops (zero-downtime restarts; see core/server).
	ReusePort bool
	// GZip compresses compressible responses for clients that accept it.
	GZip bool
	// TrustedProxies are the addresses or CIDR prefixes of reverse proxies
	// whose X-Forwarded-For and X-Forwarded-Proto headers are believed.
	// DJINN_SERVER_TRUSTED_PROXIES (comma-separated).
	TrustedProxies []string
	// TrustForwardedHost takes the host from X-Forwarded-Host sent by a
	// trusted proxy (Django's USE_X_FORWARDED_HOST). The host is still
	// checked against AllowedHosts.
	TrustForwardedHost bool
}

// SecuritySettings configures security headers and cookies.
type SecuritySettings struct {
	// HSTSSeconds sends Strict-Transport-Security on HTTPS responses when > 0.
	HSTSSeconds           int
	HSTSIncludeSubdomains bool
	HSTSPreload           bool
	// SSLRedirect redirects plain-HTTP requests to HTTPS.
	SSLRedirect bool
	// SSLHost, when set, is the host HTTPS redirects go to (SECURE_SSL_HOST).
	SSLHost string
	// SSLRedirectExempt lists paths ("/healthz", or "/.well-known/" for a
	// subtree) served over plain HTTP too (SECURE_REDIRECT_EXEMPT).
	SSLRedirectExempt []string
	// ContentTypeNosniff sends X-Content-Type-Options: nosniff.
	ContentTypeNosniff bool
	// ReferrerPolicy is the Referrer-Policy header; empty sends none.
	ReferrerPolicy string
	// CrossOriginOpenerPolicy is the Cross-Origin-Opener-Policy header;
	// empty sends none.
	CrossOriginOpenerPolicy string
	// XFrameOptions is "DENY" or "SAMEORIGIN".
	XFrameOptions string
	// CSRFTrustedOrigins are origins ("https://app.example.com") allowed to
	// send unsafe cross-origin requests.
	CSRFTrustedOrigins []string
	// Session cookie attributes.
	SessionCookieName     string
	SessionCookieAge      time.Duration
	SessionCookieSecure   bool
	SessionCookieHTTPOnly bool
	SessionCookieSameSite string
}

// TemplateSettings configures the template engine.
type TemplateSettings struct {
	// Dirs are project template directories; they override apps' templates.
	Dirs []string
}

// StaticSettings configures static files.
type StaticSettings struct {
	// URL is where static files are served; it ends with "/".
	URL string
	// Root is where collectstatic writes files.
	Root string
	// Dirs are project static directories searched before apps'.
	Dirs []string
	// Collected, when set, is the collectstatic output embedded in the
	// binary (//go:embed staticfiles); production serves it instead of Root.
	Collected fs.FS `json:"-"`
}

// SessionSettings chooses the session store. The cookie's name, age and
// flags are in SecuritySettings (SessionCookie*).
type SessionSettings struct {
	// Store is "cookie" (signed and encrypted, nothing on the server),
	// "redis" or "db"; empty chooses redis when Cache.RedisURL is set and db
	// otherwise. DJINN_SESSION_STORE.
	Store string
	// SaveEveryRequest saves (and extends) the session on every request
	// that loaded it, not only when it changed.
	SaveEveryRequest bool
}

// AuthSettings configures authentication.
type AuthSettings struct {
	// PasswordHashers lists hasher names, preferred first: new hashes use
	// the first; a password stored with another one is re-hashed at login.
	// Names: "pbkdf2_sha256", "argon2", "bcrypt_sha256".
	PasswordHashers []string
	// PBKDF2Iterations is pbkdf2_sha256's work factor (Django 5.2: 1,000,000).
	PBKDF2Iterations int
	// MinPasswordLength is the shortest password the validators accept.
	MinPasswordLength int
	// PasswordResetTimeout is how long a password reset link works.
	PasswordResetTimeout time.Duration
	// LoginURL is where RequireLogin sends anonymous users; LoginRedirectURL
	// where login goes without a safe "next"; LogoutRedirectURL where
	// logout goes ("" shows the registration/logged_out.html page).
	LoginURL          string
	LoginRedirectURL  string
	LogoutRedirectURL string
	// LoginAttempts failed logins per username, and per client IP, within
	// LoginWindow are allowed; more get 429 until the window passes.
	// Defaults sets 5 per 15 minutes; 0 turns throttling off (the system
	// check auth.W002 warns about it).
	LoginAttempts int
	LoginWindow   time.Duration
}

// MailSettings configures outgoing e-mail.
type MailSettings struct {
	// Backend is "console" (print to stderr), "smtp" or "memory" (an outbox
	// for tests); empty is console when Debug is on and smtp otherwise.
	// DJINN_MAIL_BACKEND.
	Backend string
	// Host and Port of the SMTP server; Username and Password for AUTH.
	Host     string
	Port     int
	Username string
	Password Secret
	// StartTLS upgrades the connection (port 587); TLS connects with TLS
	// from the start (port 465). At most one is set.
	StartTLS bool
	TLS      bool
	// From is the default sender (Django's DEFAULT_FROM_EMAIL).
	From string
	// Timeout bounds an SMTP conversation.
	Timeout time.Duration
}

// FormSettings bounds request data and says where uploads go.
type FormSettings struct {
	// MaxNumberFields is the most form fields a request may send (Django's
	// DATA_UPLOAD_MAX_NUMBER_FIELDS); more is a 400. Negative disables it.
	MaxNumberFields int
	// MaxMemorySize bounds a form body without its files (Django's
	// DATA_UPLOAD_MAX_MEMORY_SIZE); more is a 400.
	MaxMemorySize int64
	// MaxUploadSize bounds one uploaded file.
	MaxUploadSize int64
	// MediaRoot is the directory uploaded files are stored in; MediaURL
	// the URL prefix they are served at (ends with "/").
	MediaRoot string
	MediaURL  string
}

// LoggingSettings configures the project's logger.
type LoggingSettings struct {
	// Level is "debug", "info", "warn" or "error". DJINN_LOG_LEVEL.
	Level string
	// Format is "text" or "json". DJINN_LOG_FORMAT.
	Format string
	// AccessLog writes one line per request.
	AccessLog bool
	// AccessLogFlush is the longest an access log line waits in memory
	// before it is written, when DEBUG is off and the logger is Djinn's own
	// (Handler nil): lines are written in batches of up to 32 KiB, one
	// write system call per batch, as nginx's access_log buffer does, and
	// at once after a 5xx or a panic and when the project closes. Other log
	// lines are written at once, so an access line can follow lines logged
	// after it (by up to the interval); each line carries its time. A
	// crash loses the lines still held. Negative writes every line at
	// once, as DEBUG does. Zero means the default, 1s.
	// DJINN_LOG_ACCESS_FLUSH.
	AccessLogFlush time.Duration
	// Handler, when set, receives every log record instead of a handler
	// built from Level and Format (tests use it to capture logs).
	Handler slog.Handler `json:"-"`
}

// Secret is a setting whose value must not be shown: it formats and logs as
// "********". Convert it to string to use the value.
type Secret string

// String masks the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "********"
}

// LogValue masks the value in logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// GoString masks the value for %#v.
func (s Secret) GoString() string { return `core.Secret("` + s.String() + `")` }
