package auth

import (
	"strings"
	"testing"

	"github.com/djinn-go/djinn/djinntest"
)

func loadUser(t *testing.T, p *testProject, username string) *User {
	t.Helper()
	var u User
	if err := p.auth.db.Where("username = ?", username).Limit(1).Find(&u).Error; err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 {
		return nil
	}
	return &u
}

func TestCreateSuperuserNoInput(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		p := newProject(t, dbURL, nil, nil)
		t.Setenv(EnvSuperuserPassword, "a-long-unusual-password")
		code, out, errOut := runCommand(t, p.Project, "", "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@Example.COM")
		if code != 0 || out != "Superuser created successfully.\n" {
			t.Fatalf("createsuperuser --noinput: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		u := loadUser(t, p, "admin")
		if u == nil || !u.IsSuperuser || !u.IsStaff || !u.IsActive || u.Email != "admin@example.com" {
			t.Fatalf("stored superuser = %+v", u)
		}
		if ok, _, _ := p.auth.Passwords().Check("a-long-unusual-password", u.Password); !ok {
			t.Error("the superuser's password is not DJINN_SUPERUSER_PASSWORD")
		}

		for _, tc := range []struct {
			name, password string
			args           []string
			want           string
		}{
			{"no username", "a-long-unusual-password", nil, "--username (or DJINN_SUPERUSER_USERNAME) is required with --noinput"},
			{"duplicate", "a-long-unusual-password", []string{"--username", "admin"}, `username "admin": That username is already taken.`},
			{"bad username", "a-long-unusual-password", []string{"--username", "a b"}, "Enter a valid username."},
			{"bad email", "a-long-unusual-password", []string{"--username", "bob", "--email", "bob@@example"}, "Enter a valid email address."},
			{"weak password", "12345678", []string{"--username", "bob"}, "This password is too common. This password is entirely numeric."},
		} {
			t.Setenv(EnvSuperuserPassword, tc.password)
			code, _, errOut := runCommand(t, p.Project, "", append([]string{"createsuperuser", "--noinput"}, tc.args...)...)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("%s: exit %d, stderr %q; want 1 and %q", tc.name, code, errOut, tc.want)
			}
		}
		if loadUser(t, p, "bob") != nil {
			t.Error("a refused createsuperuser created bob")
		}

		// Without a password the user cannot log in with one (Django).
		t.Setenv(EnvSuperuserPassword, "")
		t.Setenv(EnvSuperuserUsername, "carl")
		if code, _, errOut := runCommand(t, p.Project, "", "createsuperuser", "--no-input"); code != 0 {
			t.Fatalf("createsuperuser --no-input with DJINN_SUPERUSER_USERNAME: %d %q", code, errOut)
		}
		if u := loadUser(t, p, "carl"); u == nil || u.HasUsablePassword() {
			t.Errorf("carl = %+v; want a superuser with an unusable password", u)
		}
	})
}

func TestCreateSuperuserInteractive(t *testing.T) {
	p := newProject(t, djinntest.SQLiteURL(t), nil, nil)
	if _, err := p.auth.CreateUser(t.Context(), "taken", "", ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, stdin string
		args        []string
		user        string
		password    string // "" when the command must fail
		stderr      []string
	}{
		{
			name:     "mismatch then blank then good",
			stdin:    "taken\nann\nnot-an-email\nann@example.com\nfirst-password-1\nsecond-password-2\n\n\nzebra-kettle-organ\nzebra-kettle-organ\n",
			user:     "ann",
			password: "zebra-kettle-organ",
			stderr: []string{
				"Error: That username is already taken.",
				"Error: Enter a valid email address.",
				"Error: Your passwords didn't match.",
				"Error: Blank passwords aren't allowed.",
			},
		},
		{
			name:     "weak password bypassed",
			stdin:    "\n123\n123\ny\n",
			args:     []string{"--username", "bob"},
			user:     "bob",
			password: "123",
			stderr:   []string{"This password is too short. It must contain at least 8 characters.", "This password is entirely numeric."},
		},
		{
			name:     "weak password refused, then a good one",
			stdin:    "\npassword\npassword\nN\nzebra-kettle-organ\nzebra-kettle-organ\n",
			args:     []string{"--username", "carl"},
			user:     "carl",
			password: "zebra-kettle-organ",
			stderr:   []string{"This password is too common."},
		},
		{
			name:   "input ends",
			stdin:  "dave\n\nzebra-kettle-organ\n",
			user:   "dave",
			stderr: []string{"operation cancelled: no more input"},
		},
	} {
		code, out, errOut := runCommand(t, p.Project, tc.stdin, append([]string{"createsuperuser"}, tc.args...)...)
		u := loadUser(t, p, tc.user)
		if tc.password == "" {
			if code == 0 || u != nil {
				t.Errorf("%s: exit %d, user %v; want a failure and no user", tc.name, code, u)
			}
		} else {
			if code != 0 || !strings.Contains(out, "Superuser created successfully.") {
				t.Errorf("%s: exit %d, stdout %q, stderr %q", tc.name, code, out, errOut)
				continue
			}
			if u == nil || !u.IsSuperuser {
				t.Errorf("%s: user %q = %+v; want a superuser", tc.name, tc.user, u)
				continue
			}
			if ok, _, _ := p.auth.Passwords().Check(tc.password, u.Password); !ok {
				t.Errorf("%s: the stored password is not %q", tc.name, tc.password)
			}
		}
		for _, s := range tc.stderr {
			if !strings.Contains(errOut, s) {
				t.Errorf("%s: stderr %q lacks %q", tc.name, errOut, s)
			}
		}
	}
}

func TestChangePassword(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, dbURL string) {
		p := newProject(t, dbURL, nil, nil)
		if _, err := p.auth.CreateUser(t.Context(), "ann", "", "old-password-1"); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runCommand(t, p.Project, "a\nb\n123\n123\nzebra-kettle-organ\nzebra-kettle-organ\n", "changepassword", "ann")
		if code != 0 {
			t.Fatalf("changepassword: exit %d, stderr %q", code, errOut)
		}
		for _, s := range []string{"Changing password for user 'ann'", "Passwords do not match. Please try again.", "Password changed successfully for user 'ann'"} {
			if !strings.Contains(out, s) {
				t.Errorf("stdout %q lacks %q", out, s)
			}
		}
		if !strings.Contains(errOut, "This password is too short.") {
			t.Errorf("stderr %q lacks the validators' messages", errOut)
		}
		if _, err := p.auth.Authenticate(t.Context(), nil, "ann", "zebra-kettle-organ"); err != nil {
			t.Errorf("login with the new password: %v", err)
		}

		code, _, errOut = runCommand(t, p.Project, "a\nb\nc\nd\ne\nf\n", "changepassword", "ann")
		if code != 1 || !strings.Contains(errOut, "aborting password change for user 'ann' after 3 attempts") {
			t.Errorf("3 mismatches: exit %d, stderr %q", code, errOut)
		}
		if _, err := p.auth.Authenticate(t.Context(), nil, "ann", "zebra-kettle-organ"); err != nil {
			t.Errorf("the password changed after an aborted changepassword: %v", err)
		}
		code, _, errOut = runCommand(t, p.Project, "", "changepassword", "nobody")
		if code != 1 || !strings.Contains(errOut, "user 'nobody' does not exist") {
			t.Errorf("unknown user: exit %d, stderr %q", code, errOut)
		}
	})
}
