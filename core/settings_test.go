package core

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestFromLookup(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, s Settings)
	}{
		{"common names", map[string]string{
			"DEBUG": "true", "SECRET_KEY": " k1 ", "ALLOWED_HOSTS": "a.com, .b.com,,",
			"DATABASE_URL": "postgres://u:p@h/db", "REDIS_URL": "redis://127.0.0.1:6379/1",
		}, func(t *testing.T, s Settings) {
			if !s.Debug || s.SecretKey != "k1" || s.Database.URL != "postgres://u:p@h/db" || s.Cache.RedisURL != "redis://127.0.0.1:6379/1" {
				t.Errorf("got Debug=%v SecretKey=%q DB=%q Redis=%q", s.Debug, string(s.SecretKey), s.Database.URL, s.Cache.RedisURL)
			}
			if diff := cmp.Diff([]string{"a.com", ".b.com"}, s.AllowedHosts); diff != "" {
				t.Errorf("AllowedHosts (-want +got):\n%s", diff)
			}
		}},
		{"DJINN_ name wins", map[string]string{"DEBUG": "true", "DJINN_DEBUG": "false"}, func(t *testing.T, s Settings) {
			if s.Debug {
				t.Error("Debug = true; want DJINN_DEBUG=false to win over DEBUG=true")
			}
		}},
		{"durations and numbers", map[string]string{
			"DJINN_SERVER_READ_TIMEOUT": "7s", "DJINN_SERVER_WRITE_TIMEOUT": "12",
			"DJINN_SERVER_MAX_BODY_BYTES": "1048576", "DJINN_SERVER_MAX_IN_FLIGHT": "3",
		}, func(t *testing.T, s Settings) {
			if s.Server.ReadTimeout != 7*time.Second || s.Server.WriteTimeout != 12*time.Second ||
				s.Server.MaxBodyBytes != 1<<20 || s.Server.MaxInFlight != 3 {
				t.Errorf("got %+v", s.Server)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Defaults()
			if err := s.FromLookup(lookup(tt.env)); err != nil {
				t.Fatalf("FromLookup: %v", err)
			}
			tt.check(t, s)
		})
	}
}

func TestFromLookupReportsEveryBadValue(t *testing.T) {
	s := Defaults()
	err := s.FromLookup(lookup(map[string]string{
		"DEBUG":                      "maybe",
		"DJINN_SERVER_READ_TIMEOUT":  "soon",
		"DJINN_SERVER_MAX_IN_FLIGHT": "many",
		"SECRET_KEY":                 "fine-and-applied",
	}))
	var se *SettingsError
	if !errors.As(err, &se) {
		t.Fatalf("FromLookup error = %v; want *SettingsError", err)
	}
	var got []string
	for _, p := range se.Problems {
		got = append(got, p.Setting)
	}
	if diff := cmp.Diff([]string{"Debug", "Server.ReadTimeout", "Server.MaxInFlight"}, got); diff != "" {
		t.Errorf("problem settings (-want +got):\n%s", diff)
	}
	if !strings.Contains(err.Error(), "DJINN_SERVER_READ_TIMEOUT") || !strings.Contains(err.Error(), `"soon"`) {
		t.Errorf("error %q does not name the variable and value", err)
	}
	if s.SecretKey != "fine-and-applied" {
		t.Errorf("good values must still apply; SecretKey = %q", string(s.SecretKey))
	}
}

func TestValidate(t *testing.T) {
	good := func() Settings {
		s := Defaults()
		s.SecretKey = "a-perfectly-long-enough-secret-key"
		s.AllowedHosts = []string{"example.com"}
		return s
	}
	tests := []struct {
		name   string
		change func(*Settings)
		want   []string // settings named by the problems
	}{
		{"defaults with key", func(*Settings) {}, nil},
		{"missing key, debug off", func(s *Settings) { s.SecretKey = "" }, []string{"SecretKey"}},
		{"missing key, debug on", func(s *Settings) { s.SecretKey = ""; s.Debug = true }, nil},
		{"bad database URL", func(s *Settings) { s.Database.URL = "mysql://u:hunter2@h/db" }, []string{"Database.URL"}},
		{"sqlite with host", func(s *Settings) { s.Database.URL = "sqlite://db.sqlite3" }, []string{"Database.URL"}},
		{"bad redis URL", func(s *Settings) { s.Cache.RedisURL = "http://localhost" }, []string{"Cache.RedisURL"}},
		{"sentinel URL", func(s *Settings) { s.Cache.RedisURL = "redis-sentinel://:pw@h1:26379,h2:26379/0?master=mymaster" }, nil},
		{"sentinel without master", func(s *Settings) { s.Cache.RedisURL = "redis-sentinel://h1:26379" }, []string{"Cache.RedisURL"}},
		{"cluster URL", func(s *Settings) { s.Cache.RedisURL = "rediss-cluster://h1:6379,h2:6379" }, nil},
		{"replica other engine", func(s *Settings) { s.Database.ReplicaURLs = []string{"postgres://h/db"} }, []string{"Database.ReplicaURLs[0]"}},
		{"many at once", func(s *Settings) {
			s.SecretKey = ""
			s.Server.Addr = "nonsense"
			s.Server.ReadTimeout = -time.Second
			s.Security.XFrameOptions = "ALLOW"
			s.Server.TrustedProxies = []string{"10.0.0.0/33"}
			s.Static.URL = "/static"
			s.Logging.Level = "loud"
		}, []string{"SecretKey", "Server.Addr", "Server.ReadTimeout", "Server.TrustedProxies[0]", "Security.XFrameOptions", "Static.URL", "Logging.Level"}},
		{"bad allowed host", func(s *Settings) { s.AllowedHosts = []string{"evil.com/path"} }, []string{"AllowedHosts[0]"}},
		{"bad CSRF origin", func(s *Settings) { s.Security.CSRFTrustedOrigins = []string{"example.com"} }, []string{"Security.CSRFTrustedOrigins[0]"}},
		{"unix addr", func(s *Settings) { s.Server.Addr = "unix:/run/djinn.sock" }, nil},
		{"cache backend", func(s *Settings) { s.Cache.Backend = "memcached" }, []string{"Cache.Backend"}},
		{"redis backend without URL", func(s *Settings) { s.Cache.Backend = "redis" }, []string{"Cache.Backend"}},
		{"cache limits", func(s *Settings) { s.Cache.MaxBytes = -1; s.Cache.Timeout = -time.Second }, []string{"Cache.MaxBytes", "Cache.Timeout"}},
		{"named caches", func(s *Settings) {
			s.Cache.RedisURL = "redis://127.0.0.1:6379/0"
			s.Cache.Caches = map[string]CacheSettings{"sessions": {Backend: "redis"}, "pages": {Backend: "memory", MaxEntries: 10}}
		}, nil},
		{"bad named cache", func(s *Settings) {
			s.Cache.Caches = map[string]CacheSettings{"default": {}, "x": {Backend: "redis"}}
		}, []string{`Cache.Caches["default"]`, `Cache.Caches["x"].Backend`}},
		{"session store", func(s *Settings) { s.Sessions.Store = "redis" }, []string{"Sessions.Store"}},
		{"auth and mail", func(s *Settings) {
			s.Auth.PasswordHashers = []string{"md5"}
			s.Mail.Backend = "sendmail"
			s.Mail.StartTLS, s.Mail.TLS = true, true
			s.SiteURL = "example.com"
		}, []string{"Auth.PasswordHashers[0]", "Mail.Backend", "Mail.TLS", "SiteURL"}},
		{"media URL", func(s *Settings) { s.Forms.MediaURL = "/media"; s.Forms.MaxMemorySize = -5 }, []string{"Forms.MaxMemorySize", "Forms.MediaURL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good()
			tt.change(&s)
			err := s.Validate()
			var got []string
			if err != nil {
				var se *SettingsError
				if !errors.As(err, &se) {
					t.Fatalf("Validate() = %v; want *SettingsError", err)
				}
				for _, p := range se.Problems {
					got = append(got, p.Setting)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate() problems (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}

func TestValidateNeverShowsPasswords(t *testing.T) {
	s := Defaults()
	s.Debug = true
	s.Database.URL = "mysql://admin:hunter2@db.internal/prod"
	s.Cache.RedisURL = "ftp://:hunter2@cache"
	err := s.Validate()
	if err == nil {
		t.Fatal("Validate() = nil; want errors for both URLs")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Validate() error leaks the password: %v", err)
	}
	if !strings.Contains(err.Error(), "Database.URL") || !strings.Contains(err.Error(), "Cache.RedisURL") {
		t.Errorf("Validate() error does not name both settings: %v", err)
	}
}

func TestSecretIsMasked(t *testing.T) {
	s := Secret("hunter2")
	for _, got := range []string{s.String(), s.GoString(), s.LogValue().String()} {
		if strings.Contains(got, "hunter2") {
			t.Errorf("Secret formats as %q; want it masked", got)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	var zero Settings
	got := zero.withDefaults()
	d := Defaults()
	if got.Server.Addr != d.Server.Addr || got.Server.ReadHeaderTimeout != d.Server.ReadHeaderTimeout || got.Database.URL != d.Database.URL {
		t.Errorf("zero Settings with defaults = %+v", got.Server)
	}
	if got.AppendSlash {
		t.Error("withDefaults must not turn booleans on")
	}
}

// DJINN_AUTH_LOGIN_ATTEMPTS=0 turns login throttling off, as the auth
// docs and check auth.W002 say: validation must not put the default back.
func TestLoginAttemptsZeroStaysOff(t *testing.T) {
	s := Defaults()
	if err := s.FromLookup(lookup(map[string]string{"DJINN_AUTH_LOGIN_ATTEMPTS": "0"})); err != nil {
		t.Fatalf("FromLookup: %v", err)
	}
	if got := s.withDefaults().Auth.LoginAttempts; got != 0 {
		t.Errorf("Auth.LoginAttempts after DJINN_AUTH_LOGIN_ATTEMPTS=0 and defaults = %d; want 0 (off)", got)
	}
	if got := Defaults().withDefaults().Auth.LoginAttempts; got != 5 {
		t.Errorf("default Auth.LoginAttempts = %d; want 5", got)
	}
}
