package lightspeed

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"fortspeed/clients"
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

// ItemsBySKUEach is ItemsBySKU with ItemShops alone loaded, decoding each item on its own:
// an item the API sent with a value of the wrong kind (a qoh of "N/A") is in the second
// result, named by its customSku (Undecodable.ID) and the field, and the other items decode.
func (c *Client) ItemsBySKUEach(ctx context.Context, skus []string) ([]Item, []clients.Undecodable, error) {
	const op = "find items by SKU"
	unique := uniqueSKUs(skus)
	q := url.Values{}
	// Only the stock: each relation loaded costs drips on every listing.
	q.Set("load_relations", relations("ItemShops"))
	raws, err := listIn[json.RawMessage](ctx, c, op, "Item", "customSku", unique, q)
	if err != nil {
		return nil, nil, err
	}
	var items []Item
	var bad []clients.Undecodable
	for _, raw := range raws {
		var it Item
		if err := json.Unmarshal(raw, &it); err != nil {
			bad = append(bad, clients.Undecodable{ID: clients.RecordID(raw, "customSku"),
				Reason: "item " + clients.RecordID(raw, "itemID") + ": " + clients.DecodeReason(err)})
			continue
		}
		items = append(items, it)
	}
	return items, bad, nil
}
