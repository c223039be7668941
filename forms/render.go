package forms

import (
	"bytes"
	"fmt"
	"html/template"
	"sync"
)

// DivTemplate holds the templates of Django's as_div layout, parsed by
// NewRenderer. They are html/template definitions, so every value is
// escaped for its context:
//
//   - "form" (a *Form): the non-field errors, each visible field with
//     "field", then the hidden inputs.
//   - "field" (a *Field): a div with "label", the help text, the errors
//     and "input".
//   - "label", "input" (a *Field): the label tag and the widget;
//     "attrs" the attributes every widget shares.
//
// Override any of them with NewRenderer.
const DivTemplate = `
{{- define "form" -}}
{{with .NonFieldErrors}}<ul class="errorlist nonfield">{{range .}}<li>{{.}}</li>{{end}}</ul>
{{end -}}
{{range .VisibleFields}}{{template "field" .}}
{{end -}}
{{range .HiddenFields}}{{template "input" .}}{{end -}}
{{end -}}

{{define "field" -}}
<div>{{template "label" .}}{{with .HelpText}}<div class="helptext" id="{{$.ID}}_helptext">{{.}}</div>{{end -}}
{{with .Errors}}<ul class="errorlist" id="{{$.ID}}_error">{{range .}}<li>{{.}}</li>{{end}}</ul>{{end -}}
{{template "input" .}}</div>
{{- end}}

{{define "label"}}{{if .Label}}<label for="{{.ID}}">{{.Label}}{{.LabelSuffix}}</label>{{end}}{{end}}

{{define "attrs" -}}
{{if .MaxLength}} maxlength="{{.MaxLength}}"{{end -}}
{{if and .Required (ne .Type "hidden")}} required{{end -}}
{{if .Errors}} aria-invalid="true"{{end -}}
{{if .HelpText}} aria-describedby="{{.ID}}_helptext"{{end}} id="{{.ID}}"
{{- end}}

{{define "input" -}}
{{if eq .Type "textarea" -}}
<textarea name="{{.Name}}" cols="40" rows="10"{{template "attrs" .}}>
{{.Value}}</textarea>
{{- else if eq .Type "select" -}}
<select name="{{.Name}}"{{if .Multiple}} multiple{{end}}{{template "attrs" .}}>
{{- range .Choices}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end -}}
</select>
{{- else if eq .Type "checkbox" -}}
<input type="checkbox" name="{{.Name}}"{{if .Checked}} checked{{end}}{{template "attrs" .}}>
{{- else -}}
<input type="{{.Type}}" name="{{.Name}}"{{if .Value}} value="{{.Value}}"{{end -}}
{{with .Accept}} accept="{{.}}"{{end}}{{with .Min}} min="{{.}}"{{end}}{{with .Max}} max="{{.}}"{{end}}{{with .Step}} step="{{.}}"{{end -}}
{{template "attrs" .}}>
{{- end}}
{{- end}}
`

// Renderer renders forms and fields with a set of templates: DivTemplate,
// with the definitions of any overrides. It is immutable and safe for
// concurrent use.
type Renderer struct {
	t *template.Template
}

// NewRenderer parses DivTemplate, then each override, whose {{define}}s
// replace the templates of the same name; for example
//
//	forms.NewRenderer(`{{define "field"}}<p>{{template "label" .}} {{template "input" .}}</p>{{end}}`)
//
// lays fields out in paragraphs. A template that does not parse, or that
// leaves "form", "field" or "input" undefined, is an error.
func NewRenderer(overrides ...string) (*Renderer, error) {
	t, err := template.New("forms").Parse(DivTemplate)
	if err != nil {
		return nil, fmt.Errorf("forms: parse DivTemplate: %w", err)
	}
	for i, text := range overrides {
		if _, err := t.New(fmt.Sprintf("override%d", i)).Parse(text); err != nil {
			return nil, fmt.Errorf("forms: parse renderer override %d: %w", i, err)
		}
	}
	for _, name := range []string{"form", "field", "input"} {
		if t.Lookup(name) == nil {
			return nil, fmt.Errorf("forms: renderer has no %q template", name)
		}
	}
	return &Renderer{t: t}, nil
}

// defaultRenderer renders without overrides; built once.
var defaultRenderer = sync.OnceValue(func() *Renderer {
	r, err := NewRenderer()
	if err != nil {
		panic(err) // DivTemplate is a constant: a test catches this
	}
	return r
})

// render executes the named template with data; a nil Renderer is the
// default one.
func (r *Renderer) render(name string, data any) (template.HTML, error) {
	if r == nil {
		r = defaultRenderer()
	}
	var b bytes.Buffer
	if err := r.t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("forms: render %q: %w", name, err)
	}
	return template.HTML(b.String()), nil //nolint:gosec // produced by html/template
}
