package main

import (
	"context"
	"fmt"
	"time"

	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"

	"fortspeed/mapping"
)

// defaultRetentionText is the retention fortspeed documents: a week to look into a failed
// record, then the personal data in its history is gone.
const defaultRetentionText = "7d"

// parseRetention reads --retention: whole days or a Go duration, at least a day, which is
// the least a Temporal server accepts.
func parseRetention(s string) (time.Duration, error) {
	d, err := mapping.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("--retention: %w", err)
	}
	if d < 24*time.Hour {
		return 0, fmt.Errorf("--retention: at least 1d, got %q", s)
	}
	return d, nil
}

// setRetention sets how long the namespace keeps closed workflows' histories and says so.
func setRetention(ctx context.Context, c client.Client, namespace string, keep time.Duration) (string, error) {
	_, err := c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: namespace,
		Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(keep)},
	})
	if err != nil {
		return "", fmt.Errorf("set the retention of namespace %s (on Temporal Cloud use tcld or the Cloud UI): %w", namespace, err)
	}
	return fmt.Sprintf("namespace %s: histories are kept %s after a workflow closes", namespace, days(keep)), nil
}

// days writes a retention as people count it.
func days(d time.Duration) string {
	switch n := d / (24 * time.Hour); {
	case d%(24*time.Hour) != 0:
		return d.String()
	case n == 1:
		return "1 day"
	default:
		return fmt.Sprintf("%d days", n)
	}
}

// retention says how long the namespace keeps the histories of closed workflows, and so
// the customer data in them.
func retention(ctx context.Context, c client.Client, namespace string) (string, error) {
	resp, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err != nil {
		return "", fmt.Errorf("describe namespace %s: %w", namespace, err)
	}
	keep := resp.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration()
	if keep <= 0 {
		return fmt.Sprintf("namespace %s never deletes histories; set one with `starter setup --retention %s`", namespace, defaultRetentionText), nil
	}
	return fmt.Sprintf("namespace %s deletes a history (and the customer data in it) %s after its workflow closes", namespace, days(keep)), nil
}
