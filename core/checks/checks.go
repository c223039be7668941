package checks

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Level is the severity of a Message. Errors and criticals make the check
// command fail; warnings and infos are reported only.
type Level int

// Levels, from least to most severe (Django's checks levels).
const (
	Debug Level = iota
	Info
	Warning
	Error
	Critical
)

func (l Level) String() string {
	switch l {
	case Debug:
		return "DEBUG"
	case Info:
		return "INFO"
	case Warning:
		return "WARNING"
	case Error:
		return "ERROR"
	case Critical:
		return "CRITICAL"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Message is one finding of a check.
type Message struct {
	Level Level
	// ID identifies the finding for silencing: "security.W004".
	ID string
	// Msg says what is wrong; Hint, if set, how to fix it.
	Msg  string
	Hint string
	// Object names what the finding is about ("settings", "polls.Question").
	Object string
}

// IsSerious reports whether m fails the check command (Error or worse).
func (m Message) IsSerious() bool { return m.Level >= Error }

func (m Message) String() string {
	var b strings.Builder
	if m.Object != "" {
		b.WriteString(m.Object)
		b.WriteString(": ")
	}
	if m.ID != "" {
		fmt.Fprintf(&b, "(%s) ", m.ID)
	}
	b.WriteString(m.Msg)
	if m.Hint != "" {
		b.WriteString("\n\tHINT: ")
		b.WriteString(m.Hint)
	}
	return b.String()
}

// Check is one system check. Run returns its findings; it must not change
// anything and should return promptly when ctx is done.
type Check struct {
	// Name describes the check in listings ("settings", "urls").
	Name string
	// Deploy marks checks that only run with check --deploy.
	Deploy bool
	Run    func(ctx context.Context) []Message
}

// Options select which checks Run runs and which findings it keeps.
type Options struct {
	// Deploy runs the deployment checks as well.
	Deploy bool
	// Silenced lists message IDs to drop.
	Silenced []string
}

// Result is the outcome of running checks.
type Result struct {
	Messages []Message
	// Silenced counts findings dropped by Options.Silenced.
	Silenced int
}

// Serious reports whether any message is an Error or worse.
func (r Result) Serious() bool {
	return slices.ContainsFunc(r.Messages, Message.IsSerious)
}

// Run runs the checks in order and returns their findings sorted by
// severity (most severe first), then ID, keeping the checks' order among
// equals.
func Run(ctx context.Context, list []Check, opts Options) Result {
	var res Result
	for _, c := range list {
		if c.Deploy && !opts.Deploy {
			continue
		}
		if err := ctx.Err(); err != nil {
			res.Messages = append(res.Messages, Message{Level: Error, ID: "checks.E001", Msg: "checks interrupted: " + err.Error()})
			break
		}
		for _, m := range runOne(ctx, c) {
			if m.ID != "" && slices.Contains(opts.Silenced, m.ID) {
				res.Silenced++
				continue
			}
			res.Messages = append(res.Messages, m)
		}
	}
	slices.SortStableFunc(res.Messages, func(a, b Message) int {
		if a.Level != b.Level {
			return int(b.Level) - int(a.Level)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return res
}

// Write prints res the way Django's check command does: the findings
// grouped by level, then "System check identified N issues (M silenced)."
func (r Result) Write(w io.Writer) error {
	var b strings.Builder
	if len(r.Messages) > 0 {
		b.WriteString("System check identified some issues:\n")
		var last Level = -1
		for _, m := range r.Messages {
			if m.Level != last {
				fmt.Fprintf(&b, "\n%sS:\n", m.Level)
				last = m.Level
			}
			b.WriteString(m.String())
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	switch n := len(r.Messages); n {
	case 0:
		fmt.Fprintf(&b, "System check identified no issues (%d silenced).\n", r.Silenced)
	case 1:
		fmt.Fprintf(&b, "System check identified 1 issue (%d silenced).\n", r.Silenced)
	default:
		fmt.Fprintf(&b, "System check identified %d issues (%d silenced).\n", n, r.Silenced)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// runOne runs c, turning a panic into an error finding that names the
// check, so that one broken check does not hide the others' findings.
func runOne(ctx context.Context, c Check) (msgs []Message) {
	defer func() {
		if v := recover(); v != nil {
			msgs = []Message{{Level: Error, ID: "checks.E002", Object: c.Name, Msg: fmt.Sprintf("the check panicked: %v", v)}}
		}
	}()
	return c.Run(ctx)
}
