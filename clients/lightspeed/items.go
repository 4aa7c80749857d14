package lightspeed

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// maxIN is the most values one IN filter takes.
const maxIN = 100

// itemRelations loads what the product and stock flows compare (Prices always come).
func itemRelations() string {
	return relations("ItemShops", "ItemAttributes", "ItemECommerce", "CustomFieldValues")
}

// uniqueSKUs drops blanks and repeats from skus, keeping their order.
func uniqueSKUs(skus []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range skus {
		if s = strings.TrimSpace(s); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// ItemsBySKU returns the items whose customSku is one of skus, in batches of at most 100
// (customSku=IN,[…]); duplicates and blanks in skus are dropped.
func (c *Client) ItemsBySKU(ctx context.Context, skus []string) ([]Item, error) {
	const op = "find items by SKU"
	unique := uniqueSKUs(skus)
	q := url.Values{}
	q.Set("load_relations", relations("ItemShops", "ItemAttributes"))
	return listIn[Item](ctx, c, op, "Item", "customSku", unique, q)
}

// ItemsChangedSince returns the items changed at or after since (every item when since is
// zero), 100 a page, without relations: one listing maps a whole backlog's SKUs to items.
// It stops after max items (no bound when 0) and says whether it read them all.
func (c *Client) ItemsChangedSince(ctx context.Context, since time.Time, max int) ([]Item, bool, error) {
	q := url.Values{}
	if !since.IsZero() {
		q.Set("timeStamp", atOrAfter(since.Truncate(time.Second)))
	}
	return listUpTo[Item](ctx, c, "list items changed since", "Item", "Item", q, max)
}

// Item returns one item with stock, attributes, e-commerce texts and custom fields.
func (c *Client) Item(ctx context.Context, id int64) (Item, error) {
	const op = "get item"
	path, err := idPath(op, "Item", id)
	if err != nil {
		return Item{}, err
	}
	q := url.Values{}
	q.Set("load_relations", itemRelations())
	return getOne[Item](ctx, c, op, path, "Item", q)
}

// ItemShopsChangedSince returns the stock records whose timeStamp is after since, oldest
// first; Item.timeStamp does not move when stock changes, so stock is polled here.
func (c *Client) ItemShopsChangedSince(ctx context.Context, since time.Time) ([]ItemShop, error) {
	q := url.Values{}
	q.Set("timeStamp", after(since))
	q.Set("sort", "timeStamp")
	return listAll[ItemShop](ctx, c, "list changed stock", "ItemShop", "ItemShop", q)
}

// Item types the flows use: stock-managed or not.
const (
	ItemTypeDefault      = "default"
	ItemTypeNonInventory = "non_inventory"
)

// ItemInput creates or changes an item; nil and empty fields are left out (on update: kept).
type ItemInput struct {
	Description     *string
	CustomSku       *string
	ManufacturerSku *string
	EAN             *string
	UPC             *string
	ItemType        *string // ItemTypeDefault or ItemTypeNonInventory (others are accepted)
	CategoryID      *int64
	TaxClassID      *int64
	ItemMatrixID    *int64
	ManufacturerID  *int64
	DefaultCost     *decimal.Decimal
	Tax             *bool
	Discountable    *bool
	PublishToEcom   *bool
	Prices          []ItemPriceInput
	// Stock sets absolute quantities on hand per shop.
	Stock        []ItemStockInput
	Attributes   *ItemAttributesInput
	ECommerce    *ItemECommerceInput
	CustomFields []CustomFieldInput
	// Unarchive brings an archived item back (PUT archived=false); archiving is a DELETE
	// (ArchiveItem).
	Unarchive bool
}

// ItemPriceInput is a price at one level, named by UseTypeID or UseType ("Default").
type ItemPriceInput struct {
	UseTypeID int64
	UseType   string
	Amount    decimal.Decimal
}

// ItemStockInput sets qoh in one shop, named by ItemShopID or ShopID. Shop 0 is the derived
// all-shops summary and cannot be written.
type ItemStockInput struct {
	ItemShopID int64
	ShopID     int64
	QOH        decimal.Decimal
}

// ItemAttributesInput places a variant in its matrix.
type ItemAttributesInput struct {
	ItemAttributeSetID int64
	Attribute1         string
	Attribute2         string
	Attribute3         string
}

// ItemECommerceInput holds the web shop descriptions.
type ItemECommerceInput struct {
	ShortDescription *string
	LongDescription  *string
}

// CustomFieldInput sets one custom field value.
type CustomFieldInput struct {
	CustomFieldID int64
	Value         string
}

func validBarcode(s string) bool {
	if s == "" {
		return true // clears the field
	}
	if len(s) < 11 || len(s) > 14 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (in ItemInput) wire(op string, create bool) (map[string]any, error) {
	body := map[string]any{}
	if in.Description != nil {
		if blank(*in.Description) {
			return nil, invalid(op, "description is empty")
		}
		body["description"] = *in.Description
	} else if create {
		return nil, invalid(op, "an item needs a description")
	}
	type text struct {
		key string
		v   *string
	}
	for _, f := range []text{{"customSku", in.CustomSku}, {"manufacturerSku", in.ManufacturerSku}} {
		if f.v != nil {
			body[f.key] = *f.v
		}
	}
	for _, f := range []text{{"ean", in.EAN}, {"upc", in.UPC}} {
		if f.v == nil {
			continue
		}
		if !validBarcode(*f.v) {
			return nil, invalid(op, "%s %q is not 11 to 14 digits", f.key, *f.v)
		}
		body[f.key] = *f.v
	}
	if in.ItemType != nil {
		switch *in.ItemType {
		case ItemTypeDefault, ItemTypeNonInventory, "serialized", "box", "serialized_assembly", "assembly":
			body["itemType"] = *in.ItemType
		default:
			return nil, invalid(op, "item type %q is not a Lightspeed item type", *in.ItemType)
		}
	}
	type id struct {
		key string
		v   *int64
	}
	for _, f := range []id{{"categoryID", in.CategoryID}, {"taxClassID", in.TaxClassID},
		{"itemMatrixID", in.ItemMatrixID}, {"manufacturerID", in.ManufacturerID}} {
		if f.v == nil {
			continue
		}
		if *f.v < 0 {
			return nil, invalid(op, "%s %d is not valid", f.key, *f.v)
		}
		body[f.key] = *f.v
	}
	if in.DefaultCost != nil {
		body["defaultCost"] = Dec(*in.DefaultCost)
	}
	if in.Tax != nil {
		body["tax"] = *in.Tax
	}
	if in.Discountable != nil {
		body["discountable"] = *in.Discountable
	}
	if in.PublishToEcom != nil {
		body["publishToEcom"] = *in.PublishToEcom
	}
	if len(in.Prices) > 0 {
		prices, err := priceWire(op, in.Prices)
		if err != nil {
			return nil, err
		}
		body["Prices"] = prices
	}
	if len(in.Stock) > 0 {
		shops := make([]map[string]any, 0, len(in.Stock))
		for i, s := range in.Stock {
			m := map[string]any{"qoh": Dec(s.QOH)}
			switch {
			case s.ItemShopID > 0:
				m["itemShopID"] = s.ItemShopID
			case s.ShopID > 0:
				m["shopID"] = s.ShopID
			default:
				return nil, invalid(op, "stock %d names no shop (shop 0 is the derived total and cannot be set)", i+1)
			}
			if !s.QOH.IsInteger() {
				return nil, invalid(op, "stock %d: quantity %s is not a whole number", i+1, s.QOH)
			}
			shops = append(shops, m)
		}
		body["ItemShops"] = map[string]any{"ItemShop": shops}
	}
	if a := in.Attributes; a != nil {
		if a.ItemAttributeSetID <= 0 {
			return nil, invalid(op, "item attributes need an attribute set id")
		}
		body["ItemAttributes"] = map[string]any{"itemAttributeSetID": a.ItemAttributeSetID,
			"attribute1": a.Attribute1, "attribute2": a.Attribute2, "attribute3": a.Attribute3}
	}
	if e := in.ECommerce; e != nil {
		m := map[string]any{}
		if e.ShortDescription != nil {
			m["shortDescription"] = *e.ShortDescription
		}
		if e.LongDescription != nil {
			m["longDescription"] = *e.LongDescription
		}
		if len(m) > 0 {
			body["ItemECommerce"] = m
		}
	}
	if len(in.CustomFields) > 0 {
		fields := make([]map[string]any, 0, len(in.CustomFields))
		for i, f := range in.CustomFields {
			if f.CustomFieldID <= 0 {
				return nil, invalid(op, "custom field %d has no custom field id", i+1)
			}
			fields = append(fields, map[string]any{"customFieldID": f.CustomFieldID, "value": f.Value})
		}
		body["CustomFieldValues"] = map[string]any{"CustomFieldValue": fields}
	}
	if in.Unarchive {
		body["archived"] = false
	}
	if len(body) == 0 {
		return nil, invalid(op, "nothing to change")
	}
	return body, nil
}

func priceWire(op string, prices []ItemPriceInput) (map[string]any, error) {
	out := make([]map[string]any, 0, len(prices))
	for i, p := range prices {
		m := map[string]any{"amount": Dec(p.Amount)}
		switch {
		case p.UseTypeID > 0:
			m["useTypeID"] = p.UseTypeID
		case !blank(p.UseType):
			m["useType"] = p.UseType
		default:
			return nil, invalid(op, "price %d names no price level", i+1)
		}
		if p.Amount.IsNegative() {
			return nil, invalid(op, "price %d is negative", i+1)
		}
		out = append(out, m)
	}
	return map[string]any{"ItemPrice": out}, nil
}

// CreateItem creates an item.
func (c *Client) CreateItem(ctx context.Context, in ItemInput) (Item, error) {
	const op = "create item"
	body, err := in.wire(op, true)
	if err != nil {
		return Item{}, err
	}
	return write[Item](ctx, c, op, http.MethodPost, "Item", "Item", body)
}

// UpdateItem changes the given fields of item id; Stock sets absolute quantities.
func (c *Client) UpdateItem(ctx context.Context, id int64, in ItemInput) (Item, error) {
	const op = "update item"
	path, err := idPath(op, "Item", id)
	if err != nil {
		return Item{}, err
	}
	body, err := in.wire(op, false)
	if err != nil {
		return Item{}, err
	}
	return write[Item](ctx, c, op, http.MethodPut, path, "Item", body)
}
