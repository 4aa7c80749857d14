package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
	"fortspeed/sandbox/demo"
)

// pickupOrder makes a Fortnox order of two articles, as an order sent to the till is, at
// tfSource's prices (250 less 12 %, and 100, incl. VAT), and returns its number.
func (e *toFortnoxEnv) pickupOrder(qty1, qty2 int64) string {
	e.t.Helper()
	arts := demo.Demo().Articles
	incl := true
	o, err := e.fxc.CreateOrder(e.ctx(), fortnox.OrderInput{CustomerNumber: "1", VATIncluded: &incl, OrderRows: []fortnox.OrderRowInput{
		{ArticleNumber: &arts[0].Number, OrderedQuantity: fortnox.NumOf(decimal.NewFromInt(qty1)), Price: fortnox.NumOf(tfDec("250")), Discount: fortnox.NumOf(tfDec("12"))},
		{ArticleNumber: &arts[1].Number, OrderedQuantity: fortnox.NumOf(decimal.NewFromInt(qty2)), Price: fortnox.NumOf(tfDec("100"))},
	}})
	require.NoError(e.t, err)
	return string(o.DocumentNumber)
}

// pickupSale is the completed sale that paid for order at the till (tfSource's lines: 2 of
// the first article, 1 of the second).
func pickupSale(id, order string) mapping.SourceOrder {
	src := tfSource(id)
	src.Customer = mapping.SourceCustomer{} // till sales from Fortnox orders need no customer here
	src.ReferenceSource, src.Reference = mapping.FortnoxReferenceSource, order
	return src
}

func (e *toFortnoxEnv) settle(d mapping.OrderDraft) (SettleResult, error) {
	e.t.Helper()
	var res SettleResult
	err := e.run(OrdersToFortnoxSettlePickup, SettleInput{Tenant: "default", Draft: d}, &res)
	return res, err
}

func TestSettlePickupMarksTheOrderOnce(t *testing.T) {
	e := newToFortnoxEnv(t, tfSettings)
	number := e.pickupOrder(2, 1)
	d := e.enrich(pickupSale("900", number))
	require.NotNil(t, d.Pickup, "a sale from a Fortnox order settles it")
	assert.Equal(t, mapping.Pickup{Order: number, Mode: mapping.PickupMark}, *d.Pickup)

	e.fxN.reset()
	res, err := e.settle(d)
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.Equal(t, number, res.TargetID)
	assert.Contains(t, res.Summary, "marked delivered")
	assert.Equal(t, 2, e.fxN.total(), "one read, one write")
	o, err := e.fxc.Order(e.ctx(), number)
	require.NoError(t, err)
	assert.Equal(t, "LS-900", string(o.ExternalInvoiceReference2))
	assert.Equal(t, "2026-11-27", o.DeliveryDate)
	for _, r := range o.OrderRows {
		assert.True(t, r.DeliveredQuantity.Equal(r.OrderedQuantity.Decimal), "row %s delivered %s of %s", r.ArticleNumber, r.DeliveredQuantity, r.OrderedQuantity)
	}
	orders, err := e.fxc.OrdersByExternalRef(e.ctx(), "LS-900")
	require.NoError(t, err)
	assert.Empty(t, orders, "no second order for the purchase")

	e.fxN.reset()
	res, err = e.settle(d)
	require.NoError(t, err)
	assert.False(t, res.Changed, "a retry finds the order settled")
	assert.Contains(t, res.Summary, "already settled")
	assert.Equal(t, 1, e.fxN.total(), "a retry only reads the order")
}

func TestSettlePickupInvoicesAndPays(t *testing.T) {
	e := newToFortnoxEnv(t, tfSettings+"  on_pickup: invoice\n")
	number := e.pickupOrder(2, 1)
	d := e.enrich(pickupSale("901", number))
	require.NotNil(t, d.Pickup)
	assert.Equal(t, mapping.PickupInvoice, d.Pickup.Mode)
	assert.Equal(t, "SWISH", d.ModeOfPayment, "the sale's payment, mapped")

	res, err := e.settle(d)
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.Contains(t, res.Summary, "invoiced as")
	assert.Contains(t, res.Summary, "(SWISH)")
	o, err := e.fxc.Order(e.ctx(), number)
	require.NoError(t, err)
	inv, err := e.fxc.GetInvoice(e.ctx(), string(o.InvoiceReference))
	require.NoError(t, err)
	assert.Equal(t, number, string(inv.OrderReference))
	assert.True(t, inv.Balance.IsZero(), "paid in full, balance %s", inv.Balance)
	assert.True(t, inv.Total.Equal(o.Total.Decimal), "the invoice is the delivered order")
	n, _ := strconv.ParseInt(string(inv.DocumentNumber), 10, 64)
	pays, err := e.fxc.InvoicePayments(e.ctx(), n)
	require.NoError(t, err)
	require.Len(t, pays, 1)
	var one struct{ InvoicePayment fortnox.InvoicePayment }
	req, err := http.NewRequest(http.MethodGet, e.fx.srv.URL+"/3/invoicepayments/"+string(pays[0].Number), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.fx.token())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&one))
	resp.Body.Close()
	assert.Equal(t, "SWISH", string(one.InvoicePayment.ModeOfPayment), "paid in the sale's mode of payment")
	assert.True(t, one.InvoicePayment.Amount.Equal(inv.Total.Decimal))

	res, err = e.settle(d)
	require.NoError(t, err)
	assert.False(t, res.Changed, "settled: a second run changes nothing")
	pays, err = e.fxc.InvoicePayments(e.ctx(), n)
	require.NoError(t, err)
	assert.Len(t, pays, 1, "never paid twice")

	// An attempt that invoiced the order and lost the answer: the retry only pays.
	number = e.pickupOrder(1, 1)
	src := pickupSale("902", number)
	src.Lines[0].Quantity, src.Total = tfDec("1"), tfDec("320")
	d = e.enrich(src)
	o, err = e.fxc.Order(e.ctx(), number)
	require.NoError(t, err)
	delivery := fortnox.OrderDelivery{ExternalInvoiceReference2: "LS-902"}
	for _, r := range o.OrderRows {
		delivery.Rows = append(delivery.Rows, fortnox.OrderRowUpdate{RowID: r.RowID, DeliveredQuantity: fortnox.NumOf(r.OrderedQuantity.Decimal)})
	}
	_, err = e.fxc.DeliverOrder(e.ctx(), number, delivery)
	require.NoError(t, err)
	inv, err = e.fxc.CreateInvoice(e.ctx(), number)
	require.NoError(t, err)
	res, err = e.settle(d)
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.NotContains(t, res.Summary, "invoiced as", "the invoice of the earlier attempt is kept")
	assert.Contains(t, res.Summary, "paid")
	n, _ = strconv.ParseInt(string(inv.DocumentNumber), 10, 64)
	pays, err = e.fxc.InvoicePayments(e.ctx(), n)
	require.NoError(t, err)
	assert.Len(t, pays, 1)
}

func TestSettlePickupNeedsFix(t *testing.T) {
	e := newToFortnoxEnv(t, tfSettings)
	ctx := e.ctx()

	// The order was edited after it was sent: the till sold 2, the order now says 3.
	edited := e.pickupOrder(3, 1)
	_, err := e.settle(e.enrich(pickupSale("910", edited)))
	ae := requireAppError(t, err, ErrorTypeNeedsFix)
	assert.Contains(t, ae.Error(), "does not match Fortnox order "+edited)
	assert.Contains(t, ae.Error(), "the order has 3 × "+demo.Demo().Articles[0].Number)

	cancelled := e.pickupOrder(2, 1)
	_, err = e.fxc.CancelOrder(ctx, cancelled)
	require.NoError(t, err)
	_, err = e.settle(e.enrich(pickupSale("911", cancelled)))
	assert.Contains(t, requireAppError(t, err, ErrorTypeNeedsFix).Error(), "was cancelled after it was sent")

	invoiced := e.pickupOrder(2, 1)
	o, err := e.fxc.Order(ctx, invoiced)
	require.NoError(t, err)
	var rows []fortnox.OrderRowUpdate
	for _, r := range o.OrderRows {
		rows = append(rows, fortnox.OrderRowUpdate{RowID: r.RowID, DeliveredQuantity: fortnox.NumOf(r.OrderedQuantity.Decimal)})
	}
	_, err = e.fxc.DeliverOrder(ctx, invoiced, fortnox.OrderDelivery{Rows: rows})
	require.NoError(t, err)
	_, err = e.fxc.CreateInvoice(ctx, invoiced)
	require.NoError(t, err)
	_, err = e.settle(e.enrich(pickupSale("912", invoiced)))
	assert.Contains(t, requireAppError(t, err, ErrorTypeNeedsFix).Error(), "was invoiced")

	_, err = e.settle(e.enrich(pickupSale("913", "99999")))
	assert.Contains(t, requireAppError(t, err, ErrorTypeNeedsFix).Error(), "which Fortnox does not have")

	// The till took less than the order is worth (a discount at pick-up): the books would
	// not agree, so the order is not marked.
	discounted := e.pickupOrder(2, 1)
	src := pickupSale("914", discounted)
	src.Total = tfDec("440")
	_, err = e.settle(e.enrich(src))
	assert.Contains(t, requireAppError(t, err, ErrorTypeNeedsFix).Error(), "the order's rows total 540.00 incl. VAT, the sale took 440.00")
	o, err = e.fxc.Order(ctx, discounted)
	require.NoError(t, err)
	assert.Empty(t, string(o.ExternalInvoiceReference2), "not marked")
}

// openSale makes the open sale of a Fortnox order as orders-to-lightspeed does, and
// returns its id.
func (f *toLSFixture) openSale(number string) (mapping.OrderDraft, string) {
	f.t.Helper()
	d := f.draft(number)
	var up UpsertCustomerResult
	require.NoError(f.t, f.run(OrdersToLightspeedUpsertCustomer, UpsertCustomerInput{Tenant: "default", Customer: d.Customer}, &up))
	var cr CommitResult
	require.NoError(f.t, f.run(OrdersToLightspeedCommit, CommitInput{Tenant: "default", Draft: d, CustomerID: up.CustomerID}, &cr))
	return d, cr.TargetID
}

func (f *toLSFixture) updateSale(number, saleID string) (UpdateSaleResult, error) {
	f.t.Helper()
	var res UpdateSaleResult
	err := f.run(OrdersToLightspeedUpdateSale, UpdateSaleInput{Tenant: "default", Draft: f.draft(number), SaleID: saleID}, &res)
	return res, err
}

func (f *toLSFixture) sale(id string) lightspeed.Sale {
	f.t.Helper()
	n, err := strconv.ParseInt(id, 10, 64)
	require.NoError(f.t, err)
	s, err := f.a.Lightspeed.Sale(context.Background(), n)
	require.NoError(f.t, err)
	return s
}

func TestUpdateSaleFollowsTheFortnoxOrder(t *testing.T) {
	f := newToLSFixture(t, toLSSettings)
	ctx := context.Background()
	arts := demo.Demo().Articles
	o, err := f.a.Fortnox.CreateOrder(ctx, fortnox.OrderInput{CustomerNumber: "3", OrderRows: []fortnox.OrderRowInput{
		{ArticleNumber: &arts[0].Number, OrderedQuantity: fortnox.NumOf(decimal.NewFromInt(1))},
		{ArticleNumber: &arts[1].Number, OrderedQuantity: fortnox.NumOf(decimal.NewFromInt(2))},
	}})
	require.NoError(t, err)
	number := string(o.DocumentNumber)
	_, saleID := f.openSale(number)

	res, err := f.updateSale(number, saleID)
	require.NoError(t, err)
	assert.False(t, res.Changed, "an unchanged order leaves its sale alone")
	assert.Contains(t, res.Summary, "already agrees")

	// With the page check's view of the sale, an order listed again unchanged costs no call.
	var page CheckExistsBatchResult
	require.NoError(t, f.run(OrdersToLightspeedCheckExistsBatch, CheckExistsBatchInput{Tenant: "default",
		Records: []CheckExistsEntry{{Reference: number}}}, &page))
	require.Equal(t, saleID, page.Existing[number])
	require.NotEmpty(t, page.States[number])
	d := f.draft(number)
	calls := f.lsRequests()
	require.NoError(t, f.run(OrdersToLightspeedUpdateSale, UpdateSaleInput{Tenant: "default", Draft: d, SaleID: saleID, Known: page.States[number]}, &res))
	assert.False(t, res.Changed)
	assert.Equal(t, calls, f.lsRequests(), "decided from the page check")

	// Edited in Fortnox: the first row's quantity, the second row replaced by another
	// article, a third row added.
	body := map[string]any{"Order": map[string]any{"OrderRows": []map[string]any{
		{"RowId": int64(o.OrderRows[0].RowID), "OrderedQuantity": 4},
		{"ArticleNumber": arts[2].Number, "OrderedQuantity": 1},
		{"ArticleNumber": arts[3].Number, "OrderedQuantity": 2},
	}}}
	f.fortnoxJSON("PUT", "/3/orders/"+number, body)
	// The page's view is from before the edit; a change is written from a fresh read.
	calls = f.lsRequests()
	require.NoError(t, f.run(OrdersToLightspeedUpdateSale, UpdateSaleInput{Tenant: "default", Draft: f.draft(number), SaleID: saleID, Known: page.States[number]}, &res))
	assert.True(t, res.Changed)
	assert.Contains(t, res.Summary, "1 lines changed, 2 added, 1 removed")
	assert.Equal(t, calls+3, f.lsRequests(), "one read, one update, one line deleted")
	sale := f.sale(saleID)
	got := map[string]string{}
	for _, l := range sale.SaleLines {
		require.NotNil(t, l.Item)
		got[l.Item.CustomSku] = l.UnitQuantity.String()
	}
	assert.Equal(t, map[string]string{arts[0].Number: "4", arts[2].Number: "1", arts[3].Number: "2"}, got)
	o, err = f.a.Fortnox.Order(ctx, number)
	require.NoError(t, err)
	ordered := decimal.Zero // Fortnox totals count delivered quantities: none yet
	for _, r := range o.OrderRows {
		ordered = ordered.Add(r.OrderedQuantity.Mul(r.Price.Decimal).Mul(decimal.NewFromInt(100).Add(r.VAT.Decimal)).Div(decimal.NewFromInt(100)))
	}
	assert.True(t, sale.Total.Sub(ordered).Abs().LessThanOrEqual(decimal.NewFromInt(1)), "sale total %s, the order's rows %s", sale.Total, ordered)

	res, err = f.updateSale(number, saleID)
	require.NoError(t, err)
	assert.False(t, res.Changed, "a retry finds the sale updated")

	// A row set to quantity 0 in Fortnox (backordered) takes its line off the open sale.
	o, err = f.a.Fortnox.Order(ctx, number)
	require.NoError(t, err)
	var zeroed []map[string]any
	for i, r := range o.OrderRows {
		row := map[string]any{"RowId": int64(r.RowID)}
		if i == len(o.OrderRows)-1 {
			row["OrderedQuantity"] = 0
		}
		zeroed = append(zeroed, row)
	}
	f.fortnoxJSON("PUT", "/3/orders/"+number, map[string]any{"Order": map[string]any{"OrderRows": zeroed}})
	res, err = f.updateSale(number, saleID)
	require.NoError(t, err)
	assert.Contains(t, res.Summary, "0 lines changed, 0 added, 1 removed")
	assert.Len(t, f.sale(saleID).SaleLines, 2)

	// Cancelled in Fortnox: the open sale is voided, once.
	f.fortnoxPut("/3/orders/" + number + "/cancel")
	res, err = f.updateSale(number, saleID)
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.Contains(t, res.Summary, "voided open sale "+saleID)
	assert.True(t, bool(f.sale(saleID).Voided))
	res, err = f.updateSale(number, saleID)
	require.NoError(t, err)
	assert.False(t, res.Changed)
}

func TestUpdateSaleOfACompletedSaleNeedsFixOnlyWhenItDiffers(t *testing.T) {
	f := newToLSFixture(t, toLSSettings)
	ctx := context.Background()
	_, saleID := f.openSale("5")
	sale := f.sale(saleID)
	f.lightspeedJSON("PUT", "Sale/"+saleID, map[string]any{"completed": true,
		"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": 1, "amount": sale.Total.StringFixed(2)}}})

	res, err := f.updateSale("5", saleID)
	require.NoError(t, err)
	assert.False(t, res.Changed)
	assert.Contains(t, res.Summary, "completed Fortnox order 5 at the till and agrees")

	o, err := f.a.Fortnox.Order(ctx, "5")
	require.NoError(t, err)
	f.fortnoxJSON("PUT", "/3/orders/5", map[string]any{"Order": map[string]any{"OrderRows": []map[string]any{
		{"RowId": int64(o.OrderRows[0].RowID), "OrderedQuantity": o.OrderRows[0].OrderedQuantity.Add(decimal.NewFromInt(1)).String()},
	}}})
	_, err = f.updateSale("5", saleID)
	toLSAssertNeedsFix(t, err, "changed after Lightspeed sale "+saleID+" completed it at the till")

	f.fortnoxPut("/3/orders/5/cancel")
	_, err = f.updateSale("5", saleID)
	toLSAssertNeedsFix(t, err, "was cancelled, but Lightspeed sale "+saleID+" completed it")
}

// fortnoxJSON sends a write to the Fortnox sandbox as the fixture's token.
func (f *toLSFixture) fortnoxJSON(method, path string, body any) {
	f.t.Helper()
	f.apiJSON(method, f.fxURL+path, f.fxTok, body)
}

// lightspeedJSON sends a write to the Lightspeed sandbox's account API (a till's doing).
func (f *toLSFixture) lightspeedJSON(method, path string, body any) {
	f.t.Helper()
	f.apiJSON(method, f.lsURL+"/API/V3/Account/316401/"+path+".json", f.mint(f.lsURL), body)
}

func (f *toLSFixture) apiJSON(method, url, token string, body any) {
	f.t.Helper()
	b, err := json.Marshal(body)
	require.NoError(f.t, err)
	req, err := http.NewRequest(method, url, bytes.NewReader(b))
	require.NoError(f.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	require.Less(f.t, resp.StatusCode, 300, "%s %s: %s", method, url, raw)
}
