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
		return NotifyResult{}, ConfigError("notify: the needs_fix notification names no workflow")
	}
	if n.Notifier == nil {
		return NotifyResult{}, ConfigError("notify: built without a notifier (use notify.Nop for none)")
	}
	msg := notify.Notification{Tenant: in.Tenant, Flow: in.Flow, WorkflowID: in.WorkflowID,
		Status: statusNeedsFix, Reason: in.Reason, URL: n.workflowURL(in.WorkflowID)}
	if err := n.Notifier.Notify(ctx, msg); err != nil {
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
