package main

import (
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSplitCPUs(t *testing.T) {
	s, err := splitCPUs([]int{0, 1, 2, 5})
	if err != nil || s.server != 5 || !slices.Equal(s.client, []int{0, 1, 2}) {
		t.Errorf("splitCPUs(0,1,2,5) = %+v, %v; want the servers on 5, the generator on 0-2", s, err)
	}
	if got := s.String(); got != "servers on CPU 5, generator on CPU 0,1,2" {
		t.Errorf("String() = %q", got)
	}
	if _, err := splitCPUs([]int{3}); err == nil || !strings.Contains(err.Error(), "at least 2 CPUs") {
		t.Errorf("one CPU: error %v, want one saying 2 are needed", err)
	}
}

// cpusAllowed reads the Cpus_allowed_list line of a /proc status file.
func cpusAllowed(t *testing.T, status string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Cpus_allowed_list:\s*(\S+)$`).FindStringSubmatch(status)
	if m == nil {
		t.Fatalf("no Cpus_allowed_list in:\n%s", status)
	}
	return m[1]
}

// TestSplitCPUsPins checks on this machine that the generator's threads
// and a server started through command really run where the split says.
func TestSplitCPUsPins(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("-split-cpus is Linux only")
	}
	cpus, err := allowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) < 2 {
		t.Skipf("%d CPU(s) allowed; the split needs 2", len(cpus))
	}
	s, err := splitCPUs(cpus)
	if err != nil {
		t.Fatal(err)
	}

	// A server: the program started through command sees only s.server,
	// and it is the started process itself (taskset execs it), so that
	// /proc/PID and the interrupt at shutdown reach the server.
	t.Run("server", func(t *testing.T) {
		if _, err := exec.LookPath("taskset"); err != nil {
			t.Skip("no taskset")
		}
		name, argv, err := s.command("/bin/sh", []string{"-c", "cat /proc/$$/status; echo Pid-of-shell: $$"})
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(name, argv...)
		var out strings.Builder
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %v: %v", name, argv, err)
		}
		if got, want := cpusAllowed(t, out.String()), fmtCPU(s.server); got != want {
			t.Errorf("server started through command runs on CPUs %s, want %s", got, want)
		}
		if want := "Pid-of-shell: " + strconv.Itoa(cmd.Process.Pid) + "\n"; !strings.Contains(out.String(), want) {
			t.Errorf("the started process is not the program (taskset did not exec it): want %q in\n%s", want, out.String())
		}
	})

	// The generator: every thread of this process, then back to all CPUs.
	all := cpuSplit{client: cpus}
	t.Cleanup(func() {
		if err := all.pinSelf(); err != nil {
			t.Errorf("restore the CPU mask: %v", err)
		}
	})
	if err := s.pinSelf(); err != nil {
		t.Fatal(err)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	want := fmtCPUs(s.client)
	for _, task := range tasks {
		status, err := os.ReadFile("/proc/self/task/" + task.Name() + "/status")
		if err != nil {
			continue // the thread exited
		}
		if got := cpusAllowed(t, string(status)); got != want {
			t.Errorf("thread %s runs on CPUs %s, want %s", task.Name(), got, want)
		}
	}
}

func fmtCPU(c int) string { return strconv.Itoa(c) }

// fmtCPUs writes ascending CPUs as the kernel's list format: "0-2,5".
func fmtCPUs(cpus []int) string {
	var parts []string
	for i := 0; i < len(cpus); {
		j := i
		for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, fmtCPU(cpus[i]))
		} else {
			parts = append(parts, fmtCPU(cpus[i])+"-"+fmtCPU(cpus[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
