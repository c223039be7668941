// Package templates is Djinn's template engine: html/template (contextual
// auto-escaping in HTML, attributes, URLs, JavaScript and CSS) over every
// installed app's templates, with Django's layout inheritance, the
// functions and filters Django users expect, and rendering that never
// sends half a page.
//
// # Where templates come from
//
// Install the app (templates.New()) and give apps a Templates() fs.FS
// (Provider) whose root holds their templates, namespaced by label:
// "polls/index.html". The project's directories (Settings.Templates.Dirs,
// relative to the working directory, default "templates"; missing ones are
// skipped) override apps, and earlier apps override later ones, like
// Django's loaders. Files with a template extension are loaded (.html,
// .htm, .txt, .xml, .json, .js, .css, .svg, .csv, .md, .email, .tmpl,
// .gohtml); others are skipped. Every template is parsed and escaped at start-up: a
// broken template stops the project with its file and line, with DEBUG on
// too. Each page is compiled once, with its layouts and includes, and
// cached; with Settings.Debug the page is read and compiled again at every
// render, so edits show without a restart.
//
// # Inheritance
//
// A page names its layout in a comment that is the first thing in the
// file, and fills the layout's blocks with {{define}}:
//
//	{{/* extends "polls/layout.html" */}}
//	{{define "title"}}Polls{{end}}
//	{{define "main"}}{{range .Data.Questions}}<li>{{.Text}}</li>{{end}}{{end}}
//
// Layouts declare blocks with defaults, {{block "name" .}}default{{end}},
// and may extend a layout themselves (page → section layout → base, any
// depth). {{template "partials/nav.html" .}} includes another template
// file. Anything a page that extends a layout has outside its {{define}}s
// would never show, so it is a start-up error. The directive is a comment
// so that every file stays plain html/template that editors and tools
// understand. There is no {{block.super}}: a page's block replaces the
// layout's.
//
// # The dot: Context
//
// Every template's dot is a *Context: .Data is what the view passed,
// .Request the request, .Vars the values of context processors (apps that
// implement ContextProcessor: auth adds "user" and "perms", messages adds
// "messages"):
//
//	<h1>{{.Data.Title}}</h1>
//	{{with .Vars.user}}<p>Hello, {{.Username}}</p>{{end}}
//	{{range .Data.Rows}}<td>{{.Name}}</td><td>{{$.Request.URL.Path}}</td>{{end}}
//
// Request-scoped values live in the dot rather than in per-request
// functions because html/template binds functions at parse time: binding
// them per request would mean cloning the template set for every render.
// A Context costs one small allocation.
//
// # Functions
//
//	url "polls:detail" .ID        the path of a named route (Project.Reverse); an unknown
//	                              name fails the render with the template's file and line
//	static "polls/style.css"      the URL of a static file (the static app's version knows
//	                              hashed names; the fallback joins Settings.Static.URL)
//	csrf_field                    empty: CSRF protection (http.CrossOriginProtection) needs
//	                              no token; kept so that Django-style forms read the same
//	cached "key" 60 "x.html" .    a fragment cached in the request's cache (see below)
//
// Filters are functions whose last argument is the value, so they read as
// pipelines: {{.Posted | date "N j, Y"}}, {{.N | pluralize "y,ies"}}.
// date (Django format characters: "Y-m-d H:i", "N j, Y", "D d M Y", named
// formats such as "SHORT_DATE_FORMAT"), timesince, timeuntil, default,
// pluralize, truncatechars, truncatewords, linebreaks, linebreaksbr,
// yesno, filesizeformat, floatformat, urlize, json_script, upper, lower,
// title, length, join, add, slugify. Apps add functions with
// FuncProvider.
//
// # No "safe"
//
// There is no function that turns a string into trusted HTML. Mark HTML
// you trust in Go, as template.HTML (or template.URL, template.JS); the
// filters that produce markup (linebreaks, urlize, json_script, join)
// escape everything they did not write themselves.
//
// # Rendering
//
// templates.Render(w, r, status, name, data) renders with the engine the
// app put in the request's context (core.ContextProvider) into a pooled
// buffer and writes the status, Content-Type and page only when the whole
// page rendered. On error it writes nothing and returns a *RenderError for
// the view to return: respond shows a 500, and in DEBUG the template, the
// line and the fields the data had (DebugDetails). Engine.Execute renders
// outside a request (mail bodies).
//
// # Fragment cache
//
//	{{cached "sidebar" 300 "partials/sidebar.html" .}}
//
// renders partials/sidebar.html with the same dot only when the request's
// cache (cache.FromContext) does not hold it, and stores the HTML for 300
// seconds (0: the cache's default, negative: forever). Build keys that
// vary with printf: {{cached (printf "sidebar:%d" .Data.ID) 60 ...}}.
// Pass the page's Context (`.`, or `$` inside range and with): the cache
// is found through its Request. Without a cache the fragment renders
// every time.
package templates
