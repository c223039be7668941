package core

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// EnvVar describes one environment variable that FromEnv reads.
type EnvVar struct {
	Name    string // e.g. "DATABASE_URL" or "DJINN_SERVER_ADDR"
	Setting string // the field it sets, e.g. "Database.URL"
	set     func(string) error
}

// EnvVars lists the environment variables FromEnv reads, in the order it
// reads them, each with the setting it overrides. The settings a
// deployment changes can be set as DJINN_<SECTION>_<FIELD>; the common ones
// also under their usual short name (DATABASE_URL, REDIS_URL, SECRET_KEY,
// DEBUG, ALLOWED_HOSTS), where the DJINN_ name wins when both are set.
// Settings that are part of the code (apps, URLs, template and static
// directories, silenced checks) are set in the project's settings.go.
func (s *Settings) EnvVars() []EnvVar {
	v := func(name, setting string, set func(string) error) EnvVar {
		return EnvVar{Name: name, Setting: setting, set: set}
	}
	return []EnvVar{
		v("DEBUG", "Debug", boolVar(&s.Debug)),
		v("DJINN_DEBUG", "Debug", boolVar(&s.Debug)),
		v("SECRET_KEY", "SecretKey", secretVar(&s.SecretKey)),
		v("DJINN_SECRET_KEY", "SecretKey", secretVar(&s.SecretKey)),
		v("DJINN_SECRET_KEY_FALLBACKS", "SecretKeyFallbacks", secretsVar(&s.SecretKeyFallbacks)),
		v("ALLOWED_HOSTS", "AllowedHosts", listVar(&s.AllowedHosts)),
		v("DJINN_ALLOWED_HOSTS", "AllowedHosts", listVar(&s.AllowedHosts)),

		v("DATABASE_URL", "Database.URL", stringVar(&s.Database.URL)),
		v("DJINN_DATABASE_URL", "Database.URL", stringVar(&s.Database.URL)),
		v("DATABASE_REPLICA_URLS", "Database.ReplicaURLs", listVar(&s.Database.ReplicaURLs)),
		v("DJINN_DATABASE_REPLICA_URLS", "Database.ReplicaURLs", listVar(&s.Database.ReplicaURLs)),
		v("DJINN_DATABASE_MAX_OPEN_CONNS", "Database.MaxOpenConns", intVar(&s.Database.MaxOpenConns)),
		v("DJINN_DATABASE_MAX_IDLE_CONNS", "Database.MaxIdleConns", intVar(&s.Database.MaxIdleConns)),
		v("DJINN_DATABASE_CONN_MAX_LIFETIME", "Database.ConnMaxLifetime", durationVar(&s.Database.ConnMaxLifetime)),
		v("DJINN_DATABASE_STATEMENT_TIMEOUT", "Database.StatementTimeout", durationVar(&s.Database.StatementTimeout)),
		v("DJINN_DATABASE_SLOW_QUERY", "Database.SlowQuery", durationVar(&s.Database.SlowQuery)),

		v("REDIS_URL", "Cache.RedisURL", stringVar(&s.Cache.RedisURL)),
		v("DJINN_CACHE_REDIS_URL", "Cache.RedisURL", stringVar(&s.Cache.RedisURL)),
		v("DJINN_CACHE_KEY_PREFIX", "Cache.KeyPrefix", stringVar(&s.Cache.KeyPrefix)),
		v("DJINN_CACHE_DEFAULT_TTL", "Cache.DefaultTTL", durationVar(&s.Cache.DefaultTTL)),
		v("DJINN_CACHE_BACKEND", "Cache.Backend", stringVar(&s.Cache.Backend)),
		v("DJINN_CACHE_VERSION", "Cache.Version", intVar(&s.Cache.Version)),
		v("DJINN_CACHE_MAX_ENTRIES", "Cache.MaxEntries", intVar(&s.Cache.MaxEntries)),
		v("DJINN_CACHE_MAX_BYTES", "Cache.MaxBytes", int64Var(&s.Cache.MaxBytes)),
		v("DJINN_CACHE_TIMEOUT", "Cache.Timeout", durationVar(&s.Cache.Timeout)),
		v("DJINN_CACHE_BREAKER_COOLDOWN", "Cache.BreakerCooldown", durationVar(&s.Cache.BreakerCooldown)),

		v("DJINN_SERVER_ADDR", "Server.Addr", stringVar(&s.Server.Addr)),
		v("DJINN_SERVER_READ_HEADER_TIMEOUT", "Server.ReadHeaderTimeout", durationVar(&s.Server.ReadHeaderTimeout)),
		v("DJINN_SERVER_READ_TIMEOUT", "Server.ReadTimeout", durationVar(&s.Server.ReadTimeout)),
		v("DJINN_SERVER_WRITE_TIMEOUT", "Server.WriteTimeout", durationVar(&s.Server.WriteTimeout)),
		v("DJINN_SERVER_IDLE_TIMEOUT", "Server.IdleTimeout", durationVar(&s.Server.IdleTimeout)),
		v("DJINN_SERVER_SHUTDOWN_TIMEOUT", "Server.ShutdownTimeout", durationVar(&s.Server.ShutdownTimeout)),
		v("DJINN_SERVER_DRAIN_DELAY", "Server.DrainDelay", durationVar(&s.Server.DrainDelay)),
		v("DJINN_SERVER_REQUEST_TIMEOUT", "Server.RequestTimeout", durationVar(&s.Server.RequestTimeout)),
		v("DJINN_SERVER_MAX_HEADER_BYTES", "Server.MaxHeaderBytes", intVar(&s.Server.MaxHeaderBytes)),
		v("DJINN_SERVER_MAX_BODY_BYTES", "Server.MaxBodyBytes", int64Var(&s.Server.MaxBodyBytes)),
		v("DJINN_SERVER_MAX_IN_FLIGHT", "Server.MaxInFlight", intVar(&s.Server.MaxInFlight)),
		v("DJINN_SERVER_RETRY_AFTER", "Server.RetryAfter", durationVar(&s.Server.RetryAfter)),
		v("DJINN_SERVER_TLS_CERT_FILE", "Server.TLSCertFile", stringVar(&s.Server.TLSCertFile)),
		v("DJINN_SERVER_TLS_KEY_FILE", "Server.TLSKeyFile", stringVar(&s.Server.TLSKeyFile)),
		v("DJINN_SERVER_H2C", "Server.H2C", boolVar(&s.Server.H2C)),
		v("DJINN_SERVER_MAX_CONNS", "Server.MaxConns", intVar(&s.Server.MaxConns)),
		v("DJINN_SERVER_REUSE_PORT", "Server.ReusePort", boolVar(&s.Server.ReusePort)),
		v("DJINN_SERVER_GZIP", "Server.GZip", boolVar(&s.Server.GZip)),
		v("DJINN_SERVER_TRUSTED_PROXIES", "Server.TrustedProxies", listVar(&s.Server.TrustedProxies)),

		v("DJINN_SERVER_TRUST_FORWARDED_HOST", "Server.TrustForwardedHost", boolVar(&s.Server.TrustForwardedHost)),

		v("DJINN_SECURITY_HSTS_SECONDS", "Security.HSTSSeconds", intVar(&s.Security.HSTSSeconds)),
		v("DJINN_SECURITY_HSTS_INCLUDE_SUBDOMAINS", "Security.HSTSIncludeSubdomains", boolVar(&s.Security.HSTSIncludeSubdomains)),
		v("DJINN_SECURITY_HSTS_PRELOAD", "Security.HSTSPreload", boolVar(&s.Security.HSTSPreload)),
		v("DJINN_SECURITY_SSL_REDIRECT", "Security.SSLRedirect", boolVar(&s.Security.SSLRedirect)),
		v("DJINN_SECURITY_SSL_HOST", "Security.SSLHost", stringVar(&s.Security.SSLHost)),
		v("DJINN_SECURITY_SSL_REDIRECT_EXEMPT", "Security.SSLRedirectExempt", listVar(&s.Security.SSLRedirectExempt)),
		v("DJINN_SECURITY_REFERRER_POLICY", "Security.ReferrerPolicy", stringVar(&s.Security.ReferrerPolicy)),
		v("DJINN_SECURITY_CROSS_ORIGIN_OPENER_POLICY", "Security.CrossOriginOpenerPolicy", stringVar(&s.Security.CrossOriginOpenerPolicy)),
		v("DJINN_SECURITY_X_FRAME_OPTIONS", "Security.XFrameOptions", stringVar(&s.Security.XFrameOptions)),
		v("DJINN_SECURITY_CSRF_TRUSTED_ORIGINS", "Security.CSRFTrustedOrigins", listVar(&s.Security.CSRFTrustedOrigins)),
		v("DJINN_SECURITY_SESSION_COOKIE_SECURE", "Security.SessionCookieSecure", boolVar(&s.Security.SessionCookieSecure)),
		v("DJINN_SECURITY_SESSION_COOKIE_AGE", "Security.SessionCookieAge", durationVar(&s.Security.SessionCookieAge)),

		v("DJINN_STATIC_URL", "Static.URL", stringVar(&s.Static.URL)),
		v("DJINN_STATIC_ROOT", "Static.Root", stringVar(&s.Static.Root)),

		v("DJINN_FORMS_MAX_NUMBER_FIELDS", "Forms.MaxNumberFields", intVar(&s.Forms.MaxNumberFields)),
		v("DJINN_FORMS_MAX_MEMORY_SIZE", "Forms.MaxMemorySize", int64Var(&s.Forms.MaxMemorySize)),
		v("DJINN_FORMS_MAX_UPLOAD_SIZE", "Forms.MaxUploadSize", int64Var(&s.Forms.MaxUploadSize)),
		v("DJINN_MEDIA_ROOT", "Forms.MediaRoot", stringVar(&s.Forms.MediaRoot)),
		v("DJINN_MEDIA_URL", "Forms.MediaURL", stringVar(&s.Forms.MediaURL)),

		v("DJINN_SITE_URL", "SiteURL", stringVar(&s.SiteURL)),
		v("DJINN_SESSION_STORE", "Sessions.Store", stringVar(&s.Sessions.Store)),
		v("DJINN_AUTH_PASSWORD_HASHERS", "Auth.PasswordHashers", listVar(&s.Auth.PasswordHashers)),
		v("DJINN_AUTH_LOGIN_URL", "Auth.LoginURL", stringVar(&s.Auth.LoginURL)),
		v("DJINN_AUTH_LOGIN_ATTEMPTS", "Auth.LoginAttempts", intVar(&s.Auth.LoginAttempts)),
		v("DJINN_AUTH_LOGIN_WINDOW", "Auth.LoginWindow", durationVar(&s.Auth.LoginWindow)),
		v("DJINN_MAIL_BACKEND", "Mail.Backend", stringVar(&s.Mail.Backend)),
		v("DJINN_MAIL_HOST", "Mail.Host", stringVar(&s.Mail.Host)),
		v("DJINN_MAIL_PORT", "Mail.Port", intVar(&s.Mail.Port)),
		v("DJINN_MAIL_USERNAME", "Mail.Username", stringVar(&s.Mail.Username)),
		v("DJINN_MAIL_PASSWORD", "Mail.Password", secretVar(&s.Mail.Password)),
		v("DJINN_MAIL_STARTTLS", "Mail.StartTLS", boolVar(&s.Mail.StartTLS)),
		v("DJINN_MAIL_TLS", "Mail.TLS", boolVar(&s.Mail.TLS)),
		v("DJINN_MAIL_FROM", "Mail.From", stringVar(&s.Mail.From)),

		v("DJINN_LOG_LEVEL", "Logging.Level", stringVar(&s.Logging.Level)),
		v("DJINN_LOG_FORMAT", "Logging.Format", stringVar(&s.Logging.Format)),
		v("DJINN_LOG_ACCESS", "Logging.AccessLog", boolVar(&s.Logging.AccessLog)),
		v("DJINN_LOG_ACCESS_FLUSH", "Logging.AccessLogFlush", durationVar(&s.Logging.AccessLogFlush)),

		v("DJINN_APPEND_SLASH", "AppendSlash", boolVar(&s.AppendSlash)),
		v("DJINN_PREPEND_WWW", "PrependWWW", boolVar(&s.PrependWWW)),
	}
}

// FromEnv overrides s from the process environment; see EnvVars for the
// names. It returns every malformed value at once as a *SettingsError; the
// well-formed ones are applied either way.
func (s *Settings) FromEnv() error { return s.FromLookup(os.LookupEnv) }

// FromLookup is FromEnv with the environment read through lookup (as
// os.LookupEnv does), for tests and for other configuration sources.
func (s *Settings) FromLookup(lookup func(string) (string, bool)) error {
	var errs SettingsError
	for _, ev := range s.EnvVars() {
		val, ok := lookup(ev.Name)
		if !ok {
			continue
		}
		if err := ev.set(val); err != nil {
			errs.add(ev.Setting, fmt.Sprintf("environment variable %s: %v", ev.Name, err))
		}
	}
	return errs.orNil()
}

func stringVar(p *string) func(string) error {
	return func(v string) error { *p = strings.TrimSpace(v); return nil }
}

func secretVar(p *Secret) func(string) error {
	return func(v string) error { *p = Secret(strings.TrimSpace(v)); return nil }
}

func listVar(p *[]string) func(string) error {
	return func(v string) error { *p = splitList(v); return nil }
}

func secretsVar(p *[]Secret) func(string) error {
	return func(v string) error {
		*p = nil
		for _, s := range splitList(v) {
			*p = append(*p, Secret(s))
		}
		return nil
	}
}

// splitList splits a comma-separated value, dropping blanks.
func splitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func boolVar(p *bool) func(string) error {
	return func(v string) error {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "1", "t", "true", "y", "yes", "on":
			*p = true
		case "0", "f", "false", "n", "no", "off", "":
			*p = false
		default:
			return fmt.Errorf("%q is not a boolean (use true or false)", v)
		}
		return nil
	}
}

func intVar(p *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*p = n
		return nil
	}
}

func int64Var(p *int64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*p = n
		return nil
	}
}

// durationVar accepts Go durations ("30s", "1m30s") and, like many
// deployment tools, a bare number of seconds.
func durationVar(p *time.Duration) func(string) error {
	return func(v string) error {
		v = strings.TrimSpace(v)
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			*p = time.Duration(n) * time.Second
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration (use e.g. 30s or 2m)", v)
		}
		*p = d
		return nil
	}
}

// SettingsError lists every problem found in a project's settings. Each
// problem names the setting it is about.
type SettingsError struct {
	Problems []SettingProblem
}

// SettingProblem is one problem with one setting.
type SettingProblem struct {
	Setting string // e.g. "Database.URL"
	Message string
}

func (e *SettingsError) Error() string {
	if len(e.Problems) == 1 {
		p := e.Problems[0]
		return "core: settings: " + p.Setting + ": " + p.Message
	}
	var b strings.Builder
	fmt.Fprintf(&b, "core: settings: %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Setting)
		b.WriteString(": ")
		b.WriteString(p.Message)
	}
	return b.String()
}

func (e *SettingsError) add(setting, msg string) {
	e.Problems = append(e.Problems, SettingProblem{Setting: setting, Message: msg})
}

func (e *SettingsError) orNil() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// joinSettingsErrors merges several errors, flattening SettingsErrors.
func joinSettingsErrors(errs ...error) error {
	var all SettingsError
	for _, err := range errs {
		var se *SettingsError
		switch {
		case err == nil:
		case errors.As(err, &se):
			all.Problems = append(all.Problems, se.Problems...)
		default:
			all.add("settings", err.Error())
		}
	}
	return all.orNil()
}
