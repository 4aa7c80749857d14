package lightspeed

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients"
	"fortspeed/sandbox/demo"
	lssandbox "fortspeed/sandbox/lightspeed"
)

// TestSandboxSalesByID reads sales by id with their lines and the lines' items, and writes
// stock the way the stock flow does: absolute qoh by shopID, an ItemShop made on demand,
// shop 0 the derived sum.
func TestSandboxSalesByIDAndStockWrites(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	c := sb.client(clients.StaticSource(sb.tokens().AccessToken), nil)
	ctx := context.Background()

	completed, err := c.CompletedSalesChangedSince(ctx, time.Now().AddDate(0, -2, 0))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(completed), 2)
	ids := []int64{int64(completed[0].SaleID), int64(completed[1].SaleID), int64(completed[0].SaleID), 999999}
	sales, err := c.SalesByID(ctx, ids)
	require.NoError(t, err)
	require.Len(t, sales, 2, "duplicates and unknown ids are left out")
	for _, s := range sales {
		require.NotEmpty(t, s.SaleLines)
		assert.NotZero(t, s.SaleLines[0].ItemID)
		assert.NotEmpty(t, s.SaleLines[0].Item.CustomSku, "SaleLines.Item is loaded")
		assert.False(t, s.SaleLines[0].UnitQuantity.IsZero())
	}
	none, err := c.SalesByID(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, none)

	desc, sku := "Lagertest", "STOCK-T-1"
	item, err := c.CreateItem(ctx, ItemInput{Description: &desc, CustomSku: &sku})
	require.NoError(t, err)
	id := int64(item.ItemID)
	_, err = c.UpdateItem(ctx, id, ItemInput{Stock: []ItemStockInput{{ShopID: 1, QOH: decimal.NewFromInt(5)}, {ShopID: 2, QOH: decimal.NewFromInt(-2)}}})
	require.NoError(t, err)
	got, err := c.Item(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "5", qohIn(got, 1).String())
	assert.Equal(t, "-2", qohIn(got, 2).String(), "qoh can be negative")
	assert.Equal(t, "3", qohIn(got, 0).String(), "shop 0 is the sum")
	_, err = c.UpdateItem(ctx, id, ItemInput{Stock: []ItemStockInput{{ShopID: 1, QOH: decimal.NewFromInt(4)}}})
	require.NoError(t, err)
	got, err = c.Item(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "4", qohIn(got, 1).String(), "qoh is set, not added")
	_, err = c.UpdateItem(ctx, id, ItemInput{Stock: []ItemStockInput{{ShopID: 1, QOH: decimal.RequireFromString("1.5")}}})
	assert.Equal(t, clients.Validation, kindOf(t, err).Kind, "Lightspeed keeps whole units")
}

// TestSandboxItemsBySKUEach decodes each item on its own: a malformed qoh costs that item.
func TestSandboxItemsBySKUEach(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	c := sb.client(clients.StaticSource(sb.tokens().AccessToken), nil)
	ctx := context.Background()
	arts := demoSKUs(3)
	items, err := c.ItemsBySKU(ctx, arts)
	require.NoError(t, err)
	require.Len(t, items, 3)
	sb.call("PUT", "/_sandbox/corrupt", `{"entity":"Item","id":"`+strconv.FormatInt(int64(items[1].ItemID), 10)+`","path":"ItemShops.ItemShop.0.qoh","value":"N/A"}`, nil)
	good, bad, err := c.ItemsBySKUEach(ctx, arts)
	require.NoError(t, err)
	assert.Len(t, good, 2)
	require.Len(t, bad, 1)
	assert.Equal(t, items[1].CustomSku, bad[0].ID)
	assert.Contains(t, bad[0].Reason, "qoh")
	_, err = c.ItemsBySKU(ctx, arts)
	assert.Equal(t, clients.Validation, kindOf(t, err).Kind, "the whole-list lookup fails on it")
}

func demoSKUs(n int) []string {
	var out []string
	for _, a := range demo.Demo().Articles[:n] {
		out = append(out, a.Number)
	}
	return out
}
