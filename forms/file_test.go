package forms_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/storage"
)

// pngHeader is enough of a PNG for http.DetectContentType.
var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

type profile struct {
	Name   string        `form:"name" validate:"required"`
	Avatar *forms.File   `form:"avatar" validate:"required" accept:"image/png"`
	Docs   []*forms.File `form:"docs"`
}

func TestBindFiles(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 3000)
	r := multipartRequest(t, map[string]string{"name": "Ada", "avatar.Filename": "forged", "avatar.Size": "5"}, []upload{
		{"avatar", `C:\Users\ada\me.png`, pngHeader},
		{"docs", "a.txt", []byte("hello")},
		{"docs", "../../b.txt", big}, // over the memory budget: spooled to disk
		{"other", "ignored.bin", []byte("zzz")},
	})
	// A memory budget of 1000 bytes keeps a.txt in memory and spools b.txt.
	p, errs := forms.Bind[profile](r, forms.WithLimits(core.FormSettings{MaxMemorySize: 1000}))
	if errs != nil {
		t.Fatalf("Bind: %v", errs)
	}
	if p.Avatar == nil || p.Avatar.Filename != "me.png" || p.Avatar.Size != int64(len(pngHeader)) || p.Avatar.ContentType() != "image/png" {
		t.Fatalf("Avatar = %+v", p.Avatar)
	}
	if len(p.Docs) != 2 || p.Docs[0].Filename != "a.txt" || p.Docs[1].Filename != "b.txt" || p.Docs[1].Size != 3000 {
		t.Fatalf("Docs = %+v", p.Docs)
	}
	rc, err := p.Docs[1].Open()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(b, big) {
		t.Errorf("spooled file content differs (%d bytes)", len(b))
	}

	// Saved through a storage, under the client's (cleaned) name.
	st := storage.NewFileSystem(filepath.Join(t.TempDir(), "media"), "/media/")
	name, err := p.Docs[1].Save(t.Context(), st, "")
	if err != nil || name != "b.txt" {
		t.Fatalf("Save = %q, %v", name, err)
	}
	if url := st.URL(name); url != "/media/b.txt" {
		t.Errorf("URL = %q", url)
	}
	if err := p.Docs[1].Remove(); err != nil {
		t.Errorf("Remove: %v", err)
	}
	if _, err := p.Docs[1].Open(); err == nil {
		t.Error("Open after Remove succeeded")
	}
}

func TestBindFileErrors(t *testing.T) {
	lim := forms.WithLimits(core.FormSettings{MaxUploadSize: 100})
	tests := []struct {
		name  string
		files []upload
		opts  []forms.Option
		want  forms.Errors
	}{
		{"missing", nil, nil, forms.Errors{"avatar": {"This field is required."}}},
		{"too large", []upload{{"avatar", "me.png", append(pngHeader, make([]byte, 200)...)}}, nil,
			forms.Errors{"avatar": {"File too large (max 100 bytes)."}}},
		{"empty", []upload{{"avatar", "me.png", nil}}, nil, forms.Errors{"avatar": {"The submitted file is empty."}}},
		{"type", []upload{{"avatar", "me.png", []byte("just text")}}, nil,
			forms.Errors{"avatar": {"File type “text/plain” is not allowed. Allowed types are: image/png."}}},
		{"option replaces tag", []upload{{"avatar", "me.txt", []byte("just text")}},
			[]forms.Option{forms.WithAllowedTypes("avatar", "text/*")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := multipartRequest(t, map[string]string{"name": "Ada"}, tt.files)
			p, errs := forms.Bind[profile](r, append(tt.opts, lim)...)
			if diff := cmp.Diff(tt.want, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if errs != nil && p.Avatar != nil {
				t.Errorf("Avatar = %+v after an error; want nil", p.Avatar)
			}
		})
	}
}

// TestUploadTempFileRemoved checks that a spooled upload is removed when
// the request's context is done.
func TestUploadTempFileRemoved(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	r := multipartRequest(t, map[string]string{"name": "Ada"}, []upload{{"docs", "big.bin", bytes.Repeat([]byte("y"), 5000)}})
	r = r.WithContext(ctx)
	p, errs := forms.Bind[profile](r, forms.WithLimits(core.FormSettings{MaxMemorySize: 100}))
	if len(p.Docs) != 1 {
		t.Fatalf("Docs = %v, %v", p.Docs, errs)
	}
	fh, err := p.Docs[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	path := fh.(*os.File).Name()
	fh.Close()
	cancel()
	for range 100 {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("temporary file %s still exists after the request ended", path)
}

// TestUploadThroughServer posts a file through a real server with a body
// limit, as a project would.
func TestUploadThroughServer(t *testing.T) {
	st := storage.NewFileSystem(filepath.Join(t.TempDir(), "media"), "/media/")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		p, errs := forms.Bind[profile](r)
		if errs != nil {
			http.Error(w, errs.Error(), errs.HTTPStatus())
			return
		}
		name, err := p.Avatar.Save(r.Context(), st, "avatars/"+p.Avatar.Filename)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		io.WriteString(w, st.URL(name))
	}))
	defer srv.Close()
	r := multipartRequest(t, map[string]string{"name": "Ada"}, []upload{{"avatar", "../../../etc/passwd", pngHeader}})
	resp, err := http.Post(srv.URL, r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "/media/avatars/passwd" {
		t.Errorf("response = %d %s; want /media/avatars/passwd", resp.StatusCode, body)
	}
}

// TestFileCannotBeForged sends a File's fields as form values: the field
// stays nil without an upload.
func TestFileCannotBeForged(t *testing.T) {
	for _, r := range []*http.Request{
		postForm(t, "name=Ada&avatar.Filename=%2Fetc%2Fpasswd&avatar.Size=5&docs.0.Filename=x"),
		multipartRequest(t, map[string]string{"name": "Ada", "avatar.Filename": "/etc/passwd", "avatar.Size": "5"}, nil),
	} {
		p, errs := forms.Bind[profile](r)
		if p.Avatar != nil || p.Docs != nil {
			t.Errorf("forged files bound: %+v, %+v", p.Avatar, p.Docs)
		}
		if diff := cmp.Diff(forms.Errors{"avatar": {"This field is required."}}, errs); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
	}
}
