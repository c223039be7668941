//go:build !unix

package command

import "syscall"

// reloadSupported is false: passing a listening socket to a child process
// needs a unix system.
const reloadSupported = false

func childSysProcAttr() *syscall.SysProcAttr { return nil }
