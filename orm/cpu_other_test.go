//go:build !unix

package orm_test

import "testing"

// cpuMeter reports nothing where getrusage is missing.
func cpuMeter(*testing.B) func() { return func() {} }
