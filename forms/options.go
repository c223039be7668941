package forms

import (
	"github.com/djinn-go/djinn/core"
)

// Option configures Bind, New and the model form methods. Options that do
// not concern a call are ignored by it.
type Option func(*options)

type options struct {
	limits    core.FormSettings
	validator *Validator
	renderer  *Renderer
	choices   map[string][]Choice
	accept    map[string][]string
}

func buildOptions(opts []Option) *options {
	o := &options{}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	d := core.Defaults().Forms
	if o.limits.MaxNumberFields == 0 {
		o.limits.MaxNumberFields = d.MaxNumberFields
	}
	if o.limits.MaxMemorySize <= 0 {
		o.limits.MaxMemorySize = d.MaxMemorySize
	}
	if o.limits.MaxUploadSize <= 0 {
		o.limits.MaxUploadSize = d.MaxUploadSize
	}
	if o.validator == nil {
		o.validator = defaultValidator()
	}
	if o.renderer == nil {
		o.renderer = defaultRenderer()
	}
	return o
}

// WithLimits bounds what Bind reads, usually with the project's
// Settings().Forms: MaxNumberFields fields (negative: no limit),
// MaxMemorySize bytes of form data without files and MaxUploadSize bytes
// per file. Zero fields keep Django's defaults (1000 fields, 2.5 MB,
// 10 MB), which also apply without this option.
func WithLimits(s core.FormSettings) Option {
	return func(o *options) { o.limits = s }
}

// WithValidator makes Bind validate with v (and its registered tags)
// instead of the default Validator.
func WithValidator(v *Validator) Option {
	return func(o *options) { o.validator = v }
}

// WithRenderer makes New render with r instead of the default as_div
// templates.
func WithRenderer(r *Renderer) Option {
	return func(o *options) { o.renderer = r }
}

// WithChoices gives the field (by form name) a set of choices computed at
// run time, such as rows of a table: New renders it as a select and Bind
// rejects values not among them. It replaces the `choices` tag.
func WithChoices(field string, choices []Choice) Option {
	return func(o *options) {
		if o.choices == nil {
			o.choices = map[string][]Choice{}
		}
		o.choices[field] = choices
	}
}

// WithAllowedTypes restricts the file field (by form name) to the media
// types given ("image/png", or "image/*"), checked against the content
// sniffed from the file's first bytes, not the type the client declared.
// It replaces the field's `accept` tag.
func WithAllowedTypes(field string, types ...string) Option {
	return func(o *options) {
		if o.accept == nil {
			o.accept = map[string][]string{}
		}
		o.accept[field] = types
	}
}
