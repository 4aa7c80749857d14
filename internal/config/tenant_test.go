package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/mapping"
)

func TestForTenant(t *testing.T) {
	base, err := Load()
	require.NoError(t, err)
	base.Fortnox.ClientID = "default-id"

	secretFile := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(secretFile, []byte("file-secret\n"), 0o600))
	t.Setenv("SHOP2_FORTNOX_ID", "shop2-id")
	t.Setenv("SHOP2_LS_ID", "ls-id")
	t.Setenv("SHOP2_LS_SECRET", "ls-secret")
	t.Setenv("SHOP2_LS_ACCOUNT", "99")

	tenant := mapping.Tenant{
		Fortnox: mapping.FortnoxCredentials{ClientID: mapping.SecretRef{Env: "SHOP2_FORTNOX_ID"}, ClientSecret: mapping.SecretRef{File: secretFile}},
		Lightspeed: mapping.LightspeedCredentials{ClientID: mapping.SecretRef{Env: "SHOP2_LS_ID"},
			ClientSecret: mapping.SecretRef{Env: "SHOP2_LS_SECRET"}, AccountID: mapping.SecretRef{Env: "SHOP2_LS_ACCOUNT"}},
	}
	c, err := ForTenant(base, "shop2", tenant)
	require.NoError(t, err)
	assert.Equal(t, "shop2-id", c.Fortnox.ClientID)
	assert.Equal(t, "file-secret", c.Fortnox.ClientSecret)
	assert.Empty(t, c.Fortnox.TenantID)
	assert.Equal(t, "99", c.Lightspeed.AccountID)
	assert.Equal(t, base.Temporal, c.Temporal)
	assert.Equal(t, "default-id", base.Fortnox.ClientID, "the base is not changed")

	tenant.Lightspeed.ClientSecret = mapping.SecretRef{Env: "SHOP2_MISSING"}
	_, err = ForTenant(base, "shop2", tenant)
	require.EqualError(t, err, `tenant "shop2": lightspeed.client_secret: environment variable SHOP2_MISSING is not set`)

	tenant.Lightspeed.ClientSecret = mapping.SecretRef{File: filepath.Join(t.TempDir(), "none")}
	_, err = ForTenant(base, "shop2", tenant)
	require.ErrorContains(t, err, `tenant "shop2": lightspeed.client_secret: read secret file`)
}
