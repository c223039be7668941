//go:build aix || darwin || dragonfly || freebsd || netbsd || openbsd || linux

package server

import "syscall"

const reusePortSupported = true

// reusePortControl sets SO_REUSEPORT on a socket before it binds.
func reusePortControl(network, address string, c syscall.RawConn) error {
	var sockErr error
	err := c.Control(func(fd uintptr) {
		sockErr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1)
	})
	if err != nil {
		return err
	}
	return sockErr
}
