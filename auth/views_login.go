package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/forms"
)

// The login page's messages, Django's.
const (
	msgInvalidLogin = "Please enter a correct username and password. Note that both fields may be case-sensitive."
	msgInactive     = "This account is inactive."
)

// LoginForm is the login page's form (Django's AuthenticationForm).
type LoginForm struct {
	Username string `form:"username" label:"Username" validate:"required,max=150"`
	Password string `form:"password" label:"Password" widget:"password" validate:"required"`
	// Next is the page to go to after logging in, a hidden field.
	Next string `form:"next" widget:"hidden"`
}

// login is Django's LoginView: GET shows the form, POST logs the user in
// and redirects to a safe "next" (form field, else query parameter) or
// Settings.Auth.LoginRedirectURL.
func (v *views) login(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		next := v.safeNext(r, r.URL.Query().Get("next"))
		return v.render(w, r, http.StatusOK, "registration/login.html", &PageData{
			Form: forms.New(&LoginForm{Next: next}, nil),
			Next: next,
		})
	}
	f, errs := forms.Bind[LoginForm](r, forms.WithLimits(v.settings().Forms))
	next := v.safeNext(r, nextParam(r, f.Next))
	password := f.Password
	f.Next, f.Password = next, "" // never shown back
	page := &PageData{Next: next}
	if errs != nil {
		page.Form = forms.New(&f, errs)
		return v.render(w, r, http.StatusOK, "registration/login.html", page)
	}
	u, err := v.app.Authenticate(r.Context(), r, f.Username, password)
	var throttled *ThrottledError
	switch {
	case err == nil:
	case errors.Is(err, ErrInvalidCredentials):
		page.Error = msgInvalidLogin
	case errors.Is(err, ErrInactive):
		page.Error = msgInactive
	case errors.As(err, &throttled):
		secs := throttled.RetryAfterSeconds()
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		page.Error = "Too many failed login attempts. Please try again " + waitText(time.Duration(secs)*time.Second) + "."
		page.Form = forms.New(&f, nil)
		return v.render(w, r, http.StatusTooManyRequests, "registration/login.html", page)
	default:
		return err
	}
	if page.Error != "" {
		page.Form = forms.New(&f, nil)
		return v.render(w, r, http.StatusOK, "registration/login.html", page)
	}
	if err := Login(w, r, u); err != nil {
		return err
	}
	if next == "" {
		next = v.settings().Auth.LoginRedirectURL
	}
	respond.Redirect(w, r, next, http.StatusFound)
	return nil
}

// waitText says how long to wait: "in 15 minutes", "in 1 second".
func waitText(d time.Duration) string {
	switch {
	case d >= time.Minute:
		m := int((d + time.Minute - 1) / time.Minute)
		return fmt.Sprintf("in %d minute%s", m, plural(m, "", "s"))
	default:
		s := max(int(d/time.Second), 1)
		return fmt.Sprintf("in %d second%s", s, plural(s, "", "s"))
	}
}

// logout is Django 5's LogoutView: POST only (the router answers GET
// with 405), logs out, then redirects to a safe "next", else to
// Settings.Auth.LogoutRedirectURL, else renders logged_out.html.
func (v *views) logout(w http.ResponseWriter, r *http.Request) error {
	type logoutForm struct {
		Next string `form:"next"`
	}
	f, _ := forms.Bind[logoutForm](r, forms.WithLimits(v.settings().Forms))
	if err := Logout(w, r); err != nil {
		return err
	}
	next := v.safeNext(r, nextParam(r, f.Next))
	if next == "" {
		next = v.settings().Auth.LogoutRedirectURL
	}
	if next != "" {
		respond.Redirect(w, r, next, http.StatusFound)
		return nil
	}
	return v.render(w, r, http.StatusOK, "registration/logged_out.html", &PageData{User: AnonymousUser()})
}
