package activities

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"fortspeed/internal/notify"
)

// ErrorTypeNotifyFailed is the ApplicationError type of a webhook that did not take the
// notification; it is retried, since webhooks fail for a while and come back.
const ErrorTypeNotifyFailed = "NotifyFailed"

// statusNeedsFix is the notification status of a record that waits for a fix at its source.
const statusNeedsFix = "needs_fix"

// Notify sends operator notifications. It talks to no vendor, so one instance serves every
// tenant and flow; register it with NotifyPrefix.
type Notify struct {
	// Notifier delivers the message: notify.Webhook, or notify.Nop when no webhook is set.
	Notifier notify.Notifier
	// WebUIURL, when set (http://localhost:8233), makes each message link to its workflow.
	WebUIURL string
	// Namespace is the Temporal namespace of the workflows the links point at.
	Namespace string
}

// NeedsFix tells the operator that a record became needs_fix and why. The input names the
// record by ids only: the message leaves the encrypted boundary.
func (n *Notify) NeedsFix(ctx context.Context, in NotifyInput) (NotifyResult, error) {
	if strings.TrimSpace(in.WorkflowID) == "" {
		return NotifyResult{}, temporal.NewNonRetryableApplicationError("notify: the needs_fix notification names no workflow", "Config", nil)
	}
	if n.Notifier == nil {
		return NotifyResult{}, temporal.NewNonRetryableApplicationError("notify: built without a notifier (use notify.Nop for none)", "Config", nil)
	}
	msg := notify.Notification{Tenant: in.Tenant, Flow: in.Flow, WorkflowID: in.WorkflowID,
		Status: statusNeedsFix, Reason: in.Reason, URL: n.workflowURL(in.WorkflowID)}
	if err := n.Notifier.Notify(ctx, msg); err != nil {
		activity.GetLogger(ctx).Warn("notify: webhook failed", "workflow_id", in.WorkflowID, "error", err)
		return NotifyResult{}, temporal.NewApplicationError(err.Error(), ErrorTypeNotifyFailed)
	}
	if _, none := n.Notifier.(notify.Nop); none {
		return NotifyResult{Summary: fmt.Sprintf("notify: no webhook configured; needs_fix of %s not sent", in.WorkflowID)}, nil
	}
	return NotifyResult{Summary: fmt.Sprintf("notify: sent needs_fix of %s to the webhook", in.WorkflowID)}, nil
}

// workflowURL is the Web UI page of the workflow, "" without a Web UI address.
func (n *Notify) workflowURL(workflowID string) string {
	base := strings.TrimRight(strings.TrimSpace(n.WebUIURL), "/")
	if base == "" {
		return ""
	}
	ns := n.Namespace
	if ns == "" {
		ns = "default"
	}
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", base, url.PathEscape(ns), url.PathEscape(workflowID))
}
