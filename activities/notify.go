package activities

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"go.temporal.io/sdk/temporal"

	"fortspeed/internal/notify"
)

// statusNeedsFix is the notification status of a record that waits for a fix at its source.
const statusNeedsFix = "needs_fix"

// The alert channels. A workflow sends each alert once per channel, each in an activity of
// its own, so a channel that is down is retried without repeating the message on another.
const (
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
)

// The pages a notification links to in the Web UI (NotifyInput.Link).
const (
	LinkWorkflow = ""         // the workflow named by WorkflowID
	LinkSchedule = "schedule" // the schedule named by WorkflowID
	LinkNone     = "none"
)

// Notify sends operator notifications. It talks to no vendor, so one instance serves every
// tenant and flow; register it with NotifyPrefix.
type Notify struct {
	// Webhook and Email deliver the messages; nil when the channel is not configured.
	Webhook notify.Notifier
	Email   notify.Notifier
	// WebUIURL, when set (http://localhost:8233), makes each message link to its workflow.
	WebUIURL string
	// Namespace is the Temporal namespace of the workflows the links point at.
	Namespace string
}

// NeedsFix tells the operator that a record became needs_fix and why. The input names the
// record by ids only: the message leaves the encrypted boundary. It is an activity of its
// own because `starter status` reads the reason from its input in the record's history.
func (n *Notify) NeedsFix(ctx context.Context, in NotifyInput) (NotifyResult, error) {
	if in.Status == "" {
		in.Status = statusNeedsFix
	}
	return n.send(ctx, in)
}

// Alert sends any other alert: a failed record or flow run, a paused schedule, lag, the
// digest.
func (n *Notify) Alert(ctx context.Context, in NotifyInput) (NotifyResult, error) {
	if strings.TrimSpace(in.Status) == "" {
		return NotifyResult{}, InvalidInputError("notify: the alert for %s has no status", in.WorkflowID)
	}
	return n.send(ctx, in)
}

// send delivers in on its channel; an empty channel (runs recorded before there were
// channels) means every configured one.
func (n *Notify) send(ctx context.Context, in NotifyInput) (NotifyResult, error) {
	if strings.TrimSpace(in.WorkflowID) == "" {
		return NotifyResult{}, ConfigError("notify: the %s notification names no workflow", in.Status)
	}
	channels := []string{ChannelWebhook, ChannelEmail}
	switch in.Channel {
	case "":
	case ChannelWebhook, ChannelEmail:
		channels = []string{in.Channel}
	default:
		return NotifyResult{}, InvalidInputError("notify: unknown channel %q", in.Channel)
	}
	msg := notify.Notification{Tenant: in.Tenant, Flow: in.Flow, WorkflowID: in.WorkflowID,
		Status: in.Status, Reason: in.Reason, URL: n.link(in), Lines: in.Lines}
	var sent, off []string
	for _, ch := range channels {
		to := n.channel(ch)
		if to == nil {
			off = append(off, ch)
			continue
		}
		if err := to.Notify(ctx, msg); err != nil {
			return NotifyResult{}, temporal.NewApplicationError(err.Error(), ErrorTypeNotifyFailed)
		}
		sent = append(sent, ch)
	}
	if len(sent) == 0 {
		return NotifyResult{Summary: fmt.Sprintf("notify: no %s configured; %s of %s not sent", strings.Join(off, " or "), in.Status, in.WorkflowID)}, nil
	}
	return NotifyResult{Summary: fmt.Sprintf("notify: sent %s of %s by %s", in.Status, in.WorkflowID, strings.Join(sent, " and "))}, nil
}

func (n *Notify) channel(name string) notify.Notifier {
	var to notify.Notifier
	switch name {
	case ChannelWebhook:
		to = n.Webhook
	case ChannelEmail:
		to = n.Email
	}
	if _, none := to.(notify.Nop); none {
		return nil
	}
	return to
}

// link is the Web UI page the notification points at, "" without a Web UI address.
func (n *Notify) link(in NotifyInput) string {
	base := strings.TrimRight(strings.TrimSpace(n.WebUIURL), "/")
	if base == "" || in.Link == LinkNone {
		return ""
	}
	ns := n.Namespace
	if ns == "" {
		ns = "default"
	}
	kind := "workflows"
	if in.Link == LinkSchedule {
		kind = "schedules"
	}
	return fmt.Sprintf("%s/namespaces/%s/%s/%s", base, url.PathEscape(ns), kind, url.PathEscape(in.WorkflowID))
}
