package workers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kelseyhightower/envconfig"
)

// Env is the part of a worker's environment that internal/config does not hold: where
// token files of an earlier fortspeed are imported from, the Web UI address for links in
// notifications, and the caps on the vendor task queues.
type Env struct {
	// StateDir may hold token files of an earlier fortspeed, which a worker hands to the
	// connection workflows; default $HOME/.fortspeed.
	StateDir string `envconfig:"FORTSPEED_STATE_DIR"`
	// WebUIURL makes each needs_fix notification link to its workflow; empty: no link.
	WebUIURL string `envconfig:"FORTSPEED_WEB_UI_URL"`
	// FortnoxActivitiesPerSecond and LightspeedActivitiesPerSecond cap the activities on a
	// vendor queue across every worker process together; 0 leaves pacing to the clients.
	FortnoxActivitiesPerSecond    float64 `envconfig:"FORTSPEED_FORTNOX_ACTIVITIES_PER_SECOND"`
	LightspeedActivitiesPerSecond float64 `envconfig:"FORTSPEED_LIGHTSPEED_ACTIVITIES_PER_SECOND"`
	// FortnoxRequestsPer5s is how many Fortnox requests the process sends in any 5 seconds;
	// 0 is 24, just under the 25 Fortnox allows. Lower it when another integration shares
	// the app's limit on the same Fortnox company (the sandbox without limits takes more).
	FortnoxRequestsPer5s int `envconfig:"FORTSPEED_FORTNOX_REQUESTS_PER_5S"`
}

// LoadEnv reads Env and fills in the state directory's default.
func LoadEnv() (Env, error) {
	var e Env
	if err := envconfig.Process("", &e); err != nil {
		var pe *envconfig.ParseError
		if errors.As(err, &pe) {
			return Env{}, fmt.Errorf("%s: want a number, got %q", pe.KeyName, pe.Value)
		}
		return Env{}, err
	}
	if e.StateDir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return Env{}, fmt.Errorf("FORTSPEED_STATE_DIR: not set and no home directory to default to: %w", err)
		}
		e.StateDir = filepath.Join(home, ".fortspeed")
	}
	if e.FortnoxActivitiesPerSecond < 0 {
		return Env{}, fmt.Errorf("FORTSPEED_FORTNOX_ACTIVITIES_PER_SECOND: must not be negative, got %v", e.FortnoxActivitiesPerSecond)
	}
	if e.LightspeedActivitiesPerSecond < 0 {
		return Env{}, fmt.Errorf("FORTSPEED_LIGHTSPEED_ACTIVITIES_PER_SECOND: must not be negative, got %v", e.LightspeedActivitiesPerSecond)
	}
	if e.FortnoxRequestsPer5s < 0 {
		return Env{}, fmt.Errorf("FORTSPEED_FORTNOX_REQUESTS_PER_5S: must not be negative, got %d", e.FortnoxRequestsPer5s)
	}
	if e.WebUIURL != "" && !strings.HasPrefix(e.WebUIURL, "http://") && !strings.HasPrefix(e.WebUIURL, "https://") {
		return Env{}, fmt.Errorf("FORTSPEED_WEB_UI_URL: want an http(s) URL, got %q", e.WebUIURL)
	}
	return e, nil
}

// Vendors, as they name token files and appear in messages.
const (
	VendorFortnox    = "fortnox"
	VendorLightspeed = "lightspeed"
)

// TokenPath is where an earlier fortspeed's `starter connect` kept one tenant's token pair
// for vendor; a worker imports it into the connection workflow (importConnections).
func TokenPath(stateDir, tenant, vendor string) string {
	return filepath.Join(stateDir, "tokens", tenant+"-"+vendor+".json")
}
