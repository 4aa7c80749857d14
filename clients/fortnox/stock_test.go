package fortnox

import (
	"context"
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fxsandbox "fortspeed/sandbox/fortnox"
)

// TestArticlesPageReadsFiguresPerRecord pages the catalogue by article number, reads
// the string stock figures, and keeps going past an article whose figure is not a number.
func TestArticlesPageReadsFiguresPerRecord(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, fxsandbox.Options{NoLimits: true}, "empty")
	sb.call(http.MethodPost, "/_sandbox/reset", map[string]any{"seed": "catalogue", "articles": 7, "random_seed": 3}, nil)
	cl := sb.client(nil)

	first, err := cl.ArticlesPage(ctx, ArticlesPageQuery{Limit: 5})
	require.NoError(t, err)
	assert.Equal(t, 1, first.Page)
	assert.Equal(t, 2, first.TotalPages)
	require.Len(t, first.Articles, 5)
	second, err := cl.ArticlesPage(ctx, ArticlesPageQuery{Limit: 5, Page: 2})
	require.NoError(t, err)
	require.Len(t, second.Articles, 2)
	assert.Less(t, string(first.Articles[4].ArticleNumber), string(second.Articles[0].ArticleNumber), "sorted by article number")
	a := first.Articles[0]
	assert.True(t, a.QuantityInStock.Valid && a.DisposableQuantity.Valid && a.ReservedQuantity.Valid)
	assert.True(t, a.DisposableQuantity.Equal(a.QuantityInStock.Sub(a.ReservedQuantity.Decimal)))
	assert.False(t, first.ListedAt.IsZero())

	bad := string(first.Articles[2].ArticleNumber)
	sb.call(http.MethodPut, "/_sandbox/corrupt", map[string]any{"entity": "Article", "id": bad, "path": "DisposableQuantity", "value": "N/A"}, nil)
	again, err := cl.ArticlesPage(ctx, ArticlesPageQuery{Limit: 5})
	require.NoError(t, err)
	assert.Len(t, again.Articles, 4, "the others decode")
	require.Len(t, again.Undecodable, 1)
	assert.Equal(t, bad, again.Undecodable[0].ID)
	assert.Contains(t, again.Undecodable[0].Reason, "DisposableQuantity")

	one, err := cl.ArticlesPage(ctx, ArticlesPageQuery{Number: string(second.Articles[1].ArticleNumber)})
	require.NoError(t, err)
	require.NotEmpty(t, one.Articles, "the articlenumber search finds it")
}

// TestStockBalancesEach reads the warehouse balances of given items at given stock points.
func TestStockBalancesEach(t *testing.T) {
	ctx := context.Background()
	sb := newSandbox(t, fxsandbox.Options{NoLimits: true, Warehouse: true}, "empty")
	sb.call(http.MethodPost, "/_sandbox/reset", map[string]any{"seed": "catalogue", "articles": 3, "random_seed": 3}, nil)
	cl := sb.client(nil)
	page, err := cl.ArticlesPage(ctx, ArticlesPageQuery{})
	require.NoError(t, err)
	require.Len(t, page.Articles, 3)
	ids := []string{string(page.Articles[0].ArticleNumber), string(page.Articles[1].ArticleNumber)}
	balances, bad, err := cl.StockBalancesEach(ctx, ids, []string{"BUTIK"})
	require.NoError(t, err)
	assert.Empty(t, bad)
	require.Len(t, balances, 2)
	for _, b := range balances {
		assert.Equal(t, "BUTIK", string(b.StockPointCode))
		assert.Contains(t, ids, string(b.ItemID))
		assert.True(t, b.InStock.Valid && b.AvailableStock.Valid)
		assert.False(t, b.AvailableStock.GreaterThan(b.InStock.Decimal), "available is in stock less reservations")
	}
	sum := decimal.Zero
	all, _, err := cl.StockBalancesEach(ctx, ids[:1], nil)
	require.NoError(t, err)
	for _, b := range all {
		sum = sum.Add(b.InStock.Decimal)
	}
	assert.True(t, page.Articles[0].QuantityInStock.Equal(sum), "the article's stock is the sum over its stock points")
}
