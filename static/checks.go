package static

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/djinn-go/djinn/core"

	"github.com/djinn-go/djinn/core/checks"
)

// Checks returns the "static" check:
//
//   - static.W001: DEBUG is off and the collected tree has no manifest
//     (collectstatic has not run, or Static.Collected is not the tree it
//     wrote): the static template function fails and nothing is served
//     with far-future caching;
//   - static.W002: a Static.Dirs entry does not exist (Django's
//     staticfiles.W004); the default entry, "static", is optional and
//     never reported;
//   - static.E002: Static.Dirs contains Static.Root, so collectstatic would
//     collect its own output (Django's staticfiles.E002).
func (a *App) Checks() []checks.Check {
	return []checks.Check{{Name: "static", Run: a.check}}
}

func (a *App) check(context.Context) []checks.Message {
	if !a.ready {
		return nil
	}
	var msgs []checks.Message
	if !a.debug && a.Manifest() == nil {
		why := ""
		if a.treeErr != nil {
			why = ": " + a.treeErr.Error()
		}
		msgs = append(msgs, checks.Message{
			Level: checks.Warning, ID: "static.W001", Object: "Static",
			Msg:  fmt.Sprintf("DEBUG is off and %s has no %s%s", a.collectedName(), ManifestName, why),
			Hint: "Run `collectstatic --no-input` before starting the server, or set Static.Collected to the embedded tree it wrote.",
		})
	}
	for i, d := range a.settings.Dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) && !slices.Contains(core.Defaults().Static.Dirs, d) {
			msgs = append(msgs, checks.Message{
				Level: checks.Warning, ID: "static.W002", Object: fmt.Sprintf("Static.Dirs[%d]", i),
				Msg: fmt.Sprintf("the directory %s does not exist", abs),
			})
		}
		if abs == a.rootAbs {
			msgs = append(msgs, checks.Message{
				Level: checks.Error, ID: "static.E002", Object: fmt.Sprintf("Static.Dirs[%d]", i),
				Msg:  fmt.Sprintf("Static.Dirs contains Static.Root (%s): collectstatic would collect its own output", abs),
				Hint: "Use a different directory for Static.Root.",
			})
		}
	}
	return msgs
}
