// Package messages shows one-time notifications to a user across a
// redirect (Django's contrib.messages), kept in the session.
//
// A view adds a message and redirects; the next page that displays
// messages shows it once:
//
//	if err := messages.Success(r, "Your vote was counted."); err != nil {
//		return err // the session store is down: 503
//	}
//	http.Redirect(w, r, next, http.StatusSeeOther)
//
// Templates read them from the messages app's context value; ranging over
// .Vars.messages.All consumes them, and a page that never calls All keeps
// them for the next one:
//
//	{{with .Vars.messages.All}}
//	<ul class="messages">{{range .}}<li class="{{.Tags}}">{{.Text}}</li>{{end}}</ul>
//	{{end}}
//
// Levels are Django's (LevelDebug 10, LevelInfo 20, LevelSuccess 25,
// LevelWarning 30, LevelError 40) and their Tag is the CSS class. Messages
// below the app's MinLevel (LevelInfo by default, like Django's
// MESSAGE_LEVEL) are dropped when added. Install the app with the sessions
// app:
//
//	s.InstalledApps = []core.App{orm.New(), sessions.New(), templates.New(), messages.New()}
//
// The session stores them compactly under "_messages" as a []string of
// "level|text".
package messages
