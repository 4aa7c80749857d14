package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients"
	"fortspeed/internal/connections"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// TestConnectHandsTokensToTheConnection: `starter connect` against both sandboxes, end to
// end: a callback with a forged state is refused and the wait goes on, the real consent
// connects (Lightspeed with PKCE), and the running worker hands out the tokens at once.
// A revoked connection pauses the tenant's schedules and says so in `starter status`;
// connecting again resumes them.
func TestConnectHandsTokensToTheConnection(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv := startServer(t, workflows.DevServerSearchAttributes())
	_, ls := useSandboxes(t)
	startWorker(t)
	c := srv.Client()

	for _, vendor := range []string{"fortnox", "lightspeed"} {
		t.Run(vendor, func(t *testing.T) {
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"connect", vendor}, strings.NewReader(""), pw, io.Discard)
				pw.Close()
			}()
			lines := bufio.NewScanner(pr)
			var authorize string
			for lines.Scan() {
				if l := strings.TrimSpace(lines.Text()); strings.HasPrefix(l, "http") {
					authorize = l
					break
				}
			}
			require.NotEmpty(t, authorize, "connect prints the authorize URL")
			u, err := url.Parse(authorize)
			require.NoError(t, err)
			if vendor == "lightspeed" {
				assert.Equal(t, "S256", u.Query().Get("code_challenge_method"))
				assert.NotEmpty(t, u.Query().Get("code_challenge"))
			} else {
				assert.Contains(t, u.Query().Get("scope"), "order")
			}
			forged := *u
			q := forged.Query()
			q.Set("state", "forged")
			forged.RawQuery = q.Encode()
			assert.Equal(t, http.StatusBadRequest, getStatus(t, forged.String()), "a callback with another state is refused")
			select {
			case err := <-done:
				t.Fatalf("a forged state ended the wait: %v", err)
			default:
			}
			assert.Equal(t, http.StatusOK, getStatus(t, authorize))
			rest, _ := io.ReadAll(pr)
			require.NoError(t, <-done)
			assert.Contains(t, string(rest), "connected (default:connection:"+vendor+", connected); running workers use it now")

			tok, err := connections.NewSource(c, "default", vendor).Token(ctx)
			require.NoError(t, err, "the worker hands out the new token")
			assert.NotEmpty(t, tok)
		})
	}

	_, err := starter(ctx, "setup")
	require.NoError(t, err)
	src := connections.NewSource(c, "default", "lightspeed")
	tok, err := src.Token(ctx)
	require.NoError(t, err)
	putFaults(t, ls.URL, testapi.Faults{RevokeTokens: true}) // the merchant removes the app
	_, err = src.Refresh(ctx, tok)
	require.ErrorContains(t, err, "needs re-authorization")
	assert.Equal(t, clients.InvalidGrant, clients.KindOf(err))

	waitUntil(ctx, t, "the schedules paused", func() bool {
		d, err := c.ScheduleClient().GetHandle(ctx, "default:orders-to-fortnox").Describe(ctx)
		return err == nil && d.Schedule.State.Paused
	})
	out, err := starter(ctx, "status")
	require.Error(t, err)
	assert.Contains(t, out, "connection lightspeed: reauthorize_required")
	assert.Contains(t, out, "paused default:orders-to-fortnox")
	var rep statusReport
	out, _ = starter(ctx, "status", "--output", "json")
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Connections, 2)
	assert.Equal(t, workflows.ConnectionConnected, rep.Connections[0].Status)
	assert.Equal(t, workflows.ConnectionReauthorizeRequired, rep.Connections[1].Status)

	out, err = starter(ctx, "connect", "lightspeed", "--follow")
	require.NoError(t, err)
	assert.Contains(t, out, "Lightspeed connected")
	defer func() {
		if !t.Failed() {
			return
		}
		it := c.GetWorkflowHistory(context.Background(), "default:connection:lightspeed", "", false, 0)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				break
			}
			t.Logf("%d %s %v", ev.GetEventId(), ev.GetEventType(), ev.GetActivityTaskFailedEventAttributes().GetFailure().GetMessage())
		}
	}()
	waitUntil(ctx, t, "the schedules resumed", func() bool {
		d, err := c.ScheduleClient().GetHandle(ctx, "default:orders-to-fortnox").Describe(ctx)
		return err == nil && !d.Schedule.State.Paused
	})
	_, err = src.Token(ctx)
	require.NoError(t, err, "connected again, without a worker restart")

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
		t.Setenv("FORTNOX_TENANT_ID", "999")
		_, err = starter(ctx, "connect", "fortnox")
		require.ErrorContains(t, err, "Fortnox service account (tenant id 999): fortnox: token client_credentials: InvalidGrant")
	})
}

func getStatus(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func putFaults(t *testing.T, base string, f testapi.Faults) {
	t.Helper()
	body, err := json.Marshal(f)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, base+"/_sandbox/faults", bytes.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func waitUntil(ctx context.Context, t *testing.T, what string, ok func() bool) {
	t.Helper()
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting until %s", what)
		case <-time.After(200 * time.Millisecond):
		}
	}
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
