package mapping

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStockQuantityCalculations(t *testing.T) {
	a := StockArticle{Number: "TS-1", Article: StockFigures{InStock: dec("10"), Available: dec("7.5")}}
	shop := StockShop{ShopID: 1}
	cases := []struct {
		name string
		plan StockPlan
		sold string
		want string
	}{
		{"available rounds down", StockPlan{Calculation: StockAvailable}, "0", "7"},
		{"physical", StockPlan{Calculation: StockPhysical}, "0", "10"},
		{"safety buffer", StockPlan{Calculation: StockPhysical, SafetyBuffer: 2}, "0", "8"},
		{"pending till sale", StockPlan{Calculation: StockAvailable}, "3", "4"},
		{"a refund not yet in Fortnox adds back", StockPlan{Calculation: StockPhysical}, "-1", "11"},
		{"negative without floor", StockPlan{Calculation: StockPhysical, SafetyBuffer: 12}, "0.5", "-3"},
		{"floor at zero", StockPlan{Calculation: StockPhysical, SafetyBuffer: 12, FloorAtZero: true}, "0", "0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.plan.Quantity(a, shop, dec(c.sold))
			assert.True(t, dec(c.want).Equal(got), "want %s, got %s", c.want, got)
		})
	}
}

func TestStockQuantityPerStockPoint(t *testing.T) {
	a := StockArticle{Number: "TS-1", Points: map[string]StockFigures{
		"LAGER": {InStock: dec("20"), Available: dec("18")},
		"BUTIK": {InStock: dec("4"), Available: dec("-1")},
	}}
	plan := StockPlan{Calculation: StockAvailable, Warehouse: true}
	assert.True(t, dec("17").Equal(plan.Quantity(a, StockShop{ShopID: 1, Points: []string{"LAGER", "BUTIK"}}, decimal.Zero)), "points of one shop are summed")
	assert.True(t, dec("-1").Equal(plan.Quantity(a, StockShop{ShopID: 2, Points: []string{"BUTIK"}}, decimal.Zero)))
	assert.True(t, decimal.Zero.Equal(plan.Quantity(a, StockShop{ShopID: 3, Points: []string{"NONE"}}, decimal.Zero)), "no balance at a point is none there")
}

func TestNewStockPlan(t *testing.T) {
	s, err := Parse("test", []byte(`
stock:
  stock_points: {LAGER: "2", BUTIK: "1", EXTRA: "1"}
  shop_id: "3"
  managed_except: ["GIFT-*"]
`))
	require.NoError(t, err)
	wh, err := NewStockPlan(s.Stock, true)
	require.NoError(t, err)
	assert.Equal(t, []StockShop{{ShopID: 1, Points: []string{"BUTIK", "EXTRA"}}, {ShopID: 2, Points: []string{"LAGER"}}}, wh.Shops)
	assert.Equal(t, []string{"BUTIK", "EXTRA", "LAGER"}, wh.Points())
	plain, err := NewStockPlan(s.Stock, false)
	require.NoError(t, err)
	assert.Equal(t, []StockShop{{ShopID: 3}}, plain.Shops, "without the warehouse module one shop gets the article quantity")
	assert.True(t, plain.IsManaged("TS-1"))
	assert.False(t, plain.IsManaged("GIFT-100"), "the per-article rule reverses managed")
	plain.Managed = false
	assert.True(t, plain.IsManaged("GIFT-100"))
	assert.False(t, plain.IsManaged("TS-1"))
}

func TestStockSettingsErrorsNameTheKey(t *testing.T) {
	for body, want := range map[string]string{
		"stock: {shop_id: \"0\"}":               "stock.shop_id",
		"stock: {stock_points: {LAGER: \"x\"}}": `stock.stock_points."LAGER"`,
		"stock: {managed_except: [\"[\"]}":      "stock.managed_except[0]",
		"stock: {reconcile: 10s}":               "stock.reconcile",
		"stock: {pending_sales_window: 0s}":     "stock.pending_sales_window",
		"stock: {calculation: reserved}":        "stock.calculation",
	} {
		_, err := Parse("test", []byte(body))
		require.Error(t, err, body)
		assert.Contains(t, err.Error(), want, body)
	}
}
