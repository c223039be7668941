package faulttest

import (
	"os"
	"testing"
)

// TestMain removes the polls binary the tests built, so that runs leave
// nothing in the temporary directory.
func TestMain(m *testing.M) {
	code := m.Run()
	RemoveBuild()
	os.Exit(code)
}
