//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"

	"golang.org/x/sys/unix"
)

// allowedCPUs lists the CPUs this process may run on, ascending.
func allowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("-split-cpus: read the CPU affinity: %w", err)
	}
	var cpus []int
	for c := range len(set) * 64 { // every CPU the set can hold
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// pinSelf moves every thread of this process onto the generator's CPUs;
// threads the runtime starts later inherit the mask from the thread that
// creates them. A thread started by a not yet moved thread during a pass
// is caught by the next one: passes repeat until one finds no new thread.
func (s cpuSplit) pinSelf() error {
	var set unix.CPUSet
	for _, c := range s.client {
		set.Set(c)
	}
	done := map[int]bool{}
	for range 10 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("-split-cpus: %w", err)
		}
		moved := 0
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil || done[tid] {
				continue
			}
			// A thread may have exited since the listing: ESRCH is fine.
			if err := unix.SchedSetaffinity(tid, &set); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("-split-cpus: pin the generator's thread %d: %w", tid, err)
			}
			done[tid] = true
			moved++
		}
		if moved == 0 {
			return nil
		}
	}
	return errors.New("-split-cpus: threads kept appearing while pinning the generator")
}

// command returns the command line that runs bin with args on the
// servers' CPU: taskset (util-linux) sets the mask before the program
// starts, so that all of its threads, and the Go runtime's GOMAXPROCS,
// see one CPU.
func (s cpuSplit) command(bin string, args []string) (string, []string, error) {
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return "", nil, errors.New("-split-cpus needs taskset (Debian package util-linux)")
	}
	return taskset, append([]string{"-c", strconv.Itoa(s.server), bin}, args...), nil
}
