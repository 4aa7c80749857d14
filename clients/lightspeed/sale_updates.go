package lightspeed

import (
	"context"
	"net/http"

	"github.com/shopspring/decimal"
)

// SaleLineChange sets the quantity and price of an existing line of an open sale.
type SaleLineChange struct {
	SaleLineID     int64
	UnitQuantity   decimal.Decimal
	UnitPrice      *decimal.Decimal
	DiscountAmount *decimal.Decimal
}

// UpdateOpenSale changes lines of an open sale by id and adds new ones, in one PUT
// /Sale/{id}; the lines it does not name stay as they are (DeleteSaleLine removes one).
// A completed sale refuses it: it changes only by a refund.
func (c *Client) UpdateOpenSale(ctx context.Context, saleID int64, changed []SaleLineChange, added []SaleLineInput) (Sale, error) {
	const op = "update open sale"
	path, err := idPath(op, "Sale", saleID)
	if err != nil {
		return Sale{}, err
	}
	if len(changed)+len(added) == 0 {
		return Sale{}, invalid(op, "nothing to change")
	}
	lines, err := linesWire(op, added)
	if err != nil {
		return Sale{}, err
	}
	for i, l := range changed {
		switch {
		case l.SaleLineID <= 0:
			return Sale{}, invalid(op, "changed line %d has no sale line id", i+1)
		case l.UnitQuantity.IsZero():
			return Sale{}, invalid(op, "changed line %d has quantity 0 (delete the line instead)", i+1)
		case l.UnitPrice != nil && l.UnitPrice.IsNegative():
			return Sale{}, invalid(op, "changed line %d has a negative unit price", i+1)
		}
		m := map[string]any{"saleLineID": l.SaleLineID, "unitQuantity": Dec(l.UnitQuantity)}
		if l.UnitPrice != nil {
			m["unitPrice"] = Dec(*l.UnitPrice)
		}
		if l.DiscountAmount != nil {
			m["discountAmount"] = Dec(*l.DiscountAmount)
		}
		lines = append(lines, m)
	}
	return write[Sale](ctx, c, op, http.MethodPut, path, "Sale", map[string]any{"SaleLines": map[string]any{"SaleLine": lines}})
}

// DeleteSaleLine removes a line from an open sale.
func (c *Client) DeleteSaleLine(ctx context.Context, saleLineID int64) error {
	const op = "delete sale line"
	path, err := idPath(op, "SaleLine", saleLineID)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{op: op, method: http.MethodDelete, path: path})
	return err
}

// VoidSale voids a sale (PUT voided=true): an open sale that will not be collected.
func (c *Client) VoidSale(ctx context.Context, saleID int64) (Sale, error) {
	const op = "void sale"
	path, err := idPath(op, "Sale", saleID)
	if err != nil {
		return Sale{}, err
	}
	return write[Sale](ctx, c, op, http.MethodPut, path, "Sale", map[string]any{"voided": true})
}
