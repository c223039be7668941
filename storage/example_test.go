package storage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/djinn-go/djinn/storage"
)

func ExampleFileSystem() {
	dir, _ := os.MkdirTemp("", "media")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st := storage.NewFileSystem(filepath.Join(dir, "media"), "/media/")

	name, err := st.Save(ctx, "avatars/ada.png", strings.NewReader("..."))
	fmt.Println(name, err, st.URL(name))

	_, err = st.Save(ctx, "../../etc/passwd", strings.NewReader("x"))
	fmt.Println(err)
	// Output:
	// avatars/ada.png <nil> /media/avatars/ada.png
	// storage: invalid file name "../../etc/passwd": ".." element
}
