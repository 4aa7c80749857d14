package workers

import (
	"fmt"

	"fortspeed/internal/config"
	"fortspeed/mapping"
	"fortspeed/workflows"
)

// Tenant is one retailer the deployment serves: its configuration (the environment with
// its own vendor credentials and endpoints) and its settings.
type Tenant struct {
	Name     string
	Config   config.Config
	Settings *mapping.Settings
}

// LoadTenants reads the settings file and every tenant it lists. The default tenant, which
// the environment configures, is served unless further tenants are listed and the
// environment names no vendor app for it.
func LoadTenants(cfg config.Config) ([]Tenant, error) {
	settings, err := mapping.Load(cfg.Fortspeed.MappingFile)
	if err != nil {
		return nil, err
	}
	var out []Tenant
	if len(settings.Tenants) == 0 || cfg.Fortnox.ClientID != "" || cfg.Lightspeed.ClientID != "" {
		out = append(out, Tenant{Name: workflows.DefaultTenant, Config: cfg, Settings: settings})
	}
	for _, name := range settings.TenantNames() {
		t := settings.Tenants[name]
		tc, err := config.ForTenant(cfg, name, t)
		if err != nil {
			return nil, err
		}
		own := settings
		if t.Settings != "" {
			if own, err = mapping.Load(t.Settings); err != nil {
				return nil, fmt.Errorf("tenant %q: %w", name, err)
			}
			if len(own.Tenants) > 0 {
				return nil, fmt.Errorf("tenant %q: %s: tenants: a tenant's settings file lists no further tenants", name, t.Settings)
			}
		}
		tc.Fortspeed.MappingFile = t.Settings
		out = append(out, Tenant{Name: name, Config: tc, Settings: own})
	}
	return out, nil
}

// FindTenant returns the named tenant of tenants, or an error listing the ones there are.
func FindTenant(tenants []Tenant, name string) (Tenant, error) {
	names := make([]string, 0, len(tenants))
	for _, t := range tenants {
		if t.Name == name {
			return t, nil
		}
		names = append(names, t.Name)
	}
	return Tenant{}, fmt.Errorf("--tenant %q: not a tenant of the settings file (tenants: %v)", name, names)
}
