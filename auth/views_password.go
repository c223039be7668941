package auth

import (
	"errors"
	"net/http"
	"strings"

	"github.com/djinn-go/djinn/forms"
)

// The password forms' messages, Django's.
const (
	msgPasswordMismatch  = "The two password fields didn’t match."
	msgPasswordIncorrect = "Your old password was entered incorrectly. Please enter it again."
)

// SetPasswordForm is the form of a new password typed twice (Django's
// SetPasswordForm), used by the reset confirm page.
type SetPasswordForm struct {
	NewPassword1 string `form:"new_password1" label:"New password" widget:"password" validate:"required"`
	NewPassword2 string `form:"new_password2" label:"New password confirmation" widget:"password" validate:"required"`
}

// PasswordChangeForm is the password change page's form (Django's
// PasswordChangeForm): the old password, then the new one twice.
type PasswordChangeForm struct {
	OldPassword  string `form:"old_password" label:"Old password" widget:"password" validate:"required"`
	NewPassword1 string `form:"new_password1" label:"New password" widget:"password" validate:"required"`
	NewPassword2 string `form:"new_password2" label:"New password confirmation" widget:"password" validate:"required"`
}

// checkNewPassword adds to errs the messages about u's new password typed
// as p1 and p2: mismatch, then the validators' messages, on new_password2
// as Django does. Only a validator failing for another reason is an
// error.
func (v *views) checkNewPassword(u *User, p1, p2 string, errs *forms.Errors) error {
	if p1 != p2 {
		errs.Add("new_password2", msgPasswordMismatch)
		return nil
	}
	err := v.app.ValidatePassword(p2, u)
	var pe *PasswordError
	switch {
	case err == nil:
	case errors.As(err, &pe):
		for _, m := range pe.Messages() {
			errs.Add("new_password2", m)
		}
	default:
		return err
	}
	return nil
}

// passwordForm returns the form of f with errs, the new password's help
// text listing the validators' rules (Django's
// password_validators_help_text_html).
func (v *views) passwordForm(f any, errs forms.Errors) *forms.Form {
	form := forms.New(f, errs)
	if fld, ok := form.Field("new_password1"); ok {
		fld.HelpText = strings.Join(v.app.Validators().HelpTexts(), " ")
	}
	return form
}

// passwordChange is Django's PasswordChangeView, behind RequireLogin: the
// old password, the new one twice; on success the user stays logged in
// on this session (its auth hash is updated), other sessions are logged
// out, and the browser goes to password_change_done.
func (v *views) passwordChange(w http.ResponseWriter, r *http.Request) error {
	u := UserFrom(r.Context())
	if r.Method != http.MethodPost {
		return v.render(w, r, http.StatusOK, "registration/password_change_form.html", &PageData{
			Form: v.passwordForm(&PasswordChangeForm{}, nil),
		})
	}
	f, errs := forms.Bind[PasswordChangeForm](r, forms.WithLimits(v.settings().Forms))
	if errs == nil {
		ok, _, err := v.app.Passwords().Check(f.OldPassword, u.Password)
		if err != nil && IsUsable(u.Password) {
			return err
		}
		if !ok {
			errs.Add("old_password", msgPasswordIncorrect)
		} else if err := v.checkNewPassword(u, f.NewPassword1, f.NewPassword2, &errs); err != nil {
			return err
		}
	}
	if errs != nil {
		return v.render(w, r, http.StatusOK, "registration/password_change_form.html", &PageData{
			Form: v.passwordForm(&PasswordChangeForm{}, errs),
		})
	}
	if err := v.app.SetPassword(r.Context(), u, f.NewPassword1); err != nil {
		return err
	}
	if err := UpdateSessionAuthHash(w, r, u); err != nil {
		return err
	}
	return v.redirectTo(w, r, "password_change_done")
}

// passwordChangeDone is Django's PasswordChangeDoneView.
func (v *views) passwordChangeDone(w http.ResponseWriter, r *http.Request) error {
	return v.render(w, r, http.StatusOK, "registration/password_change_done.html", &PageData{})
}
