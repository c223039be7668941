// Package forms binds, validates and renders HTML forms and JSON bodies,
// like Django's forms and ModelForms.
//
// A form is a struct whose tags say how its fields are named, checked and
// shown:
//
//	type Signup struct {
//		Name  string `form:"name" validate:"required,max=200"`
//		Email string `form:"email" label:"E-mail" validate:"required,email"`
//		Bio   string `form:"bio" widget:"textarea" help:"Optional."`
//	}
//
// A view binds the request and, when it is invalid, shows the form again
// with its errors (or returns them: Errors is a 400 error):
//
//	s, errs := forms.Bind[Signup](r, forms.WithLimits(p.Settings().Forms))
//	if errs != nil {
//		return templates.Render(w, r, "signup.html", map[string]any{"Form": forms.New(s, errs)})
//	}
//
// and the template writes {{.Form.AsDiv}} inside its <form>, or lays out
// {{range .Form.Fields}} by hand.
//
// Bind decodes forms with gorilla/schema and JSON with encoding/json,
// within Django's limits on field count and size; it validates with
// go-playground/validator tags, choices and a Clean method (Cleaner), and
// reports Errors keyed by field name with Django's English messages.
// Uploaded files bind to *File fields and are stored through a
// storage.Storage. ModelForm builds the same from a model registered in
// the orm, and checks uniqueness and saves in a transaction.
//
// The tags forms reads: form (name; "-" never binds), validate, label,
// help, widget (an input type, "textarea", "select" or "password"),
// choices ("a,b,c") and accept (media types of a file field).
package forms
