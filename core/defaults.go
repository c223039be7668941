package core

import "time"

// This file holds every default setting in one place, like Django's
// global_settings. Defaults returns them; FromEnv and the project's own
// settings.go override them; Validate checks the result.

// Defaults returns the settings a new project starts from. A project's
// settings.go takes this value, changes what it needs, and then calls
// FromEnv so that the environment has the last word.
//
// Fields that Defaults leaves empty have no default on purpose: SecretKey
// must come from the project or the environment, AllowedHosts from the
// deployment.
func Defaults() Settings {
	return Settings{
		// Debug shows detailed error pages and tried URL patterns. Never on
		// in production; runserver turns it on unless DEBUG is set.
		Debug: false,

		Database: DatabaseSettings{
			// The embedded SQLite file next to the binary's working directory.
			URL:              "sqlite:///db.sqlite3",
			MaxOpenConns:     20,
			MaxIdleConns:     10,
			ConnMaxLifetime:  30 * time.Minute,
			StatementTimeout: 30 * time.Second,
			SlowQuery:        200 * time.Millisecond,
		},

		Cache: CacheSettings{
			// Empty RedisURL means the in-memory cache and database sessions.
			RedisURL:        "",
			KeyPrefix:       "",
			Version:         1,
			DefaultTTL:      5 * time.Minute,
			MaxEntries:      100_000,
			MaxBytes:        64 << 20,
			Timeout:         250 * time.Millisecond,
			BreakerCooldown: 5 * time.Second,
		},

		Server: ServerSettings{
			Addr:              "127.0.0.1:8000",
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   30 * time.Second,
			RequestTimeout:    30 * time.Second,
			MaxHeaderBytes:    64 << 10,
			// Django's DATA_UPLOAD_MAX_MEMORY_SIZE is 2.5 MB for form data;
			// the gateway limits whole bodies, uploads included.
			MaxBodyBytes: 10 << 20,
			MaxInFlight:  1000,
			MaxConns:     10000,
			RetryAfter:   5 * time.Second,
			GZip:         false,
		},

		Security: SecuritySettings{
			HSTSSeconds:             0,
			ContentTypeNosniff:      true,
			ReferrerPolicy:          "same-origin",
			CrossOriginOpenerPolicy: "same-origin",
			XFrameOptions:           "DENY",
			SessionCookieSecure:     false,
			SessionCookieHTTPOnly:   true,
			SessionCookieSameSite:   "Lax",
			SessionCookieName:       "sessionid",
			SessionCookieAge:        14 * 24 * time.Hour,
		},

		Templates: TemplateSettings{
			Dirs: []string{"templates"},
		},

		Static: StaticSettings{
			URL:  "/static/",
			Root: "staticfiles",
			Dirs: []string{"static"},
		},

		Sessions: SessionSettings{Store: ""},

		Auth: AuthSettings{
			PasswordHashers:      []string{"pbkdf2_sha256", "argon2", "bcrypt_sha256"},
			PBKDF2Iterations:     1_000_000, // Django 5.2
			MinPasswordLength:    8,
			PasswordResetTimeout: 3 * 24 * time.Hour, // Django's 259200 s
			LoginURL:             "/accounts/login/",
			LoginRedirectURL:     "/",
			LogoutRedirectURL:    "", // Django: show registration/logged_out.html
			LoginAttempts:        5,
			LoginWindow:          15 * time.Minute,
		},

		Mail: MailSettings{
			Backend: "",
			Host:    "localhost",
			Port:    25,
			From:    "webmaster@localhost",
			Timeout: 10 * time.Second,
		},

		Forms: FormSettings{
			MaxNumberFields: 1000,      // Django's default
			MaxMemorySize:   2_621_440, // 2.5 MB, Django's default
			MaxUploadSize:   10 << 20,  // as Server.MaxBodyBytes
			MediaRoot:       "media",
			MediaURL:        "/media/",
		},

		Logging: LoggingSettings{
			Level:          "info",
			Format:         "text",
			AccessLog:      true,
			AccessLogFlush: time.Second,
		},

		AppendSlash: true,
		PrependWWW:  false,
	}
}
