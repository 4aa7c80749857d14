package activities

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/activity"
	tlog "go.temporal.io/sdk/log"

	"fortspeed/clients"
	"fortspeed/clients/fortnox"
	"fortspeed/mapping"
)

// SettlePickup settles the Fortnox order a sale paid at the till came from, so one
// purchase is one order in the books. orders.on_pickup says how: mark sets every row's
// DeliveredQuantity to its OrderedQuantity, DeliveryDate to the day of the sale and
// ExternalInvoiceReference2 to LS-<saleID>; invoice then makes an invoice of the order
// (createinvoice) and registers the sale's payment on it, in the mapped mode of payment.
//
// Each part is done only if it is not done yet, read from the order itself: the
// reference, then InvoiceReference, then the invoice's payments. A retry after a lost
// answer, or a later run of the same sale, so finds the work done and writes nothing.
func (a *OrdersToFortnoxTarget) SettlePickup(ctx context.Context, in SettleInput) (SettleResult, error) {
	if err := checkTenant(a.tenant, "settle-pickup", in.Tenant); err != nil {
		return SettleResult{}, err
	}
	d, p := in.Draft, in.Draft.Pickup
	if p == nil || strings.TrimSpace(p.Order) == "" {
		return SettleResult{}, InvalidInputError("settle-pickup: the draft of sale %s names no Fortnox order", d.SourceID)
	}
	log := tlog.With(activity.GetLogger(ctx), "sale", d.SourceID, "order", p.Order)
	marker := mapping.PickupReference(d.SourceID)
	what := fmt.Sprintf("Fortnox order %s (Lightspeed sale %s, paid at the till)", p.Order, d.SourceID)
	order, err := a.fortnox.Order(ctx, p.Order)
	if clients.KindOf(err) == clients.NotFound {
		return SettleResult{}, NeedsFixError(fmt.Sprintf("Lightspeed sale %s was sent from Fortnox order %s, which Fortnox does not have", d.SourceID, p.Order))
	}
	if err != nil {
		return SettleResult{}, vendorError(err)
	}
	ref2 := strings.TrimSpace(string(order.ExternalInvoiceReference2))
	invoice := strings.TrimSpace(string(order.InvoiceReference))
	if invoice == "0" {
		invoice = ""
	}
	res := SettleResult{TargetID: p.Order}
	var done []string
	if ref2 != marker {
		switch {
		case bool(order.Cancelled):
			return SettleResult{}, NeedsFixError(fmt.Sprintf("Fortnox order %s was cancelled after it was sent to Lightspeed, but sale %s paid for it at the till: book the sale by hand, or reinstate the order and retry", p.Order, d.SourceID))
		case ref2 != "":
			return SettleResult{}, NeedsFixError(fmt.Sprintf("Fortnox order %s already holds ExternalInvoiceReference2 %q, where the sale that paid for it (%s) is recorded: clear it and retry", p.Order, ref2, marker))
		case invoice != "":
			return SettleResult{}, NeedsFixError(fmt.Sprintf("Fortnox order %s was invoiced (invoice %s) before Lightspeed sale %s paid for it at the till: register the payment on the invoice by hand", p.Order, invoice, d.SourceID))
		}
		diff := mapping.OrderRowsDiffer(order, d.Lines)
		if diff == "" {
			// A discount or an extra line at the till changes what was paid, not what was
			// ordered: the money must agree too.
			diff = mapping.OrderTotalDiffers(order, d.Total)
		}
		if diff != "" {
			return SettleResult{}, NeedsFixError(fmt.Sprintf("Lightspeed sale %s does not match Fortnox order %s (%s): the order or the sale changed after the order was sent; make them agree and retry", d.SourceID, p.Order, diff))
		}
		if in.DryRun {
			return SettleResult{TargetID: p.Order, Summary: fmt.Sprintf("settle-pickup: dry run, would mark %s delivered (%s)", what, p.Mode)}, nil
		}
		delivery := fortnox.OrderDelivery{DeliveryDate: d.Date, ExternalInvoiceReference2: marker}
		for _, r := range order.OrderRows {
			delivery.Rows = append(delivery.Rows, fortnox.OrderRowUpdate{RowID: r.RowID, DeliveredQuantity: fortnox.NumOf(r.OrderedQuantity.Decimal)})
		}
		if order, err = a.fortnox.DeliverOrder(ctx, p.Order, delivery); err != nil {
			return SettleResult{}, vendorError(err)
		}
		res.Changed = true
		done = append(done, "marked delivered")
		log.Info("marked the Fortnox order delivered")
	}
	if p.Mode == mapping.PickupInvoice {
		steps, err := a.invoicePickup(ctx, in, order, invoice)
		if err != nil {
			return SettleResult{}, err
		}
		if len(steps) > 0 {
			res.Changed = true
			done = append(done, steps...)
		}
	}
	if !res.Changed {
		res.Summary = fmt.Sprintf("settle-pickup: %s was already settled (%s); nothing to do", what, marker)
		return res, nil
	}
	res.Summary = fmt.Sprintf("settle-pickup: %s: %s", what, strings.Join(done, ", "))
	return res, nil
}

// invoicePickup makes the invoice of a marked order unless it has one, and registers the
// till's payment on it unless a payment is registered already. It returns what it did.
func (a *OrdersToFortnoxTarget) invoicePickup(ctx context.Context, in SettleInput, order fortnox.Order, invoiceNo string) ([]string, error) {
	d := in.Draft
	var done []string
	if in.DryRun {
		return []string{"would invoice it and register the payment"}, nil
	}
	var inv fortnox.Invoice
	var err error
	if invoiceNo == "" {
		if inv, err = a.fortnox.CreateInvoice(ctx, string(order.DocumentNumber)); err != nil {
			return nil, vendorError(err)
		}
		done = append(done, "invoiced as "+string(inv.DocumentNumber))
	} else if inv, err = a.fortnox.GetInvoice(ctx, invoiceNo); err != nil {
		return nil, vendorError(err)
	}
	number, err := strconv.ParseInt(strings.TrimSpace(string(inv.DocumentNumber)), 10, 64)
	if err != nil || number <= 0 {
		// Retried: the next attempt reads the number from the order's InvoiceReference.
		return nil, fmt.Errorf("settle-pickup: Fortnox named the invoice of order %s %q, not a number", order.DocumentNumber, inv.DocumentNumber)
	}
	paid, err := a.fortnox.InvoicePayments(ctx, number)
	if err != nil {
		return nil, vendorError(err)
	}
	if len(paid) > 0 || !inv.Balance.IsPositive() {
		return done, nil
	}
	amount := inv.Balance.Decimal
	if _, err := a.fortnox.CreateInvoicePayment(ctx, fortnox.InvoicePaymentInput{InvoiceNumber: number,
		Amount: fortnox.Num{Decimal: amount, Valid: true}, PaymentDate: d.Date, ModeOfPayment: d.ModeOfPayment}); err != nil {
		return nil, vendorError(err)
	}
	note := fmt.Sprintf("paid %s %s (%s)", amount.StringFixed(2), inv.Currency, d.ModeOfPayment)
	if !d.Total.IsZero() && d.Total.Sub(amount).Abs().GreaterThan(decimal.NewFromInt(1)) {
		note += fmt.Sprintf("; the till took %s", d.Total.StringFixed(2))
	}
	return append(done, note), nil
}
