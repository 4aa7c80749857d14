package fortnox

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"fortspeed/clients"
)

// ArticlesPageQuery asks for one page of the articles modified at or after Since (every
// article when Since is zero).
type ArticlesPageQuery struct {
	Since time.Time
	// Page is 1-based; 0 means 1.
	Page int
	// Limit is the page size, at most 500 (the default); larger values are capped.
	Limit int
	// Number narrows the listing with the articlenumber search, a substring match: callers
	// keep the exact one.
	Number string
}

// ArticlePage is one page of slim article list items, which carry the stock figures
// (QuantityInStock, ReservedQuantity, DisposableQuantity) as strings.
type ArticlePage struct {
	Articles []ArticleListItem
	// Undecodable are the page's articles that did not decode (a stock figure that is not a
	// number); the others did.
	Undecodable []clients.Undecodable
	// Page is the page read and TotalPages the window's page count as this page was read
	// (0 for an empty window): read on while Page < TotalPages. Total is the window's
	// article count (@TotalResources): when it falls between two pages, an article was
	// deleted and the later ones moved one place back.
	Page, TotalPages, Total int
	// ListedAt is when Fortnox read this page, in its own clock, less listingMargin.
	ListedAt time.Time
}

// ArticlesPage reads one page of articles (the list items carry the stock figures), by article
// number, with one request. With a Since it is a lastmodified window fixed for the run: an
// article that enters it while the run pages pushes the later ones on, so a page can
// repeat the last article of the page before, never miss one; a deleted article moves the
// later ones back, which a caller sees by Total falling. An article that does not decode is
// in Undecodable, named by its number and the bad field, and the rest of the page decodes.
func (cl *Client) ArticlesPage(ctx context.Context, q ArticlesPageQuery) (ArticlePage, error) {
	query := url.Values{}
	if !q.Since.IsZero() {
		query.Set("lastmodified", cl.lastModified(q.Since))
	}
	if q.Number != "" {
		query.Set("articlenumber", q.Number)
	}
	p, err := windowPage[ArticleListItem](ctx, cl, "list a page of articles", "articles", "Articles", "articlenumber", "ArticleNumber", q.Page, q.Limit, query)
	if err != nil {
		return ArticlePage{}, err
	}
	return ArticlePage{Articles: p.items, Undecodable: p.undecodable, Page: p.page, TotalPages: p.totalPages,
		Total: p.total, ListedAt: p.listedAt}, nil
}

// StockBalancesEach is StockBalances decoding each balance on its own: a balance with a
// figure that is not a number is in the second result, named by its itemId and the field,
// and the others decode. One request per 100 item ids.
func (cl *Client) StockBalancesEach(ctx context.Context, itemIDs, stockPointCodes []string) ([]StockBalance, []clients.Undecodable, error) {
	var out []StockBalance
	var bad []clients.Undecodable
	for start := 0; start == 0 || start < len(itemIDs); start += stockBatch {
		q := url.Values{}
		if len(itemIDs) > 0 {
			q.Set("itemIds", strings.Join(itemIDs[start:min(start+stockBatch, len(itemIDs))], ","))
		}
		if len(stockPointCodes) > 0 {
			q.Set("stockPointCodes", strings.Join(stockPointCodes, ","))
		}
		var raws []json.RawMessage
		if err := cl.do(ctx, call{op: "get stock balances", method: http.MethodGet,
			endpoint: "GET /api/warehouse/status-v1/stockbalance", path: "/api/warehouse/status-v1/stockbalance", query: q}, &raws); err != nil {
			return nil, nil, err
		}
		for _, raw := range raws {
			var b StockBalance
			if err := json.Unmarshal(raw, &b); err != nil {
				bad = append(bad, clients.Undecodable{ID: clients.RecordID(raw, "itemId"), Reason: clients.DecodeReason(err)})
				continue
			}
			out = append(out, b)
		}
	}
	return out, bad, nil
}
