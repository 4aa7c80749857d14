package activities

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"

	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
)

func lsItem(id int64, typ string, qoh map[int64]int64) lightspeed.Item {
	it := lightspeed.Item{ItemID: lightspeed.Int(id), ItemType: typ}
	for shop, q := range qoh {
		it.ItemShops = append(it.ItemShops, lightspeed.ItemShop{ShopID: lightspeed.Int(shop), QOH: lightspeed.Decimal{Decimal: decimal.NewFromInt(q)}})
	}
	return it
}

func TestStockWriteWritesOnlyWhatDiffers(t *testing.T) {
	plan := mapping.StockPlan{Calculation: mapping.StockAvailable, Managed: true, ManagedExcept: []string{"GIFT-*"},
		Shops: []mapping.StockShop{{ShopID: 1}}}
	art := func(n string, avail int64) mapping.StockArticle {
		return mapping.StockArticle{Number: n, Article: mapping.StockFigures{InStock: decimal.NewFromInt(avail + 2), Available: decimal.NewFromInt(avail)}}
	}
	none := map[[2]int64]decimal.Decimal{}

	w := stockWrite(plan, art("TS-1", 5), lsItem(7, "default", map[int64]int64{0: 5, 1: 5, 2: 9}), none)
	assert.Empty(t, w.Shops, "equal: nothing to write")
	assert.Empty(t, w.ItemType)

	w = stockWrite(plan, art("TS-1", 5), lsItem(7, "default", map[int64]int64{1: 8}), none)
	assert.Equal(t, []ShopQuantity{{ShopID: 1, QOH: decimal.NewFromInt(5), Was: decimal.NewFromInt(8)}}, w.Shops)

	w = stockWrite(plan, art("TS-1", 5), lsItem(7, "default", map[int64]int64{2: 1}), none)
	assert.Equal(t, []ShopQuantity{{ShopID: 1, QOH: decimal.NewFromInt(5), Was: decimal.Zero}}, w.Shops, "a missing ItemShop holds 0")

	sold := map[[2]int64]decimal.Decimal{{7, 1}: decimal.NewFromInt(3)}
	w = stockWrite(plan, art("TS-1", 5), lsItem(7, "default", map[int64]int64{1: 2}), sold)
	assert.Empty(t, w.Shops, "the 3 units of a sale not yet in Fortnox stay deducted")

	w = stockWrite(plan, art("GIFT-1", 5), lsItem(8, "default", map[int64]int64{1: 1}), none)
	assert.Equal(t, lightspeed.ItemTypeNonInventory, w.ItemType, "unmanaged by the per-article rule")
	assert.Empty(t, w.Shops, "no quantity for an unmanaged item")
	w = stockWrite(plan, art("GIFT-1", 5), lsItem(8, lightspeed.ItemTypeNonInventory, nil), none)
	assert.Empty(t, w.ItemType, "already non_inventory")

	w = stockWrite(plan, art("TS-2", 4), lsItem(9, lightspeed.ItemTypeNonInventory, map[int64]int64{1: 4}), none)
	assert.Equal(t, lightspeed.ItemTypeDefault, w.ItemType, "managed again")
	assert.Len(t, w.Shops, 1, "its quantity is sent with the type")
}

func TestStockArticleFigures(t *testing.T) {
	num := func(s string) fortnox.Num { return fortnox.Num{Decimal: decimal.RequireFromString(s), Valid: true} }
	plan := mapping.StockPlan{Calculation: mapping.StockAvailable}
	a, problem := stockArticle(fortnox.ArticleListItem{ArticleNumber: "A", QuantityInStock: num("-8"), ReservedQuantity: num("0"), DisposableQuantity: num("-8")}, plan)
	assert.Empty(t, problem)
	assert.Equal(t, "-8", a.Article.Available.String(), "negative without the warehouse module")
	a, problem = stockArticle(fortnox.ArticleListItem{ArticleNumber: "B", QuantityInStock: num("10"), ReservedQuantity: num("3")}, plan)
	assert.Empty(t, problem)
	assert.Equal(t, "7", a.Article.Available.String(), "available from in stock less reserved")
	_, problem = stockArticle(fortnox.ArticleListItem{ArticleNumber: "C"}, plan)
	assert.Equal(t, "QuantityInStock is empty", problem, "a blank figure is never guessed")
	_, problem = stockArticle(fortnox.ArticleListItem{ArticleNumber: "C"}, mapping.StockPlan{Warehouse: true})
	assert.Empty(t, problem, "with the warehouse module the stock points' figures count")
}
