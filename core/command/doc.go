// Package command is Djinn's manage-command engine (Django's manage.py),
// built on cobra.
//
// A project's main.go ends with command.Main(project). Every project has
// the built-in commands runserver (development server, DEBUG on), serve
// (the production gateway server), check [--deploy] (system checks),
// showurls and version; apps add their own by implementing Provider. A
// command name used by two providers is a start-up error naming both.
//
// Exit statuses: 0 when the command succeeded, 1 when it failed (one line
// on standard error), 2 for a usage error (unknown command or flag, wrong
// number of arguments).
package command
