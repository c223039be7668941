package messages

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/djinn-go/djinn/sessions"
)

// Level is a message's importance. The levels are Django's, so custom
// levels between them work the same way.
type Level int

// The predefined levels (named like slog's, since Debug, Info… are the
// functions that add messages).
const (
	LevelDebug   Level = 10
	LevelInfo    Level = 20
	LevelSuccess Level = 25
	LevelWarning Level = 30
	LevelError   Level = 40
)

// DefaultMinLevel is the level below which messages are dropped when the
// App is installed without the MinLevel option (Django's MESSAGE_LEVEL).
const DefaultMinLevel = LevelInfo

// Tag returns the CSS class of the level: "debug", "info", "success",
// "warning", "error", or "" for a custom level.
func (l Level) Tag() string {
	switch l {
	case LevelDebug:
		return "debug"
	case LevelInfo:
		return "info"
	case LevelSuccess:
		return "success"
	case LevelWarning:
		return "warning"
	case LevelError:
		return "error"
	}
	return ""
}

// String returns the level's tag, or its number for a custom level.
func (l Level) String() string {
	if t := l.Tag(); t != "" {
		return t
	}
	return strconv.Itoa(int(l))
}

// Message is a one-time notification for the user ("Question saved").
type Message struct {
	Level Level
	Text  string
	// Tags are the CSS classes of the message: its level's Tag.
	Tags string
}

// String returns the text, so that {{.}} prints it in a template.
func (m Message) String() string { return m.Text }

// sessionKey is the session key of the pending messages: a []string of
// "level|text".
const sessionKey = "_messages"

type minLevelKey struct{}

// withMinLevel returns ctx carrying the minimum level for Add.
func withMinLevel(ctx context.Context, l Level) context.Context {
	return context.WithValue(ctx, minLevelKey{}, l)
}

// minLevel returns the minimum level of ctx: the App's, or DefaultMinLevel.
func minLevel(ctx context.Context) Level {
	if l, ok := ctx.Value(minLevelKey{}).(Level); ok {
		return l
	}
	return DefaultMinLevel
}

// Add stores a message for the user in r's session; it is shown by the
// next page that displays messages, in this request or a later one.
// Messages below the App's minimum level (Info unless the MinLevel option
// says otherwise) are dropped. The error is the session's (sessions.Get):
// errors.Is finds sessions.ErrUnavailable in it when the store is down,
// and returned from a view it answers 503.
func Add(r *http.Request, level Level, text string) error {
	if level < minLevel(r.Context()) {
		return nil
	}
	s, err := sessions.Get(r)
	if err != nil {
		return fmt.Errorf("messages: add: %w", err)
	}
	list := decode(s.Get(sessionKey))
	enc := make([]string, 0, len(list)+1)
	for _, m := range list {
		enc = append(enc, encode(m))
	}
	s.Set(sessionKey, append(enc, encode(Message{Level: level, Text: text})))
	return nil
}

// Debug adds a message at LevelDebug, dropped unless the App's MinLevel
// allows it.
func Debug(r *http.Request, text string) error { return Add(r, LevelDebug, text) }

// Info adds a message at LevelInfo.
func Info(r *http.Request, text string) error { return Add(r, LevelInfo, text) }

// Success adds a message at LevelSuccess.
func Success(r *http.Request, text string) error { return Add(r, LevelSuccess, text) }

// Warning adds a message at LevelWarning.
func Warning(r *http.Request, text string) error { return Add(r, LevelWarning, text) }

// Error adds a message at LevelError.
func Error(r *http.Request, text string) error { return Add(r, LevelError, text) }

// Get returns the pending messages of r's session, oldest first, and
// removes them: they are shown once. Messages added later in the same
// request are kept for the next Get. The error is the session's (see Add).
func Get(r *http.Request) ([]Message, error) {
	s, err := sessions.Get(r)
	if err != nil {
		return nil, fmt.Errorf("messages: get: %w", err)
	}
	list := decode(s.Get(sessionKey))
	s.Delete(sessionKey)
	return list, nil
}

// encode returns m as "level|text".
func encode(m Message) string { return strconv.Itoa(int(m.Level)) + "|" + m.Text }

// decode returns the messages of a session value; entries that do not
// decode (a value written by something else) are skipped.
func decode(v any) []Message {
	var raw []string
	switch v := v.(type) {
	case []string:
		raw = v
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				raw = append(raw, s)
			}
		}
	}
	out := make([]Message, 0, len(raw))
	for _, e := range raw {
		lv, text, ok := strings.Cut(e, "|")
		n, err := strconv.Atoi(lv)
		if !ok || err != nil {
			continue
		}
		l := Level(n)
		out = append(out, Message{Level: l, Text: text, Tags: l.Tag()})
	}
	return out
}
