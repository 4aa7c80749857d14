package activities

import (
	"context"
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
	return runNotify(t, n, NotifyNeedsFix, in)
}

func runNotify(t *testing.T, n *Notify, name string, in NotifyInput) (NotifyResult, error) {
	t.Helper()
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(n, activity.RegisterOptions{Name: NotifyPrefix})
	val, err := env.ExecuteActivity(name, in)
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

	res, err := runNeedsFix(t, &Notify{Webhook: hook, WebUIURL: "http://localhost:8233/"}, notifyInput())
	require.NoError(t, err)
	assert.Equal(t, "notify: sent needs_fix of default:orders-to-lightspeed:order:12 by webhook", res.Summary)
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

	_, err = runNeedsFix(t, &Notify{Webhook: hook}, notifyInput())
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	assert.Equal(t, ErrorTypeNotifyFailed, appErr.Type())
	assert.False(t, appErr.NonRetryable())
	assert.Contains(t, appErr.Error(), "502")
}

func TestNotifyNeedsFixWithoutWebhook(t *testing.T) {
	res, err := runNeedsFix(t, &Notify{Webhook: notify.Nop{}}, notifyInput())
	require.NoError(t, err)
	assert.Equal(t, "notify: no webhook or email configured; needs_fix of default:orders-to-lightspeed:order:12 not sent", res.Summary)

	in := notifyInput()
	in.WorkflowID = ""
	_, err = runNeedsFix(t, &Notify{}, in)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	assert.True(t, appErr.NonRetryable())
}

// recorder is a notifier that keeps what it was given, or fails with err.
type recorder struct {
	got []notify.Notification
	err error
}

func (r *recorder) Notify(_ context.Context, n notify.Notification) error {
	if r.err != nil {
		return r.err
	}
	r.got = append(r.got, n)
	return nil
}

func TestNotifyAlertSendsOnItsChannelOnly(t *testing.T) {
	hook, mail := &recorder{}, &recorder{}
	n := &Notify{Webhook: hook, Email: mail, WebUIURL: "http://ui:8233"}
	in := NotifyInput{Tenant: "default", Flow: "stock", WorkflowID: "default:stock", Status: "schedule_paused",
		Reason: "paused: inventory count", Channel: ChannelEmail, Link: LinkSchedule}

	res, err := runNotify(t, n, NotifyAlert, in)
	require.NoError(t, err)
	assert.Equal(t, "notify: sent schedule_paused of default:stock by email", res.Summary)
	assert.Empty(t, hook.got, "the webhook has its own activity")
	require.Len(t, mail.got, 1)
	assert.Equal(t, "http://ui:8233/namespaces/default/schedules/default:stock", mail.got[0].URL)
	assert.Equal(t, "schedule_paused", mail.got[0].Status)

	in.Channel = ChannelWebhook
	in.Link = LinkNone
	res, err = runNotify(t, &Notify{Email: mail}, NotifyAlert, in)
	require.NoError(t, err)
	assert.Equal(t, "notify: no webhook configured; schedule_paused of default:stock not sent", res.Summary)
}

func TestNotifyAlertNeedsStatusAndKnownChannel(t *testing.T) {
	n := &Notify{Webhook: &recorder{}}
	in := notifyInput()
	_, err := runNotify(t, n, NotifyAlert, in)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	assert.Equal(t, ErrorTypeInvalidInput, appErr.Type())

	in.Status, in.Channel = "failed", "pager"
	_, err = runNotify(t, n, NotifyAlert, in)
	require.True(t, errors.As(err, &appErr), "got %v", err)
	assert.Contains(t, appErr.Message(), `unknown channel "pager"`)
}

func TestNotifyChannelFailureIsRetryable(t *testing.T) {
	in := notifyInput()
	in.Channel = ChannelEmail
	_, err := runNeedsFix(t, &Notify{Email: &recorder{err: errors.New("notify x: e-mail via smtp: 421 busy")}}, in)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	assert.Equal(t, ErrorTypeNotifyFailed, appErr.Type())
	assert.False(t, appErr.NonRetryable())
}
