package storage_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/djinn-go/djinn/storage"
)

func TestCleanName(t *testing.T) {
	tests := []struct {
		name, want string
		bad        bool
	}{
		{name: "a.txt", want: "a.txt"},
		{name: "dir/sub/a.txt", want: "dir/sub/a.txt"},
		{name: "a//b/./c.txt", want: "a/b/c.txt"},
		{name: "./a.txt", want: "a.txt"},
		{name: "dir/", want: "dir"},
		{name: "üñí çødé.png", want: "üñí çødé.png"},
		{name: "", bad: true},
		{name: ".", bad: true},
		{name: "./", bad: true},
		{name: "..", bad: true},
		{name: "../x", bad: true},
		{name: "a/../b", bad: true},
		{name: "a/../../b", bad: true},
		{name: "a/..", bad: true},
		{name: "/etc/passwd", bad: true},
		{name: "//etc/passwd", bad: true},
		{name: `..\x`, bad: true},
		{name: `a\b.txt`, bad: true},
		{name: "a\x00.txt", bad: true},
		{name: "a\n.txt", bad: true},
		{name: "a\x7f", bad: true},
		{name: "\xff.txt", bad: true},
		{name: strings.Repeat("a", storage.MaxNameLength+1), bad: true},
	}
	for _, tt := range tests {
		got, err := storage.CleanName(tt.name)
		if tt.bad {
			if !errors.Is(err, storage.ErrInvalidName) {
				t.Errorf("CleanName(%q) = %q, %v; want ErrInvalidName", tt.name, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CleanName(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func newFS(t *testing.T) (*storage.FileSystem, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "media")
	return storage.NewFileSystem(root, "/media/"), root
}

func TestFileSystemRoundTrip(t *testing.T) {
	st, root := newFS(t)
	ctx := t.Context()
	name, err := st.Save(ctx, "avatars/me.png", strings.NewReader("png data"))
	if err != nil || name != "avatars/me.png" {
		t.Fatalf("Save = %q, %v; want avatars/me.png", name, err)
	}
	b, err := os.ReadFile(filepath.Join(root, "avatars", "me.png"))
	if err != nil || string(b) != "png data" {
		t.Fatalf("file on disk = %q, %v", b, err)
	}
	ok, err := st.Exists(ctx, "avatars/me.png")
	if !ok || err != nil {
		t.Errorf("Exists = %v, %v; want true", ok, err)
	}
	rc, err := st.Open(ctx, "avatars/me.png")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(rc)
	rc.Close()
	if string(b) != "png data" {
		t.Errorf("Open read %q", b)
	}
	if got := st.URL("avatars/a b#1.png"); got != "/media/avatars/a%20b%231.png" {
		t.Errorf("URL = %q", got)
	}
	if err := st.Delete(ctx, "avatars/me.png"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := st.Exists(ctx, "avatars/me.png"); ok {
		t.Error("Exists after Delete = true")
	}
	if err := st.Delete(ctx, "avatars/me.png"); err != nil {
		t.Errorf("Delete of a missing file = %v; want nil", err)
	}
	if _, err := st.Open(ctx, "avatars/me.png"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing file = %v; want fs.ErrNotExist", err)
	}
}

func TestFileSystemAvailableName(t *testing.T) {
	st, root := newFS(t)
	ctx := t.Context()
	first, err := st.Save(ctx, "docs/report.pdf", strings.NewReader("one"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.Save(ctx, "docs/report.pdf", strings.NewReader("two"))
	if err != nil {
		t.Fatal(err)
	}
	if first != "docs/report.pdf" || !regexp.MustCompile(`^docs/report_[A-Za-z0-9]{7}\.pdf$`).MatchString(second) {
		t.Fatalf("names = %q, %q; want docs/report.pdf, docs/report_XXXXXXX.pdf", first, second)
	}
	b, _ := os.ReadFile(filepath.Join(root, "docs", "report.pdf"))
	if string(b) != "one" {
		t.Errorf("first file overwritten: %q", b)
	}

	// Concurrent saves of one name never overwrite each other.
	var wg sync.WaitGroup
	names := make([]string, 20)
	for i := range names {
		wg.Go(func() {
			n, err := st.Save(ctx, "same.txt", strings.NewReader("x"))
			if err != nil {
				t.Error(err)
			}
			names[i] = n
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("name %q returned twice", n)
		}
		seen[n] = true
	}
}

// TestFileSystemTraversal tries every way out of the root: none may write,
// read or delete anything outside it.
func TestFileSystemTraversal(t *testing.T) {
	st, root := newFS(t)
	ctx := t.Context()
	outside := filepath.Join(filepath.Dir(root), "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Save(ctx, "ok.txt", strings.NewReader("ok")); err != nil {
		t.Fatal(err)
	}
	// Symbolic links inside the root pointing outside it.
	if err := os.Symlink(outside, filepath.Join(root, "linkdir")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(root, "linkfile")); err != nil {
		t.Fatal(err)
	}

	names := []string{
		"../outside/secret.txt",
		"../x",
		"/etc/passwd",
		secret, // absolute
		"a/../../outside/secret.txt",
		`..\outside\secret.txt`,
		"x\x00.txt",
		"linkdir/secret.txt",
		"linkdir/new.txt",
	}
	for _, name := range names {
		if n, err := st.Save(ctx, name, strings.NewReader("pwned")); err == nil {
			t.Errorf("Save(%q) = %q, nil; want an error", name, n)
		}
		if rc, err := st.Open(ctx, name); err == nil {
			rc.Close()
			t.Errorf("Open(%q) succeeded; want an error", name)
		}
		if err := st.Delete(ctx, name); err == nil && !strings.HasPrefix(name, "linkdir/new") {
			// Deleting a missing name inside the root is fine, anything
			// else must fail; the secret must survive either way.
			t.Errorf("Delete(%q) = nil; want an error", name)
		}
		if got := st.URL(name); got != "" && strings.Contains(name, "..") {
			t.Errorf("URL(%q) = %q; want \"\"", name, got)
		}
	}
	// Reading through the file link is refused too.
	if rc, err := st.Open(ctx, "linkfile"); err == nil {
		rc.Close()
		t.Error(`Open("linkfile") followed a link out of the root`)
	}
	// Saving over the file link picks another name instead of writing
	// through it.
	n, err := st.Save(ctx, "linkfile", strings.NewReader("pwned"))
	if err != nil || n == "linkfile" {
		t.Errorf(`Save("linkfile") = %q, %v; want an alternative name`, n, err)
	}

	b, err := os.ReadFile(secret)
	if err != nil || string(b) != "secret" {
		t.Fatalf("secret = %q, %v; want it untouched", b, err)
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 {
		t.Errorf("outside directory has %d entries; want only secret.txt", len(entries))
	}
}

func TestFileSystemCancelled(t *testing.T) {
	st, root := newFS(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := st.Save(ctx, "a.txt", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Save with a cancelled context = %v; want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(root, "a.txt")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a.txt exists after a cancelled Save: %v", err)
	}
}

// FuzzStorageName checks that every name CleanName accepts stays inside the
// root, and that Save never writes outside it.
func FuzzStorageName(f *testing.F) {
	for _, s := range []string{"a.txt", "../x", "/etc/passwd", "a/../../b", "a\x00b", `a\..\b`, "a/./b", "...", "a/...", "./../a", "%2e%2e/x"} {
		f.Add(s)
	}
	base := f.TempDir()
	root := filepath.Join(base, "root")
	st := storage.NewFileSystem(root, "/media/")
	f.Fuzz(func(t *testing.T, name string) {
		clean, err := storage.CleanName(name)
		if err != nil {
			if !errors.Is(err, storage.ErrInvalidName) {
				t.Fatalf("CleanName(%q) error %v does not wrap ErrInvalidName", name, err)
			}
			return
		}
		if !filepath.IsLocal(filepath.FromSlash(clean)) {
			t.Fatalf("CleanName(%q) = %q, not local", name, clean)
		}
		full := filepath.Join(root, filepath.FromSlash(clean))
		if rel, err := filepath.Rel(root, full); err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			t.Fatalf("CleanName(%q) = %q escapes the root: %s", name, clean, full)
		}
		saved, err := st.Save(t.Context(), name, strings.NewReader("x"))
		if err != nil {
			return // e.g. a name element that is a file already
		}
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(saved))); err != nil {
			t.Fatalf("Save(%q) = %q, but no such file under the root: %v", name, saved, err)
		}
		_ = st.Delete(t.Context(), saved)
		entries, _ := os.ReadDir(base)
		if len(entries) != 1 {
			t.Fatalf("Save(%q) created something next to the root: %v", name, entries)
		}
	})
}
