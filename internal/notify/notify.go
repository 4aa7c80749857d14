// Package notify tells an operator that fortspeed needs attention (a record in needs_fix or
// failed, a failed flow run, a paused schedule, a connection to re-authorize, sync lag, the
// daily digest) over a Slack-compatible webhook or e-mail, so problems are fixed instead of
// going unseen. Notifications carry ids only, never personal data: they leave the
// encrypted boundary.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Notification is one event about one workflow. Reason must not hold personal data.
type Notification struct {
	Tenant     string `json:"tenant"`
	Flow       string `json:"flow"`
	WorkflowID string `json:"workflow_id"`
	Status     string `json:"status"` // needs_fix, failed, reauthorize_required …
	Reason     string `json:"reason"`
	URL        string `json:"url,omitempty"` // where to look, such as the Web UI page of the workflow
	// Lines are the digest's entries, one id and reason each.
	Lines []string `json:"lines,omitempty"`
}

// Summary is the notification in one line: the webhook's text and the e-mail's subject.
func (n Notification) Summary() string {
	s := fmt.Sprintf("fortspeed: %s is %s", n.WorkflowID, n.Status)
	if n.Reason != "" {
		s += ": " + n.Reason
	}
	return s
}

// Notifier sends notifications.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// All sends a notification to each of its notifiers that is set, so one event reaches
// every configured channel.
type All []Notifier

// Notify sends n to each notifier and returns their errors joined.
func (a All) Notify(ctx context.Context, n Notification) error {
	var errs []error
	for _, x := range a {
		if x != nil {
			errs = append(errs, x.Notify(ctx, n))
		}
	}
	return errors.Join(errs...)
}

// Nop drops every notification; it is used when a channel is not configured.
type Nop struct{}

// Notify does nothing.
func (Nop) Notify(context.Context, Notification) error { return nil }

// Webhook posts Slack-compatible JSON ({"text", "blocks"}) to an incoming-webhook URL.
type Webhook struct {
	url    string
	client *http.Client
}

// DefaultTimeout bounds one webhook call.
const DefaultTimeout = 10 * time.Second

// NewWebhook returns a notifier posting to rawURL. A nil client gets one with DefaultTimeout.
func NewWebhook(rawURL string, client *http.Client) (*Webhook, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL is a credential (whoever has it may post): never echo it.
		return nil, fmt.Errorf("webhook URL is not an http(s) URL")
	}
	if client == nil {
		client = &http.Client{Timeout: DefaultTimeout}
	}
	return &Webhook{url: rawURL, client: client}, nil
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// Message renders a notification as a Slack-compatible message.
func Message(n Notification) ([]byte, error) {
	body := fmt.Sprintf("*%s* `%s`\n%s", escape(n.Status), escape(n.WorkflowID), escape(n.Reason))
	for _, line := range n.Lines {
		body += "\n• " + escape(line)
	}
	if n.URL != "" {
		body += fmt.Sprintf("\n<%s|Open in Temporal>", n.URL)
	}
	msg := slackMessage{
		Text: n.Summary(),
		Blocks: []slackBlock{
			{Type: "section", Text: &slackText{Type: "mrkdwn", Text: clip(body, slackSectionLimit)}},
			{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: fmt.Sprintf("tenant `%s` · flow `%s`", escape(n.Tenant), escape(n.Flow))}}},
		},
	}
	return json.Marshal(msg)
}

// slackSectionLimit is the most text Slack takes in one section block.
const slackSectionLimit = 3000

// clip cuts s to at most limit runes, ending with "…" when it cut.
func clip(s string, limit int) string {
	if r := []rune(s); len(r) > limit {
		return string(r[:limit-1]) + "…"
	}
	return s
}

// escape keeps Slack from reading data as markup or mentions.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Notify posts the notification; a non-2xx answer is an error naming the status.
func (w *Webhook) Notify(ctx context.Context, n Notification) error {
	body, err := Message(n)
	if err != nil {
		return fmt.Errorf("notify %s: %w", n.WorkflowID, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify %s: build request: %w", n.WorkflowID, withoutURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("notify %s: post webhook: %w", n.WorkflowID, withoutURL(err))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("notify %s: webhook answered %d %s: %s", n.WorkflowID, resp.StatusCode, http.StatusText(resp.StatusCode), strings.TrimSpace(string(snippet)))
	}
	return nil
}

// withoutURL drops the request URL from net/http errors, since the webhook URL is a secret.
func withoutURL(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}
