package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"fortspeed/clients"
	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
)

// lsSaleState is an existing sale as the page check saw it (CheckExistsBatch's state), so
// update-sale decides without reading the sale again when nothing needs to change.
type lsSaleState struct {
	Completed bool              `json:"completed,omitempty"`
	Voided    bool              `json:"voided,omitempty"`
	Lines     []lsSaleStateLine `json:"lines,omitempty"`
}

type lsSaleStateLine struct {
	ID       int64           `json:"id"`
	ItemID   int64           `json:"item_id"`
	Qty      decimal.Decimal `json:"qty"`
	Price    decimal.Decimal `json:"price"`
	Discount decimal.Decimal `json:"discount,omitzero"`
}

func lsStateOf(s lightspeed.Sale) lsSaleState {
	st := lsSaleState{Completed: bool(s.Completed), Voided: bool(s.Voided)}
	for _, l := range s.SaleLines {
		st.Lines = append(st.Lines, lsSaleStateLine{ID: int64(l.SaleLineID), ItemID: int64(l.ItemID),
			Qty: l.UnitQuantity.Decimal, Price: l.UnitPrice.Decimal, Discount: mapping.LineDiscount(l)})
	}
	return st
}

func (st lsSaleState) sale(id int64) lightspeed.Sale {
	s := lightspeed.Sale{SaleID: lightspeed.Int(id), Completed: lightspeed.Bool(st.Completed), Voided: lightspeed.Bool(st.Voided)}
	for _, l := range st.Lines {
		s.SaleLines = append(s.SaleLines, lightspeed.SaleLine{SaleLineID: lightspeed.Int(l.ID), ItemID: lightspeed.Int(l.ItemID),
			UnitQuantity: lightspeed.Decimal{Decimal: l.Qty}, UnitPrice: lightspeed.Decimal{Decimal: l.Price},
			DiscountAmount: lightspeed.Decimal{Decimal: l.Discount}})
	}
	return s
}

// lsSaleUpdate is what update-sale must write to a sale: void it, or change its lines.
type lsSaleUpdate struct {
	void  bool
	lines mapping.SaleLinePlan
}

// UpdateSale carries a Fortnox order that changed after its open sale was made over to
// that sale: a cancelled order voids it, edited rows change its lines. Once the sale is
// completed at the till it cannot follow, so a difference is needs_fix naming it, never a
// silent divergence; an order that still agrees with its sale (an order listed again with
// nothing changed, or one orders-to-fortnox marked delivered) is left alone. It decides
// from the page check's view of the sale when it has one, and reads the sale afresh before
// it writes, so a retry does only what is still missing.
func (a *OrdersToLightspeedTarget) UpdateSale(ctx context.Context, in UpdateSaleInput) (UpdateSaleResult, error) {
	if err := a.check(in.Tenant); err != nil {
		return UpdateSaleResult{}, err
	}
	d := in.Draft
	id, err := strconv.ParseInt(strings.TrimSpace(in.SaleID), 10, 64)
	if err != nil || id <= 0 {
		return UpdateSaleResult{}, InvalidInputError("update-sale: sale id %q of Fortnox order %s is not a Lightspeed id", in.SaleID, d.Reference)
	}
	var sale lightspeed.Sale
	fresh := len(in.Known) == 0
	if fresh {
		if sale, err = a.readSale(ctx, id, d.Reference); err != nil {
			return UpdateSaleResult{}, err
		}
	} else {
		var st lsSaleState
		if err := json.Unmarshal(in.Known, &st); err != nil {
			return UpdateSaleResult{}, InvalidInputError("update-sale: the page check's state of sale %d does not decode: %v", id, err)
		}
		sale = st.sale(id)
	}
	up, res, err := a.planSaleUpdate(ctx, d, sale)
	if err != nil || up == nil {
		return res, err
	}
	if !fresh {
		// The till may have taken the sale since the page was checked: decide again on
		// the sale as it is now.
		if sale, err = a.readSale(ctx, id, d.Reference); err != nil {
			return UpdateSaleResult{}, err
		}
		if up, res, err = a.planSaleUpdate(ctx, d, sale); err != nil || up == nil {
			return res, err
		}
	}
	return a.writeSaleUpdate(ctx, in, id, *up)
}

func (a *OrdersToLightspeedTarget) readSale(ctx context.Context, id int64, reference string) (lightspeed.Sale, error) {
	sale, err := a.Lightspeed.Sale(ctx, id)
	if clients.KindOf(err) == clients.NotFound {
		return lightspeed.Sale{}, NeedsFixError(fmt.Sprintf("Lightspeed sale %d of Fortnox order %s is gone", id, reference))
	}
	if err != nil {
		return lightspeed.Sale{}, vendorError(err)
	}
	return sale, nil
}

// planSaleUpdate decides what the sale needs: nothing (a result), a fix by hand
// (needs_fix), or an update.
func (a *OrdersToLightspeedTarget) planSaleUpdate(ctx context.Context, d mapping.OrderDraft, sale lightspeed.Sale) (*lsSaleUpdate, UpdateSaleResult, error) {
	id := int64(sale.SaleID)
	none := func(format string, args ...any) (*lsSaleUpdate, UpdateSaleResult, error) {
		return nil, UpdateSaleResult{Summary: "update-sale: " + fmt.Sprintf(format, args...)}, nil
	}
	fix := func(format string, args ...any) (*lsSaleUpdate, UpdateSaleResult, error) {
		return nil, UpdateSaleResult{}, NeedsFixError(fmt.Sprintf(format, args...))
	}
	switch {
	case bool(sale.Voided) && d.Cancelled:
		return none("Fortnox order %s is cancelled and its sale %d voided", d.Reference, id)
	case bool(sale.Voided):
		return fix("Lightspeed sale %d was voided, but Fortnox order %s is still open and changed since", id, d.Reference)
	case bool(sale.Completed) && d.Cancelled:
		return fix("Fortnox order %s was cancelled, but Lightspeed sale %d completed it at the till", d.Reference, id)
	case d.Cancelled:
		return &lsSaleUpdate{void: true}, UpdateSaleResult{}, nil
	}
	// A row set to quantity 0 in Fortnox (backordered, taken off) removes its line.
	d.Lines = slices.DeleteFunc(slices.Clone(d.Lines), func(l mapping.LineDraft) bool { return l.Quantity.IsZero() })
	ids, missing, _, err := a.itemIDs(ctx, d.SKUs())
	if err != nil {
		return nil, UpdateSaleResult{}, err
	}
	if len(missing) > 0 {
		return fix("Fortnox order %s: SKU %s is not in Lightspeed", d.Reference, strings.Join(missing, ", "))
	}
	want, err := mapping.LightspeedSaleLines(d, ids, a.TaxInclusive)
	var bad *mapping.Error
	if errors.As(err, &bad) {
		return fix("Fortnox order %s: %s", d.Reference, bad.Reason)
	}
	if err != nil {
		return nil, UpdateSaleResult{}, err
	}
	if bool(sale.Completed) {
		skus := make(map[int64]string, len(ids))
		for sku, item := range ids {
			skus[item] = sku
		}
		if diff := mapping.SaleDiffers(sale.SaleLines, want, skus); diff != "" {
			return fix("Fortnox order %s changed after Lightspeed sale %d completed it at the till (%s): correct one of them by hand", d.Reference, id, diff)
		}
		return none("Lightspeed sale %d completed Fortnox order %s at the till and agrees with it", id, d.Reference)
	}
	plan := mapping.PlanSaleLines(sale.SaleLines, want)
	if plan.Empty() {
		return none("open sale %d already agrees with Fortnox order %s", id, d.Reference)
	}
	return &lsSaleUpdate{lines: plan}, UpdateSaleResult{}, nil
}

func (a *OrdersToLightspeedTarget) writeSaleUpdate(ctx context.Context, in UpdateSaleInput, id int64, up lsSaleUpdate) (UpdateSaleResult, error) {
	d := in.Draft
	subject := fmt.Sprintf("open sale %d for Fortnox order %s: %s", id, d.Reference, up.lines)
	verb, done := "update", "updated"
	if up.void {
		subject = fmt.Sprintf("open sale %d: Fortnox order %s was cancelled", id, d.Reference)
		verb, done = "void", "voided"
	}
	if in.DryRun {
		return UpdateSaleResult{Summary: fmt.Sprintf("update-sale: dry run, would %s %s", verb, subject)}, nil
	}
	if up.void {
		if _, err := a.Lightspeed.VoidSale(ctx, id); err != nil {
			return UpdateSaleResult{}, vendorError(err)
		}
	}
	if p := up.lines; len(p.Change)+len(p.Add) > 0 {
		if _, err := a.Lightspeed.UpdateOpenSale(ctx, id, p.Change, p.Add); err != nil {
			return UpdateSaleResult{}, vendorError(err)
		}
	}
	for _, line := range up.lines.Delete {
		if err := a.Lightspeed.DeleteSaleLine(ctx, line); err != nil && clients.KindOf(err) != clients.NotFound {
			return UpdateSaleResult{}, vendorError(err)
		}
	}
	summary := fmt.Sprintf("update-sale: %s %s", done, subject)
	lsRecordLogger(ctx, d.SourceID).Info(summary)
	return UpdateSaleResult{Changed: true, Summary: summary}, nil
}
