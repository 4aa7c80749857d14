package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sample() Notification {
	return Notification{
		Tenant: "default", Flow: "orders-to-fortnox", WorkflowID: "default:orders-to-fortnox:sale:1042",
		Status: "needs_fix", Reason: `payment_method: payment method "Klarna" has no Fortnox mode of payment`,
		URL: "http://localhost:8233/namespaces/default/workflows/default%3Aorders-to-fortnox%3Asale%3A1042",
	}
}

func TestWebhookPostsSlackJSON(t *testing.T) {
	var got map[string]any
	var contentType string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		contentType = r.Header.Get("Content-Type")
		body, _ := io.ReadAll(r.Body)
		require.NoError(t, json.Unmarshal(body, &got))
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()

	w, err := NewWebhook(srv.URL+"/services/T1/B2/secret", nil)
	require.NoError(t, err)
	require.NoError(t, w.Notify(context.Background(), sample()))

	assert.Equal(t, "application/json", contentType)
	assert.Equal(t, `fortspeed: default:orders-to-fortnox:sale:1042 is needs_fix: payment_method: payment method "Klarna" has no Fortnox mode of payment`, got["text"])
	blocks := got["blocks"].([]any)
	require.Len(t, blocks, 2)
	section := blocks[0].(map[string]any)["text"].(map[string]any)
	assert.Equal(t, "mrkdwn", section["type"])
	assert.Contains(t, section["text"], "*needs_fix* `default:orders-to-fortnox:sale:1042`")
	assert.Contains(t, section["text"], "|Open in Temporal>")
	ctx := blocks[1].(map[string]any)["elements"].([]any)[0].(map[string]any)
	assert.Equal(t, "tenant `default` · flow `orders-to-fortnox`", ctx["text"])
}

func TestMessageEscapesMarkup(t *testing.T) {
	n := sample()
	n.Reason = "<!channel> & co"
	n.URL = ""
	b, err := Message(n)
	require.NoError(t, err)
	var m slackMessage
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Contains(t, m.Blocks[0].Text.Text, "&lt;!channel&gt; &amp; co")
	assert.NotContains(t, m.Blocks[0].Text.Text, "Open in Temporal")
}

func TestWebhookNon2xx(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no_service", http.StatusNotFound)
	}))
	defer srv.Close()
	w, err := NewWebhook(srv.URL+"/hook-secret", nil)
	require.NoError(t, err)
	err = w.Notify(context.Background(), sample())
	require.EqualError(t, err, "notify default:orders-to-fortnox:sale:1042: webhook answered 404 Not Found: no_service")
}

func TestWebhookTimeoutHidesURL(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)

	w, err := NewWebhook(srv.URL+"/hook-secret", &http.Client{Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	err = w.Notify(context.Background(), sample())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hook-secret", "the webhook URL is a credential")
	assert.Contains(t, err.Error(), "post webhook")
}

func TestWebhookContextCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	w, err := NewWebhook(srv.URL, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, w.Notify(ctx, sample()), context.Canceled)
}

func TestNewWebhookRejectsBadURL(t *testing.T) {
	_, err := NewWebhook("hooks.slack.com/secret", nil)
	require.EqualError(t, err, "webhook URL is not an http(s) URL")
}

func TestNop(t *testing.T) {
	var n Notifier = Nop{}
	require.NoError(t, n.Notify(context.Background(), sample()))
}
