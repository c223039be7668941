package respond

import (
	"html/template"
	"io"
	"net/http"
	"sync"
)

// Page is what a production error page shows: nothing about the error but
// its status and public message. Renderer.Error fills every field (but
// RequestID, when there is none); WritePage fills empty ones. The zero value
// is a 500 page.
type Page struct {
	// Status is the HTTP status code; 0 means 500.
	Status int
	// Title is the status text, "Not Found"; empty means the status text.
	Title string
	// Message is the public message: the HTTPError's Message for a 4xx,
	// else a generic sentence for the status, never the cause. Empty means
	// the generic sentence.
	Message string
	// RequestID is the request's id, shown as "Request ID: ..." so that
	// support can find the log line; may be empty.
	RequestID string
}

// WritePage writes the built-in production error page for p to w: a small
// self-contained HTML document with inline CSS, everything escaped by
// html/template. A custom Renderer.Pages function calls it for the pages
// it does not customise. It is safe for concurrent use.
func WritePage(w io.Writer, p Page) error {
	return prodTemplate().Execute(w, p.filled())
}

// filled returns p with defaults for its empty fields.
func (p Page) filled() Page {
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	if p.Title == "" {
		p.Title = statusText(p.Status)
	}
	if p.Message == "" {
		p.Message = genericMessage(p.Status)
	}
	return p
}

// genericMessage is the sentence a page shows for a status when there is
// no public message.
func genericMessage(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "The request could not be understood by the server."
	case http.StatusUnauthorized:
		return "You need to sign in to see this page."
	case http.StatusForbidden:
		return "You do not have permission to see this page."
	case http.StatusNotFound:
		return "The page you asked for could not be found."
	case http.StatusMethodNotAllowed:
		return "This page does not accept that method."
	case http.StatusRequestTimeout:
		return "The server gave up waiting for the request."
	case http.StatusGone:
		return "The page you asked for is gone."
	case http.StatusRequestEntityTooLarge:
		return "The request is too large."
	case http.StatusTooManyRequests:
		return "Too many requests. Please wait a moment and try again."
	case http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "The service is temporarily unavailable. Please try again in a moment."
	}
	if status >= 500 {
		return "Something went wrong on our side. The error has been logged; please try again later."
	}
	return "The request could not be completed."
}

// prodTemplate is the production page, parsed once; it is never modified
// after parsing, so sharing it is safe.
var prodTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(prodHTML))
})

// builtinPageCSP is the Content-Security-Policy of the built-in pages: they
// have inline CSS and nothing else.
const builtinPageCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const prodHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Status}} {{.Title}}</title>
<style>
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa}
main{max-width:34rem;margin:2rem;padding:2rem 2.5rem;background:#fff;border:1px solid #d0d7de;border-radius:12px}
.code{margin:0;font-size:.8rem;font-weight:600;letter-spacing:.08em;text-transform:uppercase;color:#57606a}
h1{margin:.25rem 0 1rem;font-size:1.75rem;line-height:1.2}
p{margin:0 0 1rem}
.rid{margin:1.5rem 0 0;font:.8rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#57606a}
@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}main{background:#161b22;border-color:#30363d}.code,.rid{color:#8d96a0}}
</style>
</head>
<body>
<main>
<p class="code">Error {{.Status}}</p>
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
{{- if .RequestID}}
<p class="rid">Request ID: {{.RequestID}}</p>
{{- end}}
</main>
</body>
</html>
`
