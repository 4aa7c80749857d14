package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// pickupOrder is a Fortnox order as GET /3/orders/{n} shows the fields pick-up touches.
type pickupOrder struct {
	DocumentNumber            string `json:"DocumentNumber"`
	ExternalInvoiceReference2 string `json:"ExternalInvoiceReference2"`
	DeliveryDate              string `json:"DeliveryDate"`
	InvoiceReference          string `json:"InvoiceReference"`
	Cancelled                 bool   `json:"Cancelled"`
	OrderRows                 []struct {
		RowID             int64           `json:"RowId"`
		ArticleNumber     string          `json:"ArticleNumber"`
		OrderedQuantity   decimal.Decimal `json:"OrderedQuantity"`
		DeliveredQuantity decimal.Decimal `json:"DeliveredQuantity"`
	} `json:"OrderRows"`
}

// settledOutcomes is outcomes once visibility shows no record of flow still running: a
// record's last search-attribute update can reach visibility after its parent returned.
func (s *stack) settledOutcomes(ctx context.Context, flow string) map[string]recordOutcome {
	s.tb.Helper()
	var out map[string]recordOutcome
	waitFor(ctx, s.tb, flow+" records settled in visibility", func() bool {
		out = s.outcomes(ctx, flow)
		for _, o := range out {
			if o.Status == workflows.StatusRunning {
				return false
			}
		}
		return true
	})
	return out
}

func (s *stack) pickupOrder(ctx context.Context, number string) pickupOrder {
	s.tb.Helper()
	var out struct{ Order pickupOrder }
	s.fortnoxAPI(ctx, http.MethodGet, "/3/orders/"+number, nil, &out)
	return out.Order
}

// TestPickUpInStore runs both order flows over what a shop does with orders sent to the
// till: 20 Fortnox orders become open sales; 10 are paid at the till, 3 edited and 2
// cancelled in Fortnox before pick-up, and one edited after it was paid. Every purchase
// stays one Fortnox order: the 10 are marked delivered (and, with on_pickup: invoice, two
// more are invoiced and paid), the edits and cancellations reach the open sales, and the
// order edited too late is needs_fix on both sides, never a silent divergence.
func TestPickUpInStore(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{maxConcurrent: 20})
	s.startWorker()

	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	inLightspeed := map[string]string{} // customSku → itemID
	for _, it := range ls.Records.Item {
		inLightspeed[it.CustomSku] = it.ItemID
	}
	var articles []string
	for _, a := range fx.Articles {
		if inLightspeed[a.ArticleNumber] != "" {
			articles = append(articles, a.ArticleNumber)
		}
	}
	var customers []string
	for _, c := range fx.Customers {
		if c.Email != "" {
			customers = append(customers, c.CustomerNumber)
		}
	}
	require.GreaterOrEqual(t, len(articles), 5)
	require.NotEmpty(t, customers)
	card := paymentTypeID(t, ls, "Credit Card")

	since := time.Now().Add(-2 * time.Second)
	const n = 20
	orders := make([]string, n)
	for i := range orders {
		var out struct{ Order pickupOrder }
		s.fortnoxAPI(ctx, http.MethodPost, "/3/orders", map[string]any{"Order": map[string]any{
			"CustomerNumber": customers[i%len(customers)],
			"OrderRows": []map[string]any{
				{"ArticleNumber": articles[i%len(articles)], "OrderedQuantity": 1},
				{"ArticleNumber": articles[(i+1)%len(articles)], "OrderedQuantity": 2},
			}}}, &out)
		orders[i] = out.Order.DocumentNumber
	}
	sent := s.runFlow(ctx, workflows.FlowOrdersToLightspeed, since)
	t.Logf("orders to the till: %+v", sent)
	toLS := s.settledOutcomes(ctx, workflows.FlowOrdersToLightspeed)
	saleOf := map[string]string{}
	for _, o := range orders {
		out := toLS[workflows.SourceKindOrder+":"+o]
		require.Equal(t, workflows.StatusCommitted, out.Status, "order %s (%s)", o, out.WorkflowID)
		saleOf[o] = out.TargetID
	}

	edited, cancelled, paid, late := orders[0:3], orders[3:5], orders[5:15], orders[15]
	for i, o := range edited {
		rows := s.pickupOrder(ctx, o).OrderRows
		s.fortnoxAPI(ctx, http.MethodPut, "/3/orders/"+o, map[string]any{"Order": map[string]any{"OrderRows": []map[string]any{
			{"RowId": rows[0].RowID, "OrderedQuantity": 3},
			{"RowId": rows[1].RowID},
			{"ArticleNumber": articles[i+2], "OrderedQuantity": 1},
		}}}, nil)
	}
	for _, o := range cancelled {
		s.fortnoxAPI(ctx, http.MethodPut, "/3/orders/"+o+"/cancel", nil, nil)
	}
	complete := func(sale string) {
		var cur struct{ Sale lsSale }
		s.lightspeedAPI(ctx, http.MethodGet, "Sale/"+sale+".json", nil, &cur)
		s.lightspeedAPI(ctx, http.MethodPut, "Sale/"+sale+".json", map[string]any{"completed": true,
			"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": card, "amount": cur.Sale.Total.StringFixed(2)}}}, nil)
	}
	for _, o := range paid {
		complete(saleOf[o])
	}
	complete(saleOf[late])
	rows := s.pickupOrder(ctx, late).OrderRows
	s.fortnoxAPI(ctx, http.MethodPut, "/3/orders/"+late, map[string]any{"Order": map[string]any{"OrderRows": []map[string]any{
		{"RowId": rows[0].RowID, "OrderedQuantity": 5}, {"RowId": rows[1].RowID},
	}}}, nil)
	// The sales' listing cursor is when Lightspeed listed, less a margin: let the shop's
	// clock pass it, as time passes in a shop.
	s.sandboxCall(ctx, http.MethodPut, s.lightspeedURL+"/_sandbox/clock", testapi.ClockRequest{AdvanceSeconds: 30}, nil)

	toLightspeed := s.startFlow(ctx, workflows.FlowOrdersToLightspeed, sent.Cursor)
	toFortnox := s.startFlow(ctx, workflows.FlowOrdersToFortnox, since)
	t.Logf("orders-to-lightspeed: %+v", s.waitParent(ctx, toLightspeed))
	t.Logf("orders-to-fortnox: %+v", s.waitParent(ctx, toFortnox))
	assert.Equal(t, 1, s.waitSettled(ctx, workflows.FlowOrdersToLightspeed), "orders-to-lightspeed: only the late edit is needs_fix")
	assert.Equal(t, 1, s.waitSettled(ctx, workflows.FlowOrdersToFortnox), "orders-to-fortnox: only the late edit is needs_fix")

	fx, ls = s.fortnoxState(ctx), s.lightspeedState(ctx)
	byRef := ordersByRef(fx)
	sales := map[string]lsSale{}
	for _, sale := range ls.Records.Sale {
		sales[sale.SaleID] = sale
	}
	skuOf := map[string]string{}
	for sku, id := range inLightspeed {
		skuOf[id] = sku
	}
	toFx := s.settledOutcomes(ctx, workflows.FlowOrdersToFortnox)
	toLS = s.settledOutcomes(ctx, workflows.FlowOrdersToLightspeed)
	for _, o := range paid {
		sale := saleOf[o]
		assert.Empty(t, byRef[fortnoxLoopPrefix+sale], "sale %s paid for order %s: no second Fortnox order", sale, o)
		got := s.pickupOrder(ctx, o)
		assert.Equal(t, fortnoxLoopPrefix+sale, got.ExternalInvoiceReference2, "order %s names the sale that paid for it", o)
		assert.NotEmpty(t, got.DeliveryDate, "order %s has a delivery date", o)
		for _, r := range got.OrderRows {
			assert.True(t, r.DeliveredQuantity.Equal(r.OrderedQuantity), "order %s row %s delivered %s of %s", o, r.ArticleNumber, r.DeliveredQuantity, r.OrderedQuantity)
		}
		out := toFx[workflows.SourceKindSale+":"+sale]
		assert.Equal(t, workflows.StatusUpdated, out.Status, "sale %s (%s)", sale, out.WorkflowID)
		assert.Equal(t, o, out.TargetID, "sale %s settles order %s", sale, o)
	}
	for _, o := range edited {
		sale := sales[saleOf[o]]
		got := map[string]string{}
		for _, l := range sale.SaleLines {
			got[skuOf[l.ItemID]] = l.UnitQuantity.String()
		}
		want := map[string]string{}
		for _, r := range s.pickupOrder(ctx, o).OrderRows {
			want[r.ArticleNumber] = r.OrderedQuantity.String()
		}
		require.Len(t, want, 3, "edited order %s has three articles", o)
		assert.Equal(t, want, got, "the open sale of edited order %s", o)
		assert.Equal(t, workflows.StatusUpdated, toLS[workflows.SourceKindOrder+":"+o].Status, "edited order %s", o)
	}
	for _, o := range cancelled {
		assert.Equal(t, "true", sales[saleOf[o]].Voided, "the open sale of cancelled order %s is voided", o)
		assert.Equal(t, workflows.StatusUpdated, toLS[workflows.SourceKindOrder+":"+o].Status, "cancelled order %s", o)
	}
	for _, o := range orders[16:] {
		// Fortnox filters lastmodified by the minute, so the second run lists the untouched
		// orders again; each finds its sale in agreement from the page check alone.
		st := toLS[workflows.SourceKindOrder+":"+o].Status
		assert.Contains(t, []workflows.Status{workflows.StatusCommitted, workflows.StatusSkipped}, st, "untouched order %s", o)
		assert.Equal(t, "false", sales[saleOf[o]].Completed, "the sale of order %s waits at the till", o)
		assert.Equal(t, "false", sales[saleOf[o]].Voided, "the sale of order %s is not voided", o)
	}
	lateSale := saleOf[late]
	assert.Equal(t, workflows.StatusNeedsFix, toLS[workflows.SourceKindOrder+":"+late].Status, "order %s edited after it was paid", late)
	assert.Equal(t, workflows.StatusNeedsFix, toFx[workflows.SourceKindSale+":"+lateSale].Status, "the sale that paid for it")
	assert.Empty(t, byRef[fortnoxLoopPrefix+lateSale], "no order for the sale of the late edit")
	assert.Empty(t, s.pickupOrder(ctx, late).ExternalInvoiceReference2, "the late-edited order is not marked")

	// Again, with nothing new: the marks changed the 10 orders, so orders-to-lightspeed
	// looks at them once more and finds each completed sale in agreement.
	resetStats(ctx, s)
	again := s.runFlow(ctx, workflows.FlowOrdersToLightspeed, sent.Cursor)
	lsCalls := s.stats(ctx, s.lightspeedURL).Total
	t.Logf("orders-to-lightspeed once more: %+v; %d Lightspeed calls", again, lsCalls)
	assert.LessOrEqual(t, lsCalls, int64(3), "orders listed again unchanged are decided from the page check")
	assert.Zero(t, again.Failed)
	assert.Zero(t, again.Committed, "no new sale")
	assert.Equal(t, 1, s.waitSettled(ctx, workflows.FlowOrdersToLightspeed))
	toLS = s.settledOutcomes(ctx, workflows.FlowOrdersToLightspeed)
	for _, o := range paid {
		assert.Equal(t, workflows.StatusSkipped, toLS[workflows.SourceKindOrder+":"+o].Status, "order %s paid at the till, unchanged", o)
	}
	assert.Equal(t, fx.Counts["orders"], s.fortnoxState(ctx).Counts["orders"], "no Fortnox order was made")

	// on_pickup: invoice: two more pick-ups are invoiced and paid in the sale's mode.
	s.stopWorker()
	s.writeSettings(baseSettings + "  on_pickup: invoice\n")
	s.startWorker()
	for _, o := range orders[16:18] {
		complete(saleOf[o])
	}
	s.sandboxCall(ctx, http.MethodPut, s.lightspeedURL+"/_sandbox/clock", testapi.ClockRequest{AdvanceSeconds: 30}, nil)
	res := s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
	t.Logf("orders-to-fortnox with on_pickup invoice: %+v", res)
	assert.Equal(t, 2, res.Updated, "the two new pick-ups")
	for _, o := range orders[16:18] {
		got := s.pickupOrder(ctx, o)
		require.NotContains(t, []string{"", "0"}, got.InvoiceReference, "order %s is invoiced", o)
		var inv struct {
			Invoice struct {
				Balance        decimal.Decimal `json:"Balance"`
				Total          decimal.Decimal `json:"Total"`
				OrderReference string          `json:"OrderReference"`
			}
		}
		s.fortnoxAPI(ctx, http.MethodGet, "/3/invoices/"+got.InvoiceReference, nil, &inv)
		assert.Equal(t, o, inv.Invoice.OrderReference)
		assert.True(t, inv.Invoice.Balance.IsZero(), "invoice %s of order %s is paid (balance %s of %s)", got.InvoiceReference, o, inv.Invoice.Balance, inv.Invoice.Total)
		var pays struct {
			InvoicePayments []struct{ Number string }
		}
		s.fortnoxAPI(ctx, http.MethodGet, "/3/invoicepayments?invoicenumber="+got.InvoiceReference, nil, &pays)
		require.Len(t, pays.InvoicePayments, 1, "one payment on invoice %s", got.InvoiceReference)
		var pay struct {
			InvoicePayment struct{ ModeOfPayment string }
		}
		s.fortnoxAPI(ctx, http.MethodGet, "/3/invoicepayments/"+pays.InvoicePayments[0].Number, nil, &pay)
		assert.Equal(t, "KORT", pay.InvoicePayment.ModeOfPayment, "paid by card at the till")
	}
	hist := fmt.Sprint(s.history(ctx, toFx[workflows.SourceKindSale+":"+saleOf[paid[0]]].WorkflowID, ""))
	assert.True(t, strings.Contains(hist, "OrdersToFortnox.SettlePickup"), "the record ran the settle-pickup step")
	assert.False(t, strings.Contains(hist, "OrdersToFortnox.Commit"), "and created no order")
}
