package lightspeed

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// ProductItemsBySKU returns the items whose customSku is one of skus, archived ones
// included (an article active again must find its old item, not make a second one), with
// what the products flow compares: attributes, web shop texts and custom fields. Batches of
// at most 100 SKUs a request.
func (c *Client) ProductItemsBySKU(ctx context.Context, skus []string) ([]Item, error) {
	const op = "find product items by SKU"
	unique := uniqueSKUs(skus)
	q := url.Values{}
	q.Set("load_relations", relations("ItemAttributes", "ItemECommerce", "CustomFieldValues"))
	q.Set("archived", "true")
	return listIn[Item](ctx, c, op, "Item", "customSku", unique, q)
}

// ArchiveItem archives an item (DELETE: Lightspeed never deletes items; it archives them
// and zeroes their stock).
func (c *Client) ArchiveItem(ctx context.Context, id int64) error {
	const op = "archive item"
	path, err := idPath(op, "Item", id)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{op: op, method: http.MethodDelete, path: path})
	return err
}

// ArchiveItemMatrix archives a matrix (DELETE; its items stay).
func (c *Client) ArchiveItemMatrix(ctx context.Context, id int64) error {
	const op = "archive item matrix"
	path, err := idPath(op, "ItemMatrix", id)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{op: op, method: http.MethodDelete, path: path})
	return err
}

// ItemMatricesByDescription returns the matrices whose description is exactly desc, so a
// retried create finds the matrix an earlier attempt made.
func (c *Client) ItemMatricesByDescription(ctx context.Context, desc string) ([]ItemMatrix, error) {
	const op = "find item matrices by description"
	if blank(desc) {
		return nil, invalid(op, "description is empty")
	}
	q := url.Values{}
	q.Set("description", desc)
	return listAll[ItemMatrix](ctx, c, op, "ItemMatrix", "ItemMatrix", q)
}

// UpdateItemMatrix changes a matrix's description and category (the fields of in that are
// set); the attribute set of a matrix with items does not change.
func (c *Client) UpdateItemMatrix(ctx context.Context, id int64, in ItemMatrixInput) (ItemMatrix, error) {
	const op = "update item matrix"
	path, err := idPath(op, "ItemMatrix", id)
	if err != nil {
		return ItemMatrix{}, err
	}
	body := map[string]any{}
	if !blank(in.Description) {
		body["description"] = in.Description
	}
	if in.CategoryID > 0 {
		body["categoryID"] = in.CategoryID
	}
	if in.TaxClassID > 0 {
		body["taxClassID"] = in.TaxClassID
	}
	if len(body) == 0 {
		return ItemMatrix{}, invalid(op, "nothing to change")
	}
	return write[ItemMatrix](ctx, c, op, http.MethodPut, path, "ItemMatrix", body)
}

// CustomField is the definition of an item custom field (Item/CustomField); the values
// are on each item's CustomFieldValues.
type CustomField struct {
	CustomFieldID Int    `json:"customFieldID"`
	Name          string `json:"name"`
	Type          string `json:"type"`
	Archived      Bool   `json:"archived"`
}

// ItemCustomFields returns the item custom field definitions. Our reference does not
// document this endpoint; Lightspeed's own documentation names it Item/CustomField.
func (c *Client) ItemCustomFields(ctx context.Context) ([]CustomField, error) {
	return listAll[CustomField](ctx, c, "list item custom fields", "Item/CustomField", "CustomField", nil)
}

// CreateItemCustomField creates a text custom field for items.
func (c *Client) CreateItemCustomField(ctx context.Context, name string) (CustomField, error) {
	const op = "create item custom field"
	if blank(name) {
		return CustomField{}, invalid(op, "custom field name is empty")
	}
	body := map[string]any{"name": strings.TrimSpace(name), "type": "string"}
	return write[CustomField](ctx, c, op, http.MethodPost, "Item/CustomField", "CustomField", body)
}
