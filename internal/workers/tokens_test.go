package workers

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/activities"
)

// TestRefreshHandsTheSamePairToItsRetry: the refresh activity spends a single-use refresh
// token. When its result does not reach the workflow and Temporal retries it, the retry
// gets the pair the vendor already answered with, and spends nothing; once the workflow
// names the token spent, the kept pair is forgotten.
func TestRefreshHandsTheSamePairToItsRetry(t *testing.T) {
	sb := startSandboxes(t)
	cfg := sandboxConfig(t, sb)
	minted := mintToken(t, sb.lightspeed, 3600)
	var refreshes int
	oauth := LightspeedOAuth(cfg, nil)
	oauth.OnRefresh = func(string, error) { refreshes++ }
	a := &activities.Connection{Tenant: "default", OAuth: oauth}
	ctx := context.Background()
	in := activities.RefreshInput{Tenant: "default", RefreshToken: minted.RefreshToken}

	first, err := a.Refresh(ctx, in)
	require.NoError(t, err)
	require.NotEqual(t, minted.RefreshToken, first.RefreshToken)
	retried, err := a.Refresh(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, first, retried, "the retry hands out the pair already minted")
	assert.Equal(t, 1, refreshes, "one call to the token endpoint")

	next, err := a.Refresh(ctx, activities.RefreshInput{Tenant: "default", RefreshToken: first.RefreshToken, Spent: []string{minted.RefreshToken}})
	require.NoError(t, err)
	assert.NotEqual(t, first.RefreshToken, next.RefreshToken)
	assert.Equal(t, 2, refreshes)

	_, _ = a.Refresh(ctx, in) // forgotten: the vendor decides about the old token now
	assert.Equal(t, 3, refreshes, "a spent token whose pair was forgotten goes to the vendor again")

	_, err = a.Refresh(ctx, activities.RefreshInput{Tenant: "shop2", RefreshToken: next.RefreshToken})
	require.Error(t, err, "a refresh for another tenant is refused")
	assert.Equal(t, 3, refreshes)
}
