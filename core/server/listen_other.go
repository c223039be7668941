//go:build !unix

package server

import (
	"log/slog"
	"net"
)

// activatedListener returns nil: socket activation is a systemd feature.
func activatedListener(*slog.Logger) (net.Listener, error) { return nil, nil }
