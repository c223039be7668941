//go:build unix

package server

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strconv"
	"syscall"
)

// listenFDsStart is the first file descriptor systemd passes (SD_LISTEN_FDS_START).
const listenFDsStart = 3

// activatedListener returns the listening socket systemd passed to this
// process (socket activation), or nil when there is none. It follows
// sd_listen_fds(3): LISTEN_PID must be this process, and LISTEN_FDS counts
// descriptors from fd 3. The variables are then unset so that child
// processes do not claim the socket too.
func activatedListener(logger *slog.Logger) (net.Listener, error) {
	pid, fds := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS")
	if pid == "" || fds == "" || pid != strconv.Itoa(os.Getpid()) {
		return nil, nil
	}
	n, err := strconv.Atoi(fds)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("server: socket activation: LISTEN_FDS=%q is not a positive count", fds)
	}
	for _, k := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
		os.Unsetenv(k)
	}
	if n > 1 {
		logger.Warn("socket activation passed several sockets; serving the first", "listen_fds", n)
	}
	syscall.CloseOnExec(listenFDsStart)
	f := os.NewFile(listenFDsStart, "systemd-socket")
	defer f.Close() // FileListener holds its own duplicate
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("server: socket activation: fd %d: %w", listenFDsStart, err)
	}
	return ln, nil
}

// restrictUmask adds to the process umask every permission bit that mode
// lacks, and returns a function that puts the previous umask back. The
// umask is process-wide: files other goroutines create meanwhile get at
// most the permissions they would have had, never more.
func restrictUmask(mode fs.FileMode) (restore func()) {
	old := syscall.Umask(0o777) // read the umask; the tightest value meanwhile
	syscall.Umask(old | int(fs.ModePerm&^mode.Perm()))
	return func() { syscall.Umask(old) }
}
