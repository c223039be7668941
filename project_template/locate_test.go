package projecttemplate

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLocate(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// The test binary is built from this checkout: (devel), so the
	// project must point at the checkout.
	got, err := Locate(t.Context(), "")
	if err != nil || got != (Djinn{Version: PlaceholderVersion, Dir: root}) {
		t.Errorf("Locate() = %+v, %v; want the checkout %s", got, err, root)
	}
	got, err = Locate(t.Context(), "..")
	if err != nil || got != (Djinn{Version: PlaceholderVersion, Dir: root}) {
		t.Errorf("Locate(..) = %+v, %v; want the checkout %s", got, err, root)
	}
	for _, dir := range []string{t.TempDir(), "testdata"} {
		if _, err := Locate(t.Context(), dir); err == nil || !strings.Contains(err.Error(), "Djinn checkout") {
			t.Errorf("Locate(%s) = %v; want an error naming the missing checkout", dir, err)
		}
	}
}

func TestPublished(t *testing.T) {
	tests := map[string]bool{
		"v0.3.0":                               true,
		"v0.3.1-0.20261126020000-abcdefabcdef": true,
		"(devel)":                              false,
		"v0.0.0-20261126020000-abcdefabcdef+dirty": false,
		PlaceholderVersion:                         false,
		"":                                         false,
	}
	for v, want := range tests {
		if got := published(v); got != want {
			t.Errorf("published(%q) = %v; want %v", v, got, want)
		}
	}
}
