package sessions

import (
	"context"
	"fmt"

	"github.com/djinn-go/djinn/core/command"
)

// Commands returns clearsessions.
func (a *App) Commands() []*command.Command {
	return []*command.Command{{
		Name:  "clearsessions",
		Short: "Delete expired sessions from the database",
		Long: "Delete the rows of sessions_session whose expiry has passed (the db store;\n" +
			"run it daily from cron). Redis expires sessions itself and the cookie store\n" +
			"keeps nothing on the server, so with those stores there is nothing to do.",
		MaxArgs: 0,
		Run:     runClearSessions,
	}}
}

func runClearSessions(ctx context.Context, env *command.Env) error {
	a, err := From(env.Project)
	if err != nil {
		return err
	}
	switch st := a.store.(type) {
	case *DBStore:
		n, err := st.ClearExpired(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Deleted %d expired session(s).\n", n)
	case *RedisStore:
		fmt.Fprintln(env.Stdout, "Sessions are in Redis, which expires them itself: nothing to clear.")
	default:
		fmt.Fprintln(env.Stdout, "Sessions are in signed cookies: nothing is stored on the server to clear.")
	}
	return nil
}
