//go:build unix

package orm_test

import (
	"syscall"
	"testing"
)

// cpuMeter reports the process's CPU time (user + system) per operation
// as "cpu-ns/op" when the returned function is called at the end of the
// benchmark loop: unlike ns/op, which on a loaded machine is mostly
// waiting for the database, it is the client side's own cost.
func cpuMeter(b *testing.B) func() {
	start, ok := cpuNanos()
	return func() {
		end, ok2 := cpuNanos()
		if ok && ok2 && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuNanos() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
