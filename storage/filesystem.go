package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"strings"
)

// maxAttempts bounds the alternative names Save tries for a taken name.
const maxAttempts = 100

// FileSystem is the Storage that keeps files under a local directory, like
// Django's FileSystemStorage with MEDIA_ROOT and MEDIA_URL.
//
// Every operation opens the root with os.OpenRoot and works through it, so
// no name can reach outside the directory, not even through a symbolic
// link inside it that points outside (such a link is refused, not
// followed). The root directory is created by the first Save. A
// FileSystem is safe for concurrent use; its zero value stores under the
// working directory with an empty base URL.
type FileSystem struct {
	root    string
	baseURL string
	// FileMode and DirMode are the permissions of new files and
	// directories (before the umask): 0o644 and 0o755 unless set.
	FileMode, DirMode fs.FileMode
}

var _ Storage = (*FileSystem)(nil)

// NewFileSystem returns a FileSystem that stores under the directory root
// and serves under baseURL ("/media/"; a missing final slash is added).
func NewFileSystem(root, baseURL string) *FileSystem {
	if baseURL != "" && !strings.HasSuffix(baseURL, "/") {
		baseURL += "/"
	}
	if root == "" {
		root = "."
	}
	return &FileSystem{root: root, baseURL: baseURL}
}

// Root returns the directory the files are stored in.
func (s *FileSystem) Root() string { return s.dir() }

func (s *FileSystem) dir() string {
	if s.root == "" {
		return "."
	}
	return s.root
}

func (s *FileSystem) fileMode() fs.FileMode {
	if s.FileMode == 0 {
		return 0o644
	}
	return s.FileMode
}

func (s *FileSystem) dirMode() fs.FileMode {
	if s.DirMode == 0 {
		return 0o755
	}
	return s.DirMode
}

func (s *FileSystem) open() (*os.Root, error) {
	r, err := os.OpenRoot(s.dir())
	if err != nil {
		return nil, fmt.Errorf("storage: open root %s: %w", s.dir(), err)
	}
	return r, nil
}

// Save writes r to name, or to an available name derived from it, and
// returns the name used. The file is created exclusively (O_EXCL), so two
// concurrent saves of the same name never overwrite each other, and
// missing directories are created. When writing fails the partial file is
// removed. Cancelling ctx stops the copy.
func (s *FileSystem) Save(ctx context.Context, name string, r io.Reader) (string, error) {
	clean, err := CleanName(name)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(s.dir(), s.dirMode()); err != nil {
		return "", fmt.Errorf("storage: create root %s: %w", s.dir(), err)
	}
	root, err := s.open()
	if err != nil {
		return "", err
	}
	defer root.Close()
	if dir := path.Dir(clean); dir != "." {
		if err := root.MkdirAll(dir, s.dirMode()); err != nil {
			return "", fmt.Errorf("storage: save %q under %s: %w", clean, s.dir(), err)
		}
	}
	candidate := clean
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		f, err := root.OpenFile(candidate, os.O_WRONLY|os.O_CREATE|os.O_EXCL, s.fileMode())
		if errors.Is(err, fs.ErrExist) && attempt < maxAttempts {
			candidate = alternativeName(clean)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("storage: save %q under %s: %w", candidate, s.dir(), err)
		}
		_, werr := io.Copy(f, ctxReader{ctx: ctx, r: r})
		cerr := f.Close()
		if werr == nil {
			werr = cerr
		}
		if werr != nil {
			_ = root.Remove(candidate)
			return "", fmt.Errorf("storage: save %q under %s: %w", candidate, s.dir(), werr)
		}
		return candidate, nil
	}
}

// alternativeName returns name with "_" and seven random letters and
// digits before its extension, as Django's get_alternative_name does.
func alternativeName(name string) string {
	dir, file := path.Split(name)
	ext := path.Ext(file)
	stem := strings.TrimSuffix(file, ext)
	return dir + stem + "_" + randomString(7) + ext
}

const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Open opens the file for reading.
func (s *FileSystem) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	clean, err := CleanName(name)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := s.open()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(clean)
	if err != nil {
		return nil, fmt.Errorf("storage: open %q under %s: %w", clean, s.dir(), err)
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		_ = f.Close()
		return nil, fmt.Errorf("storage: open %q under %s: is a directory", clean, s.dir())
	}
	return f, nil
}

// Delete removes the file; a missing file or root is not an error.
func (s *FileSystem) Delete(ctx context.Context, name string) error {
	clean, err := CleanName(name)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	root, err := s.open()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.Remove(clean); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage: delete %q under %s: %w", clean, s.dir(), err)
	}
	return nil
}

// Exists reports whether the name is taken (by a file or a directory).
func (s *FileSystem) Exists(ctx context.Context, name string) (bool, error) {
	clean, err := CleanName(name)
	if err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	root, err := s.open()
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer root.Close()
	_, err = root.Lstat(clean)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("storage: stat %q under %s: %w", clean, s.dir(), err)
}

// URL returns the base URL followed by the name with each element
// path-escaped ("/media/" + "a b/c.png" → "/media/a%20b/c.png"); "" when
// the name is invalid.
func (s *FileSystem) URL(name string) string {
	clean, err := CleanName(name)
	if err != nil {
		return ""
	}
	elems := strings.Split(clean, "/")
	for i, e := range elems {
		elems[i] = url.PathEscape(e)
	}
	return s.baseURL + strings.Join(elems, "/")
}

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
