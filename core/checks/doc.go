// Package checks is Djinn's system check framework, the engine behind the
// check command (Django's django.core.checks).
//
// A Check is a named function returning Messages. Apps contribute checks
// through a Checks() []checks.Check method; the project adds its own (the
// settings, the URL table) and, with check --deploy, the deployment checks
// that warn about DEBUG, a weak SECRET_KEY, empty ALLOWED_HOSTS, missing HSTS
// and insecure cookies. Run runs them, drops silenced IDs and sorts the
// findings; Result.Write prints them.
package checks
