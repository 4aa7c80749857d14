package mapping

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients/lightspeed"
)

func itemDraft() ItemDraft {
	return ItemDraft{SKU: "TS-SVA-M", Name: "T-shirt svart M", ShortDescription: "T-shirt svart M",
		LongDescription: "Lång text.", EAN: "7350000000016", Price: decimal.RequireFromString("199.00"),
		Cost: decimal.NewFromInt(40), Attributes: [3]string{"Svart", "M", ""}, Features: map[string]string{"Material": "Bomull"}}
}

func itemRefs() ItemRefs {
	return ItemRefs{MatrixID: 7, CategoryID: 3, TaxClassID: 1, AttributeSetID: 1, PriceLevel: "Default",
		CustomFields: map[string]int64{"Material": 2}}
}

func TestItemChangesAfterACreateAreNone(t *testing.T) {
	it, refs := itemDraft(), itemRefs()
	in := LightspeedItemCreate(it, refs, []string{"name", "sku", "description", "long_description", "price", "cost", "ean", "category", "attributes", "features", "vat"}, nil)
	require.NotNil(t, in.CustomSku)
	assert.Equal(t, "TS-SVA-M", *in.CustomSku)
	assert.Equal(t, int64(7), *in.ItemMatrixID)
	// What Lightspeed holds after that create, as the lookup reads it.
	have := ItemStateOf(lightspeed.Item{ItemID: 9, CustomSku: "TS-SVA-M", Description: "T-shirt svart M", EAN: "7350000000016",
		ItemMatrixID: 7, CategoryID: 3, TaxClassID: 1, DefaultCost: lightspeed.Dec(decimal.NewFromInt(40)),
		Prices:         lightspeed.List[lightspeed.ItemPrice]{{Amount: lightspeed.Dec(decimal.RequireFromString("199")), UseType: "Default"}},
		ItemAttributes: &lightspeed.ItemAttributes{Attribute1: "Svart", Attribute2: "M", ItemAttributeSetID: 1},
		ItemECommerce:  &lightspeed.ItemECommerce{ShortDescription: "T-shirt svart M", LongDescription: "Lång text."},
		CustomFields:   lightspeed.List[lightspeed.CustomFieldValue]{{CustomFieldID: 2, Value: "Bomull"}}}, "Default")
	_, changed := LightspeedItemChanges(have, it, refs, []string{"name", "description", "long_description", "price", "cost", "ean", "category", "attributes", "features", "vat"}, true)
	assert.Empty(t, changed, "the mapped content equals what Lightspeed has: nothing is sent")
}

func TestItemChangesSendOnlyWhatDiffers(t *testing.T) {
	it, refs := itemDraft(), itemRefs()
	have := ItemState{ItemID: 9, SKU: it.SKU, Name: "Gammalt namn", EAN: it.EAN, MatrixID: 0, CategoryID: 3, TaxClassID: 1,
		Cost: it.Cost, Price: decimal.NewFromInt(149), LongDescription: "Butikens egen text.", ShortDescription: it.ShortDescription,
		CustomFields: map[int64]string{2: "Ull"}, Archived: true}
	it.Active = true // archive_inactive on and the article active
	fields := []string{"name", "description", "long_description", "price", "cost", "ean", "category", "attributes", "features", "vat"}
	in, changed := LightspeedItemChanges(have, it, refs, fields, false)
	assert.Equal(t, []string{"unarchived", "name", "matrix", "attributes", "price", "features"}, changed)
	assert.True(t, in.Unarchive)
	assert.Equal(t, "T-shirt svart M", *in.Description)
	assert.Equal(t, int64(7), *in.ItemMatrixID, "moved into its family's matrix")
	assert.Equal(t, "Svart", in.Attributes.Attribute1)
	assert.Nil(t, in.ECommerce, "the shop's long description stays with update_description off")
	assert.Equal(t, []lightspeed.CustomFieldInput{{CustomFieldID: 2, Value: "Bomull"}}, in.CustomFields)
	require.Len(t, in.Prices, 1)
	assert.Equal(t, "199", in.Prices[0].Amount.String())

	_, changed = LightspeedItemChanges(have, it, refs, fields, true)
	assert.Contains(t, changed, "long_description", "with update_description on it is overwritten")

	_, changed = LightspeedItemChanges(have, it, refs, []string{"name"}, false)
	assert.Equal(t, []string{"unarchived", "name", "matrix", "attributes"}, changed, "fields not in update_fields are left alone; the matrix is always right")

	single := refs
	single.MatrixID = 0
	inMatrix := have
	inMatrix.MatrixID, inMatrix.Archived = 7, false
	out, changed := LightspeedItemChanges(inMatrix, it, single, []string{"name"}, false)
	assert.Equal(t, []string{"name", "matrix"}, changed)
	assert.Equal(t, int64(0), *out.ItemMatrixID, "moved out of the matrix")
}

func TestMatrixChanges(t *testing.T) {
	d := ProductDraft{Key: "TS", Family: true, Name: "T-shirt bomull"}
	m := lightspeed.ItemMatrix{ItemMatrixID: 7, Description: "T-shirt", CategoryID: 3}
	in, changed := LightspeedMatrixChanges(m, d, itemRefs(), []string{"name", "category"})
	assert.Equal(t, []string{"name"}, changed)
	assert.Equal(t, "T-shirt bomull", in.Description)
	_, changed = LightspeedMatrixChanges(m, d, itemRefs(), []string{"category"})
	assert.Empty(t, changed)
}

func TestItemChangesLeaveWhatLightspeedOwns(t *testing.T) {
	it, refs := itemDraft(), itemRefs()
	refs.MatrixName = "T-shirt"
	have := ItemState{ItemID: 9, SKU: it.SKU, Name: "T-shirt Svart M", EAN: it.EAN, MatrixID: 7, CategoryID: 3, TaxClassID: 1,
		Cost: it.Cost, Price: it.Price, ShortDescription: it.ShortDescription, LongDescription: it.LongDescription,
		AttributeSetID: 4, Attributes: it.Attributes, CustomFields: map[int64]string{2: "Bomull"}, Archived: true}
	fields := []string{"name", "description", "long_description", "price", "cost", "ean", "category", "attributes", "features", "vat"}
	_, changed := LightspeedItemChanges(have, it, refs, fields, true)
	assert.Empty(t, changed, "the name Lightspeed gave the matrix item, the matrix's set, and an item the shop archived (archive_inactive off) stay")
}

func TestItemCreateStartsWithTheStockPlansQuantity(t *testing.T) {
	it, refs := itemDraft(), itemRefs()
	it.Stock = &StockFigures{InStock: decimal.RequireFromString("12.5"), Available: decimal.RequireFromString("9.5")}
	plan, err := NewStockPlan(StockSettings{Calculation: StockAvailable, SafetyBuffer: 2, FloorAtZero: true, Managed: true,
		ManagedExcept: []string{"GIFT-*"}, ShopID: "1"}, false)
	require.NoError(t, err)
	in := LightspeedItemCreate(it, refs, []string{"sku", "quantity"}, &plan)
	assert.Equal(t, []lightspeed.ItemStockInput{{ShopID: 1, QOH: decimal.NewFromInt(7)}}, in.Stock, "9.5 available less a buffer of 2, rounded down")
	assert.Nil(t, in.ItemType)

	gift := it
	gift.SKU = "GIFT-500"
	in = LightspeedItemCreate(gift, refs, []string{"sku", "quantity"}, &plan)
	assert.Empty(t, in.Stock)
	require.NotNil(t, in.ItemType)
	assert.Equal(t, lightspeed.ItemTypeNonInventory, *in.ItemType, "not managed: non_inventory, no quantity")

	in = LightspeedItemCreate(it, refs, []string{"sku"}, &plan)
	assert.Empty(t, in.Stock, "without quantity in create_fields nothing is sent")
	it.Stock = nil
	in = LightspeedItemCreate(it, refs, []string{"sku", "quantity"}, &plan)
	assert.Empty(t, in.Stock, "with the warehouse module the stock flow writes it")
}
