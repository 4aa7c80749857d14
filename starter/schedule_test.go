package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/converter"

	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// TestPauseResume pauses and resumes a schedule with notes, shows that setup keeps an
// operator's pause and status shows it, and that an unknown schedule is exit code 3.
func TestPauseResume(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := startServer(t, workflows.DevServerSearchAttributes()).Client()

	_, err := starter(ctx, "pause", "stock")
	require.Error(t, err)
	assert.Equal(t, exitNotFound, exitCode(err))
	assert.EqualError(t, err, "no schedule default:stock: run `starter setup` (or the flow is not enabled)")

	_, err = starter(ctx, "setup")
	require.NoError(t, err)
	out, err := starter(ctx, "pause", "orders-to-fortnox", "--note", "year-end closing")
	require.NoError(t, err)
	assert.Equal(t, "schedule default:orders-to-fortnox: paused (year-end closing)\n", out)
	desc, err := c.ScheduleClient().GetHandle(ctx, "default:orders-to-fortnox").Describe(ctx)
	require.NoError(t, err)
	assert.True(t, desc.Schedule.State.Paused)
	assert.Equal(t, "year-end closing", desc.Schedule.State.Note)

	out, err = starter(ctx, "pause", "orders-to-fortnox", "--output", "json")
	require.NoError(t, err)
	var st scheduleStateReport
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	assert.Equal(t, scheduleStateReport{Schedule: "default:orders-to-fortnox", Paused: true, Note: "year-end closing"}, st,
		"pausing a paused schedule keeps its note")

	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "schedule default:orders-to-fortnox: updated, every 30s (stays paused: \"year-end closing\"; `starter resume` runs it)\n")

	out, err = starter(ctx, "status", "--flow", "orders-to-fortnox")
	require.NoError(t, err)
	assert.Contains(t, out, "  schedule   default:orders-to-fortnox every 30s, paused: year-end closing\n")

	out, err = starter(ctx, "resume", "orders-to-fortnox")
	require.NoError(t, err)
	assert.Equal(t, "schedule default:orders-to-fortnox: running (resumed by starter)\n", out)
	desc, err = c.ScheduleClient().GetHandle(ctx, "default:orders-to-fortnox").Describe(ctx)
	require.NoError(t, err)
	assert.False(t, desc.Schedule.State.Paused)

	out, err = starter(ctx, "status", "--flow", "orders-to-fortnox", "--output", "json")
	require.NoError(t, err)
	var rep statusReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	require.Len(t, rep.Flows, 1)
	require.NotNil(t, rep.Flows[0].Schedule)
	assert.False(t, rep.Flows[0].Schedule.Paused)
	assert.NotNil(t, rep.Flows[0].Schedule.NextRun, "a running schedule says when it runs next")
	assert.Equal(t, "30s", rep.Flows[0].Schedule.Every)
}

// TestBackfill starts a backfill run with its own id and --from as the start; without a
// worker it stays running, which is all the command promises without --wait.
func TestBackfill(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := startServer(t, workflows.DevServerSearchAttributes()).Client()

	out, err := starter(ctx, "backfill", "orders-to-fortnox", "--from", "2026-11-01", "--to", "2026-11-16", "--output", "json")
	require.NoError(t, err)
	var rep syncReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.Regexp(t, `^default:orders-to-fortnox:backfill-\d+$`, rep.WorkflowID)
	assert.Equal(t, "backfill", rep.Kind)
	require.NotNil(t, rep.Since)
	assert.Equal(t, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), rep.Since.UTC())
	require.NotNil(t, rep.Until)
	assert.Nil(t, rep.Result, "no --wait: started only")

	var input workflows.SyncInput
	it := c.GetWorkflowHistory(ctx, rep.WorkflowID, "", false, 0)
	ev, err := it.Next()
	require.NoError(t, err)
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(ev.GetWorkflowExecutionStartedEventAttributes().GetInput(), &input))
	require.NotNil(t, input.Since)
	assert.Equal(t, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), input.Since.UTC())
	require.NotNil(t, input.Until, "--to is the run's bound")
	assert.Equal(t, time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), input.Until.UTC())
	assert.Equal(t, workflows.FlowOrdersToFortnox, input.Flow)
}

// TestBackfillStopsAtTo backfills both order flows up to a --to after the demo data: a
// Lightspeed sale made and a Fortnox order cancelled after --to are not synced, the demo
// records before it are, and the cursor stops at --to. A sync without a bound then takes
// both, so they were left out by the bound alone.
func TestBackfillStopsAtTo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startStack(ctx, t)
	fx, ls := os.Getenv("FORTNOX_BASE_URL"), os.Getenv("LIGHTSPEED_BASE_URL")

	// The demo data was written now; --to is a minute on (Fortnox keeps changes by the
	// minute), and both sandboxes' clocks move three minutes on for the late changes.
	to := time.Now().Add(time.Minute).UTC().Truncate(time.Second)
	for _, base := range []string{fx, ls} {
		require.NoError(t, testapi.Remote{URL: base}.Call(http.MethodPut, "/_sandbox/clock", map[string]any{"advance_seconds": 180}, nil))
	}
	var sale struct {
		Sale struct {
			SaleID string `json:"saleID"`
		} `json:"Sale"`
	}
	sandboxAPI(t, ls, http.MethodPost, "/API/V3/Account/316401/Sale.json", map[string]any{
		"shopID": "1", "registerID": "1", "employeeID": "1", "completed": true,
		"SaleLines":    map[string]any{"SaleLine": []any{map[string]any{"itemID": "1", "unitQuantity": "1", "unitPrice": "100.00"}}},
		"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": "1", "amount": "100.00"}},
	}, &sale)
	require.NotEmpty(t, sale.Sale.SaleID)
	sandboxAPI(t, fx, http.MethodPut, "/3/orders/3/cancel", nil, nil)
	late := map[string]string{
		workflows.FlowOrdersToFortnox:    "default:orders-to-fortnox:sale:" + sale.Sale.SaleID,
		workflows.FlowOrdersToLightspeed: "default:orders-to-lightspeed:order:3",
	}

	for _, flow := range []string{workflows.FlowOrdersToFortnox, workflows.FlowOrdersToLightspeed} {
		out, err := starter(ctx, "backfill", flow, "--from", "30d", "--to", to.Format(time.RFC3339), "--wait", "--output", "json")
		okOrAttention(t, out, err)
		var rep syncReport
		require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
		require.NotNil(t, rep.Result, out)
		assert.Positive(t, rep.Result.Records, "%s: the demo records before --to", flow)
		assert.False(t, rep.Result.Cursor.After(to), "%s: cursor %s is past --to %s", flow, rep.Result.Cursor, to)
		_, err = c.DescribeWorkflow(ctx, late[flow], "")
		var notFound *serviceerror.NotFound
		assert.ErrorAs(t, err, &notFound, "%s: the record changed after --to has no workflow", flow)
	}
	fxOrders := fortnoxOrders(t, fx)
	assert.NotContains(t, fxOrders, "LS-"+sale.Sale.SaleID, "no Fortnox order for the sale made after --to")

	for _, flow := range []string{workflows.FlowOrdersToFortnox, workflows.FlowOrdersToLightspeed} {
		out, err := starter(ctx, "sync", flow, "--since", "30d")
		require.NoError(t, err, out)
		pollUntil(ctx, t, flow+": an unbounded sync takes the late record", func() bool {
			_, err := c.DescribeWorkflow(ctx, late[flow], "")
			return err == nil
		})
	}
}

// sandboxAPI calls a sandbox's vendor API with a token minted for the test.
func sandboxAPI(t *testing.T, base, method, path string, body, out any) {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, testapi.Remote{URL: base}.Call(http.MethodPost, "/_sandbox/tokens", map[string]any{}, &tok))
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, answer)
	if out != nil {
		require.NoError(t, json.Unmarshal(answer, out), "%s %s: %s", method, path, answer)
	}
}

// fortnoxOrders lists the ExternalInvoiceReference1 of every order the Fortnox sandbox holds.
func fortnoxOrders(t *testing.T, base string) []string {
	t.Helper()
	var state struct {
		Orders []struct {
			ExternalInvoiceReference1 string `json:"ExternalInvoiceReference1"`
		} `json:"orders"`
	}
	require.NoError(t, testapi.Remote{URL: base}.Call(http.MethodGet, "/_sandbox/state", nil, &state))
	require.NotEmpty(t, state.Orders, "the sandbox state lists the orders")
	var refs []string
	for _, o := range state.Orders {
		refs = append(refs, o.ExternalInvoiceReference1)
	}
	return refs
}
