// Package djinn is a batteries-included web framework for Go in the spirit
// of Django: one command scaffolds a project, and the project gets a URL
// router with reversible names, a production-grade gateway server, one
// middleware stack with secure defaults, system checks and manage commands
// — and, as the framework grows, an ORM with migrations, a cache, sessions,
// auth, an admin site, templates, forms and static files.
//
// The code lives in packages by capability:
//
//	core            settings, apps and the Project that builds the handler
//	core/urls       named routes over net/http.ServeMux, Reverse
//	core/middleware one middleware a file; the default stack
//	core/respond    view helpers and the one error→status table
//	core/server     the gateway server: timeouts, limits, graceful shutdown, health
//	core/command    manage commands (runserver, check, …)
//	core/checks     system checks
//	orm             gorm on SQLite or PostgreSQL: errors, registry, transactions, pagination
//	djinntest       helpers for testing Djinn projects
//	cmd/manage      the tool for work outside a project (startproject, version)
//
// See README.md for a tour and examples/hello for a runnable project.
package djinn
