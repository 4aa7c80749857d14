package mapping

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
)

// A completed sale that came from a Fortnox order drafts the settling of that order, not
// a new order; its customer is the order's, so a sale without one is fine.
func TestPickupDraft(t *testing.T) {
	src := SourceOrder{Vendor: VendorLightspeed, ID: "77", Date: "2026-12-01", Currency: "SEK",
		Reference: "1042", ReferenceSource: "Fortnox",
		Lines:    []SourceLine{{SKU: "TS-1", Quantity: dec("2"), UnitPrice: dec("100"), VATPercent: dec("25")}},
		Payments: []Payment{{Method: "Card", Amount: dec("200")}}}
	d, err := newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	require.NotNil(t, d.Pickup)
	assert.Equal(t, Pickup{Order: "1042", Mode: PickupMark}, *d.Pickup)
	assert.Equal(t, "LS-77", PickupReference(d.SourceID))

	inv := newTestMapper(t, "orders: {on_pickup: invoice}\n")
	d, err = inv.Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, PickupInvoice, d.Pickup.Mode)
	assert.Equal(t, "KORT", d.ModeOfPayment)
	src.Payments = nil
	_, err = inv.Order(FlowOrdersToFortnox, src)
	var me *Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "payment_method", me.Field)
	assert.Contains(t, me.Reason, "Fortnox order 1042")

	// A sale from another system is an ordinary till sale.
	src.ReferenceSource = "Webshop"
	d, err = newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Nil(t, d.Pickup)
	assert.Equal(t, "Kontantkund", d.Customer.WalkIn, "an ordinary anonymous till sale, on the walk-in customer")

	_, err = Parse("settings.yaml", []byte("orders: {on_pickup: keep}\n"))
	assert.ErrorContains(t, err, "orders.on_pickup")
}

// A cancelled Fortnox order drafts only its cancellation: nothing of it is validated.
func TestCancelledOrderDraft(t *testing.T) {
	d, err := newTestMapper(t, "").Order(FlowOrdersToLightspeed, SourceOrder{Vendor: VendorFortnox, ID: "9", Cancelled: true})
	require.NoError(t, err)
	assert.True(t, d.Cancelled)
	assert.Equal(t, "9", d.Reference)
}

func TestOrderRowsDiffer(t *testing.T) {
	o := fortnox.Order{OrderRows: []fortnox.OrderRow{
		{ArticleNumber: "ts-1", OrderedQuantity: fortnox.Num{Decimal: dec("2"), Valid: true}},
		{ArticleNumber: "TS-1", OrderedQuantity: fortnox.Num{Decimal: dec("1"), Valid: true}},
		{Description: "Frakt", OrderedQuantity: fortnox.Num{Decimal: dec("1"), Valid: true}},
	}}
	assert.Empty(t, OrderRowsDiffer(o, []LineDraft{{SKU: "TS-1", Quantity: dec("3")}}), "rows add up per article; text rows do not count")
	assert.Equal(t, "the order has 3 × TS-1, the sale 2; the order has 0 × X-9, the sale 1",
		OrderRowsDiffer(o, []LineDraft{{SKU: "TS-1", Quantity: dec("2")}, {SKU: "X-9", Quantity: dec("1")}}))
}

func TestSaleDiffers(t *testing.T) {
	have := []lightspeed.SaleLine{
		{ItemID: 5, UnitQuantity: lightspeed.Decimal{Decimal: dec("2")}},
		{ItemID: 0, UnitQuantity: lightspeed.Decimal{Decimal: dec("1")}},
	}
	skus := map[int64]string{5: "TS-1"}
	assert.Empty(t, SaleDiffers(have, []lightspeed.SaleLineInput{{ItemID: 5, UnitQuantity: dec("2")}}, skus), "lines without an item do not count")
	assert.Equal(t, "the order has 3 × TS-1, the sale 2",
		SaleDiffers(have, []lightspeed.SaleLineInput{{ItemID: 5, UnitQuantity: dec("3")}}, skus))

	// Same quantities, another price: a price edited in Fortnox after the till took payment.
	have[0].UnitPrice = lightspeed.Decimal{Decimal: dec("100")}
	price := dec("90")
	assert.Equal(t, "the order has TS-1 for 180.00, the sale for 200.00",
		SaleDiffers(have, []lightspeed.SaleLineInput{{ItemID: 5, UnitQuantity: dec("2"), UnitPrice: &price}}, skus))
	price = dec("100.002")
	assert.Empty(t, SaleDiffers(have, []lightspeed.SaleLineInput{{ItemID: 5, UnitQuantity: dec("2"), UnitPrice: &price}}, skus), "to the öre")
}

func TestOrderTotalDiffers(t *testing.T) {
	num := func(s string) fortnox.Num { return fortnox.Num{Decimal: dec(s), Valid: true} }
	o := fortnox.Order{OrderRows: []fortnox.OrderRow{
		{ArticleNumber: "TS-1", OrderedQuantity: num("2"), Price: num("100"), VAT: num("25"), Discount: num("10")},
		{Description: "Frakt", OrderedQuantity: num("1"), Price: num("40"), VAT: num("25"), Discount: num("5"), DiscountType: "AMOUNT"},
	}}
	// (2 × 100 less 10 % + 40 less 5) × 1.25 = 268.75
	assert.Empty(t, OrderTotalDiffers(o, dec("269")), "within the krona Fortnox rounds to")
	assert.Equal(t, "the order's rows total 268.75 incl. VAT, the sale took 200.00", OrderTotalDiffers(o, dec("200")))
	o.VATIncluded = true
	assert.Empty(t, OrderTotalDiffers(o, dec("215")))
}

func TestPlanSaleLines(t *testing.T) {
	line := func(id, item int64, qty, price string) lightspeed.SaleLine {
		return lightspeed.SaleLine{SaleLineID: lightspeed.Int(id), ItemID: lightspeed.Int(item),
			UnitQuantity: lightspeed.Decimal{Decimal: dec(qty)}, UnitPrice: lightspeed.Decimal{Decimal: dec(price)}}
	}
	want := func(item int64, qty, price string) lightspeed.SaleLineInput {
		p := dec(price)
		return lightspeed.SaleLineInput{ItemID: item, UnitQuantity: dec(qty), UnitPrice: &p}
	}
	have := []lightspeed.SaleLine{line(1, 10, "1", "100"), line(2, 11, "2", "50"), line(3, 12, "1", "20")}

	assert.True(t, PlanSaleLines(have, []lightspeed.SaleLineInput{want(10, "1", "100.004"), want(11, "2", "50"), want(12, "1", "20")}).Empty(),
		"prices agree to the öre")
	plan := PlanSaleLines(have, []lightspeed.SaleLineInput{want(10, "3", "100"), want(13, "1", "10"), want(12, "1", "25")})
	require.Len(t, plan.Change, 2)
	assert.Equal(t, int64(1), plan.Change[0].SaleLineID)
	assert.Equal(t, "3", plan.Change[0].UnitQuantity.String())
	assert.Equal(t, int64(3), plan.Change[1].SaleLineID)
	assert.Equal(t, "25", plan.Change[1].UnitPrice.String())
	assert.True(t, plan.Change[1].DiscountAmount.IsZero(), "a discount gone in Fortnox is sent as zero")
	require.Len(t, plan.Add, 1)
	assert.Equal(t, int64(13), plan.Add[0].ItemID)
	assert.Equal(t, []int64{2}, plan.Delete)
	assert.Equal(t, "2 lines changed, 1 added, 1 removed", plan.String())

	// A line without an item was added at the till: no order row stands for it, so it stays.
	withFee := append(have[:3:3], line(4, 0, "1", "29"))
	assert.True(t, PlanSaleLines(withFee, []lightspeed.SaleLineInput{want(10, "1", "100"), want(11, "2", "50"), want(12, "1", "20")}).Empty())

	// Two lines of one item pair in order; a third is added.
	two := []lightspeed.SaleLine{line(1, 10, "1", "100"), line(2, 10, "1", "100")}
	plan = PlanSaleLines(two, []lightspeed.SaleLineInput{want(10, "1", "100"), want(10, "1", "100"), want(10, "2", "100")})
	assert.Empty(t, plan.Change)
	assert.Len(t, plan.Add, 1)
	assert.Empty(t, plan.Delete)
}
