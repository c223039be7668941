package loadgen

import (
	"os"
	"testing"
	"time"
)

// TestProcessCPU checks that the CPU time of this process is read and
// grows while it computes.
func TestProcessCPU(t *testing.T) {
	start := ProcessCPU(os.Getpid())
	deadline := time.Now().Add(10 * time.Second)
	x := 1
	for ProcessCPU(os.Getpid()) <= start {
		if time.Now().After(deadline) {
			t.Fatalf("ProcessCPU stayed at %v through 10 s of computing", start)
		}
		for i := range 1_000_000 {
			x = x*31 + i
		}
	}
	if x == 0 {
		t.Log(x) // keep the loop
	}
	if ProcessCPU(-1) != 0 {
		t.Error("ProcessCPU of no process is not 0")
	}
}
