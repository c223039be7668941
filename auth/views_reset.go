package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/mail"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/sessions"
	"github.com/djinn-go/djinn/templates"
)

const (
	// resetSessionToken is the session key holding the token of a reset
	// link between its GET and the form's POST (Django's
	// _password_reset_token).
	resetSessionToken = "_password_reset_token"
	// resetURLToken replaces the token in the reset link's URL once it is
	// in the session (Django's "set-password"), so that the token does
	// not leak through the Referer header.
	resetURLToken = "set-password"
)

// PasswordResetForm is the password reset page's form (Django's
// PasswordResetForm).
type PasswordResetForm struct {
	Email string `form:"email" label:"Email" widget:"email" validate:"required,email,max=254"`
}

// ResetEmailData is the data (.Data) of the password reset e-mail's
// templates, registration/password_reset_subject.txt and
// registration/password_reset_email.txt. The templates are html/template
// ones: the string fields are template.HTML so that they are written as
// they are, not HTML-escaped, in the plain-text mail.
type ResetEmailData struct {
	// User is the user the mail is for.
	User *User
	// Username and Email are User's.
	Username, Email template.HTML
	// SiteName is the site's host ("example.com"), Protocol "https" or
	// "http", Domain the host with its port: from Settings.SiteURL, never
	// from the request.
	SiteName, Protocol, Domain template.HTML
	// UID and Token are the link's parts; ResetURL the whole link.
	UID, Token template.HTML
	ResetURL   template.HTML
}

// passwordReset is Django's PasswordResetView: it mails a reset link to
// every active user with a usable password and the given address, then
// shows password_reset_done whether or not there was one, so the page
// does not tell who has an account. Sending failures are logged, not
// shown, for the same reason.
func (v *views) passwordReset(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		return v.render(w, r, http.StatusOK, "registration/password_reset_form.html", &PageData{
			Form: forms.New(&PasswordResetForm{}, nil),
		})
	}
	f, errs := forms.Bind[PasswordResetForm](r, forms.WithLimits(v.settings().Forms))
	if errs != nil {
		return v.render(w, r, http.StatusOK, "registration/password_reset_form.html", &PageData{
			Form: forms.New(&f, errs),
		})
	}
	users, err := v.resetUsers(r.Context(), f.Email)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		if err := v.sendResetMails(r, users); err != nil {
			return err
		}
	}
	return v.redirectTo(w, r, "password_reset_done")
}

// resetUsers returns the active users with a usable password whose
// address is email, compared ignoring case (Django's get_users).
func (v *views) resetUsers(ctx context.Context, email string) ([]*User, error) {
	var found []*User
	err := v.app.dbFor(ctx).WithContext(ctx).
		Where("LOWER(email) = LOWER(?) AND is_active = ?", email, true).
		Order("id").Find(&found).Error
	if err != nil {
		return nil, fmt.Errorf("auth: password reset: find users by email: %w", orm.Translate(err))
	}
	users := found[:0]
	for _, u := range found {
		if u.HasUsablePassword() && strings.EqualFold(u.Email, email) {
			users = append(users, u)
		}
	}
	return users, nil
}

// sendResetMails mails a reset link to each user. The link's origin is
// the site's (resetOrigin), never the request's Host. A mail that cannot
// be built or sent is logged and skipped; only a broken template is an
// error.
func (v *views) sendResetMails(r *http.Request, users []*User) error {
	ctx := r.Context()
	logger := v.logger()
	origin, err := v.resetOrigin()
	if err != nil {
		logger.ErrorContext(ctx, "password reset e-mail not sent", "error", err.Error(), "users", len(users))
		return nil
	}
	engine := templates.EngineFrom(ctx)
	if engine == nil {
		return errors.New("auth: password reset: the request's context has no template engine: install templates.New() in Settings.InstalledApps")
	}
	now := time.Now()
	tokens := NewTokens(v.settings())
	for _, u := range users {
		uid, token := EncodeUID(u.ID), tokens.MakeToken(u, now)
		path, err := v.reverse(r, "password_reset_confirm", uid, token)
		if err != nil {
			return err
		}
		d := &ResetEmailData{
			User: u, Username: template.HTML(u.Username), Email: template.HTML(u.Email),
			SiteName: template.HTML(origin.Hostname()), Protocol: template.HTML(origin.Scheme), Domain: template.HTML(origin.Host),
			UID: template.HTML(uid), Token: template.HTML(token),
			ResetURL: template.HTML(origin.Scheme + "://" + origin.Host + path),
		}
		var subject, body bytes.Buffer
		if err := engine.Execute(&subject, "registration/password_reset_subject.txt", d); err != nil {
			return err
		}
		if err := engine.Execute(&body, "registration/password_reset_email.txt", d); err != nil {
			return err
		}
		// From is left to the mail app: Settings.Mail.From.
		msg := &mail.Message{
			To:      []string{u.Email},
			Subject: strings.Join(strings.Fields(subject.String()), " "), // one line, as Django
			Body:    body.String(),
		}
		if err := mail.Send(ctx, msg); err != nil {
			logger.ErrorContext(ctx, "password reset e-mail not sent", "user_id", u.ID, "error", err.Error())
		}
	}
	return nil
}

// resetOrigin returns the origin of reset links: Settings.SiteURL, else
// https:// and the first concrete name of Settings.AllowedHosts. It never
// uses the request's Host header, which the client chooses (a reset link
// to an attacker's host would hand them the token). Without either there
// is no safe origin: an error says which setting to set.
func (v *views) resetOrigin() (*url.URL, error) {
	s := v.settings()
	if s.SiteURL != "" {
		u, err := url.Parse(s.SiteURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("auth: password reset: SiteURL %q is not an origin like \"https://example.com\"", s.SiteURL)
		}
		return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
	}
	if hosts := redirectHosts(s.AllowedHosts); len(hosts) > 0 {
		return &url.URL{Scheme: "https", Host: hosts[0]}, nil
	}
	return nil, errors.New("auth: password reset: no site origin for the link: set SiteURL (DJINN_SITE_URL), e.g. \"https://example.com\" (AllowedHosts has no host name to fall back on)")
}

// logger returns the project's logger.
func (v *views) logger() *slog.Logger {
	if v.app.logger != nil {
		return v.app.logger
	}
	return slog.New(slog.DiscardHandler)
}

// passwordResetDone is Django's PasswordResetDoneView.
func (v *views) passwordResetDone(w http.ResponseWriter, r *http.Request) error {
	return v.render(w, r, http.StatusOK, "registration/password_reset_done.html", &PageData{})
}

// passwordResetConfirm is Django's PasswordResetConfirmView. A GET of a
// valid link moves the token into the session and redirects to the same
// URL with "set-password" in place of the token, so the token is not in
// the address bar or in Referer headers; that URL shows the form while
// the session's token is valid. Any other link shows the "invalid link"
// page. A valid POST sets the password (which makes the token invalid:
// links are single use) and redirects to password_reset_complete.
func (v *views) passwordResetConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	uidb64, token := r.PathValue("uidb64"), r.PathValue("token")
	w.Header().Set("Referrer-Policy", "no-referrer")
	invalid := func() error {
		return v.render(w, r, http.StatusOK, "registration/password_reset_confirm.html", &PageData{ValidLink: false})
	}
	u, err := v.resetUser(ctx, uidb64)
	if err != nil {
		return err
	}
	if u == nil {
		return invalid()
	}
	tokens := NewTokens(v.settings())
	now := time.Now()
	sess, err := sessions.Get(r)
	if err != nil {
		return err
	}
	if token != resetURLToken {
		if r.Method != http.MethodGet && r.Method != http.MethodHead || !tokens.CheckToken(u, token, now) {
			return invalid()
		}
		sess.Set(resetSessionToken, token)
		return v.redirectTo(w, r, "password_reset_confirm", uidb64, resetURLToken)
	}
	if !tokens.CheckToken(u, sess.GetString(resetSessionToken), now) {
		return invalid()
	}
	if r.Method != http.MethodPost {
		return v.render(w, r, http.StatusOK, "registration/password_reset_confirm.html", &PageData{
			ValidLink: true, Form: v.passwordForm(&SetPasswordForm{}, nil),
		})
	}
	f, errs := forms.Bind[SetPasswordForm](r, forms.WithLimits(v.settings().Forms))
	if errs == nil {
		if err := v.checkNewPassword(u, f.NewPassword1, f.NewPassword2, &errs); err != nil {
			return err
		}
	}
	if errs != nil {
		return v.render(w, r, http.StatusOK, "registration/password_reset_confirm.html", &PageData{
			ValidLink: true, Form: v.passwordForm(&SetPasswordForm{}, errs),
		})
	}
	if err := v.app.SetPassword(ctx, u, f.NewPassword1); err != nil {
		return err
	}
	sess.Delete(resetSessionToken)
	return v.redirectTo(w, r, "password_reset_complete")
}

// resetUser returns the user a reset link's uidb64 names, or nil when it
// names none.
func (v *views) resetUser(ctx context.Context, uidb64 string) (*User, error) {
	id, ok := DecodeUID(uidb64)
	if !ok {
		return nil, nil
	}
	var u User
	err := v.app.dbFor(ctx).WithContext(ctx).Where("id = ?", id).Limit(1).Find(&u).Error
	if err != nil {
		return nil, fmt.Errorf("auth: password reset: load user %d: %w", id, orm.Translate(err))
	}
	if u.ID == 0 {
		return nil, nil
	}
	return &u, nil
}

// passwordResetComplete is Django's PasswordResetCompleteView.
func (v *views) passwordResetComplete(w http.ResponseWriter, r *http.Request) error {
	return v.render(w, r, http.StatusOK, "registration/password_reset_complete.html", &PageData{})
}
