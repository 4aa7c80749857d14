package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/workflows"
)

// shapeOrder is a Fortnox order with the fields the shapes test reads.
type shapeOrder struct {
	DocumentNumber            string `json:"DocumentNumber"`
	ExternalInvoiceReference1 string `json:"ExternalInvoiceReference1"`
	CustomerNumber            string `json:"CustomerNumber"`
	Country                   string `json:"Country"`
	DeliveryName              string `json:"DeliveryName"`
	DeliveryAddress1          string `json:"DeliveryAddress1"`
	DeliveryCity              string `json:"DeliveryCity"`
	DeliveryCountry           string `json:"DeliveryCountry"`
	Remarks                   string `json:"Remarks"`
	OrderRows                 []struct {
		ArticleNumber   string          `json:"ArticleNumber"`
		Description     string          `json:"Description"`
		AccountNumber   decimal.Decimal `json:"AccountNumber"`
		OrderedQuantity decimal.Decimal `json:"OrderedQuantity"`
		Price           decimal.Decimal `json:"Price"`
	} `json:"OrderRows"`
}

// postSale creates a completed Lightspeed sale from raw lines (and extra sale fields),
// paid in cash with the total the lines come to.
func (s *stack) postSale(ctx context.Context, extra map[string]any, lines ...map[string]any) string {
	s.tb.Helper()
	total := decimal.Zero
	for _, l := range lines {
		total = total.Add(decimal.RequireFromString(l["unitQuantity"].(string)).Mul(decimal.RequireFromString(l["unitPrice"].(string))))
	}
	body := map[string]any{"shopID": "1", "registerID": "1", "employeeID": "1", "completed": true,
		"SaleLines":    map[string]any{"SaleLine": lines},
		"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": "1", "amount": total.Round(2).String()}}}
	for k, v := range extra {
		body[k] = v
	}
	return s.postLightspeedSale(ctx, "Sale.json", body)
}

func (s *stack) postLightspeedSale(ctx context.Context, path string, body map[string]any) string {
	s.tb.Helper()
	var out struct {
		Sale struct {
			SaleID string `json:"saleID"`
		} `json:"Sale"`
	}
	s.lightspeedAPI(ctx, http.MethodPost, path, body, &out)
	require.NotEmpty(s.tb, out.Sale.SaleID)
	return out.Sale.SaleID
}

// TestOrdersAsShopsMakeThem runs a batch of sales shaped as real shops make them through
// orders-to-fortnox on the dev server: each gets its behaviour, and the rest of the batch
// commits. Anonymous sales go to the default (walk-in) customer of the settings.
func TestOrdersAsShopsMakeThem(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{webhook: true, productWait: 2 * time.Second, productRecheck: time.Second, needsFixWait: time.Hour})
	s.startWorker()
	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	item := anyItem(t, fx, ls)
	line := func(qty, price string) map[string]any {
		return map[string]any{"itemID": item.ItemID, "unitQuantity": qty, "unitPrice": price}
	}
	// An item whose description has a '"', and one made in the POS without customSku
	// whose manufacturerSku is a Fortnox article.
	s.fortnoxAPI(ctx, http.MethodPost, "/3/articles", map[string]any{"Article": map[string]any{"ArticleNumber": "E2E-QUOTE", "Description": "Mugg"}}, nil)
	quoted, noCustomSku := s.postItem(ctx, map[string]any{"description": `Mugg "Stor"`, "customSku": "E2E-QUOTE"}),
		s.postItem(ctx, map[string]any{"description": "Gammal vara", "manufacturerSku": item.CustomSku})
	argentina := s.createCustomer(ctx, lsNewCustomer{first: "Ana", last: "García", email: "ana.e2e@example.com",
		street: "Av. Corrientes 1234", zip: "C1043", city: "Buenos Aires", country: "AR"})
	depositor := s.createCustomer(ctx, lsNewCustomer{first: "Dora", last: "Deposit"})
	since := time.Now().Add(-2 * time.Second)

	sales := map[string]string{
		"misc line": s.postSale(ctx, nil, line("1", "149.00"),
			map[string]any{"itemID": "0", "unitQuantity": "1", "unitPrice": "29", "Note": map[string]any{"note": "Presentinslagning"}}),
		"zero quantity":   s.postSale(ctx, nil, line("2", "149.00"), line("0", "149.00")),
		"quote":           s.postSale(ctx, nil, map[string]any{"itemID": quoted, "unitQuantity": "1", "unitPrice": "59"}),
		"argentina":       s.postSale(ctx, map[string]any{"customerID": argentina}, line("1", "149.00")),
		"4-decimal price": s.postSale(ctx, nil, line("3", "33.3350")),
		"no customSku":    s.postSale(ctx, nil, map[string]any{"itemID": noCustomSku, "unitQuantity": "1", "unitPrice": "10"}),
		"ship-to": s.postSale(ctx, map[string]any{"ShipTo": map[string]any{"firstName": "Eva", "lastName": "Ek",
			"Contact": map[string]any{"Addresses": map[string]any{"ContactAddress": map[string]any{
				"address1": "Hamngatan 2", "zip": "411 01", "city": "Göteborg", "countryCode": "SE"}}}}}, line("1", "149.00")),
	}
	sales["no lines"] = s.postLightspeedSale(ctx, "Sale.json", map[string]any{"shopID": "1", "registerID": "1", "employeeID": "1",
		"completed": true, "customerID": depositor, "SalePayments": map[string]any{"SalePayment": []any{
			map[string]any{"paymentTypeID": paymentTypeID(t, ls, "Cash"), "amount": "500"},
			map[string]any{"paymentTypeID": paymentTypeID(t, ls, "Credit Account"), "amount": "-500"}}}})
	sales["return"] = s.postLightspeedSale(ctx, "Sale/"+sales["zero quantity"]+"/refund.json", map[string]any{})

	res := s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
	t.Logf("run: %+v", res)
	assert.Equal(t, 7, res.Committed, "committed")
	assert.Equal(t, 1, res.Skipped, "skipped: the sale without lines")
	assert.Equal(t, 1, res.NeedsFix, "needs_fix: the return")
	assert.Equal(t, 1, s.waitSettled(ctx, workflows.FlowOrdersToFortnox))

	var st struct {
		Orders []shapeOrder `json:"orders"`
	}
	s.sandboxCall(ctx, http.MethodGet, s.fortnoxURL+"/_sandbox/state", nil, &st)
	byRef := map[string][]shapeOrder{}
	for _, o := range st.Orders {
		byRef[o.ExternalInvoiceReference1] = append(byRef[o.ExternalInvoiceReference1], o)
	}
	order := func(name string) shapeOrder {
		t.Helper()
		got := byRef[fortnoxLoopPrefix+sales[name]]
		require.Len(t, got, 1, "%s: Fortnox orders of sale %s", name, sales[name])
		return got[0]
	}
	dec := decimal.RequireFromString

	misc := order("misc line")
	require.Len(t, misc.OrderRows, 2)
	assert.Equal(t, item.CustomSku, misc.OrderRows[0].ArticleNumber)
	assert.Equal(t, "", misc.OrderRows[1].ArticleNumber, "misc line: a row without an article")
	assert.Equal(t, "Presentinslagning", misc.OrderRows[1].Description)
	assert.True(t, misc.OrderRows[1].Price.Equal(dec("29")))
	assert.False(t, misc.OrderRows[1].AccountNumber.IsZero(), "misc line: on a sales account")

	zero := order("zero quantity")
	require.Len(t, zero.OrderRows, 1, "the quantity-0 line is dropped")
	assert.True(t, zero.OrderRows[0].OrderedQuantity.Equal(dec("2")))

	assert.Equal(t, "Mugg Stor", order("quote").OrderRows[0].Description, `the '"' is dropped from the description`)
	ar := order("argentina")
	assert.Equal(t, "Argentina", ar.Country)
	assert.Equal(t, "Argentina", ar.DeliveryCountry, "no ship-to: the billing address is the delivery address")
	assert.True(t, order("4-decimal price").OrderRows[0].Price.Equal(dec("33.34")), "rounded half-up")
	assert.Equal(t, item.CustomSku, order("no customSku").OrderRows[0].ArticleNumber, "found by manufacturerSku")
	ship := order("ship-to")
	assert.Equal(t, "Eva Ek", ship.DeliveryName)
	assert.Equal(t, "Hamngatan 2", ship.DeliveryAddress1)
	assert.Equal(t, "Göteborg", ship.DeliveryCity)
	assert.Equal(t, "Sverige", ship.DeliveryCountry)

	assert.Empty(t, byRef[fortnoxLoopPrefix+sales["no lines"]])
	var skipped workflows.RecordResult
	require.NoError(t, s.client.GetWorkflow(ctx, saleWorkflowID(t, sales["no lines"]), "").Get(ctx, &skipped))
	assert.Equal(t, workflows.StatusSkipped, skipped.Status)
	assert.Contains(t, skipped.Reason, "no lines")

	wf := saleWorkflowID(t, sales["return"])
	assert.Equal(t, workflows.StatusNeedsFix, s.recordStatus(ctx, wf))
	assert.Empty(t, byRef[fortnoxLoopPrefix+sales["return"]], "no order of negative rows by accident")
	if notes := s.webhook.mentioning(wf); assert.Len(t, notes, 1) {
		assert.Contains(t, notes[0], "a return of sale "+sales["zero quantity"])
	}

	// The skipped record's history replays.
	replayAndRecord(ctx, t, s, saleWorkflowID(t, sales["no lines"]), "order-sync-to-fortnox-e2e-skipped.json")
}

// postItem creates a Lightspeed item from raw fields and returns its id.
func (s *stack) postItem(ctx context.Context, fields map[string]any) string {
	s.tb.Helper()
	var out struct {
		Item struct {
			ItemID string `json:"itemID"`
		} `json:"Item"`
	}
	s.lightspeedAPI(ctx, http.MethodPost, "Item.json", fields, &out)
	require.NotEmpty(s.tb, out.Item.ItemID)
	return out.Item.ItemID
}
