package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fortspeed/clients"
	"fortspeed/mapping"
)

// UpdateSale carries a Fortnox order that changed after its open sale was made over to
// that sale: a cancelled order voids it, edited rows change its lines. Once the sale is
// completed at the till it cannot follow, so a difference is needs_fix naming it, never a
// silent divergence; an order that still agrees with its completed sale (a later edit
// elsewhere on the order, or orders-to-fortnox marking it delivered) is left alone.
// Every call reads the sale anew, so a retry does only what is still missing.
func (a *OrdersToLightspeedTarget) UpdateSale(ctx context.Context, in UpdateSaleInput) (UpdateSaleResult, error) {
	if err := a.check(in.Tenant); err != nil {
		return UpdateSaleResult{}, err
	}
	d := in.Draft
	id, err := strconv.ParseInt(strings.TrimSpace(in.SaleID), 10, 64)
	if err != nil || id <= 0 {
		return UpdateSaleResult{}, InvalidInputError("update-sale: sale id %q of Fortnox order %s is not a Lightspeed id", in.SaleID, d.Reference)
	}
	logger := lsRecordLogger(ctx, d.SourceID)
	sale, err := a.Lightspeed.Sale(ctx, id)
	if clients.KindOf(err) == clients.NotFound {
		return UpdateSaleResult{}, NeedsFixError(fmt.Sprintf("Lightspeed sale %d of Fortnox order %s is gone", id, d.Reference))
	}
	if err != nil {
		return UpdateSaleResult{}, vendorError(err)
	}
	switch {
	case bool(sale.Voided) && d.Cancelled:
		return UpdateSaleResult{Summary: fmt.Sprintf("update-sale: Fortnox order %s is cancelled and its sale %d voided", d.Reference, id)}, nil
	case bool(sale.Voided):
		return UpdateSaleResult{}, NeedsFixError(fmt.Sprintf("Lightspeed sale %d was voided, but Fortnox order %s is still open and changed since", id, d.Reference))
	case bool(sale.Completed) && d.Cancelled:
		return UpdateSaleResult{}, NeedsFixError(fmt.Sprintf("Fortnox order %s was cancelled, but Lightspeed sale %d completed it at the till", d.Reference, id))
	case bool(sale.Completed):
		if diff := mapping.SaleDiffers(sale, d.Lines); diff != "" {
			return UpdateSaleResult{}, NeedsFixError(fmt.Sprintf("Fortnox order %s changed after Lightspeed sale %d completed it at the till (%s): correct one of them by hand", d.Reference, id, diff))
		}
		return UpdateSaleResult{Summary: fmt.Sprintf("update-sale: Lightspeed sale %d completed Fortnox order %s at the till and agrees with it", id, d.Reference)}, nil
	case d.Cancelled:
		if in.DryRun {
			return UpdateSaleResult{Summary: fmt.Sprintf("update-sale: dry run, would void open sale %d: Fortnox order %s was cancelled", id, d.Reference)}, nil
		}
		if _, err := a.Lightspeed.VoidSale(ctx, id); err != nil {
			return UpdateSaleResult{}, vendorError(err)
		}
		logger.Info("update-sale: voided the open sale of a cancelled order", "sale_id", id)
		return UpdateSaleResult{Changed: true, Summary: fmt.Sprintf("update-sale: voided open sale %d: Fortnox order %s was cancelled", id, d.Reference)}, nil
	}
	ids, missing, _, err := a.itemIDs(ctx, d.SKUs())
	if err != nil {
		return UpdateSaleResult{}, err
	}
	if len(missing) > 0 {
		return UpdateSaleResult{}, NeedsFixError(fmt.Sprintf("Fortnox order %s: SKU %s is not in Lightspeed", d.Reference, strings.Join(missing, ", ")))
	}
	want, err := mapping.LightspeedSaleLines(d, ids, a.TaxInclusive)
	var bad *mapping.Error
	if errors.As(err, &bad) {
		return UpdateSaleResult{}, NeedsFixError(fmt.Sprintf("Fortnox order %s: %s", d.Reference, bad.Reason))
	}
	if err != nil {
		return UpdateSaleResult{}, err
	}
	plan := mapping.PlanSaleLines(sale.SaleLines, want)
	if plan.Empty() {
		return UpdateSaleResult{Summary: fmt.Sprintf("update-sale: open sale %d already agrees with Fortnox order %s", id, d.Reference)}, nil
	}
	if in.DryRun {
		return UpdateSaleResult{Summary: fmt.Sprintf("update-sale: dry run, would update open sale %d for Fortnox order %s: %s", id, d.Reference, plan)}, nil
	}
	if len(plan.Change)+len(plan.Add) > 0 {
		if _, err := a.Lightspeed.UpdateOpenSale(ctx, id, plan.Change, plan.Add); err != nil {
			return UpdateSaleResult{}, vendorError(err)
		}
	}
	for _, line := range plan.Delete {
		if err := a.Lightspeed.DeleteSaleLine(ctx, line); err != nil && clients.KindOf(err) != clients.NotFound {
			return UpdateSaleResult{}, vendorError(err)
		}
	}
	summary := fmt.Sprintf("update-sale: updated open sale %d for Fortnox order %s: %s", id, d.Reference, plan)
	logger.Info(summary)
	return UpdateSaleResult{Changed: true, Summary: summary}, nil
}
