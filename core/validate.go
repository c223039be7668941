package core

import (
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/server"
)

// Validate checks s and returns every problem at once as a *SettingsError,
// each naming its setting. Passwords in URLs never appear in the messages.
func (s *Settings) Validate() error {
	var e SettingsError
	if !s.Debug {
		switch {
		case s.SecretKey == "":
			e.add("SecretKey", "must be set when Debug is off (set SECRET_KEY in the environment)")
		case len(s.SecretKey) < 16:
			e.add("SecretKey", fmt.Sprintf("is too short (%d characters; use at least 16, 50 recommended)", len(s.SecretKey)))
		}
	}
	// Values that configure a middleware are checked by that middleware's
	// own constructor, one value at a time so that the problem names the
	// entry: one set of rules, whether Validate or Setup finds it.
	for i, h := range s.AllowedHosts {
		if _, err := middleware.AllowedHosts([]string{h}, true); err != nil {
			e.add(fmt.Sprintf("AllowedHosts[%d]", i), err.Error())
		}
	}

	if err := checkDatabaseURL(s.Database.URL); err != nil {
		e.add("Database.URL", err.Error())
	}
	for i, u := range s.Database.ReplicaURLs {
		if err := checkDatabaseURL(u); err != nil {
			e.add(fmt.Sprintf("Database.ReplicaURLs[%d]", i), err.Error())
		} else if dialect(u) != dialect(s.Database.URL) {
			e.add(fmt.Sprintf("Database.ReplicaURLs[%d]", i), "must use the same database engine as Database.URL")
		}
	}
	nonNegative(&e, "Database.MaxOpenConns", s.Database.MaxOpenConns)
	nonNegative(&e, "Database.MaxIdleConns", s.Database.MaxIdleConns)
	nonNegativeDuration(&e, "Database.ConnMaxLifetime", s.Database.ConnMaxLifetime)
	nonNegativeDuration(&e, "Database.StatementTimeout", s.Database.StatementTimeout)

	validateCache(&e, "Cache", s.Cache, s.Cache.RedisURL)
	for _, name := range slices.Sorted(maps.Keys(s.Cache.Caches)) {
		c := s.Cache.Caches[name]
		where := fmt.Sprintf("Cache.Caches[%q]", name)
		switch {
		case name == "" || name == "default":
			e.add(where, `is not a valid name: "default" is the Cache section itself`)
		case len(c.Caches) > 0:
			e.add(where+".Caches", "named caches cannot have caches of their own")
		}
		redisURL := c.RedisURL
		if redisURL == "" {
			redisURL = s.Cache.RedisURL
		}
		validateCache(&e, where, c, redisURL)
	}

	switch s.Sessions.Store {
	case "", "cookie", "db":
	case "redis":
		if s.Cache.RedisURL == "" {
			e.add("Sessions.Store", `is "redis" but Cache.RedisURL (REDIS_URL) is not set`)
		}
	default:
		e.add("Sessions.Store", fmt.Sprintf(`is %q; it must be "cookie", "redis", "db" or empty`, s.Sessions.Store))
	}
	for i, h := range s.Auth.PasswordHashers {
		switch h {
		case "pbkdf2_sha256", "argon2", "bcrypt_sha256":
		default:
			e.add(fmt.Sprintf("Auth.PasswordHashers[%d]", i), fmt.Sprintf(`is %q; known hashers are "pbkdf2_sha256", "argon2" and "bcrypt_sha256"`, h))
		}
	}
	nonNegative(&e, "Auth.PBKDF2Iterations", s.Auth.PBKDF2Iterations)
	nonNegative(&e, "Auth.LoginAttempts", s.Auth.LoginAttempts)
	nonNegativeDuration(&e, "Auth.PasswordResetTimeout", s.Auth.PasswordResetTimeout)
	nonNegativeDuration(&e, "Auth.LoginWindow", s.Auth.LoginWindow)
	switch s.Mail.Backend {
	case "", "console", "smtp", "memory":
	default:
		e.add("Mail.Backend", fmt.Sprintf(`is %q; it must be "console", "smtp", "memory" or empty`, s.Mail.Backend))
	}
	if s.Mail.StartTLS && s.Mail.TLS {
		e.add("Mail.TLS", "StartTLS and TLS exclude each other (587 uses STARTTLS, 465 TLS)")
	}
	if s.Mail.Port < 0 || s.Mail.Port > 65535 {
		e.add("Mail.Port", fmt.Sprintf("is %d; it must be a TCP port", s.Mail.Port))
	}
	if s.SiteURL != "" {
		if u, err := url.Parse(s.SiteURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			e.add("SiteURL", fmt.Sprintf(`is %q; it must be an origin like "https://example.com"`, s.SiteURL))
		}
	}

	nonNegative64(&e, "Forms.MaxMemorySize", s.Forms.MaxMemorySize)
	nonNegative64(&e, "Forms.MaxUploadSize", s.Forms.MaxUploadSize)
	if s.Forms.MediaURL != "" && !strings.HasSuffix(s.Forms.MediaURL, "/") {
		e.add("Forms.MediaURL", fmt.Sprintf("is %q; it must end with a slash", s.Forms.MediaURL))
	}

	if err := server.CheckAddr(s.Server.Addr); err != nil {
		e.add("Server.Addr", err.Error())
	}
	for name, d := range map[string]time.Duration{
		"Server.ReadHeaderTimeout": s.Server.ReadHeaderTimeout,
		"Server.ReadTimeout":       s.Server.ReadTimeout,
		"Server.WriteTimeout":      s.Server.WriteTimeout,
		"Server.IdleTimeout":       s.Server.IdleTimeout,
		"Server.ShutdownTimeout":   s.Server.ShutdownTimeout,
		"Server.DrainDelay":        s.Server.DrainDelay,
		"Server.RetryAfter":        s.Server.RetryAfter,
	} {
		nonNegativeDuration(&e, name, d)
	}
	nonNegative(&e, "Server.MaxHeaderBytes", s.Server.MaxHeaderBytes)
	if s.Server.TrustForwardedHost && len(s.Server.TrustedProxies) == 0 {
		e.add("Server.TrustForwardedHost", "needs Server.TrustedProxies: X-Forwarded-Host is believed only from trusted proxies")
	}
	if (s.Server.TLSCertFile == "") != (s.Server.TLSKeyFile == "") {
		e.add("Server.TLSCertFile", "TLSCertFile and TLSKeyFile must be set together")
	}
	for i, p := range s.Server.TrustedProxies {
		if _, err := ParsePrefix(p); err != nil {
			e.add(fmt.Sprintf("Server.TrustedProxies[%d]", i), err.Error())
		}
	}

	if s.Security.HSTSSeconds < 0 {
		e.add("Security.HSTSSeconds", "must not be negative")
	}
	if _, err := middleware.XFrameOptions(s.Security.XFrameOptions); err != nil {
		e.add("Security.XFrameOptions", err.Error())
	}
	if _, err := middleware.SecurityHeaders(middleware.SecurityConfig{SSLRedirect: true, SSLHost: s.Security.SSLHost, SSLRedirectExempt: s.Security.SSLRedirectExempt}); err != nil {
		e.add("Security.SSLHost", err.Error())
	}
	if _, err := middleware.SecurityHeaders(middleware.SecurityConfig{ReferrerPolicy: s.Security.ReferrerPolicy}); err != nil {
		e.add("Security.ReferrerPolicy", err.Error())
	}
	if _, err := middleware.SecurityHeaders(middleware.SecurityConfig{CrossOriginOpenerPolicy: s.Security.CrossOriginOpenerPolicy}); err != nil {
		e.add("Security.CrossOriginOpenerPolicy", err.Error())
	}
	for i, o := range s.Security.CSRFTrustedOrigins {
		if _, err := middleware.CSRF(middleware.CSRFConfig{TrustedOrigins: []string{o}}); err != nil {
			e.add(fmt.Sprintf("Security.CSRFTrustedOrigins[%d]", i), err.Error())
		}
	}
	switch strings.ToLower(s.Security.SessionCookieSameSite) {
	case "lax", "strict", "none":
	default:
		e.add("Security.SessionCookieSameSite", fmt.Sprintf("is %q; use Lax, Strict or None", s.Security.SessionCookieSameSite))
	}
	if strings.EqualFold(s.Security.SessionCookieSameSite, "none") && !s.Security.SessionCookieSecure {
		e.add("Security.SessionCookieSameSite", "None requires SessionCookieSecure (browsers drop the cookie otherwise)")
	}

	if !strings.HasSuffix(s.Static.URL, "/") {
		e.add("Static.URL", fmt.Sprintf("is %q; it must end with a slash", s.Static.URL))
	}
	if _, err := parseLevel(s.Logging.Level); err != nil {
		e.add("Logging.Level", err.Error())
	}
	switch s.Logging.Format {
	case "text", "json":
	default:
		e.add("Logging.Format", fmt.Sprintf("is %q; use text or json", s.Logging.Format))
	}
	return e.orNil()
}

// withDefaults returns s with zero numeric and string fields set from
// Defaults. Booleans and lists are left as they are.
func (s Settings) withDefaults() Settings {
	d := Defaults()
	fill(&s.Database.URL, d.Database.URL)
	fill(&s.Database.MaxOpenConns, d.Database.MaxOpenConns)
	fill(&s.Database.MaxIdleConns, d.Database.MaxIdleConns)
	fill(&s.Database.ConnMaxLifetime, d.Database.ConnMaxLifetime)
	fill(&s.Database.StatementTimeout, d.Database.StatementTimeout)
	fill(&s.Database.SlowQuery, d.Database.SlowQuery)
	s.Cache.inherit(d.Cache)
	if len(s.Cache.Caches) > 0 {
		// Named caches inherit the default cache's values; a fresh map so
		// that the caller's is not modified.
		named := make(map[string]CacheSettings, len(s.Cache.Caches))
		for name, c := range s.Cache.Caches {
			c.inherit(s.Cache)
			named[name] = c
		}
		s.Cache.Caches = named
	}
	if s.Auth.PasswordHashers == nil {
		s.Auth.PasswordHashers = d.Auth.PasswordHashers
	}
	fill(&s.Auth.PBKDF2Iterations, d.Auth.PBKDF2Iterations)
	fill(&s.Auth.MinPasswordLength, d.Auth.MinPasswordLength)
	fill(&s.Auth.PasswordResetTimeout, d.Auth.PasswordResetTimeout)
	fill(&s.Auth.LoginURL, d.Auth.LoginURL)
	fill(&s.Auth.LoginRedirectURL, d.Auth.LoginRedirectURL)
	// LoginAttempts is not filled: 0 turns login throttling off (check
	// auth.W002 says so), and Defaults already sets 5.
	fill(&s.Auth.LoginWindow, d.Auth.LoginWindow)
	fill(&s.Mail.Host, d.Mail.Host)
	fill(&s.Mail.Port, d.Mail.Port)
	fill(&s.Mail.From, d.Mail.From)
	fill(&s.Mail.Timeout, d.Mail.Timeout)
	fill(&s.Forms.MaxNumberFields, d.Forms.MaxNumberFields)
	fill(&s.Forms.MaxMemorySize, d.Forms.MaxMemorySize)
	fill(&s.Forms.MaxUploadSize, d.Forms.MaxUploadSize)
	fill(&s.Forms.MediaRoot, d.Forms.MediaRoot)
	fill(&s.Forms.MediaURL, d.Forms.MediaURL)
	fill(&s.Server.Addr, d.Server.Addr)
	fill(&s.Server.ReadHeaderTimeout, d.Server.ReadHeaderTimeout)
	fill(&s.Server.ReadTimeout, d.Server.ReadTimeout)
	fill(&s.Server.WriteTimeout, d.Server.WriteTimeout)
	fill(&s.Server.IdleTimeout, d.Server.IdleTimeout)
	fill(&s.Server.ShutdownTimeout, d.Server.ShutdownTimeout)
	fill(&s.Server.RequestTimeout, d.Server.RequestTimeout)
	fill(&s.Server.MaxHeaderBytes, d.Server.MaxHeaderBytes)
	fill(&s.Server.MaxBodyBytes, d.Server.MaxBodyBytes)
	fill(&s.Server.MaxInFlight, d.Server.MaxInFlight)
	fill(&s.Server.MaxConns, d.Server.MaxConns)
	fill(&s.Server.RetryAfter, d.Server.RetryAfter)
	fill(&s.Security.XFrameOptions, d.Security.XFrameOptions)
	fill(&s.Security.SessionCookieName, d.Security.SessionCookieName)
	fill(&s.Security.SessionCookieAge, d.Security.SessionCookieAge)
	fill(&s.Security.SessionCookieSameSite, d.Security.SessionCookieSameSite)
	fill(&s.Static.URL, d.Static.URL)
	fill(&s.Static.Root, d.Static.Root)
	fill(&s.Logging.Level, d.Logging.Level)
	fill(&s.Logging.Format, d.Logging.Format)
	fill(&s.Logging.AccessLogFlush, d.Logging.AccessLogFlush)
	return s
}

// fill sets *p to v when *p is the zero value.
func fill[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// inherit fills c's zero fields with from's (its Caches excepted).
func (c *CacheSettings) inherit(from CacheSettings) {
	fill(&c.RedisURL, from.RedisURL)
	fill(&c.Backend, from.Backend)
	fill(&c.KeyPrefix, from.KeyPrefix)
	fill(&c.Version, from.Version)
	fill(&c.DefaultTTL, from.DefaultTTL)
	fill(&c.MaxEntries, from.MaxEntries)
	fill(&c.MaxBytes, from.MaxBytes)
	fill(&c.Timeout, from.Timeout)
	fill(&c.BreakerCooldown, from.BreakerCooldown)
}

// validateCache checks one cache's settings; redisURL is the URL it
// would use (its own or the default cache's).
func validateCache(e *SettingsError, where string, c CacheSettings, redisURL string) {
	if c.RedisURL != "" {
		if err := checkRedisURL(c.RedisURL); err != nil {
			e.add(where+".RedisURL", err.Error())
		}
	}
	switch c.Backend {
	case "", "memory", "dummy":
	case "redis":
		if redisURL == "" {
			e.add(where+".Backend", `is "redis" but no RedisURL is set (REDIS_URL)`)
		}
	default:
		e.add(where+".Backend", fmt.Sprintf(`is %q; it must be "memory", "redis", "dummy" or empty (redis when RedisURL is set, else memory)`, c.Backend))
	}
	nonNegative(e, where+".Version", c.Version)
	nonNegative(e, where+".MaxEntries", c.MaxEntries)
	nonNegative64(e, where+".MaxBytes", c.MaxBytes)
	nonNegativeDuration(e, where+".DefaultTTL", c.DefaultTTL)
	nonNegativeDuration(e, where+".Timeout", c.Timeout)
	nonNegativeDuration(e, where+".BreakerCooldown", c.BreakerCooldown)
}

func nonNegative64(e *SettingsError, name string, n int64) {
	if n < 0 {
		e.add(name, fmt.Sprintf("is %d; it must not be negative", n))
	}
}

func nonNegative(e *SettingsError, name string, n int) {
	if n < 0 {
		e.add(name, fmt.Sprintf("is %d; it must not be negative", n))
	}
}

func nonNegativeDuration(e *SettingsError, name string, d time.Duration) {
	if d < 0 {
		e.add(name, fmt.Sprintf("is %v; it must not be negative", d))
	}
}

// RedactURL returns raw with any password replaced by "********", for
// messages and logs. A value that does not parse is replaced whole.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return "(unparsable URL, hidden because it may hold a password)"
		}
		return raw
	}
	return u.Redacted()
}

func dialect(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if u.Scheme == "postgresql" {
		return "postgres"
	}
	return u.Scheme
}

func checkDatabaseURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("must be set (e.g. sqlite:///db.sqlite3 or postgres://user@host/name)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s is not a valid URL", RedactURL(raw))
	}
	switch u.Scheme {
	case "sqlite":
		if u.Host != "" {
			return fmt.Errorf("%s: a sqlite URL has no host; use sqlite:///relative/path or sqlite:////absolute/path", RedactURL(raw))
		}
		if strings.TrimPrefix(u.Path, "/") == "" && u.Opaque == "" {
			return fmt.Errorf("%s names no database file; use e.g. sqlite:///db.sqlite3", RedactURL(raw))
		}
	case "postgres", "postgresql":
		if u.Host == "" {
			return fmt.Errorf("%s names no host", RedactURL(raw))
		}
		if _, err := url.ParseQuery(u.RawQuery); err != nil {
			return fmt.Errorf("%s has a malformed query string", RedactURL(raw))
		}
	default:
		return fmt.Errorf("%s: unsupported scheme %q; use sqlite or postgres", RedactURL(raw), u.Scheme)
	}
	return nil
}

func checkRedisURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s is not a valid URL", RedactURL(raw))
	}
	switch u.Scheme {
	case "redis", "rediss":
		if u.Host == "" {
			return fmt.Errorf("%s names no host", RedactURL(raw))
		}
		if db := strings.Trim(u.Path, "/"); db != "" && strings.Trim(db, "0123456789") != "" {
			return fmt.Errorf("%s: database %q is not a number", RedactURL(raw), db)
		}
	case "unix":
		if u.Path == "" {
			return fmt.Errorf("%s names no socket path", RedactURL(raw))
		}
	case "redis-sentinel", "rediss-sentinel":
		if u.Host == "" {
			return fmt.Errorf("%s names no sentinel hosts", RedactURL(raw))
		}
		if u.Query().Get("master") == "" {
			return fmt.Errorf("%s names no master (add ?master=NAME)", RedactURL(raw))
		}
	case "redis-cluster", "rediss-cluster":
		if u.Host == "" {
			return fmt.Errorf("%s names no cluster hosts", RedactURL(raw))
		}
	default:
		return fmt.Errorf("%s: unsupported scheme %q; use redis, rediss, unix, redis-sentinel or redis-cluster", RedactURL(raw), u.Scheme)
	}
	return nil
}

// ParsePrefix parses a trusted-proxy entry: an IP address or a CIDR prefix.
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR prefix", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR prefix", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("is %q; use debug, info, warn or error", s)
	}
	return l, nil
}
