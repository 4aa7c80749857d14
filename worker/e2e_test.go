package main

// End-to-end tests of the two order flows on a real Temporal dev server, the real worker
// wiring and both sandboxes (issue 4, "Must show"). They assert what ends up in the target
// systems, not how many calls it took.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/worker"

	fxsandbox "fortspeed/sandbox/fortnox"
	"fortspeed/workflows"
)

// recordsEachWay is how many source records each flow syncs in the fault and crash tests.
const recordsEachWay = 200

// lsReferenceSource is referenceNumberSource on the sales orders-to-lightspeed creates.
const lsReferenceSource = "Fortnox"

// fortnoxLoopPrefix marks Fortnox orders made from Lightspeed sales; orders-to-lightspeed
// leaves them out so the two flows do not feed each other.
const fortnoxLoopPrefix = "LS-"

// sources is what both sandboxes held before a sync: the records to move and the state
// the targets must keep apart from them.
type sources struct {
	fortnox    fortnoxState
	lightspeed lightspeedState
}

// completedSales are the Lightspeed sales orders-to-fortnox moves.
func (src sources) completedSales() []lsSale {
	var out []lsSale
	for _, s := range src.lightspeed.Records.Sale {
		if s.Completed == "true" && s.Voided != "true" && s.ReferenceNumberSource != lsReferenceSource {
			out = append(out, s)
		}
	}
	return out
}

// fortnoxOrders are the Fortnox orders orders-to-lightspeed moves.
func (src sources) fortnoxOrders() []fortnoxOrder {
	var out []fortnoxOrder
	for _, o := range src.fortnox.Orders {
		if !o.Cancelled && !strings.HasPrefix(o.ExternalInvoiceReference1, fortnoxLoopPrefix) {
			out = append(out, o)
		}
	}
	return out
}

// seedRecords fills both sandboxes with demo ticks until each holds n source records.
func seedRecords(ctx context.Context, t *testing.T, s *stack, n int) sources {
	t.Helper()
	for round := uint64(1); ; round++ {
		src := sources{fortnox: s.fortnoxState(ctx), lightspeed: s.lightspeedState(ctx)}
		sales, orders := len(src.completedSales()), len(src.fortnoxOrders())
		require.LessOrEqual(t, sales, n, "the demo seed alone has more sales than the test wants")
		require.LessOrEqual(t, orders, n, "the demo seed alone has more orders than the test wants")
		if sales == n && orders == n {
			return src
		}
		require.Less(t, round, uint64(20), "demo ticks stopped adding records: %d sales, %d orders", sales, orders)
		rng := newTickRand(round)
		for range n - sales {
			s.lightspeed.DemoTick(rng)
		}
		for range n - orders {
			s.fortnox.DemoTick(rng)
		}
	}
}

// checkOrdersToFortnox asserts that every completed sale of src is exactly one Fortnox
// order with the sale's lines, total and customer, and that nothing else was written to
// Fortnox: no other orders, and a customer only for an e-mail Fortnox did not know.
func checkOrdersToFortnox(t *testing.T, src sources, after fortnoxState, lsAfter lightspeedState) {
	t.Helper()
	items := map[string]string{} // itemID → SKU
	for _, it := range lsAfter.Records.Item {
		items[it.ItemID] = it.CustomSku
	}
	lsCustomers := map[string]lsCustomer{}
	for _, c := range lsAfter.Records.Customer {
		lsCustomers[c.CustomerID] = c
	}
	fxCustomers := map[string]fortnoxCustomer{}
	for _, c := range after.Customers {
		fxCustomers[c.CustomerNumber] = c
	}
	byRef := map[string][]fortnoxOrder{}
	for _, o := range after.Orders {
		if strings.HasPrefix(o.ExternalInvoiceReference1, fortnoxLoopPrefix) {
			byRef[o.ExternalInvoiceReference1] = append(byRef[o.ExternalInvoiceReference1], o)
		}
	}
	sales := src.completedSales()
	wantEmails := map[string]bool{}
	for _, sale := range sales {
		ref := fortnoxLoopPrefix + sale.SaleID
		got := byRef[ref]
		if !assert.Len(t, got, 1, "Fortnox orders for sale %s", sale.SaleID) {
			continue
		}
		order := got[0]
		delete(byRef, ref)

		var want []string
		total := decimal.Zero
		for _, l := range sale.SaleLines {
			want = append(want, fmt.Sprintf("%s × %s @ %s", items[l.ItemID], l.UnitQuantity.String(), l.UnitPrice.StringFixed(2)))
			total = total.Add(l.UnitQuantity.Mul(l.UnitPrice))
		}
		var have []string
		for _, r := range order.OrderRows {
			have = append(have, fmt.Sprintf("%s × %s @ %s", r.ArticleNumber, r.OrderedQuantity.String(), r.Price.StringFixed(2)))
			assert.True(t, r.DeliveredQuantity.Equal(r.OrderedQuantity), "order %s row %s: delivered %s of %s",
				order.DocumentNumber, r.ArticleNumber, r.DeliveredQuantity, r.OrderedQuantity)
		}
		slices.Sort(want)
		slices.Sort(have)
		assert.Equal(t, want, have, "rows of the Fortnox order for sale %s", sale.SaleID)
		assert.True(t, order.VATIncluded, "order %s: sale prices include VAT", order.DocumentNumber)
		assertWithinRounding(t, sale.CalcTotal, total, "sale %s: lines against calcTotal", sale.SaleID)
		assertWithinRounding(t, sale.CalcTotal, order.Total, "Fortnox order %s total against sale %s", order.DocumentNumber, sale.SaleID)
		assert.Equal(t, "30", order.TermsOfPayment, "order %s: terms of payment from the settings", order.DocumentNumber)

		customer, hasCustomer := lsCustomers[sale.CustomerID]
		if sale.CustomerID == "" || sale.CustomerID == "0" || !hasCustomer || customer.email() == "" {
			assert.Equal(t, fxsandbox.WalkInCustomerNumber, order.CustomerNumber,
				"anonymous sale %s goes to the walk-in customer", sale.SaleID)
			continue
		}
		email := strings.ToLower(customer.email())
		wantEmails[email] = true
		fc := fxCustomers[order.CustomerNumber]
		assert.Equal(t, email, strings.ToLower(fc.Email), "sale %s: Fortnox customer %s matched by e-mail", sale.SaleID, order.CustomerNumber)
		if customer.Company != "" {
			assert.Equal(t, "COMPANY", fc.Type, "sale %s: customer with a company", sale.SaleID)
		}
	}
	assert.Empty(t, byRef, "Fortnox orders with an LS- reference that belong to no sale")

	// Nothing else: the orders that were there, plus one per sale.
	assert.Len(t, after.Orders, len(src.fortnox.Orders)+len(sales), "Fortnox orders after the sync")
	assertCustomersOnce(t, "Fortnox", fortnoxEmails(src.fortnox.Customers), fortnoxEmails(after.Customers), wantEmails)
}

// checkOrdersToLightspeed asserts that every Fortnox order of src is exactly one open
// Lightspeed sale with the order's lines, total and customer, and that nothing else was
// written to Lightspeed.
func checkOrdersToLightspeed(t *testing.T, src sources, fxAfter fortnoxState, after lightspeedState) {
	t.Helper()
	items := map[string]string{}
	for _, it := range after.Records.Item {
		items[it.ItemID] = it.CustomSku
	}
	lsCustomers := map[string]lsCustomer{}
	for _, c := range after.Records.Customer {
		lsCustomers[c.CustomerID] = c
	}
	fxCustomers := map[string]fortnoxCustomer{}
	for _, c := range fxAfter.Customers {
		fxCustomers[c.CustomerNumber] = c
	}
	byRef := map[string][]lsSale{}
	for _, s := range after.Records.Sale {
		if s.ReferenceNumberSource == lsReferenceSource {
			byRef[s.ReferenceNumber] = append(byRef[s.ReferenceNumber], s)
		}
	}
	hundred := decimal.NewFromInt(100)
	orders := src.fortnoxOrders()
	wantEmails := map[string]bool{}
	for _, order := range orders {
		got := byRef[order.DocumentNumber]
		if !assert.Len(t, got, 1, "Lightspeed sales for Fortnox order %s", order.DocumentNumber) {
			continue
		}
		sale := got[0]
		delete(byRef, order.DocumentNumber)
		assert.NotEqual(t, "true", sale.Completed, "sale %s for order %s is open", sale.SaleID, order.DocumentNumber)

		var want []string
		for _, r := range order.OrderRows {
			price := r.Price
			if !order.VATIncluded {
				price = price.Mul(hundred.Add(r.VAT)).Div(hundred)
			}
			want = append(want, fmt.Sprintf("%s × %s @ %s", r.ArticleNumber, r.OrderedQuantity.String(), price.StringFixed(2)))
		}
		var have []string
		for _, l := range sale.SaleLines {
			have = append(have, fmt.Sprintf("%s × %s @ %s", items[l.ItemID], l.UnitQuantity.String(), l.UnitPrice.StringFixed(2)))
		}
		slices.Sort(want)
		slices.Sort(have)
		assert.Equal(t, want, have, "lines of the Lightspeed sale for order %s", order.DocumentNumber)
		assertWithinRounding(t, order.Total, sale.CalcTotal, "Lightspeed sale %s total against Fortnox order %s", sale.SaleID, order.DocumentNumber)

		fc := fxCustomers[order.CustomerNumber]
		if fc.Email == "" {
			assert.Contains(t, []string{"", "0"}, sale.CustomerID, "order %s without an e-mail", order.DocumentNumber)
			continue
		}
		email := strings.ToLower(fc.Email)
		wantEmails[email] = true
		lc, ok := lsCustomers[sale.CustomerID]
		if assert.True(t, ok, "sale %s: customer %s exists", sale.SaleID, sale.CustomerID) {
			assert.Equal(t, email, strings.ToLower(lc.email()), "sale %s: customer matched by e-mail", sale.SaleID)
		}
	}
	assert.Empty(t, byRef, "Lightspeed sales with a Fortnox reference that belong to no order")
	assert.Len(t, after.Records.Sale, len(src.lightspeed.Records.Sale)+len(orders), "Lightspeed sales after the sync")
	assertCustomersOnce(t, "Lightspeed", lightspeedEmails(src.lightspeed.Records.Customer), lightspeedEmails(after.Records.Customer), wantEmails)
}

// assertCustomersOnce checks the customers by e-mail: every wanted e-mail has exactly one
// customer (or as many as before, if the source already had duplicates), and no customer
// appeared for an e-mail nobody wanted.
func assertCustomersOnce(t *testing.T, target string, before, after map[string]int, wanted map[string]bool) {
	t.Helper()
	for email, n := range after {
		switch {
		case wanted[email] && before[email] == 0:
			assert.Equal(t, 1, n, "%s customers with e-mail %s (new)", target, email)
		case wanted[email]:
			assert.Equal(t, before[email], n, "%s customers with e-mail %s (existing)", target, email)
		default:
			assert.Equal(t, before[email], n, "%s customers with e-mail %s, which no synced record has", target, email)
		}
	}
	for email := range wanted {
		assert.Positive(t, after[email], "%s has no customer with e-mail %s", target, email)
	}
}

func fortnoxEmails(cs []fortnoxCustomer) map[string]int {
	out := map[string]int{}
	for _, c := range cs {
		out[strings.ToLower(strings.TrimSpace(c.Email))]++
	}
	return out
}

func lightspeedEmails(cs []lsCustomer) map[string]int {
	out := map[string]int{}
	for _, c := range cs {
		out[strings.ToLower(strings.TrimSpace(c.email()))]++
	}
	return out
}

// assertWithinRounding allows the öre rounding a vendor applies to a total (Fortnox rounds
// order totals; Lightspeed rounds each line), never more than one krona.
func assertWithinRounding(t *testing.T, want, got decimal.Decimal, format string, args ...any) {
	t.Helper()
	if want.Sub(got).Abs().GreaterThan(decimal.NewFromInt(1)) {
		t.Errorf("%s: want %s, got %s", fmt.Sprintf(format, args...), want.StringFixed(2), got.StringFixed(2))
	}
}

// checkOutcomes asserts the record workflows: one per source record, all committed.
func checkOutcomes(ctx context.Context, t *testing.T, s *stack, flow string, n int) {
	t.Helper()
	out := s.outcomes(ctx, flow)
	counts := map[workflows.Status]int{}
	for key, o := range out {
		counts[o.Status]++
		if o.Status != workflows.StatusCommitted && o.Status != workflows.StatusSkipped {
			t.Errorf("%s %s: SyncStatus %q (workflow %s)", flow, key, o.Status, o.WorkflowID)
		}
	}
	assert.Len(t, out, n, "%s: record workflows (%v)", flow, counts)
}

// faultTestWorkers is how many worker processes the fault and crash tests run: each has
// its own vendor pacers, and the sandboxes run without limits.
const faultTestWorkers = 3

// syncBothWays runs both flows at once from since and waits for both parents and for every
// record to settle.
func syncBothWays(ctx context.Context, t *testing.T, s *stack, since time.Time, during func()) {
	t.Helper()
	toFortnox := s.startFlow(ctx, workflows.FlowOrdersToFortnox, since)
	toLightspeed := s.startFlow(ctx, workflows.FlowOrdersToLightspeed, since)
	if during != nil {
		during()
	}
	t.Logf("orders-to-fortnox: %+v", s.waitParent(ctx, toFortnox))
	t.Logf("orders-to-lightspeed: %+v", s.waitParent(ctx, toLightspeed))
	assert.Zero(t, s.waitSettled(ctx, workflows.FlowOrdersToFortnox), "orders-to-fortnox records in needs_fix")
	assert.Zero(t, s.waitSettled(ctx, workflows.FlowOrdersToLightspeed), "orders-to-lightspeed records in needs_fix")
}

// checkBothWays checks the targets and the record workflows after syncBothWays.
func checkBothWays(ctx context.Context, t *testing.T, s *stack, src sources) {
	t.Helper()
	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	checkOrdersToFortnox(t, src, fx, ls)
	checkOrdersToLightspeed(t, src, fx, ls)
	checkOutcomes(ctx, t, s, workflows.FlowOrdersToFortnox, recordsEachWay)
	checkOutcomes(ctx, t, s, workflows.FlowOrdersToLightspeed, recordsEachWay)
	fxStats, lsStats := s.stats(ctx, s.fortnoxURL), s.stats(ctx, s.lightspeedURL)
	t.Logf("Fortnox: %d requests, %d faults injected, %d answers dropped; Lightspeed: %d requests, %d faults, %d dropped",
		fxStats.Total, fxStats.Faults, fxStats.Dropped, lsStats.Total, lsStats.Faults, lsStats.Dropped)
}

// TestOrdersUnderFaults moves 200 records each way while both sandboxes fail 10% of the
// requests with 5xx, 5% with 429 and drop 3% of the write answers after committing.
func TestOrdersUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{})
	src := seedRecords(ctx, t, s, recordsEachWay)
	s.setFaults(ctx, faultsOfIssue4(), faultsOfIssue4())
	for range faultTestWorkers {
		s.startWorker()
	}
	syncBothWays(ctx, t, s, time.Now().AddDate(0, -3, 0), nil)
	s.setFaults(ctx, noFaults(), noFaults())
	checkBothWays(ctx, t, s, src)
}

// TestOrdersWorkerKilled is the fault run with the worker processes killed by SIGKILL twice
// while records are in flight, and started again: the result must be exactly the same.
func TestOrdersWorkerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{})
	s.workerBinary() // build before the clock matters
	src := seedRecords(ctx, t, s, recordsEachWay)
	s.setFaults(ctx, faultsOfIssue4(), faultsOfIssue4())
	start := func() {
		for range faultTestWorkers {
			s.startWorkerProcess()
		}
	}
	start()
	committed := func() int64 {
		return s.count(ctx, "WorkflowType = 'RecordSync' AND SyncStatus = 'committed'")
	}
	waitCommitted := func(n int64) {
		for committed() < n {
			select {
			case <-ctx.Done():
				t.Fatalf("only %d records committed, waiting for %d", committed(), n)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	syncBothWays(ctx, t, s, time.Now().AddDate(0, -3, 0), func() {
		waitCommitted(40)
		s.kill()
		t.Logf("killed the workers with %d records committed", committed())
		start()
		waitCommitted(committed() + 20)
		s.kill()
		t.Logf("killed the workers again with %d records committed", committed())
		start()
	})
	s.setFaults(ctx, noFaults(), noFaults())
	checkBothWays(ctx, t, s, src)
}

// lsNewLine is one line of a sale the tests create in Lightspeed.
type lsNewLine struct {
	itemID string
	qty    int
	price  string
}

// createSale creates a completed Lightspeed sale paid in full with one payment.
func (s *stack) createSale(ctx context.Context, customerID string, paymentTypeID string, lines ...lsNewLine) string {
	s.tb.Helper()
	var saleLines []any
	total := decimal.Zero
	for _, l := range lines {
		p := decimal.RequireFromString(l.price)
		total = total.Add(p.Mul(decimal.NewFromInt(int64(l.qty))))
		saleLines = append(saleLines, map[string]any{"itemID": l.itemID, "unitQuantity": fmt.Sprint(l.qty), "unitPrice": l.price})
	}
	body := map[string]any{"shopID": "1", "registerID": "1", "employeeID": "1", "completed": true,
		"SaleLines":    map[string]any{"SaleLine": saleLines},
		"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": paymentTypeID, "amount": total.StringFixed(2)}},
	}
	if customerID != "" {
		body["customerID"] = customerID
	}
	var out struct {
		Sale struct {
			SaleID string `json:"saleID"`
		} `json:"Sale"`
	}
	s.lightspeedAPI(ctx, http.MethodPost, "Sale.json", body, &out)
	require.NotEmpty(s.tb, out.Sale.SaleID)
	return out.Sale.SaleID
}

// lsNewCustomer is a Lightspeed customer the tests create; empty fields are left out.
type lsNewCustomer struct {
	first, last, company, email string
	street, zip, city, country  string
}

func (c lsNewCustomer) body() map[string]any {
	contact := map[string]any{}
	if c.email != "" {
		contact["Emails"] = map[string]any{"ContactEmail": map[string]any{"address": c.email, "useType": "Primary"}}
		contact["noEmail"] = "false"
	}
	if c.street != "" {
		contact["Addresses"] = map[string]any{"ContactAddress": map[string]any{
			"address1": c.street, "zip": c.zip, "city": c.city, "countryCode": c.country}}
	}
	body := map[string]any{"firstName": c.first, "lastName": c.last, "Contact": contact}
	if c.company != "" {
		body["company"] = c.company
	}
	return body
}

// createCustomer creates a Lightspeed customer and returns its id.
func (s *stack) createCustomer(ctx context.Context, c lsNewCustomer) string {
	s.tb.Helper()
	var out struct {
		Customer struct {
			CustomerID string `json:"customerID"`
		} `json:"Customer"`
	}
	s.lightspeedAPI(ctx, http.MethodPost, "Customer.json", c.body(), &out)
	require.NotEmpty(s.tb, out.Customer.CustomerID)
	return out.Customer.CustomerID
}

// updateCustomer replaces a Lightspeed customer's names and contact lists.
func (s *stack) updateCustomer(ctx context.Context, id string, c lsNewCustomer) {
	s.tb.Helper()
	s.lightspeedAPI(ctx, http.MethodPut, "Customer/"+id+".json", c.body(), nil)
}

// createItem creates a Lightspeed item with a default price and returns its id.
func (s *stack) createItem(ctx context.Context, sku, price string) string {
	s.tb.Helper()
	body := map[string]any{"description": "E2E item " + sku, "customSku": sku,
		"Prices": map[string]any{"ItemPrice": []any{map[string]any{"amount": price, "useType": "Default", "useTypeID": "1"}}}}
	var out struct {
		Item struct {
			ItemID string `json:"itemID"`
		} `json:"Item"`
	}
	s.lightspeedAPI(ctx, http.MethodPost, "Item.json", body, &out)
	require.NotEmpty(s.tb, out.Item.ItemID)
	return out.Item.ItemID
}

// anyItem returns a Lightspeed item whose SKU Fortnox has as an article.
func anyItem(t *testing.T, fx fortnoxState, ls lightspeedState) lsItem {
	t.Helper()
	articles := map[string]bool{}
	for _, a := range fx.Articles {
		articles[a.ArticleNumber] = true
	}
	for _, it := range ls.Records.Item {
		if articles[it.CustomSku] {
			return it
		}
	}
	t.Fatal("no Lightspeed item has a Fortnox article")
	return lsItem{}
}

// paymentTypeID finds a Lightspeed payment type by name.
func paymentTypeID(t *testing.T, ls lightspeedState, name string) string {
	t.Helper()
	for _, pt := range ls.Records.PaymentType {
		if pt.Name == name {
			return pt.PaymentTypeID
		}
	}
	t.Fatalf("no Lightspeed payment type %q", name)
	return ""
}

// saleWorkflowID is the record workflow id of a Lightspeed sale in orders-to-fortnox.
func saleWorkflowID(t *testing.T, saleID string) string {
	t.Helper()
	id, err := recordWorkflowID(workflows.DefaultTenant, workflows.FlowOrdersToFortnox, saleID)
	require.NoError(t, err)
	return id
}

// ordersByRef groups the Fortnox orders by ExternalInvoiceReference1.
func ordersByRef(fx fortnoxState) map[string][]fortnoxOrder {
	out := map[string][]fortnoxOrder{}
	for _, o := range fx.Orders {
		out[o.ExternalInvoiceReference1] = append(out[o.ExternalInvoiceReference1], o)
	}
	return out
}

// customersByEmail groups the Fortnox customers by lower-case e-mail.
func customersByEmail(fx fortnoxState) map[string][]fortnoxCustomer {
	out := map[string][]fortnoxCustomer{}
	for _, c := range fx.Customers {
		out[strings.ToLower(c.Email)] = append(out[strings.ToLower(c.Email)], c)
	}
	return out
}

// badSettings has no default or walk-in customer and no default mode of payment, and
// waits only a moment for missing products.
const badSettings = `orders:
  default_customer: {fortnox: "", lightspeed: ""}
  walk_in_customer: ""
  default_mode_of_payment: ""
  product_wait: 2s
`

// TestOrdersBadData runs each bad-data case of the issue through orders-to-fortnox: each
// record becomes needs_fix with its reason and one notification while the good records
// commit; fixed at the source (or in the settings) and retried, each commits once.
func TestOrdersBadData(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{settings: badSettings, webhook: true,
		productWait: 2 * time.Second, productRecheck: time.Second, needsFixWait: time.Hour})
	s.startWorker()
	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	item := anyItem(t, fx, ls)
	line := lsNewLine{itemID: item.ItemID, qty: 2, price: "149.00"}
	cash, giftCard := paymentTypeID(t, ls, "Cash"), paymentTypeID(t, ls, "Gift Card")
	since := time.Now().Add(-2 * time.Second)

	good := lsNewCustomer{first: "Greta", last: "God", email: "greta.god.e2e@example.com",
		street: "Storgatan 1", zip: "111 22", city: "Stockholm", country: "SE"}
	goodSales := []string{
		s.createSale(ctx, s.createCustomer(ctx, good), cash, line),
		s.createSale(ctx, s.createCustomer(ctx, lsNewCustomer{first: "Gustav", last: "Gladh", email: "gustav.e2e@example.com"}), cash, line),
	}

	type badCase struct {
		name     string
		saleID   string
		reason   string // part of the notification's reason
		fix      func()
		settings string // settings that fix it, if the fix is there
	}
	newSKU := "E2E-NEW-1"
	newItem := s.createItem(ctx, newSKU, "99.00")
	noEmail := lsNewCustomer{first: "Nils", last: "Utanmejl"}
	noEmailID := s.createCustomer(ctx, noEmail)
	apostrophe := lsNewCustomer{first: "Seán", last: "O'Brien", email: "sean.e2e@example.com"}
	apostropheID := s.createCustomer(ctx, apostrophe)
	longZip := lsNewCustomer{first: "Lars", last: "Lång", email: "lars.e2e@example.com",
		street: "Långgatan 3", zip: "1234567890123", city: "Lund", country: "SE"}
	longZipID := s.createCustomer(ctx, longZip)
	cases := []*badCase{
		{name: "unknown SKU", saleID: s.createSale(ctx, s.createCustomer(ctx, good), cash, lsNewLine{itemID: newItem, qty: 1, price: "99.00"}),
			reason: newSKU, fix: func() {
				s.fortnoxAPI(ctx, http.MethodPost, "/3/articles", map[string]any{"Article": map[string]any{
					"ArticleNumber": newSKU, "Description": "E2E article"}}, nil)
			}},
		{name: "no e-mail, no default customer", saleID: s.createSale(ctx, noEmailID, cash, line),
			reason: "e-mail", fix: func() {
				noEmail.email = "nils.e2e@example.com"
				s.updateCustomer(ctx, noEmailID, noEmail)
			}},
		{name: "unmapped payment method", saleID: s.createSale(ctx, s.createCustomer(ctx, good), giftCard, line),
			reason: "Gift Card", settings: badSettings + "  payment_methods: {Gift Card: PRESENTKORT}\n"},
		{name: "character Fortnox refuses", saleID: s.createSale(ctx, apostropheID, cash, line),
			reason: "U+0027", fix: func() {
				apostrophe.last = "OBrien"
				s.updateCustomer(ctx, apostropheID, apostrophe)
			}},
		{name: "field over its maximum length", saleID: s.createSale(ctx, longZipID, cash, line),
			reason: "postal_code", fix: func() {
				longZip.zip = "222 21"
				s.updateCustomer(ctx, longZipID, longZip)
			}},
	}

	res := s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
	t.Logf("first run: %+v", res)
	assert.Equal(t, len(goodSales), res.Committed, "good records committed")
	assert.Equal(t, len(cases), res.NeedsFix, "bad records in needs_fix")
	assert.Equal(t, len(cases), s.waitSettled(ctx, workflows.FlowOrdersToFortnox))
	byRef := ordersByRef(s.fortnoxState(ctx))
	for _, id := range goodSales {
		assert.Len(t, byRef[fortnoxLoopPrefix+id], 1, "Fortnox orders of good sale %s", id)
	}
	for _, c := range cases {
		wf := saleWorkflowID(t, c.saleID)
		assert.Equal(t, workflows.StatusNeedsFix, s.recordStatus(ctx, wf), c.name)
		notes := s.webhook.mentioning(wf)
		if assert.Len(t, notes, 1, "%s: notifications for %s", c.name, wf) {
			assert.Contains(t, notes[0], c.reason, "%s: the notification gives the reason", c.name)
		}
		assert.Empty(t, byRef[fortnoxLoopPrefix+c.saleID], "%s: no Fortnox order while needs_fix", c.name)
	}

	// Fix each case where it belongs, restart the worker for the settings, and retry.
	settings := badSettings
	for _, c := range cases {
		if c.fix != nil {
			c.fix()
		}
		if c.settings != "" {
			settings = c.settings
		}
	}
	s.writeSettings(settings)
	s.stopWorker()
	s.startWorker()
	for _, c := range cases {
		s.retry(ctx, saleWorkflowID(t, c.saleID))
	}
	for _, c := range cases {
		wf := saleWorkflowID(t, c.saleID)
		var out workflows.RecordResult
		if !assert.NoError(t, s.client.GetWorkflow(ctx, wf, "").Get(ctx, &out), "%s: %s after retry", c.name, wf) {
			continue
		}
		assert.Equal(t, workflows.StatusCommitted, out.Status, "%s after retry", c.name)
		assert.Equal(t, workflows.StatusCommitted, s.recordStatus(ctx, wf), c.name)
		assert.Len(t, s.webhook.mentioning(wf), 1, "%s: still one notification", c.name)
	}
	after := s.fortnoxState(ctx)
	byRef = ordersByRef(after)
	for _, c := range cases {
		assert.Len(t, byRef[fortnoxLoopPrefix+c.saleID], 1, "%s: Fortnox orders after the fix", c.name)
	}
	emails := customersByEmail(after)
	assert.Len(t, emails["nils.e2e@example.com"], 1, "the customer given an e-mail")
	if sean := emails["sean.e2e@example.com"]; assert.Len(t, sean, 1) {
		assert.Equal(t, "Seán OBrien", sean[0].Name)
	}
	if lars := emails["lars.e2e@example.com"]; assert.Len(t, lars, 1) {
		assert.Equal(t, "22221", strings.ReplaceAll(lars[0].ZipCode, " ", ""))
	}
	assert.Len(t, emails["greta.god.e2e@example.com"], 1, "one customer for the e-mail of several sales")

	// The retried record's history (needs_fix, notify, signal, commit) replays.
	retried := saleWorkflowID(t, cases[0].saleID)
	replayAndRecord(ctx, t, s, retried, "order-sync-to-fortnox-e2e-retried.json")
}

// TestOrdersCustomers runs the customer rules end to end through orders-to-fortnox: person
// and company customers, e-mail matched regardless of case, an existing customer updated
// rather than duplicated, the default customer for anonymous sales, and the forced default.
func TestOrdersCustomers(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{})
	s.startWorker()
	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	item := anyItem(t, fx, ls)
	line := lsNewLine{itemID: item.ItemID, qty: 1, price: "250.00"}
	cash := paymentTypeID(t, ls, "Cash")
	since := time.Now().Add(-2 * time.Second)

	var existing struct {
		Customer fortnoxCustomer `json:"Customer"`
	}
	s.fortnoxAPI(ctx, http.MethodPost, "/3/customers", map[string]any{"Customer": map[string]any{
		"Name": "Eva Existing", "Type": "PRIVATE", "Email": "eva.existing.e2e@example.com",
		"Address1": "Gamla vägen 1", "ZipCode": "21111", "City": "Malmö", "CountryCode": "SE"}}, &existing)
	require.NotEmpty(t, existing.Customer.CustomerNumber)
	before := len(s.fortnoxState(ctx).Customers)

	person := s.createCustomer(ctx, lsNewCustomer{first: "Per", last: "Person", email: "per.person.e2e@example.com",
		street: "Persgatan 2", zip: "111 22", city: "Stockholm", country: "SE"})
	company := s.createCustomer(ctx, lsNewCustomer{first: "Cia", last: "Kontakt", company: "E2E Bolaget AB",
		email: "info.e2e@bolaget.example.com", street: "Industrivägen 9", zip: "41101", city: "Göteborg", country: "SE"})
	eva := s.createCustomer(ctx, lsNewCustomer{first: "Eva", last: "Existing", email: "Eva.Existing.E2E@EXAMPLE.com",
		street: "Nya vägen 5", zip: "75310", city: "Uppsala", country: "SE"})
	sales := map[string]string{
		"person":    s.createSale(ctx, person, cash, line),
		"company":   s.createSale(ctx, company, cash, line),
		"existing":  s.createSale(ctx, eva, cash, line),
		"anonymous": s.createSale(ctx, "", cash, line),
	}
	res := s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
	assert.Equal(t, len(sales), res.Committed, "first run: %+v", res)
	// The person buys again, now in upper case: matched, not duplicated.
	again := s.createCustomer(ctx, lsNewCustomer{first: "Per", last: "Person", email: "PER.PERSON.E2E@example.com",
		street: "Persgatan 2", zip: "111 22", city: "Stockholm", country: "SE"})
	sales["person again"] = s.createSale(ctx, again, cash, line)
	res = s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
	assert.Equal(t, 1, res.Committed, "second run: %+v", res)

	after := s.fortnoxState(ctx)
	byRef, emails := ordersByRef(after), customersByEmail(after)
	customerOf := func(name string) fortnoxCustomer {
		t.Helper()
		orders := byRef[fortnoxLoopPrefix+sales[name]]
		require.Len(t, orders, 1, "Fortnox orders of the %s sale", name)
		for _, c := range after.Customers {
			if c.CustomerNumber == orders[0].CustomerNumber {
				return c
			}
		}
		t.Fatalf("%s sale: order %s names customer %s, which does not exist", name, orders[0].DocumentNumber, orders[0].CustomerNumber)
		return fortnoxCustomer{}
	}

	p := customerOf("person")
	assert.Equal(t, "PRIVATE", p.Type)
	assert.Equal(t, "Per Person", p.Name)
	assert.Equal(t, p.CustomerNumber, customerOf("person again").CustomerNumber, "e-mail matched regardless of case")
	assert.Len(t, emails["per.person.e2e@example.com"], 1, "one customer for the person")

	c := customerOf("company")
	assert.Equal(t, "COMPANY", c.Type)
	assert.Equal(t, "E2E Bolaget AB", c.Name)
	assert.Equal(t, "Cia Kontakt", c.YourReference, "the person is the company's contact")

	e := customerOf("existing")
	assert.Equal(t, existing.Customer.CustomerNumber, e.CustomerNumber, "the existing customer, matched by e-mail in another case")
	assert.Len(t, emails["eva.existing.e2e@example.com"], 1, "the existing customer is not duplicated")
	assert.Equal(t, "Uppsala", e.City, "the existing customer's address is updated")
	assert.Equal(t, "Nya vägen 5", e.Address1)

	assert.Equal(t, fxsandbox.WalkInCustomerNumber, customerOf("anonymous").CustomerNumber, "anonymous sale to the default customer")
	assert.Len(t, after.Customers, before+2, "new customers: the person and the company")

	// Forced default customer: every sale goes to the default, no customer is written.
	s.writeSettings(`orders:
  default_customer: {fortnox: "` + fxsandbox.WalkInCustomerNumber + `", lightspeed: "1"}
  force_default_customer: true
`)
	s.stopWorker()
	s.startWorker()
	forced := s.createCustomer(ctx, lsNewCustomer{first: "Fia", last: "Forced", email: "fia.forced.e2e@example.com"})
	sales["forced"] = s.createSale(ctx, forced, cash, line)
	sales["forced existing"] = s.createSale(ctx, person, cash, line)
	res = s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
	assert.Equal(t, 2, res.Committed, "forced run: %+v", res)
	final := s.fortnoxState(ctx)
	byRef, emails = ordersByRef(final), customersByEmail(final)
	for _, name := range []string{"forced", "forced existing"} {
		if orders := byRef[fortnoxLoopPrefix+sales[name]]; assert.Len(t, orders, 1, name) {
			assert.Equal(t, fxsandbox.WalkInCustomerNumber, orders[0].CustomerNumber, "%s: forced default customer", name)
		}
	}
	assert.Empty(t, emails["fia.forced.e2e@example.com"], "no customer written under the forced default")
	assert.Len(t, final.Customers, len(after.Customers), "no customer written under the forced default")

	// Replay a parent and a committed child of this run.
	parent := s.lastParent(ctx, workflows.FlowOrdersToFortnox)
	replayAndRecord(ctx, t, s, parent, "orders-sync-to-fortnox-e2e.json")
	replayAndRecord(ctx, t, s, saleWorkflowID(t, sales["company"]), "order-sync-to-fortnox-e2e-committed.json")
}

// envRecordHistories, when set, makes the tests copy the histories they replay into
// workflows/testdata/, where the workflows package's replay test picks them up.
const envRecordHistories = "FORTSPEED_RECORD_HISTORIES"

// replayAndRecord replays the latest closed run of a workflow against the current workflow
// code and, with FORTSPEED_RECORD_HISTORIES set, stores it in workflows/testdata/ as file.
func replayAndRecord(ctx context.Context, t *testing.T, s *stack, workflowID, file string) {
	t.Helper()
	replayAndRecordRun(ctx, t, s, workflowID, "", file)
}

// replayAndRecordRun is replayAndRecord for one run of the workflow ("": the latest).
func replayAndRecordRun(ctx context.Context, t *testing.T, s *stack, workflowID, runID, file string) {
	t.Helper()
	hist := s.history(ctx, workflowID, runID)
	require.NotEmpty(t, hist.Events, "history of %s", workflowID)
	replayer := worker.NewWorkflowReplayer()
	workflows.RegisterWorkflows(replayer)
	require.NoError(t, replayer.ReplayWorkflowHistory(nil, hist), "replay %s", workflowID)
	if os.Getenv(envRecordHistories) == "" {
		return
	}
	raw, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join("..", "workflows", "testdata", file), append(raw, '\n'), 0o644))
}

// createFortnoxOrder creates a Fortnox order of one row and returns its DocumentNumber.
func (s *stack) createFortnoxOrder(ctx context.Context, customerNumber, article string, qty int) string {
	s.tb.Helper()
	var out struct {
		Order fortnoxOrder `json:"Order"`
	}
	s.fortnoxAPI(ctx, http.MethodPost, "/3/orders", map[string]any{"Order": map[string]any{
		"CustomerNumber": customerNumber,
		"OrderRows":      []any{map[string]any{"ArticleNumber": article, "OrderedQuantity": qty, "DeliveredQuantity": qty}},
	}}, &out)
	require.NotEmpty(s.tb, out.Order.DocumentNumber)
	return out.Order.DocumentNumber
}

// createFortnoxCustomer creates a Fortnox customer and returns its number.
func (s *stack) createFortnoxCustomer(ctx context.Context, fields map[string]any) string {
	s.tb.Helper()
	var out struct {
		Customer fortnoxCustomer `json:"Customer"`
	}
	s.fortnoxAPI(ctx, http.MethodPost, "/3/customers", map[string]any{"Customer": fields}, &out)
	require.NotEmpty(s.tb, out.Customer.CustomerNumber)
	return out.Customer.CustomerNumber
}

// TestOrdersCustomersToLightspeed runs the customer rules through orders-to-lightspeed: a
// Fortnox company becomes a Lightspeed customer with the company and its contact person, a
// person a person, an e-mail in other case finds the existing Lightspeed customer, two
// orders of one new customer make one customer, and an order without e-mail goes to the
// default customer.
func TestOrdersCustomersToLightspeed(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{settings: `orders:
  default_customer: {fortnox: "` + fxsandbox.WalkInCustomerNumber + `", lightspeed: "1"}
`})
	s.startWorker()
	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	article := anyItem(t, fx, ls).CustomSku
	var known lsCustomer
	for _, c := range ls.Records.Customer {
		if c.email() != "" && c.CustomerID != "1" {
			known = c
			break
		}
	}
	require.NotEmpty(t, known.CustomerID, "the demo seed has Lightspeed customers with e-mail")
	since := time.Now().Add(-2 * time.Second)

	company := s.createFortnoxCustomer(ctx, map[string]any{"Name": "E2E Handel AB", "Type": "COMPANY",
		"YourReference": "Hanna Handlare", "Email": "handel.e2e@example.com", "Address1": "Torget 1",
		"ZipCode": "72211", "City": "Västerås", "CountryCode": "SE"})
	person := s.createFortnoxCustomer(ctx, map[string]any{"Name": "Pia Privat", "Type": "PRIVATE",
		"Email": "pia.e2e@example.com", "Address1": "Gränd 2", "ZipCode": "11122", "City": "Stockholm", "CountryCode": "SE"})
	upper := s.createFortnoxCustomer(ctx, map[string]any{"Name": known.FirstName + " " + known.LastName, "Type": "PRIVATE",
		"Email": strings.ToUpper(known.email())})
	orders := map[string]string{
		"company":      s.createFortnoxOrder(ctx, company, article, 1),
		"person":       s.createFortnoxOrder(ctx, person, article, 2),
		"person again": s.createFortnoxOrder(ctx, person, article, 1),
		"known":        s.createFortnoxOrder(ctx, upper, article, 1),
		"walk-in":      s.createFortnoxOrder(ctx, fxsandbox.WalkInCustomerNumber, article, 1),
	}
	res := s.runFlow(ctx, workflows.FlowOrdersToLightspeed, since)
	t.Logf("orders-to-lightspeed: %+v", res)
	assert.Zero(t, s.waitSettled(ctx, workflows.FlowOrdersToLightspeed), "records in needs_fix")

	after := s.lightspeedState(ctx)
	customers := map[string]lsCustomer{}
	emails := map[string]int{}
	for _, c := range after.Records.Customer {
		customers[c.CustomerID] = c
		emails[strings.ToLower(c.email())]++
	}
	saleOf := func(name string) lsSale {
		t.Helper()
		var found []lsSale
		for _, sale := range after.Records.Sale {
			if sale.ReferenceNumberSource == lsReferenceSource && sale.ReferenceNumber == orders[name] {
				found = append(found, sale)
			}
		}
		require.Len(t, found, 1, "Lightspeed sales for the %s order %s", name, orders[name])
		return found[0]
	}
	c := customers[saleOf("company").CustomerID]
	assert.Equal(t, "E2E Handel AB", c.Company)
	assert.Equal(t, "Hanna", c.FirstName, "the company's contact person")
	assert.Equal(t, "Handlare", c.LastName)
	p := customers[saleOf("person").CustomerID]
	assert.Empty(t, p.Company)
	assert.Equal(t, "Pia", p.FirstName)
	assert.Equal(t, "Privat", p.LastName)
	assert.Equal(t, saleOf("person").CustomerID, saleOf("person again").CustomerID, "one customer for two orders")
	assert.Equal(t, 1, emails["pia.e2e@example.com"])
	assert.Equal(t, 1, emails["handel.e2e@example.com"])
	assert.Equal(t, known.CustomerID, saleOf("known").CustomerID, "e-mail matched regardless of case")
	assert.Equal(t, 1, emails[strings.ToLower(known.email())], "the known customer is not duplicated")
	assert.Equal(t, "1", saleOf("walk-in").CustomerID, "an order without e-mail goes to the default customer")
}

// TestOrdersUnknownSKUToLightspeed is the unknown-SKU case of orders-to-lightspeed: a
// Fortnox order for an article Lightspeed lacks waits, becomes needs_fix with one
// notification while the other orders commit, and commits once the item exists and the
// record is retried.
func TestOrdersUnknownSKUToLightspeed(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{webhook: true, productWait: 2 * time.Second, productRecheck: time.Second, needsFixWait: time.Hour})
	s.startWorker()
	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	known := anyItem(t, fx, ls).CustomSku
	const newSKU = "E2E-FX-ONLY-1"
	s.fortnoxAPI(ctx, http.MethodPost, "/3/articles", map[string]any{"Article": map[string]any{
		"ArticleNumber": newSKU, "Description": "E2E article only in Fortnox"}}, nil)
	buyer := s.createFortnoxCustomer(ctx, map[string]any{"Name": "Sku Saknas", "Type": "PRIVATE", "Email": "sku.e2e@example.com"})
	since := time.Now().Add(-2 * time.Second)
	bad := s.createFortnoxOrder(ctx, buyer, newSKU, 1)
	good := s.createFortnoxOrder(ctx, buyer, known, 1)

	res := s.runFlow(ctx, workflows.FlowOrdersToLightspeed, since)
	t.Logf("first run: %+v", res)
	assert.Equal(t, 1, res.NeedsFix)
	assert.Equal(t, 1, s.waitSettled(ctx, workflows.FlowOrdersToLightspeed))
	wf, err := recordWorkflowID(workflows.DefaultTenant, workflows.FlowOrdersToLightspeed, bad)
	require.NoError(t, err)
	assert.Equal(t, workflows.StatusNeedsFix, s.recordStatus(ctx, wf))
	if notes := s.webhook.mentioning(wf); assert.Len(t, notes, 1) {
		assert.Contains(t, notes[0], newSKU, "the notification names the missing SKU")
	}
	salesOf := func(st lightspeedState, doc string) int {
		n := 0
		for _, sale := range st.Records.Sale {
			if sale.ReferenceNumberSource == lsReferenceSource && sale.ReferenceNumber == doc {
				n++
			}
		}
		return n
	}
	mid := s.lightspeedState(ctx)
	assert.Equal(t, 1, salesOf(mid, good), "the good order is not held back")
	assert.Zero(t, salesOf(mid, bad), "no sale while needs_fix")

	s.createItem(ctx, newSKU, "150.00")
	s.retry(ctx, wf)
	var out workflows.RecordResult
	require.NoError(t, s.client.GetWorkflow(ctx, wf, "").Get(ctx, &out))
	assert.Equal(t, workflows.StatusCommitted, out.Status)
	assert.Equal(t, 1, salesOf(s.lightspeedState(ctx), bad), "one sale after the fix")
	assert.Len(t, s.webhook.mentioning(wf), 1, "still one notification")
}

// recordWorkflowID is the workflow id of one record of a registered flow.
func recordWorkflowID(tenant, flow, sourceID string) (string, error) {
	f, err := workflows.FlowByID(flow)
	if err != nil {
		return "", err
	}
	return f.RecordWorkflowID(tenant, sourceID)
}
