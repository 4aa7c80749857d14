package mapping

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
)

// A Fortnox order sent to Lightspeed lives on in two places: the order in Fortnox and its
// open sale at the till. These functions compare the two, so a change on either side is
// carried over while the sale is open and named, never silently kept, once it is not.

// OrderRowsDiffer compares what a Fortnox order orders with what the sale made from it
// sold: the quantity of each article. It names the first articles that differ, or returns
// "" when they agree. Rows and lines without an article (text rows, misc charges) are not
// compared.
func OrderRowsDiffer(o fortnox.Order, lines []LineDraft) string {
	ordered := map[string]decimal.Decimal{}
	for _, r := range o.OrderRows {
		if sku := strings.ToUpper(strings.TrimSpace(string(r.ArticleNumber))); sku != "" {
			ordered[sku] = ordered[sku].Add(r.OrderedQuantity.Decimal)
		}
	}
	sold := map[string]decimal.Decimal{}
	for _, l := range lines {
		if sku := strings.ToUpper(strings.TrimSpace(l.SKU)); sku != "" {
			sold[sku] = sold[sku].Add(l.Quantity)
		}
	}
	return quantitiesDiffer(ordered, sold, "the order has", "the sale")
}

// quantitiesDiffer names up to three keys whose quantities differ between a and b.
func quantitiesDiffer(a, b map[string]decimal.Decimal, aName, bName string) string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var diffs []string
	for _, k := range keys {
		if !a[k].Equal(b[k]) {
			diffs = append(diffs, fmt.Sprintf("%s %s × %s, %s %s", aName, a[k], k, bName, b[k]))
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	more := ""
	if len(diffs) > 3 {
		more = fmt.Sprintf(" and %d more", len(diffs)-3)
		diffs = diffs[:3]
	}
	return strings.Join(diffs, "; ") + more
}

// SaleDiffers compares the lines a sale should have (LightspeedSaleLines of its order's
// draft) with the lines it has, item by item: the quantity, and the amount after discount
// to the öre, named by the item's SKU in skus (item id → SKU). It names the first that
// differ, or returns "" when they agree; lines without an item are not compared.
func SaleDiffers(have []lightspeed.SaleLine, want []lightspeed.SaleLineInput, skus map[int64]string) string {
	name := func(item int64) string {
		if sku := skus[item]; sku != "" {
			return sku
		}
		return fmt.Sprintf("item %d", item)
	}
	ordered, sold := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	orderedAmount, soldAmount := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	for _, l := range want {
		k := name(l.ItemID)
		ordered[k] = ordered[k].Add(l.UnitQuantity)
		amount := decimal.Zero
		if l.UnitPrice != nil {
			amount = l.UnitQuantity.Mul(*l.UnitPrice)
		}
		orderedAmount[k] = orderedAmount[k].Add(amount.Sub(*discountOrZero(l.DiscountAmount)))
	}
	for _, l := range have {
		if item := int64(l.ItemID); item > 0 {
			k := name(item)
			sold[k] = sold[k].Add(l.UnitQuantity.Decimal)
			soldAmount[k] = soldAmount[k].Add(l.UnitQuantity.Mul(l.UnitPrice.Decimal).Sub(LineDiscount(l)))
		}
	}
	if diff := quantitiesDiffer(ordered, sold, "the order has", "the sale"); diff != "" {
		return diff
	}
	for _, k := range sortedStringKeys(orderedAmount) {
		if a, b := orderedAmount[k].Round(2), soldAmount[k].Round(2); !a.Equal(b) {
			return fmt.Sprintf("the order has %s for %s, the sale for %s", k, a.StringFixed(2), b.StringFixed(2))
		}
	}
	return ""
}

// LineDiscount is a sale line's discount in money: the computed one, or the amount given.
func LineDiscount(l lightspeed.SaleLine) decimal.Decimal {
	if !l.CalcLineDiscount.IsZero() {
		return l.CalcLineDiscount.Decimal
	}
	return l.DiscountAmount.Decimal
}

// OrderTotalDiffers compares what a Fortnox order's rows come to, incl. VAT, with what the
// sale that paid for it at the till took: the order's own Total counts only delivered
// quantities, none before it is marked. Fortnox rounds an order's total to the krona, so
// a difference within one krona is rounding. It names both totals, or returns "".
func OrderTotalDiffers(o fortnox.Order, saleTotal decimal.Decimal) string {
	total := decimal.Zero
	for _, r := range o.OrderRows {
		row := r.OrderedQuantity.Mul(r.Price.Decimal)
		if strings.EqualFold(r.DiscountType, "AMOUNT") {
			row = row.Sub(r.Discount.Decimal)
		} else {
			row = row.Mul(hundred.Sub(r.Discount.Decimal)).Div(hundred)
		}
		if !bool(o.VATIncluded) {
			row = row.Mul(hundred.Add(r.VAT.Decimal)).Div(hundred)
		}
		total = total.Add(row)
	}
	if total.Sub(saleTotal).Abs().GreaterThan(decimal.NewFromInt(1)) {
		return fmt.Sprintf("the order's rows total %s incl. VAT, the sale took %s", total.StringFixed(2), saleTotal.StringFixed(2))
	}
	return ""
}

// SaleLinePlan is how an open sale's lines become the order's: lines changed in place,
// lines added and lines deleted.
type SaleLinePlan struct {
	Change []lightspeed.SaleLineChange
	Add    []lightspeed.SaleLineInput
	Delete []int64 // saleLineIDs
}

// Empty reports whether the sale already has the wanted lines.
func (p SaleLinePlan) Empty() bool { return len(p.Change)+len(p.Add)+len(p.Delete) == 0 }

// String counts the plan's parts for a summary.
func (p SaleLinePlan) String() string {
	return fmt.Sprintf("%d lines changed, %d added, %d removed", len(p.Change), len(p.Add), len(p.Delete))
}

// PlanSaleLines pairs the wanted lines with the sale's lines of the same item, in order,
// and plans the least that makes them equal: a paired line whose quantity, price or
// discount differs is changed (prices compare to the öre), an unpaired wanted line is
// added, an unpaired sale line with an item deleted.
func PlanSaleLines(have []lightspeed.SaleLine, want []lightspeed.SaleLineInput) SaleLinePlan {
	byItem := map[int64][]lightspeed.SaleLine{}
	for _, l := range have {
		// A line without an item (a fee, a gift wrap) was added at the till: no order row
		// stands for it, so it is left as it is.
		if int64(l.ItemID) > 0 {
			byItem[int64(l.ItemID)] = append(byItem[int64(l.ItemID)], l)
		}
	}
	var plan SaleLinePlan
	for _, w := range want {
		queue := byItem[w.ItemID]
		if len(queue) == 0 {
			plan.Add = append(plan.Add, w)
			continue
		}
		h := queue[0]
		byItem[w.ItemID] = queue[1:]
		if lineAgrees(h, w) {
			continue
		}
		plan.Change = append(plan.Change, lightspeed.SaleLineChange{SaleLineID: int64(h.SaleLineID),
			UnitQuantity: w.UnitQuantity, UnitPrice: w.UnitPrice, DiscountAmount: discountOrZero(w.DiscountAmount)})
	}
	for _, l := range have {
		if int64(l.ItemID) > 0 && slices.ContainsFunc(byItem[int64(l.ItemID)], func(x lightspeed.SaleLine) bool { return x.SaleLineID == l.SaleLineID }) {
			plan.Delete = append(plan.Delete, int64(l.SaleLineID))
		}
	}
	return plan
}

func lineAgrees(h lightspeed.SaleLine, w lightspeed.SaleLineInput) bool {
	cent := decimal.New(5, -3)
	near := func(a, b decimal.Decimal) bool { return a.Sub(b).Abs().LessThan(cent) }
	if !h.UnitQuantity.Equal(w.UnitQuantity) {
		return false
	}
	if w.UnitPrice != nil && !near(h.UnitPrice.Decimal, *w.UnitPrice) {
		return false
	}
	return near(LineDiscount(h), *discountOrZero(w.DiscountAmount))
}

// discountOrZero sends a zero discount explicitly, so a discount removed in Fortnox is
// removed from the line too.
func discountOrZero(d *decimal.Decimal) *decimal.Decimal {
	if d != nil {
		return d
	}
	zero := decimal.Zero
	return &zero
}
