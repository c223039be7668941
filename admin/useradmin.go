package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/messages"
	"github.com/djinn-go/djinn/orm"
)

// UserAdmin returns the admin of auth.User the site registers when the
// project registers none (Django's UserAdmin): the add form asks for a
// username and a password twice, the change form shows the password's
// hash summary with a link to a "change password" page, and groups and
// permissions are multiple selects. A project registering auth.User
// itself may start from it.
func UserAdmin() ModelAdmin {
	return ModelAdmin{
		ListDisplay:  []string{"username", "email", "first_name", "last_name", "is_staff"},
		SearchFields: []string{"username", "first_name", "last_name", "email"},
		ListFilter:   []string{"is_staff", "is_superuser", "is_active"},
		Ordering:     []string{"username"},
		Fieldsets: []Fieldset{
			{Fields: []string{"username", "password"}},
			{Name: "Personal info", Fields: []string{"first_name", "last_name", "email"}},
			{Name: "Permissions", Fields: []string{"is_active", "is_staff", "is_superuser", "groups", "user_permissions"},
				Description: "Designates what the user can do: staff users can log into this admin site; superusers have all permissions."},
			{Name: "Important dates", Fields: []string{"last_login", "date_joined"}, Collapsed: true},
		},
		ReadonlyFields: []string{"password", "last_login", "date_joined"},
	}
}

// GroupAdmin returns the admin of auth.Group the site registers when the
// project registers none: a name and its permissions.
func GroupAdmin() ModelAdmin {
	return ModelAdmin{
		ListDisplay:  []string{"name"},
		SearchFields: []string{"name"},
		Ordering:     []string{"name"},
		Fields:       []string{"name", "permissions"},
	}
}

// registerAuth registers auth.User and auth.Group unless the project did.
func (s *Site) registerAuth() error {
	var errs []error
	if !s.Registered(&auth.User{}) {
		errs = append(errs, s.add(&auth.User{}, UserAdmin()))
	}
	if !s.Registered(&auth.Group{}) {
		errs = append(errs, s.add(&auth.Group{}, GroupAdmin()))
	}
	return errors.Join(errs...)
}

// setupUser marks the entry of auth.User: its password column is never
// set from a form (it is shown as a hash summary), and names and email
// may be blank.
func (e *entry) setupUser() {
	if e.model.Type != reflect.TypeFor[auth.User]() {
		return
	}
	e.isUser = true
	for _, ff := range e.form {
		switch ff.column {
		case "password":
			ff.readonly = true
		case "first_name", "last_name", "email":
			ff.required = false // blank is allowed, as in Django
		}
	}
}

// Password returns the "change password" page path of the user with key
// pk (user admin only).
func (l Links) Password(pk string) string {
	return l.base + l.key + "/" + url.PathEscape(pk) + "/password/"
}

// userRows shows the password row as the hash summary and a link to the
// change password page.
func (s *Site) userRows(rows []*FormRow, obj reflect.Value, links Links, canChange bool) {
	u := obj.Interface().(*auth.User)
	for _, row := range rows {
		if row.Field.Name != "password" {
			continue
		}
		row.Readonly = true
		items, err := s.auth.Passwords().Summary(u.Password)
		if err != nil {
			row.Display = "Invalid password format or unknown hashing algorithm."
		} else {
			var parts []string
			for _, it := range items {
				parts = append(parts, it.Name+": "+it.Value)
			}
			row.Display = strings.Join(parts, " ")
		}
		if canChange {
			row.Link, row.LinkText = links.Password(fmt.Sprint(u.ID)), "Change password"
		}
	}
}

// passwordFields checks a new password typed twice for u; it returns
// the errors by field name.
func (s *Site) passwordFields(values url.Values, u *auth.User) (string, map[string][]string) {
	errs := map[string][]string{}
	p1, p2 := values.Get("password1"), values.Get("password2")
	if p1 == "" {
		errs["password1"] = []string{"This field is required."}
	}
	if p2 == "" {
		errs["password2"] = []string{"This field is required."}
	}
	if len(errs) > 0 {
		return "", errs
	}
	if p1 != p2 {
		errs["password2"] = []string{"The two password fields didn’t match."}
		return "", errs
	}
	if err := s.auth.ValidatePassword(p1, u); err != nil {
		var pe *auth.PasswordError
		if errors.As(err, &pe) {
			errs["password2"] = pe.Messages()
		} else {
			errs["password2"] = []string{err.Error()}
		}
		return "", errs
	}
	return p1, nil
}

// passwordInputs are the two password inputs of the add and change
// password forms.
func passwordInputs(errs map[string][]string, label string) []*forms.Field {
	return []*forms.Field{
		{Name: "password1", ID: "id_password1", Label: label, Type: "password", Required: true, Errors: errs["password1"]},
		{Name: "password2", ID: "id_password2", Label: label + " confirmation", Type: "password", Required: true, Errors: errs["password2"],
			HelpText: "Enter the same password as before, for verification."},
	}
}

// addUser is the add page of auth.User: a username and a password twice.
func (s *Site) addUser(w http.ResponseWriter, r *http.Request, u *auth.User, e *entry) error {
	ctx := r.Context()
	links := s.links(r, e)
	cf := &ChangeForm{Name: e.model.VerboseName, Links: links, Adding: true, CanSave: true}
	var err error
	if cf.CanAdd, err = s.can(r, u, e, "add"); err != nil {
		return err
	}
	errs := map[string][]string{}
	username := ""
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return respond.NewError(http.StatusBadRequest, "Malformed form.")
		}
		username = strings.TrimSpace(r.PostForm.Get("username"))
		var fe *auth.FieldError
		if err := auth.CheckUsername(username); errors.As(err, &fe) {
			errs["username"] = []string{fe.Message}
		} else if err != nil {
			return err
		} else {
			var n int64
			if err := orm.DB(ctx, s.db).Model(&auth.User{}).Where("username = ?", username).Count(&n).Error; err != nil {
				return fmt.Errorf("admin: check username: %w", err)
			}
			if n > 0 {
				errs["username"] = []string{"A user with that username already exists."}
			}
		}
		pw, perrs := s.passwordFields(r.PostForm, &auth.User{Username: username})
		for k, v := range perrs {
			errs[k] = v
		}
		if len(errs) == 0 {
			hash, err := s.auth.Passwords().Make(pw)
			if err != nil {
				return fmt.Errorf("admin: hash password: %w", err)
			}
			nu := &auth.User{Username: username, Password: hash, IsActive: true, DateJoined: time.Now().UTC()}
			err = orm.Atomic(ctx, orm.DB(ctx, s.db), func(tx *gorm.DB) error {
				if err := tx.Omit(clause.Associations).Create(nu).Error; err != nil {
					return err
				}
				return logAction(ctx, tx, u.ID, e, fmt.Sprint(nu.ID), e.repr(reflect.ValueOf(nu)), Addition, "Added.")
			})
			if errors.Is(orm.Translate(err), orm.ErrDuplicate) {
				errs["username"] = []string{"A user with that username already exists."}
			} else if err != nil {
				return fmt.Errorf("admin: add user %q: %w", username, err)
			} else {
				if !r.PostForm.Has("_addanother") {
					r.PostForm.Set("_continue", "")
				}
				return s.afterSave(w, r, e, reflect.ValueOf(nu), true)
			}
		}
		cf.HasErrors = true
	}
	cf.Rows = append(cf.Rows, &FormRow{Field: &forms.Field{Name: "username", ID: "id_username", Label: "Username", Type: "text", Value: username,
		Required: true, MaxLength: 150, Errors: errs["username"],
		HelpText: "Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."}})
	for _, f := range passwordInputs(errs, "Password") {
		cf.Rows = append(cf.Rows, &FormRow{Field: f})
	}
	cf.Fieldsets = []*FieldsetView{{Description: "First, enter a username and password. Then, you’ll be able to edit more user options.", Rows: cf.Rows}}
	status := http.StatusOK
	if cf.HasErrors {
		status = http.StatusBadRequest
	}
	crumbs := []Crumb{{Label: capFirst(e.model.App)}, {Label: capFirst(e.model.VerboseNamePlural), URL: links.Changelist()}, {Label: "Add user"}}
	return s.render(w, r, status, "admin/change_form.html", "Add user", u, crumbs, cf)
}

// PasswordPage is the body of admin/change_password.html.
type PasswordPage struct {
	// Username is the user's; ObjectID the key; Links the user pages.
	Username, ObjectID string
	Links              Links
	Fields             []*forms.Field
	HasErrors          bool
}

// passwordView sets a user's password: GET shows the form, POST saves a
// new one typed twice and validated.
func (s *Site) passwordView(w http.ResponseWriter, r *http.Request, u *auth.User) error {
	e, err := s.entryFor(r)
	if err != nil {
		return err
	}
	if !e.isUser {
		return respond.NewError(http.StatusNotFound, "No such page in the admin.")
	}
	if err := s.require(r, u, e, "change"); err != nil {
		return err
	}
	ctx := r.Context()
	obj, err := s.load(ctx, e, r.PathValue("id"))
	if err != nil {
		return err
	}
	target := obj.Interface().(*auth.User)
	links := s.links(r, e)
	pp := &PasswordPage{Username: target.Username, ObjectID: e.pkString(obj), Links: links}
	var errs map[string][]string
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return respond.NewError(http.StatusBadRequest, "Malformed form.")
		}
		var pw string
		if pw, errs = s.passwordFields(r.PostForm, target); len(errs) == 0 {
			err := orm.Atomic(ctx, orm.DB(ctx, s.db), func(tx *gorm.DB) error {
				if err := s.auth.SetPassword(orm.WithDB(ctx, tx), target, pw); err != nil {
					return err
				}
				return logAction(ctx, tx, u.ID, e, pp.ObjectID, e.repr(obj), Change, "Changed password.")
			})
			if err != nil {
				return fmt.Errorf("admin: change password of user %s: %w", pp.ObjectID, err)
			}
			if target.ID == u.ID {
				if err := auth.UpdateSessionAuthHash(w, r, target); err != nil {
					return err
				}
			}
			if err := messages.Success(r, "Password changed successfully."); err != nil {
				return err
			}
			respond.Redirect(w, r, links.Change(pp.ObjectID), http.StatusFound)
			return nil
		}
		pp.HasErrors = true
	}
	pp.Fields = passwordInputs(errs, "Password")
	status := http.StatusOK
	if pp.HasErrors {
		status = http.StatusBadRequest
	}
	crumbs := []Crumb{{Label: capFirst(e.model.App)}, {Label: capFirst(e.model.VerboseNamePlural), URL: links.Changelist()},
		{Label: e.repr(obj), URL: links.Change(pp.ObjectID)}, {Label: "Change password"}}
	return s.render(w, r, status, "admin/change_password.html", "Change password: "+target.Username, u, crumbs, pp)
}
