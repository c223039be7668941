//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package migrations

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Poll intervals of lockFile while another process holds the lock.
const (
	lockPollMin = 5 * time.Millisecond
	lockPollMax = 200 * time.Millisecond
)

// lockFile takes an exclusive flock(2) on path, creating the file, and
// returns the function that removes the file and releases the lock. While
// another process (or another open of the file in this one) holds it,
// lockFile calls waiting once and polls until ctx is done. The lock
// belongs to the open file, so it dies with the process: a crashed run
// leaves at most an unlocked file, which the next run takes over.
//
// Release removes the file before unlocking it; a waiter that then gets
// the lock on the removed file sees that path no longer names it and
// starts over on the new one.
func lockFile(ctx context.Context, path string, waiting func()) (func(), error) {
	delay := lockPollMin
	warned := false
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
		if err != nil {
			return nil, fmt.Errorf("migrations: open the migration lock %s: %w", path, err)
		}
		err = flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			if same(f, path) {
				return func() {
					_ = os.Remove(path)
					_ = f.Close() // releases the lock
				}, nil
			}
			// The holder removed the file as we locked it: take the new one.
			_ = f.Close()
			continue
		}
		_ = f.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("migrations: lock %s: %w", path, err)
		}
		if !warned {
			waiting()
			warned = true
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		delay = min(2*delay, lockPollMax)
	}
}

// flock calls flock(2) on f, again when a signal interrupts it.
func flock(f *os.File, how int) error {
	for range 100 {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
	return fmt.Errorf("flock %s: interrupted 100 times", f.Name())
}

// same reports whether path still names the open file f.
func same(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	if err != nil {
		return false
	}
	return os.SameFile(a, b)
}
