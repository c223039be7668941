//go:build !unix

package server

import (
	"io/fs"
	"log/slog"
	"net"
)

// activatedListener returns nil: socket activation is a systemd feature.
func activatedListener(*slog.Logger) (net.Listener, error) { return nil, nil }

// restrictUmask does nothing: there is no umask outside unix systems.
func restrictUmask(fs.FileMode) (restore func()) { return func() {} }
