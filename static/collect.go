package static

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/djinn-go/djinn/core"
	"golang.org/x/sync/errgroup"
)

// CollectOptions configures Collect.
type CollectOptions struct {
	// Root is the destination directory (Settings.Static.Root); it is
	// created if needed. Required.
	Root string
	// StaticURL is the path static files are served under
	// ("/static/"): absolute references in CSS under it are static names
	// too. Empty means absolute references are always left alone.
	StaticURL string
	// Clear deletes everything in Root first.
	Clear bool
	// DryRun does all the work except writing or deleting anything, and
	// skips compression. Missing CSS references are still reported.
	DryRun bool
	// Progress, when set, receives a line per source and a summary.
	Progress io.Writer
}

// CollectStats counts what Collect did.
type CollectStats struct {
	// Copied counts the files whose copy under their own name was
	// written (or would be, in a dry run); Unmodified those already up to
	// date; PostProcessed the files given a hashed name (all of them);
	// Deleted the files Clear removed.
	Copied, Unmodified, PostProcessed, Deleted int
}

// Collect copies every file f finds into opts.Root and post-processes the
// copies like Django's ManifestStaticFilesStorage:
//
//   - each file is also written under a content-hashed name
//     ("css/site.css" → "css/site.3f2a1b9c8d7e.css": the first 12 hex
//     digits of the MD5 of the content, as Django);
//   - in stylesheets, url(...) and @import references to other static
//     files are rewritten to the hashed names before hashing, in repeated
//     passes until the names settle, so a stylesheet that imports another
//     changes name when the other changes (a cycle of imports is an
//     error); a reference to a file that was not found is a
//     *MissingReferenceError, as in Django;
//   - staticfiles.json maps each name to its hashed name (see Manifest);
//   - files of a compressible type ("css", "js", "svg", "json", … see
//     compressible) of at least 1 KiB get ".br" (brotli, quality 11) and
//     ".gz" (gzip, best compression) copies when these are at most 95% of
//     the size; stale copies are removed.
//
// Files are written to a temporary file in the same directory and renamed
// into place, so a server reading Root never sees half a file, and the
// manifest is written last. A file whose copy already has the same size
// and content is not rewritten (nor recompressed: a variant that
// decompresses to the content is kept), so a second run is mostly reads.
// Files are read into memory one at a time per CPU. Files removed from the
// sources stay in Root unless Clear is set, as in Django.
func Collect(ctx context.Context, f *Finder, opts CollectOptions) (CollectStats, error) {
	var st CollectStats
	if opts.Root == "" {
		return st, errors.New("static: collect: Static.Root is empty")
	}
	files, err := f.Files()
	if err != nil {
		return st, err
	}
	c := &collector{opts: opts, progress: opts.Progress}
	if c.progress == nil {
		c.progress = io.Discard
	}
	if opts.Clear {
		n, err := clearDir(opts.Root, opts.DryRun)
		if err != nil {
			return st, err
		}
		st.Deleted = n
		verb := "Deleted"
		if opts.DryRun {
			verb = "Would delete"
		}
		fmt.Fprintf(c.progress, "%s %d files in '%s'.\n", verb, n, opts.Root)
	}
	for _, fd := range files {
		if fd.Name == ManifestName {
			return st, fmt.Errorf("static: collect: %s has a file named %s, the name of the manifest; rename it", fd.Source, ManifestName)
		}
	}

	// Copy the files source by source; non-CSS files get their hashed
	// copy and compressed variants at once, stylesheets wait for the
	// names of everything they may reference.
	c.hashed = make(map[string]string, len(files))
	for i := 0; i < len(files); {
		j := i
		for j < len(files) && sameSource(files[j].Source, files[i].Source) {
			j++
		}
		fmt.Fprintf(c.progress, "Copying %d files from %s\n", j-i, files[i].Source)
		if err := runEach(ctx, files[i:j], c.copyFile); err != nil {
			return c.stats, err
		}
		i = j
	}

	if len(files) > 0 {
		what := "hashed names, CSS references, gzip and brotli copies"
		if opts.DryRun {
			what = "hashed names, CSS references"
		}
		fmt.Fprintf(c.progress, "Post-processing %d files: %s\n", len(files), what)
	}
	if err := c.settleCSS(); err != nil {
		return c.stats, err
	}
	names := make([]string, 0, len(c.css))
	for name := range c.css {
		names = append(names, name)
	}
	slices.Sort(names)
	if err := runEach(ctx, names, c.writeCSS); err != nil {
		return c.stats, err
	}

	m := newManifest(c.hashed)
	b, err := m.encode()
	if err != nil {
		return c.stats, fmt.Errorf("static: collect: manifest: %w", err)
	}
	if _, err := c.put(ManifestName, b); err != nil {
		return c.stats, err
	}
	c.stats.PostProcessed = len(c.hashed)
	c.stats.Deleted = st.Deleted
	summary := fmt.Sprintf("%d static files copied to '%s'", c.stats.Copied, opts.Root)
	if c.stats.Unmodified > 0 {
		summary += fmt.Sprintf(", %d unmodified", c.stats.Unmodified)
	}
	if c.stats.PostProcessed > 0 {
		summary += fmt.Sprintf(", %d post-processed", c.stats.PostProcessed)
	}
	if opts.DryRun {
		summary += " (dry run: nothing was written)"
	}
	fmt.Fprintln(c.progress, summary+".")
	return c.stats, nil
}

// collector is the state of one Collect.
type collector struct {
	opts     CollectOptions
	progress io.Writer

	mu     sync.Mutex
	stats  CollectStats
	hashed map[string]string      // name → hashed name
	css    map[string]*stylesheet // stylesheets, by name
}

// stylesheet is a CSS file waiting for post-processing.
type stylesheet struct {
	name      string
	orig, out string
}

// runEach calls fn for each item on up to GOMAXPROCS goroutines and
// returns the first error.
func runEach[T any](ctx context.Context, items []T, fn func(T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, it := range items {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fn(it)
		})
	}
	return g.Wait()
}

// copyFile copies one found file under its name; a file that is not a
// stylesheet also gets its hashed copy and its compressed variants.
func (c *collector) copyFile(fd Found) error {
	data, err := fs.ReadFile(fd.Source.FS, fd.Name)
	if err != nil {
		return fmt.Errorf("static: collect: read %s: %w", fd.Location(), err)
	}
	changed, err := c.put(fd.Name, data)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if changed {
		c.stats.Copied++
	} else {
		c.stats.Unmodified++
	}
	c.mu.Unlock()

	if isCSS(fd.Name) {
		c.mu.Lock()
		if c.css == nil {
			c.css = map[string]*stylesheet{}
		}
		c.css[fd.Name] = &stylesheet{name: fd.Name, orig: string(data)}
		c.mu.Unlock()
		return nil
	}
	h := hashedName(fd.Name, contentHash(data))
	c.mu.Lock()
	c.hashed[fd.Name] = h
	c.mu.Unlock()
	if _, err := c.put(h, data); err != nil {
		return err
	}
	return c.precompress(data, fd.Name, h)
}

// sameSource reports whether a and b are the same source (comparing
// their FS values could panic on a map-based fs.FS).
func sameSource(a, b Source) bool { return a.App == b.App && a.Dir == b.Dir }

func isCSS(name string) bool { return strings.EqualFold(path.Ext(name), ".css") }

// settleCSS computes the stylesheets' hashed names: each pass rewrites
// every stylesheet with the names known so far and hashes the result, until
// a pass changes no name. Stylesheets that import each other in a cycle
// never settle; after more passes than there are stylesheets that is an
// error naming them (Django: "Max post-process passes exceeded").
func (c *collector) settleCSS() error {
	list := make([]*stylesheet, 0, len(c.css))
	for _, s := range c.css {
		list = append(list, s)
		c.hashed[s.name] = hashedName(s.name, contentHash([]byte(s.orig)))
	}
	slices.SortFunc(list, func(a, b *stylesheet) int { return strings.Compare(a.name, b.name) })
	for pass := 0; ; pass++ {
		var changed []string
		for _, s := range list {
			out, err := rewriteCSS(s.name, s.orig, c.opts.StaticURL, c.hashed)
			if err != nil {
				return err
			}
			s.out = out
			if h := hashedName(s.name, contentHash([]byte(out))); h != c.hashed[s.name] {
				c.hashed[s.name] = h
				changed = append(changed, s.name)
			}
		}
		if len(changed) == 0 {
			return nil
		}
		if pass > len(list) {
			return fmt.Errorf("static: collect: the stylesheets %s reference each other in a cycle: their hashed names never settle", strings.Join(changed, ", "))
		}
	}
}

// writeCSS writes a settled stylesheet under its hashed name, and the
// compressed variants of it and of the original.
func (c *collector) writeCSS(name string) error {
	s := c.css[name]
	h := c.hashed[name]
	if _, err := c.put(h, []byte(s.out)); err != nil {
		return err
	}
	if s.out == s.orig {
		return c.precompress([]byte(s.orig), name, h)
	}
	if err := c.precompress([]byte(s.orig), name); err != nil {
		return err
	}
	return c.precompress([]byte(s.out), h)
}

// precompress writes the compressed variants of data for each of names
// (files with that content), compressing at most once per encoding. A
// variant that already decompresses to data is kept; variants that are
// not worth it are removed. A dry run does nothing.
func (c *collector) precompress(data []byte, names ...string) error {
	if c.opts.DryRun {
		return nil
	}
	want := isCompressible(names[0], len(data))
	for _, e := range encodings {
		var compressed []byte
		done := false
		for _, name := range names {
			dst := c.dest(name + e.ext)
			if !want {
				if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("static: collect: %w", err)
				}
				continue
			}
			if old, err := os.ReadFile(dst); err == nil {
				if plain, err := e.decompress(old); err == nil && bytes.Equal(plain, data) {
					continue
				}
			}
			if !done {
				var err error
				if compressed, err = e.compress(data); err != nil {
					return fmt.Errorf("static: collect: %s %s: %w", e.token, name, err)
				}
				done = true
			}
			if !worthIt(len(compressed), len(data)) {
				if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("static: collect: %w", err)
				}
				continue
			}
			if err := writeFileAtomic(dst, compressed); err != nil {
				return err
			}
		}
	}
	return nil
}

// dest returns the path of name under Root.
func (c *collector) dest(name string) string {
	return filepath.Join(c.opts.Root, filepath.FromSlash(name))
}

// put writes data under name in Root unless a file with the same size and
// content is there already, and reports whether it wrote (or, in a dry
// run, would have written).
func (c *collector) put(name string, data []byte) (bool, error) {
	dst := c.dest(name)
	if st, err := os.Stat(dst); err == nil && st.Mode().IsRegular() && st.Size() == int64(len(data)) {
		if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, data) {
			return false, nil
		}
	}
	if c.opts.DryRun {
		return true, nil
	}
	return true, writeFileAtomic(dst, data)
}

// writeFileAtomic writes data to a temporary file next to dst and renames
// it to dst, so that readers see the old file or the new one, never part
// of one. (It does not fsync: a crash may lose the file, which the next
// collectstatic writes again.)
func writeFileAtomic(dst string, data []byte) error {
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("static: collect: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return fmt.Errorf("static: collect: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("static: collect: write %s: %w", dst, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("static: collect: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("static: collect: %w", err)
	}
	return nil
}

// clearDir deletes everything in dir (not dir itself, which may be a
// mount point) and returns the number of files deleted. A missing dir has
// nothing to delete. A dry run only counts.
func clearDir(dir string, dryRun bool) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("static: clear %s: %w", dir, err)
	}
	n := 0
	err = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("static: clear %s: %w", dir, err)
	}
	if dryRun {
		return n, nil
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return 0, fmt.Errorf("static: clear %s: %w", dir, err)
		}
	}
	return n, nil
}

// CollectSettings runs collectstatic for settings that are not set up as a
// project yet: the finders of s.Static.Dirs and s.InstalledApps, into
// s.Static.Root, without prompting. Tests of a project's production pages
// call it before building the project, as a deployment runs collectstatic
// before starting the server.
func CollectSettings(ctx context.Context, s core.Settings) (CollectStats, error) {
	f, err := NewFinder(s.Static.Dirs, s.InstalledApps)
	if err != nil {
		return CollectStats{}, err
	}
	return Collect(ctx, f, CollectOptions{Root: s.Static.Root, StaticURL: s.Static.URL})
}
