package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
)

// StockSales finds, in Temporal, the sales orders-to-fortnox has taken up but not
// committed; it talks to no vendor and runs on the fortspeed queue. Register it with
// StockSalesPrefix.
type StockSales struct {
	Client    client.Client
	Namespace string
}

// StuckSales lists the sale ids of the order flow's records that are running (waiting in
// needs_fix for days, or on their way) or whose last run failed: their sales lowered qoh
// in Lightspeed and are not in Fortnox's figures, however old they are. Three visibility
// queries, whatever the number of records.
func (a *StockSales) StuckSales(ctx context.Context, in StuckSalesInput) (StuckSalesResult, error) {
	if strings.TrimSpace(in.Prefix) == "" || strings.ContainsAny(in.Prefix, "'\"") {
		return StuckSalesResult{}, InvalidInputError("stuck sales: workflow id prefix %q is empty or quoted", in.Prefix)
	}
	limit := in.Limit
	if limit <= 0 {
		limit = 1000
	}
	records := &Records{Client: a.Client, Namespace: a.Namespace}
	ids := map[string]bool{}
	err := records.list(ctx, fmt.Sprintf("WorkflowId STARTS_WITH '%s' AND ExecutionStatus = 'Running'", in.Prefix), func(id string, _ time.Time) {
		if !strings.Contains(id, ":dry-run:") {
			ids[strings.TrimPrefix(id, in.Prefix)] = true
		}
	})
	if err != nil {
		return StuckSalesResult{}, err
	}
	failed, err := records.Failed(ctx, FailedRecordsInput{Tenant: in.Tenant, Flow: "orders-to-fortnox", Prefix: in.Prefix, Limit: limit, Backoff: -1})
	if err != nil {
		return StuckSalesResult{}, err
	}
	for _, f := range failed.Records {
		ids[f.SourceID] = true
	}
	var res StuckSalesResult
	for id := range ids {
		res.SaleIDs = append(res.SaleIDs, id)
	}
	slices.Sort(res.SaleIDs)
	if len(res.SaleIDs) > limit {
		res.SaleIDs = res.SaleIDs[:limit]
	}
	res.Summary = fmt.Sprintf("stuck-sales: %d orders-to-fortnox sales running, in needs_fix or failed", len(res.SaleIDs))
	return res, nil
}
