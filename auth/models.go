package auth

import (
	"strings"
	"time"
)

// User is an account: Django's auth.User, in its table auth_user with its
// columns, so that a database moved from Django keeps its users.
//
// Create users with App.CreateUser or App.CreateSuperuser: a User saved
// directly with gorm gets IsActive false unless set (gorm skips zero
// values only for columns with a default, and IsActive has none) and
// needs a hashed Password.
//
// The zero User (ID 0) is the anonymous user. A *User belongs to one
// goroutine; it caches its permissions once HasPerm has loaded them.
type User struct {
	ID uint `gorm:"primaryKey"`
	// Password is the stored hash ("pbkdf2_sha256$…"), or an unusable
	// password ("!…"); never a raw password.
	Password    string     `gorm:"size:128;not null"`
	LastLogin   *time.Time `verbose:"last login"`
	IsSuperuser bool       `gorm:"not null" verbose:"superuser status"`
	// Username is unique and case-sensitive, as in Django: 150
	// characters at most of letters, digits and @ . + - _.
	Username  string `gorm:"size:150;not null;uniqueIndex"`
	FirstName string `gorm:"size:150;not null"`
	LastName  string `gorm:"size:150;not null"`
	Email     string `gorm:"size:254;not null" verbose:"email address"`
	// IsStaff lets the user into the admin site.
	IsStaff bool `gorm:"not null" verbose:"staff status"`
	// IsActive false disables the account without deleting it: it cannot
	// log in and sessions logged in as it become anonymous.
	IsActive   bool      `gorm:"not null" verbose:"active"`
	DateJoined time.Time `gorm:"not null"`

	Groups      []Group      `gorm:"many2many:auth_user_groups;constraint:OnDelete:CASCADE"`
	Permissions []Permission `gorm:"many2many:auth_user_user_permissions;constraint:OnDelete:CASCADE" verbose:"user permissions"`

	// perms caches the user's permission names ("polls.change_question"),
	// loaded by App.HasPerm.
	perms map[string]struct{}
}

// TableName is Django's "auth_user".
func (User) TableName() string { return "auth_user" }

// AnonymousUser returns a new anonymous user: ID 0, not authenticated,
// no permissions (Django's AnonymousUser).
func AnonymousUser() *User { return &User{} }

// IsAuthenticated reports whether u is a real user (a nil u or the
// anonymous user is not).
func (u *User) IsAuthenticated() bool { return u != nil && u.ID != 0 }

// IsAnonymous is the opposite of IsAuthenticated.
func (u *User) IsAnonymous() bool { return !u.IsAuthenticated() }

// FullName is the first and last names separated by a space (Django's
// get_full_name).
func (u *User) FullName() string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

// ShortName is the first name (Django's get_short_name).
func (u *User) ShortName() string { return u.FirstName }

// HasUsablePassword reports whether the user can log in with a password.
func (u *User) HasUsablePassword() bool { return IsUsable(u.Password) }

// String returns the username, or "AnonymousUser".
func (u *User) String() string {
	if u.IsAnonymous() {
		return "AnonymousUser"
	}
	return u.Username
}

// attrs returns the fields password validators compare with.
func (u *User) attrs() UserAttrs {
	if u == nil {
		return UserAttrs{}
	}
	return UserAttrs{Username: u.Username, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}
}

// Group is a named set of permissions given to users (Django's
// auth.Group, table auth_group).
type Group struct {
	ID          uint         `gorm:"primaryKey"`
	Name        string       `gorm:"size:150;not null;uniqueIndex"`
	Permissions []Permission `gorm:"many2many:auth_group_permissions;constraint:OnDelete:CASCADE"`
}

// TableName is Django's "auth_group".
func (Group) TableName() string { return "auth_group" }

// String returns the name.
func (g *Group) String() string { return g.Name }

// Permission is the right to do something to a kind of object (Django's
// auth.Permission, table auth_permission). Django ties permissions to
// content types; here App (the app label) and Codename identify one, and
// its full name is "app.codename", e.g. "polls.change_question". The
// migrate command creates add_, change_, delete_ and view_ permissions
// for every registered model (App.PostMigrate).
type Permission struct {
	ID uint `gorm:"primaryKey"`
	// Name is for people: "Can change question".
	Name     string `gorm:"size:255;not null"`
	App      string `gorm:"size:100;not null;uniqueIndex:auth_permission_app_codename"`
	Codename string `gorm:"size:100;not null;uniqueIndex:auth_permission_app_codename"`
}

// TableName is "auth_permission".
func (Permission) TableName() string { return "auth_permission" }

// FullName returns "app.codename", the name HasPerm takes.
func (p *Permission) FullName() string { return p.App + "." + p.Codename }

// String returns "app | name", as Django's admin shows permissions.
func (p *Permission) String() string { return p.App + " | " + p.Name }
