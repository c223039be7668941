//go:build !(aix || darwin || dragonfly || freebsd || netbsd || openbsd || linux)

package server

import "syscall"

const reusePortSupported = false

func reusePortControl(string, string, syscall.RawConn) error { return nil }
