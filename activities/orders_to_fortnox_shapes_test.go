package activities

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
	"fortspeed/sandbox/demo"
)

// lsPost writes to the Lightspeed sandbox's API as the real one is written, for the shapes
// the client's SaleInput does not make (lines without an item, ship-to, refunds).
func (e *toFortnoxEnv) lsPost(path string, body map[string]any) map[string]any {
	e.t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(e.t, err)
	req, err := http.NewRequest(http.MethodPost, e.ls.srv.URL+"/API/V3/Account/316401/"+path, bytes.NewReader(raw))
	require.NoError(e.t, err)
	req.Header.Set("Authorization", "Bearer "+e.ls.token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(e.t, json.NewDecoder(resp.Body).Decode(&out))
	require.Equal(e.t, http.StatusOK, resp.StatusCode, "POST %s: %v", path, out)
	return out["Sale"].(map[string]any)
}

// fetchSale fetches the completed sales since since and returns sale id's record.
func (e *toFortnoxEnv) fetchSale(since time.Time, id string) mapping.SourceOrder {
	e.t.Helper()
	var page FetchResult
	require.NoError(e.t, e.run(OrdersToFortnoxFetch, FetchInput{Tenant: "default", Since: since}, &page))
	for _, r := range decoded(e.t.(*testing.T), page.Records) {
		if r.ID == id {
			return r
		}
	}
	e.t.Fatalf("sale %s not fetched", id)
	return mapping.SourceOrder{}
}

func TestToFortnoxSalesAsShopsMakeThem(t *testing.T) {
	e := newToFortnoxEnv(t, tfSettings)
	ctx := e.ctx()
	art := demo.Demo().Articles[0]
	items, err := e.lsc.ItemsBySKU(ctx, []string{art.Number})
	require.NoError(t, err)
	require.Len(t, items, 1)
	itemID := strconv.FormatInt(int64(items[0].ItemID), 10)
	since := time.Now().Add(-2 * time.Second)

	sale := e.lsPost("Sale.json", map[string]any{"shopID": 1, "completed": true,
		"SaleLines": map[string]any{"SaleLine": []any{
			map[string]any{"itemID": itemID, "unitQuantity": 1, "unitPrice": "99.1250"},
			map[string]any{"itemID": "0", "unitQuantity": 1, "unitPrice": "25", "Note": map[string]any{"note": `Presentinslagning "guld"`}},
			map[string]any{"itemID": itemID, "unitQuantity": 0},
		}},
		"ShipTo": map[string]any{"firstName": "Eva", "lastName": "Ek", "Contact": map[string]any{"Addresses": map[string]any{
			"ContactAddress": map[string]any{"address1": "Av. Corrientes 1", "city": "Buenos Aires", "zip": "C1000", "countryCode": "AR"}}}},
		"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": 1, "amount": "124.13"}}})
	id := sale["saleID"].(string)

	var res EnrichResult
	require.NoError(t, e.run(OrdersToFortnoxEnrich, EnrichInput{Tenant: "default", Source: e.fetchSale(since, id)}, &res))
	d := res.Draft
	require.Len(t, d.Lines, 2, "the quantity-0 line is dropped")
	assert.Equal(t, art.Number, d.Lines[0].SKU)
	assert.Equal(t, "99.13", d.Lines[0].UnitPrice.String(), "4 decimals rounded half-up")
	assert.Empty(t, d.Lines[1].SKU)
	assert.Equal(t, "Presentinslagning guld", d.Lines[1].Description, "the note, cleaned of what Fortnox refuses")
	assert.NotEmpty(t, d.Lines[1].Account)
	assert.Equal(t, "Eva Ek", d.Shipping.Name)
	assert.Equal(t, "Argentina", d.Shipping.Country)
	for _, want := range []string{"dropped 1 lines of quantity 0 (lines[2])", "rounded 1 unit prices", "lines[1].description"} {
		assert.Contains(t, res.Summary, want)
	}

	var commit CommitResult
	require.NoError(t, e.run(OrdersToFortnoxCommit, CommitInput{Tenant: "default", Draft: d, CustomerID: "1"}, &commit))
	order, err := e.fxc.Order(ctx, commit.TargetID)
	require.NoError(t, err)
	require.Len(t, order.OrderRows, 2)
	assert.Equal(t, "", string(order.OrderRows[1].ArticleNumber))
	assert.Equal(t, "Argentina", order.DeliveryCountry)
	assert.Equal(t, "Eva Ek", order.DeliveryName)

	// The refund of that sale (POST Sale/{id}/refund): by default needs_fix, naming the sale
	// it returns; with orders.returns credit a draft of negative rows naming the original.
	refund := e.lsPost("Sale/"+id+"/refund.json", map[string]any{})
	refundSrc := e.fetchSale(since, refund["saleID"].(string))
	err = e.run(OrdersToFortnoxEnrich, EnrichInput{Tenant: "default", Source: refundSrc}, &res)
	assert.Contains(t, requireAppError(t, err, ErrorTypeNeedsFix).Error(), "a return of sale "+id)

	s, err := mapping.Parse("settings.yaml", []byte(tfSettings+"  returns: credit\n"))
	require.NoError(t, err)
	credit, err := mapping.NewMapper(s)
	require.NoError(t, err)
	e.acts, err = newToFortnoxSteps(e.lsc, e.fxc, credit)
	require.NoError(t, err)
	require.NoError(t, e.run(OrdersToFortnoxEnrich, EnrichInput{Tenant: "default", Source: refundSrc}, &res))
	assert.Equal(t, id, res.Draft.ReturnOf, "enrich follows parentSaleLineID to the original sale")
	require.Len(t, res.Draft.Lines, 2)
	assert.True(t, res.Draft.Lines[0].Quantity.IsNegative())
	require.NoError(t, e.run(OrdersToFortnoxCommit, CommitInput{Tenant: "default", Draft: res.Draft, CustomerID: "1"}, &commit))
	order, err = e.fxc.Order(ctx, commit.TargetID)
	require.NoError(t, err)
	assert.Equal(t, "LS-"+id, string(order.ExternalInvoiceReference2))
	assert.True(t, order.Total.IsNegative(), "a credit order: %s", order.Total)

	// A deposit (no lines: cash in, credit account out) is skipped with its reason.
	cust, err := e.lsc.CreateCustomer(ctx, lightspeed.CustomerInput{FirstName: ptr("Dora")})
	require.NoError(t, err)
	deposit := e.lsPost("Sale.json", map[string]any{"shopID": 1, "completed": true, "customerID": cust.CustomerID,
		"SalePayments": map[string]any{"SalePayment": []any{
			map[string]any{"paymentTypeID": 1, "amount": "500"}, map[string]any{"paymentTypeID": 6, "amount": "-500"}}}})
	require.NoError(t, e.run(OrdersToFortnoxEnrich, EnrichInput{Tenant: "default", Source: e.fetchSale(since, deposit["saleID"].(string))}, &res))
	assert.Equal(t, "the sale has no lines (a deposit or an account payment): nothing to order", res.Skip)
	assert.Contains(t, res.Summary, "skipped")
}

// An item without customSku is found by the next of orders.sku_fields; one without any is
// needs_fix naming the item.
func TestToFortnoxSKUFromOtherItemFields(t *testing.T) {
	e := newToFortnoxEnv(t, tfSettings)
	ctx := e.ctx()
	art := demo.Demo().Articles[1]
	item, err := e.lsc.CreateItem(ctx, lightspeed.ItemInput{Description: ptr("Gammal vara"), ManufacturerSku: ptr(art.Number)})
	require.NoError(t, err)
	since := time.Now().Add(-2 * time.Second)
	sale := e.lsPost("Sale.json", map[string]any{"shopID": 1, "completed": true,
		"SaleLines":    map[string]any{"SaleLine": map[string]any{"itemID": item.ItemID, "unitQuantity": 1, "unitPrice": "10"}},
		"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": 1, "amount": "10"}}})
	src := e.fetchSale(since, sale["saleID"].(string))
	assert.Equal(t, "", src.Lines[0].SKU, "no customSku")
	d := e.enrich(src)
	assert.Equal(t, art.Number, d.Lines[0].SKU, "the manufacturerSku")

	s, err := mapping.Parse("settings.yaml", []byte(tfSettings+"  sku_fields: [customSku]\n"))
	require.NoError(t, err)
	m, err := mapping.NewMapper(s)
	require.NoError(t, err)
	e.acts, err = newToFortnoxSteps(e.lsc, e.fxc, m)
	require.NoError(t, err)
	var res EnrichResult
	err = e.run(OrdersToFortnoxEnrich, EnrichInput{Tenant: "default", Source: src}, &res)
	reason := requireAppError(t, err, ErrorTypeNeedsFix).Error()
	assert.Contains(t, reason, "item "+strconv.FormatInt(int64(item.ItemID), 10)+` ("Gammal vara") has none of customSku`)
}

func ptr[T any](v T) *T { return &v }
