package activities

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"fortspeed/internal/notify"
)

func notifyInput() NotifyInput {
	return NotifyInput{Tenant: "default", Flow: "orders-to-lightspeed", WorkflowID: "default:orders-to-lightspeed:order:12",
		SourceID: "12", Reason: "Fortnox order 12: customer.email: not an e-mail address"}
}

func runNeedsFix(t *testing.T, n *Notify, in NotifyInput) (NotifyResult, error) {
	t.Helper()
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(n, activity.RegisterOptions{Name: NotifyPrefix})
	val, err := env.ExecuteActivity(NotifyNeedsFix, in)
	if err != nil {
		return NotifyResult{}, err
	}
	var res NotifyResult
	require.NoError(t, val.Get(&res))
	return res, nil
}

func TestNotifyNeedsFixPostsToWebhook(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		assert.NoError(t, json.Unmarshal(b, &got))
	}))
	defer srv.Close()
	hook, err := notify.NewWebhook(srv.URL+"/hook", nil)
	require.NoError(t, err)

	res, err := runNeedsFix(t, &Notify{Notifier: hook, WebUIURL: "http://localhost:8233/"}, notifyInput())
	require.NoError(t, err)
	assert.Equal(t, "notify: sent needs_fix of default:orders-to-lightspeed:order:12 to the webhook", res.Summary)
	assert.Contains(t, got["text"], "default:orders-to-lightspeed:order:12 is needs_fix: Fortnox order 12: customer.email")
	raw, _ := json.Marshal(got["blocks"])
	assert.Contains(t, string(raw), "http://localhost:8233/namespaces/default/workflows/default:orders-to-lightspeed:order:12")
}

func TestNotifyNeedsFixWebhookFailureIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	hook, err := notify.NewWebhook(srv.URL, nil)
	require.NoError(t, err)

	_, err = runNeedsFix(t, &Notify{Notifier: hook}, notifyInput())
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	assert.Equal(t, ErrorTypeNotifyFailed, appErr.Type())
	assert.False(t, appErr.NonRetryable())
	assert.Contains(t, appErr.Error(), "502")
}

func TestNotifyNeedsFixWithoutWebhook(t *testing.T) {
	res, err := runNeedsFix(t, &Notify{Notifier: notify.Nop{}}, notifyInput())
	require.NoError(t, err)
	assert.Contains(t, res.Summary, "no webhook configured")

	in := notifyInput()
	in.WorkflowID = ""
	_, err = runNeedsFix(t, &Notify{Notifier: notify.Nop{}}, in)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	assert.True(t, appErr.NonRetryable())
}
