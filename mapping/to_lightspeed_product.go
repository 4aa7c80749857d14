package mapping

import (
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"fortspeed/clients/lightspeed"
)

// ItemRefs are the Lightspeed ids an item draft resolves to: its matrix (0 for a single
// item), category, tax class and attribute set, the price level by name, and the custom
// fields of its features by name.
type ItemRefs struct {
	MatrixID int64
	// MatrixName is the matrix's description: Lightspeed may name a matrix item
	// "<matrix description> <attribute values>" itself, which counts as the mapped name.
	MatrixName     string
	CategoryID     int64
	TaxClassID     int64
	AttributeSetID int64
	PriceLevel     string
	CustomFields   map[string]int64
}

// ItemState is what the products flow compares of an item Lightspeed has: small enough to
// pass from the page's lookup to each record's commit.
type ItemState struct {
	ItemID           int64            `json:"item_id"`
	SKU              string           `json:"sku"`
	Name             string           `json:"name"`
	EAN              string           `json:"ean,omitempty"`
	MatrixID         int64            `json:"matrix_id,omitempty"`
	CategoryID       int64            `json:"category_id,omitempty"`
	TaxClassID       int64            `json:"tax_class_id,omitempty"`
	Cost             decimal.Decimal  `json:"cost"`
	Price            decimal.Decimal  `json:"price"` // at the flow's price level
	AttributeSetID   int64            `json:"attribute_set_id,omitempty"`
	Attributes       [3]string        `json:"attributes"`
	ShortDescription string           `json:"short_description,omitempty"`
	LongDescription  string           `json:"long_description,omitempty"`
	CustomFields     map[int64]string `json:"custom_fields,omitempty"`
	Archived         bool             `json:"archived,omitempty"`
}

// ItemStateOf reads the compared fields of an item, its price at priceLevel.
func ItemStateOf(it lightspeed.Item, priceLevel string) ItemState {
	st := ItemState{ItemID: int64(it.ItemID), SKU: it.CustomSku, Name: it.Description, EAN: it.EAN,
		MatrixID: int64(it.ItemMatrixID), CategoryID: int64(it.CategoryID), TaxClassID: int64(it.TaxClassID),
		Cost: it.DefaultCost.Decimal, Price: priceAt(it.Prices, priceLevel), Archived: bool(it.Archived)}
	if a := it.ItemAttributes; a != nil {
		st.AttributeSetID, st.Attributes = int64(a.ItemAttributeSetID), [3]string{a.Attribute1, a.Attribute2, a.Attribute3}
	}
	if e := it.ItemECommerce; e != nil {
		st.ShortDescription, st.LongDescription = e.ShortDescription, e.LongDescription
	}
	for _, v := range it.CustomFields {
		if st.CustomFields == nil {
			st.CustomFields = map[int64]string{}
		}
		st.CustomFields[int64(v.CustomFieldID)] = v.Value
	}
	return st
}

// LightspeedItemCreate is the input that creates the item: the fields of create_fields,
// and always the SKU and its place in (or out of) the matrix. With quantity, a new item
// starts with the stock plan's quantity in each of its shops, or is non_inventory when the
// plan does not manage the article; plan is nil without quantity.
func LightspeedItemCreate(it ItemDraft, refs ItemRefs, fields []string, plan *StockPlan) lightspeed.ItemInput {
	in := lightspeed.ItemInput{Description: ptr(it.Name), CustomSku: ptr(it.SKU)}
	if refs.MatrixID > 0 {
		in.ItemMatrixID = ptr(refs.MatrixID)
		in.Attributes = &lightspeed.ItemAttributesInput{ItemAttributeSetID: refs.AttributeSetID,
			Attribute1: it.Attributes[0], Attribute2: it.Attributes[1], Attribute3: it.Attributes[2]}
	}
	has := func(f string) bool { return slices.Contains(fields, f) }
	var ecom lightspeed.ItemECommerceInput
	if has("description") && it.ShortDescription != "" {
		ecom.ShortDescription = ptr(it.ShortDescription)
	}
	if has("long_description") && it.LongDescription != "" {
		ecom.LongDescription = ptr(it.LongDescription)
	}
	if ecom.ShortDescription != nil || ecom.LongDescription != nil {
		in.ECommerce = &ecom
	}
	if has("price") {
		in.Prices = []lightspeed.ItemPriceInput{{UseType: refs.PriceLevel, Amount: it.Price}}
	}
	if has("cost") {
		in.DefaultCost = ptr(it.Cost)
	}
	if has("ean") && it.EAN != "" {
		in.EAN = ptr(it.EAN)
	}
	if has("category") && refs.CategoryID > 0 {
		in.CategoryID = ptr(refs.CategoryID)
	}
	if has("vat") && refs.TaxClassID > 0 {
		in.TaxClassID = ptr(refs.TaxClassID)
	}
	if has("features") {
		in.CustomFields = featureInputs(it.Features, refs.CustomFields, nil)
	}
	if has("quantity") && plan != nil {
		switch {
		case !plan.IsManaged(it.SKU):
			in.ItemType = ptr(lightspeed.ItemTypeNonInventory)
		case it.Stock != nil:
			for _, shop := range plan.Shops {
				q := plan.Quantity(StockArticle{Number: it.SKU, Article: *it.Stock}, shop, decimal.Zero)
				in.Stock = append(in.Stock, lightspeed.ItemStockInput{ShopID: shop.ShopID, QOH: q})
			}
		}
	}
	return in
}

// LightspeedItemChanges is the partial update that brings the item Lightspeed has to the
// draft for the fields of update_fields, and the names of what changed; nothing changed
// means no call. The long description is only overwritten with updateDescription on (a shop
// often writes its own in Lightspeed), an empty mapped value never blanks a field, and the
// item's matrix and attributes are always corrected, so an article that joins or leaves a
// family is moved, not duplicated.
func LightspeedItemChanges(have ItemState, it ItemDraft, refs ItemRefs, fields []string, updateDescription bool) (lightspeed.ItemInput, []string) {
	var in lightspeed.ItemInput
	var changed []string
	has := func(f string) bool { return slices.Contains(fields, f) }
	if have.Archived && it.Active {
		in.Unarchive, changed = true, append(changed, "unarchived")
	}
	if has("name") && it.Name != "" && have.Name != it.Name && have.Name != matrixItemName(refs.MatrixName, it.Attributes) {
		in.Description, changed = ptr(it.Name), append(changed, "name")
	}
	moved := have.MatrixID != refs.MatrixID
	if moved {
		in.ItemMatrixID, changed = ptr(refs.MatrixID), append(changed, "matrix")
	}
	if refs.MatrixID > 0 {
		// The set of an item already in its matrix is the matrix's, which cannot change.
		want := it.Attributes
		if (has("attributes") || moved) && (have.Attributes != want || (moved && have.AttributeSetID != refs.AttributeSetID)) {
			in.Attributes = &lightspeed.ItemAttributesInput{ItemAttributeSetID: refs.AttributeSetID,
				Attribute1: want[0], Attribute2: want[1], Attribute3: want[2]}
			changed = append(changed, "attributes")
		}
	}
	curShort, curLong := have.ShortDescription, have.LongDescription
	var ecom lightspeed.ItemECommerceInput
	if has("description") && it.ShortDescription != "" && curShort != it.ShortDescription {
		ecom.ShortDescription, changed = ptr(it.ShortDescription), append(changed, "description")
	}
	if has("long_description") && updateDescription && it.LongDescription != "" && curLong != it.LongDescription {
		ecom.LongDescription, changed = ptr(it.LongDescription), append(changed, "long_description")
	}
	if ecom.ShortDescription != nil || ecom.LongDescription != nil {
		in.ECommerce = &ecom
	}
	if has("price") && !have.Price.Equal(it.Price) {
		in.Prices, changed = []lightspeed.ItemPriceInput{{UseType: refs.PriceLevel, Amount: it.Price}}, append(changed, "price")
	}
	if has("cost") && !have.Cost.Equal(it.Cost) {
		in.DefaultCost, changed = ptr(it.Cost), append(changed, "cost")
	}
	if has("ean") && it.EAN != "" && have.EAN != it.EAN {
		in.EAN, changed = ptr(it.EAN), append(changed, "ean")
	}
	if has("category") && refs.CategoryID > 0 && have.CategoryID != refs.CategoryID {
		in.CategoryID, changed = ptr(refs.CategoryID), append(changed, "category")
	}
	if has("vat") && refs.TaxClassID > 0 && have.TaxClassID != refs.TaxClassID {
		in.TaxClassID, changed = ptr(refs.TaxClassID), append(changed, "vat")
	}
	if has("features") {
		if f := featureInputs(it.Features, refs.CustomFields, have.CustomFields); len(f) > 0 {
			in.CustomFields, changed = f, append(changed, "features")
		}
	}
	return in, changed
}

// matrixItemName is the name Lightspeed gives an item of a matrix: the matrix's description
// and the item's attribute values.
func matrixItemName(matrix string, attrs [3]string) string {
	if matrix == "" {
		return ""
	}
	parts := []string{matrix}
	for _, v := range attrs {
		if v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " ")
}

// priceAt is the item's amount at the named price level; zero when it has none.
func priceAt(prices []lightspeed.ItemPrice, level string) decimal.Decimal {
	for _, p := range prices {
		if strings.EqualFold(p.UseType, level) {
			return p.Amount.Decimal
		}
	}
	return decimal.Zero
}

// featureInputs are the custom field values that differ from have (all when have is nil),
// in name order; a feature without a custom field id is left out (its field could not be
// made).
func featureInputs(features map[string]string, ids map[string]int64, have map[int64]string) []lightspeed.CustomFieldInput {
	var out []lightspeed.CustomFieldInput
	for _, name := range sortedStringKeys(features) {
		id := ids[name]
		if id <= 0 {
			continue
		}
		if v, ok := have[id]; ok && v == features[name] {
			continue
		}
		out = append(out, lightspeed.CustomFieldInput{CustomFieldID: id, Value: features[name]})
	}
	return out
}

// LightspeedMatrixChanges says what of a matrix differs from the draft: its description,
// category and attribute set; the matrix of an existing family is only corrected there.
func LightspeedMatrixChanges(have lightspeed.ItemMatrix, d ProductDraft, refs ItemRefs, fields []string) (lightspeed.ItemMatrixInput, []string) {
	var in lightspeed.ItemMatrixInput
	var changed []string
	if slices.Contains(fields, "name") && d.Name != "" && have.Description != d.Name {
		in.Description, changed = d.Name, append(changed, "name")
	}
	if slices.Contains(fields, "category") && refs.CategoryID > 0 && int64(have.CategoryID) != refs.CategoryID {
		in.CategoryID, changed = refs.CategoryID, append(changed, "category")
	}
	return in, changed
}

func ptr[T any](v T) *T { return &v }
