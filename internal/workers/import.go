package workers

import (
	"context"
	"errors"
	"os"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"fortspeed/internal/connections"
	"fortspeed/internal/tokenfile"
	"fortspeed/workflows"
)

// importConnections starts the connection workflows of t that this host can start and
// that do not run yet: a Fortnox service account (client credentials need no consent), and
// a token file of an earlier fortspeed, which `starter connect` wrote before the connection
// workflows owned the tokens. A running connection keeps its own tokens; an imported or
// superseded file is renamed, so no one spends its refresh token again.
func importConnections(ctx context.Context, c client.Client, t Tenant, env Env, logger *zap.Logger) error {
	log := logger.With(zap.String("tenant", t.Name))
	if t.Config.Fortnox.TenantID != "" {
		started, err := connections.Start(ctx, c, t.Name, VendorFortnox, workflows.ConnectRequest{ServiceAccount: true})
		if err != nil {
			return err
		}
		if started {
			log.Info("Fortnox service account connected", zap.String("workflow_id", workflows.ConnectionWorkflowID(t.Name, VendorFortnox)))
		}
	}
	for _, vendor := range []string{VendorFortnox, VendorLightspeed} {
		path := TokenPath(env.StateDir, t.Name, vendor)
		tok, err := tokenfile.Load(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		started, err := connections.Start(ctx, c, t.Name, vendor, workflows.ConnectRequest{Token: tok})
		if err != nil {
			return err
		}
		// Processes starting together may all read the file; one of them renames it.
		if err := os.Rename(path, path+".imported"); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		log.Info("token file handed to the connection workflow", zap.String("vendor", vendor), zap.String("token_file", path),
			zap.Bool("imported", started))
	}
	return nil
}
