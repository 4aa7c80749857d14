package lightspeed

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/sandbox/testapi"
)

func TestCorruptionReachesEveryAnswerThatRendersTheRecord(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	item := stockItem(t, e, "C-1")
	sale := func() string {
		return e.ok(http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "completed": true,
			"SaleLines":    map[string]any{"SaleLine": map[string]any{"itemID": item, "unitQuantity": 1}},
			"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": 1, "amount": "125"}}})["Sale"].(map[string]any)["saleID"].(string)
	}
	bad, good := sale(), sale()
	remote := testapi.Remote{URL: e.http.URL}
	require.NoError(t, remote.Corrupt("Sale", bad, "SaleLines.SaleLine.0.unitPrice", "N/A"))
	require.NoError(t, remote.Corrupt("Item", item, "customSku", map[string]any{"not": "a string"}))

	listed := e.ok(http.MethodGet, acct+`Sale.json?load_relations=["SaleLines","SaleLines.Item"]`, nil)
	byID := map[string]map[string]any{}
	for _, s := range list(listed, "Sale") {
		byID[s["saleID"].(string)] = s
	}
	badLine := inner(byID[bad]["SaleLines"], "SaleLine")[0]
	assert.Equal(t, "N/A", badLine["unitPrice"], "a lone line is index 0")
	assert.Equal(t, map[string]any{"not": "a string"}, badLine["Item"].(map[string]any)["customSku"], "a nested record carries its own corruption")
	goodLine := inner(byID[good]["SaleLines"], "SaleLine")[0]
	assert.Equal(t, "125", goodLine["unitPrice"], "other sales are untouched")

	one := e.ok(http.MethodGet, acct+"Sale/"+bad+`.json?load_relations=["SaleLines"]`, nil)["Sale"].(map[string]any)
	assert.Equal(t, "N/A", inner(one["SaleLines"], "SaleLine")[0]["unitPrice"], "the single GET too")
	without := e.ok(http.MethodGet, acct+"Sale/"+bad+".json", nil)["Sale"].(map[string]any)
	assert.NotContains(t, without, "SaleLines", "a path the answer does not have changes nothing")

	state := e.srv.State().(stateView)
	for _, s := range state.Records["Sale"] {
		for _, l := range inner(s.(map[string]any)["SaleLines"], "SaleLine") {
			assert.Equal(t, "125", l["unitPrice"], "GET /_sandbox/state shows what is stored")
		}
	}

	require.NoError(t, remote.ClearCorruptions())
	one = e.ok(http.MethodGet, acct+"Sale/"+bad+`.json?load_relations=["SaleLines"]`, nil)["Sale"].(map[string]any)
	assert.Equal(t, "125", inner(one["SaleLines"], "SaleLine")[0]["unitPrice"])

	err := remote.Corrupt("Sales", bad, "total", 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "SaleLine", "the refusal lists the entities")
}
