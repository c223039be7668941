package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/migrations/migrationstest"
	"github.com/djinn-go/djinn/orm"
)

func TestMigrationsUpToDate(t *testing.T) {
	p := newProject(t, djinntest.SQLiteURL(t), nil, nil)
	migrationstest.UpToDate(t, p.Project)
}

func TestCreateUser(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		p := newProject(t, url, nil, nil)
		ctx := t.Context()
		u, err := p.auth.CreateUser(ctx, "ann", "Ann@EXAMPLE.com", "s3cret-pass")
		if err != nil {
			t.Fatal(err)
		}
		var got User
		if err := p.auth.db.Where("username = ?", "ann").Take(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || !got.IsActive || got.IsStaff || got.IsSuperuser || got.Email != "Ann@example.com" || got.DateJoined.IsZero() {
			t.Errorf("stored user = %+v; want active, not staff, email Ann@example.com, date joined set", got)
		}
		if !strings.HasPrefix(got.Password, "pbkdf2_sha256$1000$") {
			t.Errorf("password = %.20q…; want a pbkdf2_sha256 hash with 1000 iterations", got.Password)
		}
		if ok, _, _ := p.auth.Passwords().Check("s3cret-pass", got.Password); !ok {
			t.Error("the stored hash does not match the password")
		}

		// Usernames are case-sensitive, as in Django.
		if _, err := p.auth.CreateUser(ctx, "Ann", "", ""); err != nil {
			t.Errorf("CreateUser(Ann) after ann: %v", err)
		}
		_, err = p.auth.CreateUser(ctx, "ann", "", "x")
		if !errors.Is(err, orm.ErrDuplicate) || !strings.Contains(err.Error(), `"ann" already exists`) {
			t.Errorf("duplicate CreateUser error = %v; want orm.ErrDuplicate naming the username", err)
		}

		for _, tc := range []struct{ name, username, email, want string }{
			{"empty username", "", "", "This field cannot be blank."},
			{"space in username", "ann smith", "", "Enter a valid username."},
			{"bad email", "bob", "bob@", "Enter a valid email address."},
			{"name in email", "bob", "Bob <bob@example.com>", "Enter a valid email address."},
		} {
			_, err := p.auth.CreateUser(ctx, tc.username, tc.email, "")
			var fe *FieldError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: CreateUser(%q, %q) = %v; want a *FieldError %q", tc.name, tc.username, tc.email, err, tc.want)
			}
		}

		// An empty password is an unusable one.
		v, err := p.auth.CreateUser(ctx, "nopass", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if v.HasUsablePassword() {
			t.Errorf("user created without a password has a usable password %.3q…", v.Password)
		}

		// Deleting a user with groups and permissions removes the links.
		g := Group{Name: "editors"}
		if err := p.auth.db.Create(&g).Error; err != nil {
			t.Fatal(err)
		}
		if err := p.auth.db.Model(u).Association("Groups").Append(&g); err != nil {
			t.Fatal(err)
		}
		if err := p.auth.db.Delete(&User{ID: u.ID}).Error; err != nil {
			t.Fatalf("delete a user in a group: %v", err)
		}
		var links int64
		p.auth.db.Table("auth_user_groups").Count(&links)
		if links != 0 {
			t.Errorf("auth_user_groups has %d rows after the user was deleted; want 0", links)
		}
	})
}

func TestUserMethods(t *testing.T) {
	anon := AnonymousUser()
	if anon.IsAuthenticated() || !anon.IsAnonymous() || anon.String() != "AnonymousUser" {
		t.Errorf("AnonymousUser: authenticated %v, anonymous %v, %q", anon.IsAuthenticated(), anon.IsAnonymous(), anon.String())
	}
	var nilUser *User
	if nilUser.IsAuthenticated() {
		t.Error("a nil *User is authenticated")
	}
	u := &User{ID: 3, Username: "ann", FirstName: "Ann", LastName: "Smith"}
	if !u.IsAuthenticated() || u.FullName() != "Ann Smith" || u.ShortName() != "Ann" || u.String() != "ann" {
		t.Errorf("user methods: %v %q %q %q", u.IsAuthenticated(), u.FullName(), u.ShortName(), u.String())
	}
	p := &Permission{App: "polls", Codename: "change_question", Name: "Can change question"}
	if p.FullName() != "polls.change_question" {
		t.Errorf("FullName = %q", p.FullName())
	}
}
