package orm

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core/server"
)

// Probe returns the readiness probe "database" for /readyz: it pings db's
// primary connection pool within the probe's context, so the server's probe
// timeout bounds it. The probe is safe for concurrent use.
func Probe(db *gorm.DB) server.Probe {
	return server.Probe{
		Name: "database",
		Check: func(ctx context.Context) error {
			sqlDB, err := db.DB()
			if err != nil {
				return fmt.Errorf("orm: probe: %w", err)
			}
			if err := sqlDB.PingContext(ctx); err != nil {
				return fmt.Errorf("orm: ping: %w", err)
			}
			return nil
		},
	}
}
