//go:build linux && !(mips || mipsle || mips64 || mips64le)

package server

// soReusePort is SO_REUSEPORT from <asm-generic/socket.h>; package syscall
// lacks it on some Linux ports.
const soReusePort = 0xf
