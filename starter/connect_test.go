package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/internal/tokenfile"
)

func TestConnectFollowWritesTokenFile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	useSandboxes(t)
	state := os.Getenv("FORTSPEED_STATE_DIR")

	for _, vendor := range []string{"fortnox", "lightspeed"} {
		t.Run(vendor, func(t *testing.T) {
			out, err := starter(ctx, "connect", vendor, "--follow")
			require.NoError(t, err)
			path := filepath.Join(state, "tokens", "default-"+vendor+".json")
			assert.Contains(t, out, "connected; token saved to "+path)
			tok, err := tokenfile.Load(path)
			require.NoError(t, err)
			assert.NotEmpty(t, tok.AccessToken)
			assert.NotEmpty(t, tok.RefreshToken)
			assert.True(t, tok.Expiry.After(time.Now()))
			info, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "only the owner reads tokens")
		})
	}

	t.Run("wrong client secret", func(t *testing.T) {
		t.Setenv("LIGHTSPEED_CLIENT_SECRET", "wrong")
		_, err := starter(ctx, "connect", "lightspeed", "--follow")
		require.ErrorContains(t, err, "Lightspeed: exchange the code for tokens: lightspeed: token authorization_code: Unauthorized")
	})
	t.Run("unknown client id", func(t *testing.T) {
		t.Setenv("FORTNOX_CLIENT_ID", "someone-else")
		_, err := starter(ctx, "connect", "fortnox", "--follow")
		require.ErrorContains(t, err, "Fortnox authorize: HTTP 400")
	})
	t.Run("service account", func(t *testing.T) {
		t.Setenv("FORTNOX_TENANT_ID", "1234567")
		out, err := starter(ctx, "connect", "fortnox")
		require.NoError(t, err)
		assert.Equal(t, "Fortnox: service account credentials work; no authorization or token file needed\n", out)

		t.Setenv("FORTNOX_TENANT_ID", "999")
		_, err = starter(ctx, "connect", "fortnox")
		require.ErrorContains(t, err, "Fortnox service account (FORTNOX_TENANT_ID 999): fortnox: token client_credentials: InvalidGrant")
	})
}

func TestCallbackChecksState(t *testing.T) {
	done := make(chan error, 1)
	var codes []string
	cb := &callback{state: "s3cret", done: done, exchange: func(_ context.Context, code string) error {
		codes = append(codes, code)
		return nil
	}}
	srv := httptest.NewServer(cb)
	defer srv.Close()

	get := func(path string) int {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusBadRequest, get("/callback?code=c1&state=forged"))
	assert.Empty(t, codes, "a forged state is not exchanged")
	select {
	case err := <-done:
		t.Fatalf("a forged callback ended the wait: %v", err)
	default:
	}
	assert.Equal(t, http.StatusNotFound, get("/other?code=c1&state=s3cret"))
	assert.Equal(t, http.StatusOK, get("/callback?code=c2&state=s3cret"))
	assert.Equal(t, []string{"c2"}, codes)
	require.NoError(t, <-done)

	refused := make(chan error, 1)
	cb = &callback{state: "s", done: refused, exchange: func(context.Context, string) error { return nil }}
	rec := httptest.NewRecorder()
	cb.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/callback?state=s&error=access_denied", nil))
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	require.ErrorContains(t, <-refused, "authorization refused: access_denied")
}
