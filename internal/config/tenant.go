package config

import (
	"fmt"
	"os"
	"strings"

	"fortspeed/mapping"
)

// ForTenant returns the configuration of a further tenant listed in the settings file: the
// base configuration (Temporal, endpoints, fortspeed's own settings) with the tenant's
// vendor credentials read from the env variables or files its entry names.
func ForTenant(base Config, name string, t mapping.Tenant) (Config, error) {
	c := base
	refs := []struct {
		key string
		ref mapping.SecretRef
		dst *string
	}{
		{"fortnox.client_id", t.Fortnox.ClientID, &c.Fortnox.ClientID},
		{"fortnox.client_secret", t.Fortnox.ClientSecret, &c.Fortnox.ClientSecret},
		{"fortnox.tenant_id", t.Fortnox.TenantID, &c.Fortnox.TenantID},
		{"lightspeed.client_id", t.Lightspeed.ClientID, &c.Lightspeed.ClientID},
		{"lightspeed.client_secret", t.Lightspeed.ClientSecret, &c.Lightspeed.ClientSecret},
		{"lightspeed.account_id", t.Lightspeed.AccountID, &c.Lightspeed.AccountID},
	}
	for _, r := range refs {
		v, err := resolve(r.ref)
		if err != nil {
			return Config{}, fmt.Errorf("tenant %q: %s: %w", name, r.key, err)
		}
		*r.dst = v
	}
	for _, u := range []struct {
		key, value string
		dst        *string
	}{
		{"fortnox.base_url", t.Fortnox.BaseURL, &c.Fortnox.BaseURL}, {"fortnox.auth_url", t.Fortnox.AuthURL, &c.Fortnox.AuthURL},
		{"lightspeed.base_url", t.Lightspeed.BaseURL, &c.Lightspeed.BaseURL}, {"lightspeed.auth_url", t.Lightspeed.AuthURL, &c.Lightspeed.AuthURL},
	} {
		if u.value == "" {
			continue
		}
		if err := checkURL(u.value); err != nil {
			return Config{}, fmt.Errorf("tenant %q: %s: %w", name, u.key, err)
		}
		*u.dst = u.value
	}
	return c, nil
}

// resolve reads a secret reference; an unset reference is an empty value.
func resolve(ref mapping.SecretRef) (string, error) {
	switch {
	case ref.Env != "":
		v, ok := os.LookupEnv(ref.Env)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set", ref.Env)
		}
		return v, nil
	case ref.File != "":
		b, err := os.ReadFile(ref.File)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("secret file %s is empty", ref.File)
		}
		return v, nil
	}
	return "", nil
}
