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
// contributors (see common-passwords.LICENSE).
package auth
