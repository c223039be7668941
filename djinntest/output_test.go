package djinntest_test

import (
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/djinn-go/djinn/djinntest"
)

func TestOutputCollectsBothPipes(t *testing.T) {
	var out djinntest.Output
	cmd := exec.Command("sh", "-c", "echo to-stdout; echo to-stderr >&2")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "to-stdout\n") || !strings.Contains(got, "to-stderr\n") {
		t.Errorf("Output = %q; want both lines", got)
	}
}

func TestOutputConcurrent(t *testing.T) {
	var out djinntest.Output
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				out.WriteString("x")
				_ = out.String()
			}
		})
	}
	wg.Wait()
	if n := len(out.String()); n != 800 {
		t.Errorf("len = %d; want 800", n)
	}
}
