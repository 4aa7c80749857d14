package lightspeed

import (
	"context"
	"net/url"
	"strconv"
)

// SalesByID returns the sales with these ids (completed or not), with their lines and the
// lines' items, in batches of at most 100 (saleID=IN,[…]): the stock flow reads the lines
// of sales the order flow has not committed to Fortnox yet. Ids that do not exist are left
// out.
func (c *Client) SalesByID(ctx context.Context, ids []int64) ([]Sale, error) {
	const op = "find sales by id"
	seen := map[int64]bool{}
	var values []string
	for _, id := range ids {
		if id <= 0 || seen[id] {
			continue
		}
		seen[id] = true
		values = append(values, strconv.FormatInt(id, 10))
	}
	q := url.Values{}
	q.Set("load_relations", relations("SaleLines", "SaleLines.Item"))
	return listIn[Sale](ctx, c, op, "Sale", "saleID", values, q)
}
