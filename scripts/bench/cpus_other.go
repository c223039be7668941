//go:build !linux

package main

import "errors"

var errSplitLinux = errors.New("-split-cpus works on Linux only")

func allowedCPUs() ([]int, error) { return nil, errSplitLinux }

func (s cpuSplit) pinSelf() error { return errSplitLinux }

func (s cpuSplit) command(bin string, args []string) (string, []string, error) {
	return "", nil, errSplitLinux
}
