package lightspeed

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/shopspring/decimal"
)

// ItemMatrices returns every item matrix (without its items).
func (c *Client) ItemMatrices(ctx context.Context) ([]ItemMatrix, error) {
	return listAll[ItemMatrix](ctx, c, "list item matrices", "ItemMatrix", "ItemMatrix", nil)
}

// ItemMatrix returns one matrix with its variant items.
func (c *Client) ItemMatrix(ctx context.Context, id int64) (ItemMatrix, error) {
	const op = "get item matrix"
	path, err := idPath(op, "ItemMatrix", id)
	if err != nil {
		return ItemMatrix{}, err
	}
	q := url.Values{}
	q.Set("load_relations", relations("Items", "ItemECommerce"))
	return getOne[ItemMatrix](ctx, c, op, path, "ItemMatrix", q)
}

// ItemMatrixInput creates a matrix; description and attribute set are required.
type ItemMatrixInput struct {
	Description        string
	ItemAttributeSetID int64
	ItemType           string // empty: default
	CategoryID         int64
	TaxClassID         int64
	DefaultCost        *decimal.Decimal
	Prices             []ItemPriceInput
}

// CreateItemMatrix creates a configurable product; its variants are Items created with
// ItemMatrixID and Attributes.
func (c *Client) CreateItemMatrix(ctx context.Context, in ItemMatrixInput) (ItemMatrix, error) {
	const op = "create item matrix"
	if blank(in.Description) {
		return ItemMatrix{}, invalid(op, "an item matrix needs a description")
	}
	if in.ItemAttributeSetID <= 0 {
		return ItemMatrix{}, invalid(op, "an item matrix needs an attribute set id")
	}
	body := map[string]any{"description": in.Description, "itemAttributeSetID": in.ItemAttributeSetID}
	if in.ItemType != "" {
		body["itemType"] = in.ItemType
	}
	if in.CategoryID > 0 {
		body["categoryID"] = in.CategoryID
	}
	if in.TaxClassID > 0 {
		body["taxClassID"] = in.TaxClassID
	}
	if in.DefaultCost != nil {
		body["defaultCost"] = Dec(*in.DefaultCost)
	}
	if len(in.Prices) > 0 {
		prices, err := priceWire(op, in.Prices)
		if err != nil {
			return ItemMatrix{}, err
		}
		body["Prices"] = prices
	}
	return write[ItemMatrix](ctx, c, op, http.MethodPost, "ItemMatrix", "ItemMatrix", body)
}

// ItemAttributeSets returns the attribute sets (1 = Color/Size, 2 = Size, 3 = Color, …).
func (c *Client) ItemAttributeSets(ctx context.Context) ([]ItemAttributeSet, error) {
	return listAll[ItemAttributeSet](ctx, c, "list item attribute sets", "ItemAttributeSet", "ItemAttributeSet", nil)
}

// Categories returns the whole category tree.
func (c *Client) Categories(ctx context.Context) ([]Category, error) {
	return listAll[Category](ctx, c, "list categories", "Category", "Category", nil)
}

// CategoriesByName returns the categories called name, at any depth.
func (c *Client) CategoriesByName(ctx context.Context, name string) ([]Category, error) {
	const op = "find categories by name"
	if blank(name) {
		return nil, invalid(op, "category name is empty")
	}
	q := url.Values{}
	q.Set("name", strings.TrimSpace(name))
	return listAll[Category](ctx, c, op, "Category", "Category", q)
}

// CategoryByPath finds the category whose full path is path ("Clothing/T-Shirts"),
// comparing path segments case-insensitively; ok is false when there is none.
func (c *Client) CategoryByPath(ctx context.Context, path string) (cat Category, ok bool, err error) {
	const op = "find category by path"
	segs := splitPath(path)
	if len(segs) == 0 {
		return Category{}, false, invalid(op, "category path is empty")
	}
	candidates, err := c.CategoriesByName(ctx, segs[len(segs)-1])
	if err != nil {
		return Category{}, false, err
	}
	want := strings.Join(segs, "/")
	for _, cand := range candidates {
		if strings.EqualFold(strings.Join(splitPath(cand.FullPathName), "/"), want) {
			return cand, true, nil
		}
	}
	return Category{}, false, nil
}

// splitPath splits "A / B/" into its trimmed, non-empty segments.
func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CreateCategory creates a category below parentID (0: at the root). It costs 10 drips.
func (c *Client) CreateCategory(ctx context.Context, name string, parentID int64) (Category, error) {
	const op = "create category"
	if blank(name) {
		return Category{}, invalid(op, "category name is empty")
	}
	if strings.Contains(name, "/") {
		return Category{}, invalid(op, "category name %q contains a slash, which separates path segments", name)
	}
	if parentID < 0 {
		return Category{}, invalid(op, "parent category id %d is not valid", parentID)
	}
	body := map[string]any{"name": strings.TrimSpace(name), "parentID": parentID}
	return write[Category](ctx, c, op, http.MethodPost, "Category", "Category", body)
}

// PaymentTypes returns the payment methods.
func (c *Client) PaymentTypes(ctx context.Context) ([]PaymentType, error) {
	return listAll[PaymentType](ctx, c, "list payment types", "PaymentType", "PaymentType", nil)
}

// Shops returns the shops.
func (c *Client) Shops(ctx context.Context) ([]Shop, error) {
	return listAll[Shop](ctx, c, "list shops", "Shop", "Shop", nil)
}

// PriceLevels returns the price levels (Default, MSRP, Online, …).
func (c *Client) PriceLevels(ctx context.Context) ([]PriceLevel, error) {
	return listAll[PriceLevel](ctx, c, "list price levels", "PriceLevel", "PriceLevel", nil)
}

// TaxClasses returns the item tax classes.
func (c *Client) TaxClasses(ctx context.Context) ([]TaxClass, error) {
	return listAll[TaxClass](ctx, c, "list tax classes", "TaxClass", "TaxClass", nil)
}

// Registers returns the registers of all shops.
func (c *Client) Registers(ctx context.Context) ([]Register, error) {
	return listAll[Register](ctx, c, "list registers", "Register", "Register", nil)
}

// Employees returns the employees.
func (c *Client) Employees(ctx context.Context) ([]Employee, error) {
	return listAll[Employee](ctx, c, "list employees", "Employee", "Employee", nil)
}

// CustomerTypes returns the customer classifications.
func (c *Client) CustomerTypes(ctx context.Context) ([]CustomerType, error) {
	return listAll[CustomerType](ctx, c, "list customer types", "CustomerType", "CustomerType", nil)
}
