package mapping

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"fortspeed/clients/fortnox"
)

// applyLines applies the orders-to-fortnox rules of the sale's lines: returns
// (orders.returns) and lines without an item (orders.misc_lines).
func (m *Mapper) applyLines(src SourceOrder, d *OrderDraft) error {
	o := m.settings.Orders
	if isReturn(src) {
		if o.Returns != ReturnsCredit {
			what := "a return (negative quantities)"
			if src.ReturnOf != "" {
				what = fmt.Sprintf("a return of sale %s (negative quantities)", src.ReturnOf)
			}
			return dataError("lines", "the sale is %s and orders.returns is needs_fix: book it by hand, or set orders.returns to credit", what)
		}
		d.ReturnOf = src.ReturnOf
		d.Notes = append(d.Notes, "a return: a Fortnox order with negative rows (orders.returns credit)")
	}
	for i := range d.Lines {
		l := &d.Lines[i]
		if !l.misc {
			continue
		}
		field := fmt.Sprintf("lines[%d]", l.index)
		switch o.MiscLines {
		case MiscNeedsFix:
			return dataError(field, "a line without an item (a misc charge, fee or service) and orders.misc_lines is needs_fix")
		case MiscRow:
			account, ok := o.MiscAccounts[l.VATPercent.String()]
			if !ok {
				return dataError(field+".vat_percent", "a line without an item at %s%% VAT has no sales account in orders.misc_accounts", l.VATPercent)
			}
			if strings.TrimSpace(l.Description) == "" {
				return dataError(field+".description", "a line without an item needs a description (its note) to be a Fortnox row")
			}
			l.Account = account
		default:
			l.SKU = o.MiscLines
		}
	}
	return nil
}

// isReturn reports whether the sale returns goods: a line with a negative quantity or one
// that refunds another line.
func isReturn(src SourceOrder) bool {
	for _, l := range src.Lines {
		if l.Quantity.IsNegative() || l.ParentLineID != "" {
			return true
		}
	}
	return false
}

var (
	hundred  = decimal.NewFromInt(100)
	halfCent = decimal.RequireFromString("0.005")
	oneCent  = decimal.RequireFromString("0.01")
)

// roundForFortnox rounds the unit prices half-up to the 2 decimals Fortnox keeps, then
// checks that the rows still total the sale's total: each rounded price may move its row by
// half an öre a unit (with VAT), and the sale's own total by another öre; a larger
// difference (a discount on the whole sale, a line the mapping left out) is a data error
// naming both totals. A source that gives no total is not checked.
func roundForFortnox(src SourceOrder, d *OrderDraft) error {
	rounded := 0
	for i := range d.Lines {
		l := &d.Lines[i]
		if p := l.UnitPrice.Round(2); !p.Equal(l.UnitPrice) {
			l.UnitPrice = p
			rounded++
		}
	}
	if rounded > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("rounded %d unit prices to 2 decimals", rounded))
	}
	if src.Total.IsZero() {
		return nil
	}
	total, slack := decimal.Zero, oneCent
	for _, l := range d.Lines {
		withVAT := hundred.Add(l.VATPercent).Div(hundred)
		row := l.Quantity.Mul(l.UnitPrice).Mul(hundred.Sub(l.Discount)).Div(hundred)
		if !d.PricesIncludeVAT {
			row = row.Mul(withVAT)
		}
		total = total.Add(row)
		slack = slack.Add(l.Quantity.Abs().Mul(halfCent).Mul(withVAT))
	}
	if diff := total.Sub(src.Total).Abs(); diff.GreaterThan(slack) {
		return dataError("total", "the Fortnox rows total %s incl. VAT but the sale totals %s, more apart than rounding allows (%s)",
			total.StringFixed(2), src.Total.StringFixed(2), slack.Round(2).StringFixed(2))
	}
	return nil
}

// cleanForFortnox drops the characters Fortnox refuses from the texts that only describe
// (line descriptions, remarks), as fortnox_clean does, and notes which fields it changed.
// Names and addresses are left to validateForFortnox, which makes them needs_fix.
func cleanForFortnox(d *OrderDraft) {
	var cleaned []string
	clean := func(field string, s *string) {
		if c := fortnox.CleanText(*s); c != *s {
			*s = c
			cleaned = append(cleaned, field)
		}
	}
	for i := range d.Lines {
		clean(fmt.Sprintf("lines[%d].description", d.Lines[i].index), &d.Lines[i].Description)
	}
	clean("remarks", &d.Remarks)
	if len(cleaned) > 0 {
		d.Notes = append(d.Notes, "dropped characters Fortnox refuses from "+strings.Join(cleaned, ", "))
	}
}
