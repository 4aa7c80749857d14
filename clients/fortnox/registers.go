package fortnox

import (
	"context"
	"net/http"
)

// PriceList is a price list code (A is the standard list).
type PriceList struct {
	Code        Text   `json:"Code"`
	Description string `json:"Description"`
	PreSelected Bool   `json:"PreSelected"`
}

// Currency is a currency of the company's currency register.
type Currency struct {
	Code        Text   `json:"Code"`
	Description string `json:"Description"`
}

// PriceLists lists the price list codes (scope price).
func (cl *Client) PriceLists(ctx context.Context) ([]PriceList, error) {
	return collect[PriceList](ctx, cl, call{op: "list price lists", method: http.MethodGet,
		endpoint: "GET /3/pricelists", path: "/3/pricelists"}, "PriceLists")
}

// Currencies lists the currency register (scope currency). It takes no lastmodified.
func (cl *Client) Currencies(ctx context.Context) ([]Currency, error) {
	return collect[Currency](ctx, cl, call{op: "list currencies", method: http.MethodGet,
		endpoint: "GET /3/currencies", path: "/3/currencies"}, "Currencies")
}
