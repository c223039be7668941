// Package auth is Djinn's port of django.contrib.auth: users, groups and
// permissions, logging in and out, password hashing and password
// validation.
//
// # Passwords
//
// Passwords makes and checks password hashes in Django's exact formats, so
// a site moved from Django keeps its users' passwords:
//
//	pbkdf2_sha256$1000000$<salt>$<base64 hash>
//	argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>
//	bcrypt_sha256$$2b$12$<salt and hash>
//
// core.AuthSettings.PasswordHashers lists the enabled hashers, preferred
// first; Make uses the preferred one. Check verifies a stored hash with the
// hasher it names and, when that is not the preferred hasher or its work
// factors are not the current ones, returns a new hash for the caller to
// store: hashes are upgraded transparently at login. The legacy formats
// pbkdf2_sha1 and bcrypt are always readable. Values starting with "!"
// (MakeUnusable) are unusable passwords that never match. Comparisons run
// in constant time, and RunDummy spends one hashing's time for unknown
// usernames so login time does not reveal which users exist.
//
// # Password validation
//
// Validators is Django's AUTH_PASSWORD_VALIDATORS: MinimumLength,
// CommonPassword, NumericPassword and UserAttributeSimilarity, with
// Django's messages ("This password is too common."). Validate returns
// every message at once in a *PasswordError.
//
// The common password list (common-passwords.txt.gz: Royce Williams' 20,000
// common passwords, lowercased and deduplicated to 19,726) is copied from
// Django's django/contrib/auth/ and used under Django's BSD 3-clause
// license, Copyright (c) Django Software Foundation and individual
// contributors (see common-passwords.LICENSE).//
// # Users, groups and permissions
//
// New installs the app (after orm.New and sessions.New, which it
// depends on). It owns Django's tables auth_user, auth_group,
// auth_permission and their join tables (User, Group, Permission), with
// migrations for SQLite and PostgreSQL, so a database moved from Django
// keeps its users. Permissions are named "app.codename"; after every
// migrate, PostMigrate creates add_, change_, delete_ and view_
// permissions for each registered model ("polls.change_question", "Can
// change question"). App.HasPerm answers for a user: an active
// superuser has every permission, others those given to them or their
// groups, loaded with one query and cached in the *User.
//
// # Logging in
//
// App.Authenticate checks a username and password with the backends
// (ModelBackend by default; WithBackends for others). An unknown username
// costs one password hashing, like a wrong password, so timing does not
// reveal which users exist; an inactive account gives ErrInactive only
// after the right password; a hash from an older hasher or work factor is
// upgraded in the database at login. Failed logins are counted per
// username and per client address (an IPv6 client by its /64):
// Settings.Auth.LoginAttempts failures within LoginWindow block further
// attempts, right password or not, with a *ThrottledError (429, with
// RetryAfter). The counts live in Redis when the cache app has Redis, so
// every node shares them, and in memory otherwise.
//
// Login stores the user in the session under a new session id (against
// session fixation) with a session auth hash, an HMAC of the password
// hash: changing the password logs out the user's other sessions.
// Logout flushes the session. The app's middleware makes the user
// available lazily: UserFrom(ctx) loads it on first use, with one query,
// and requests that never ask cost nothing; an anonymous request without
// a session cookie touches no session store. UserFrom answers
// AnonymousUser when the session store is down; CurrentUser returns the
// error, and RequireLogin, RequirePerm and RequireStaff answer 503 then,
// rather than treating the user as logged out. They send anonymous users
// to Settings.Auth.LoginURL with ?next= the page they asked for, and
// logged-in users who lack the permission get 403.
//
// Templates get "user" and "perms" (Django's context processor), both
// loaded only when used:
//
//	{{with .Vars.user}}{{if .IsAuthenticated}}Hi {{.Username}}{{end}}{{end}}
//	{{if .Vars.perms.Has "polls.change_question"}}<a href="edit/">Edit</a>{{end}}
//
// # Commands
//
// createsuperuser asks for a username, email address and password (hidden
// on a terminal, asked twice, checked by the validators, which can be
// bypassed as in Django); with --noinput it takes --username, --email and
// DJINN_SUPERUSER_PASSWORD. changepassword [username] sets a user's
// password after the same checks.
package auth
