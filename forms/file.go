package forms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"os"
	"path"
	"strings"

	"github.com/djinn-go/djinn/storage"
)

// File is an uploaded file bound from a multipart form, for fields of type
// *File or []*File (`form:"avatar"`). Small files stay in memory, larger
// ones in a temporary file that is removed when the request's context is
// done (when the view returns) or by Remove.
//
// A File is read-only after Bind returns; Open may be called any number
// of times, concurrently.
type File struct {
	// Filename is the name the client gave, without any directory part;
	// never trust it as a storage name as is (Save cleans it).
	Filename string
	// Size is the content's length in bytes.
	Size int64
	// Header is the part's MIME header; its Content-Type is what the client
	// claims, see ContentType for what the content is.
	Header textproto.MIMEHeader

	data   []byte
	tmp    string
	sniff  []byte // the first up to 512 bytes
	remove func() bool
}

// Open returns the content.
func (f *File) Open() (io.ReadSeekCloser, error) {
	if f.tmp == "" {
		return nopCloser{bytes.NewReader(f.data)}, nil
	}
	fh, err := os.Open(f.tmp)
	if err != nil {
		return nil, fmt.Errorf("forms: open upload %q: %w", f.Filename, err)
	}
	return fh, nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// ContentType returns the media type sniffed from the first 512 bytes of
// the content with http.DetectContentType ("image/png",
// "text/plain; charset=utf-8", "application/octet-stream" when unknown).
func (f *File) ContentType() string { return http.DetectContentType(f.sniff) }

// Remove deletes the temporary file now rather than when the request ends;
// the File is unusable afterwards.
func (f *File) Remove() error {
	if f.tmp == "" {
		f.data = nil
		return nil
	}
	if f.remove != nil {
		f.remove() // stop the context hook
	}
	err := os.Remove(f.tmp)
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	return err
}

// Save stores the content in st under name, or under the client's file
// name (without directories) when name is "", and returns the name st
// used (see storage.Storage.Save).
func (f *File) Save(ctx context.Context, st storage.Storage, name string) (string, error) {
	if name == "" {
		name = f.Filename
	}
	r, err := f.Open()
	if err != nil {
		return "", err
	}
	defer r.Close()
	return st.Save(ctx, name, r)
}

// baseName returns the last element of a client file name, which may use
// backslashes (old browsers on Windows send the full path).
func baseName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
}

// typeAllowed reports whether the sniffed media type matches one of
// allowed ("image/png", "image/*", "text/plain").
func typeAllowed(sniffed string, allowed []string) bool {
	mt, _, err := mime.ParseMediaType(sniffed)
	if err != nil {
		mt = sniffed
	}
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == mt {
			return true
		}
		if prefix, ok := strings.CutSuffix(a, "/*"); ok && strings.HasPrefix(mt, prefix+"/") {
			return true
		}
	}
	return false
}

// formatSize words a size in bytes like Django's filesizeformat: "10 MB",
// "2.5 MB", "512 bytes".
func formatSize(n int64) string {
	const kb, mb, gb = 1 << 10, 1 << 20, 1 << 30
	trim := func(f float64, unit string) string {
		s := strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0")
		return s + " " + unit
	}
	switch {
	case n >= gb:
		return trim(float64(n)/gb, "GB")
	case n >= mb:
		return trim(float64(n)/mb, "MB")
	case n >= kb:
		return trim(float64(n)/kb, "KB")
	case n == 1:
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}
