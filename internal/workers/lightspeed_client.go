package workers

import (
	"go.uber.org/zap"

	"fortspeed/clients/lightspeed"
	"fortspeed/internal/config"
	"fortspeed/internal/notify"
)

// NewLightspeedClient is the Lightspeed client of the default tenant with the worker's
// token file, for the operator CLI's reads (the pre-flight checks).
func NewLightspeedClient(cfg config.Config, opts Options, logger *zap.Logger) (*lightspeed.Client, error) {
	return newLightspeedClient(cfg, opts, connections{env: opts.Env, logger: logger, notifier: notify.Nop{}})
}
