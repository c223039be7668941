// Package storage stores uploaded files, like Django's file storage API.
//
// Storage is the interface forms and views use; FileSystem, the default,
// keeps files under a directory (Forms.MediaRoot) and serves their URLs
// under a prefix (Forms.MediaURL):
//
//	st := storage.NewFileSystem(s.Forms.MediaRoot, s.Forms.MediaURL)
//	name, err := st.Save(ctx, "avatars/me.png", r) // "avatars/me_x7Kq2bP.png" when taken
//	url := st.URL(name)                            // "/media/avatars/me_x7Kq2bP.png"
//
// Names are slash-separated paths relative to the storage. CleanName says
// which names are valid: no absolute paths, no ".." elements, no NUL,
// backslash or control characters. FileSystem also does every operation
// through an os.Root, so that a symbolic link inside the root that points
// outside it is refused rather than followed.
package storage
