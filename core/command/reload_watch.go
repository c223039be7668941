package command

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watcher reports changes under a directory tree. fsnotify watches single
// directories, so every directory is added at start and new ones as they
// appear. A burst of events becomes one report once the tree has been
// quiet for debounce.
type watcher struct {
	fs      *fsnotify.Watcher
	ignored func(dir string) bool
	stderr  io.Writer
	// changes receives the first changed path of each burst; a report
	// waiting to be read absorbs the next ones.
	changes chan string
}

// newWatcher watches root and every directory below it that ignoredDir
// does not exclude, until ctx is done. Directories that cannot be watched
// (no permission, the inotify limit) are reported on stderr and skipped.
func newWatcher(ctx context.Context, root string, ignoredDir func(string) bool, stderr io.Writer) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("runserver: watch files: %w", err)
	}
	w := &watcher{fs: fw, ignored: ignoredDir, stderr: stderr, changes: make(chan string, 1)}
	if err := w.addTree(root); err != nil {
		fw.Close()
		return nil, err
	}
	go w.loop(ctx)
	return w, nil
}

// addTree watches dir and the directories below it.
func (w *watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return fmt.Errorf("runserver: watch %s: %w", dir, err)
			}
			return nil // vanished or unreadable: nothing to watch
		}
		if !d.IsDir() {
			return nil
		}
		if path != dir && w.ignored(path) {
			return filepath.SkipDir
		}
		if err := w.fs.Add(path); err != nil {
			fmt.Fprintf(w.stderr, "runserver: cannot watch %s for changes: %v\n", path, err)
		}
		return nil
	})
}

func (w *watcher) loop(ctx context.Context) {
	defer w.fs.Close()
	quiet := time.NewTimer(debounce)
	quiet.Stop()
	var first string
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if !w.relevant(ev) {
				continue
			}
			if first == "" {
				first = ev.Name
			}
			quiet.Reset(debounce)
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			// An overflow loses events: rebuild to be safe.
			fmt.Fprintf(w.stderr, "runserver: watching files: %v\n", err)
			if first == "" {
				first = "(unknown file)"
			}
			quiet.Reset(debounce)
		case <-quiet.C:
			select {
			case w.changes <- first:
			default: // a report is waiting already
			}
			first = ""
		}
	}
}

// relevant reports whether ev may change the server, and starts watching
// a directory it creates.
func (w *watcher) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod { // metadata only; noisy on some systems
		return false
	}
	dir := filepath.Dir(ev.Name)
	if w.ignored(dir) {
		return false
	}
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
			if w.ignored(ev.Name) {
				return false
			}
			// Files written before the watch was added are covered by
			// the rebuild this event starts.
			if err := w.addTree(ev.Name); err != nil {
				fmt.Fprintf(w.stderr, "%v\n", err)
			}
			return true
		}
	}
	return !ignoredFile(filepath.Base(ev.Name))
}
