package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// listen opens the listener Config describes: the socket inherited from
// systemd when there is one, else a unix socket or a TCP port. It reports
// how the listener was obtained, for the "listening" log line.
func (s *Server) listen(ctx context.Context) (ln net.Listener, source string, err error) {
	ln, err = activatedListener(s.logger)
	if err != nil || ln != nil {
		return ln, "systemd", err
	}
	if path, ok := strings.CutPrefix(s.cfg.Addr, "unix:"); ok {
		ln, err = listenUnix(ctx, path, s.cfg.SocketMode)
		return ln, "addr", err
	}
	var lc net.ListenConfig
	if s.cfg.ReusePort {
		if !reusePortSupported {
			return nil, "", errors.New("server: Config.ReusePort: SO_REUSEPORT is not supported on this platform")
		}
		lc.Control = reusePortControl
	}
	ln, err = lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return nil, "", fmt.Errorf("server: listen: %w", err)
	}
	return ln, "addr", nil
}

// listenUnix listens on a unix socket at path, first removing a stale
// socket file, and sets the socket file's permissions to mode. The file
// is created with permissions no wider than mode (see bindUnix), so no
// other user can connect before the Chmod. An abstract socket ("@name",
// Linux) has no file: nothing is removed and no permissions are set.
//
// Between the check and the removal another process could replace the
// file; the window is tiny and only matters if two servers start on the
// same path at once, which is a deployment error anyway.
func listenUnix(ctx context.Context, path string, mode fs.FileMode) (net.Listener, error) {
	abstract := strings.HasPrefix(path, "@")
	if !abstract {
		if err := removeStaleSocket(ctx, path); err != nil {
			return nil, err
		}
	}
	ln, err := bindUnix(ctx, path, mode)
	if err != nil {
		return nil, fmt.Errorf("server: listen: %w", err)
	}
	if abstract {
		return ln, nil
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("server: set socket permissions: %w", err)
	}
	return ln, nil
}

// bindUnix listens on the unix socket path. On unix systems the process
// umask is widened for the duration of the call to also mask every
// permission bit mode lacks, so the socket file is never created with
// more permissions than mode.
func bindUnix(ctx context.Context, path string, mode fs.FileMode) (net.Listener, error) {
	var lc net.ListenConfig
	restore := restrictUmask(mode)
	defer restore()
	return lc.Listen(ctx, "unix", path)
}

// removeStaleSocket removes the socket file at path when no server
// accepts on it. It never removes anything that is not a socket, nor a
// socket that a live server still accepts on.
func removeStaleSocket(ctx context.Context, path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("server: inspect socket path: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("server: %s exists and is not a socket (%v); not removing it", path, fi.Mode().Type())
	}
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "unix", path)
	if err == nil {
		c.Close()
		return fmt.Errorf("server: socket %s is in use by another server", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("server: check socket %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("server: remove stale socket: %w", err)
	}
	return nil
}

// limitListener accepts at most cap(sem) connections at a time. When the
// limit is reached, Accept waits for a connection to close; clients queue
// in the kernel meanwhile. It is safe for concurrent use.
type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	logger    *slog.Logger
	lastWarn  atomic.Int64 // unix nanoseconds of the last "limit reached" log
}

func newLimitListener(ln net.Listener, n int, logger *slog.Logger) *limitListener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{}), logger: logger}
}

// Accept waits for a free slot, then for a connection; it returns
// net.ErrClosed once the listener is closed.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	default:
		l.warnFull()
		select {
		case l.sem <- struct{}{}:
		case <-l.done:
			return nil, net.ErrClosed
		}
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

// warnFull logs that the limit was reached, at most every 10 s.
func (l *limitListener) warnFull() {
	now := time.Now().UnixNano()
	last := l.lastWarn.Load()
	if now-last < int64(10*time.Second) || !l.lastWarn.CompareAndSwap(last, now) {
		return
	}
	l.logger.Warn("connection limit reached; new connections wait", "max_conns", cap(l.sem))
}

// Close closes the listener and wakes Accept calls waiting for a slot.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitConn gives its slot back once, on the first Close.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close closes the connection and frees its slot (once).
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// ReadFrom keeps the sendfile/splice fast path of *net.TCPConn.
func (c *limitConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// CloseWrite lets net/http half-close the connection so that an error
// response reaches the client before the socket closes.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
