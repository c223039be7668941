//go:build unix && !linux

package command

import "syscall"

// reloadSupported reports whether runserver can reload: the socket is
// passed to the child as an inherited descriptor.
const reloadSupported = true

// childSysProcAttr puts a child in its own process group, so that Ctrl-C
// reaches the reloader only and the child gets exactly one SIGTERM from
// it.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
