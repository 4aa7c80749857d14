package lightspeed

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// createItemLocked creates an Item with ItemShops for every shop plus the shop-0 summary,
// all at qoh 0 before the payload's ItemShops apply (docs: Item sample).
func (s *Server) createItemLocked(body map[string]any, now string) (int, error) {
	def := s.defs["Item"]
	rec := blank(def)
	rec["discountable"], rec["tax"], rec["itemType"], rec["taxClassID"] = "true", "true", "default", "1"
	if err := applyFields(def, rec, body, "Prices", "ItemShops", "ItemAttributes", "ItemECommerce", "CustomFieldValues"); err != nil {
		return 0, err
	}
	ecom, err := s.parseECommerce("Item", body["ItemECommerce"], nil)
	if err != nil {
		return 0, err
	}
	custom, err := s.parseCustomFields(body["CustomFieldValues"], nil)
	if err != nil {
		return 0, err
	}
	rec["archived"] = "false"
	attrs, err := s.parseAttributes(body["ItemAttributes"])
	if err != nil {
		return 0, err
	}

	var matrix record
	if m := rec.int("itemMatrixID"); m != 0 {
		if matrix = s.st.get("ItemMatrix", m); matrix == nil {
			return 0, badRequest("Item.itemMatrixID: ItemMatrix %d does not exist.", m)
		}
		if attrs == nil {
			attrs = &itemAttributes{}
		}
		if attrs.setID == 0 {
			attrs.setID = matrix.int("itemAttributeSetID")
		}
		if _, given := body["description"]; !given || strings.TrimSpace(rec["description"]) == "" {
			parts := []string{matrix["description"]}
			for _, v := range attrs.values {
				if v != "" {
					parts = append(parts, v)
				}
			}
			rec["description"] = strings.Join(parts, " ")
		}
		for _, k := range []string{"categoryID", "taxClassID", "manufacturerID", "defaultVendorID"} {
			if _, given := body[k]; !given {
				rec[k] = matrix[k]
			}
		}
	}
	if strings.TrimSpace(rec["description"]) == "" {
		return 0, badRequest("Item not created. An Item must have a description.")
	}
	if err := s.checkItemLocked(0, rec); err != nil {
		return 0, err
	}
	prices, err := s.parsePrices("Item", body["Prices"], nil)
	if err != nil {
		return 0, err
	}
	if prices == nil && matrix != nil {
		prices = append(prices, s.st.matrixPrices[matrix.int("itemMatrixID")]...)
	}
	shopUpdates, err := elements("Item", "ItemShops", "ItemShop", body["ItemShops"])
	if err != nil {
		return 0, err
	}
	for _, u := range shopUpdates {
		if _, has := u["itemShopID"]; has {
			return 0, badRequest("ItemShops of a new item are named by shopID; it has no itemShopIDs yet.")
		}
	}
	if _, err := s.resolveItemShopsLocked(0, shopUpdates); err != nil {
		return 0, err
	}
	rec["createTime"], rec["timeStamp"] = now, now
	id := s.st.tables["Item"].insert("itemID", rec)
	rec["systemSku"] = fmt.Sprintf("2100000%05d", id)
	s.indexBarcodesLocked(id, nil, rec)
	s.st.itemPrices[id] = prices
	s.storeExtrasLocked("Item", id, ecom, custom)
	if attrs != nil {
		s.st.attrs[id] = attrs
		if matrix != nil {
			s.extendMatrixLocked(matrix.int("itemMatrixID"), attrs, now)
		}
	}
	s.st.itemShops[id] = map[int]int{}
	for _, shopID := range append(s.shopIDsLocked(), 0) {
		is := blank(s.defs["ItemShop"])
		is["itemID"], is["shopID"], is["timeStamp"] = strconv.Itoa(id), strconv.Itoa(shopID), now
		s.st.itemShops[id][shopID] = s.st.tables["ItemShop"].insert("itemShopID", is)
	}
	if len(shopUpdates) > 0 {
		if err := s.applyItemShopsLocked(id, shopUpdates, now); err != nil {
			s.dropItemLocked(id)
			return 0, err
		}
	}
	return id, nil
}

// dropItemLocked undoes a half-made create so a rejected request changes nothing.
func (s *Server) dropItemLocked(id int) {
	for _, isID := range s.st.itemShops[id] {
		s.st.tables["ItemShop"].remove(isID)
	}
	delete(s.st.itemShops, id)
	delete(s.st.itemPrices, id)
	delete(s.st.attrs, id)
	delete(s.st.ecommerce, "Item:"+strconv.Itoa(id))
	delete(s.st.customFields, id)
	s.indexBarcodesLocked(id, s.st.get("Item", id), nil)
	s.st.tables["Item"].remove(id)
}

func (s *Server) shopIDsLocked() []int {
	return append([]int(nil), s.st.tables["Shop"].ids...)
}

// updateItemLocked is a partial update. Item.timeStamp moves only when item fields change,
// not for ItemShops (stock) changes, as the docs warn.
func (s *Server) updateItemLocked(id int, body map[string]any, now string) error {
	def := s.defs["Item"]
	rec := s.st.get("Item", id)
	next := copyRecord(rec)
	if err := applyFields(def, next, body, "Prices", "ItemShops", "ItemAttributes", "ItemECommerce", "CustomFieldValues"); err != nil {
		return err
	}
	ecom, err := s.parseECommerce("Item", body["ItemECommerce"], s.st.ecommerce["Item:"+strconv.Itoa(id)])
	if err != nil {
		return err
	}
	custom, err := s.parseCustomFields(body["CustomFieldValues"], s.st.customFields[id])
	if err != nil {
		return err
	}
	if next["archived"] == "true" && rec["archived"] != "true" {
		return badRequest("Items cannot be archived with PUT; use DELETE.")
	}
	if _, given := body["description"]; given && strings.TrimSpace(next["description"]) == "" {
		return badRequest("Item not updated. An Item must have a description.")
	}
	if err := s.checkItemLocked(id, next); err != nil {
		return err
	}
	if m := next.int("itemMatrixID"); m != 0 && s.st.get("ItemMatrix", m) == nil {
		return badRequest("Item.itemMatrixID: ItemMatrix %d does not exist.", m)
	}
	var prices []price
	if p, given := body["Prices"]; given {
		var err error
		if prices, err = s.parsePrices("Item", p, s.st.itemPrices[id]); err != nil {
			return err
		}
	}
	attrs, err := s.parseAttributes(body["ItemAttributes"])
	if err != nil {
		return err
	}
	shopUpdates, err := elements("Item", "ItemShops", "ItemShop", body["ItemShops"])
	if err != nil {
		return err
	}
	if len(shopUpdates) > 0 {
		if err := s.checkItemShopsLocked(id, shopUpdates); err != nil {
			return err
		}
	}
	s.indexBarcodesLocked(id, rec, next)
	changed := false
	for k, v := range next {
		if rec[k] != v {
			changed = true
			rec[k] = v
		}
	}
	if prices != nil {
		s.st.itemPrices[id] = prices
		changed = true
	}
	if ecom != nil || custom != nil {
		s.storeExtrasLocked("Item", id, ecom, custom)
		changed = true
	}
	if attrs != nil {
		old := s.st.attrs[id]
		if attrs.setID == 0 && old != nil {
			attrs.setID = old.setID
		}
		s.st.attrs[id] = attrs
		if m := rec.int("itemMatrixID"); m != 0 {
			if attrs.setID == 0 {
				attrs.setID = s.st.get("ItemMatrix", m).int("itemAttributeSetID")
			}
			s.extendMatrixLocked(m, attrs, now)
		}
		changed = true
	}
	if changed {
		rec["timeStamp"] = now
	}
	if len(shopUpdates) > 0 {
		return s.applyItemShopsLocked(id, shopUpdates, now)
	}
	return nil
}

// archiveItemLocked is DELETE Item: items are never deleted; they are archived and their
// stock zeroed.
func (s *Server) archiveItemLocked(id int, now string) {
	rec := s.st.get("Item", id)
	rec["archived"], rec["timeStamp"] = "true", now
	for _, isID := range s.st.itemShops[id] {
		is := s.st.get("ItemShop", isID)
		if is["qoh"] != "0" {
			is["qoh"], is["timeStamp"] = "0", now
		}
	}
}

// checkItemLocked validates UPC/EAN: 11–14 digits and unique across items.
func (s *Server) checkItemLocked(id int, rec record) error {
	for _, k := range []string{"upc", "ean"} {
		v := rec[k]
		if v == "" {
			continue
		}
		if len(v) < 11 || len(v) > 14 || strings.Trim(v, "0123456789") != "" {
			return unprocessable("Item.%s must be 11 to 14 digits, got %q.", k, v)
		}
		if other, ok := s.st.barcodes[k+":"+v]; ok && other != id {
			return unprocessable("Item.%s %s is a duplicate: item %d already has it.", k, v, other)
		}
	}
	if it := rec["itemType"]; !contains([]string{"default", "non_inventory", "serialized", "box", "serialized_assembly", "assembly"}, it) {
		return badRequest("Item.itemType must be one of default, non_inventory, serialized, box, serialized_assembly, assembly; got %q.", it)
	}
	if err := s.checkRef("Item", "categoryID", rec, "Category"); err != nil {
		return err
	}
	return s.checkRef("Item", "taxClassID", rec, "TaxClass")
}

// parsePrices reads Prices.ItemPrice; given levels replace those in base, others stay.
func (s *Server) parsePrices(entity string, v any, base []price) ([]price, error) {
	elems, err := elements(entity, "Prices", "ItemPrice", v)
	if err != nil || elems == nil {
		return nil, err
	}
	byLevel := map[int]decimal.Decimal{}
	for _, p := range base {
		byLevel[p.levelID] = p.amount
	}
	for _, e := range elems {
		level := 0
		for k, x := range e {
			switch k {
			case "useTypeID":
				str, err := scalarString(entity, field{name: "Prices.ItemPrice.useTypeID", kind: kInt}, x)
				if err != nil {
					return nil, err
				}
				level, _ = strconv.Atoi(str)
			case "useType":
				name, _ := x.(string)
				for _, id := range s.st.tables["PriceLevel"].ids {
					if strings.EqualFold(s.st.get("PriceLevel", id)["name"], name) {
						level = id
					}
				}
				if level == 0 {
					return nil, badRequest("%s.Prices: unknown price level %q.", entity, name)
				}
			case "amount":
			default:
				return nil, badRequest("Unknown field '%s' for ItemPrice.", k)
			}
		}
		if level == 0 || s.st.get("PriceLevel", level) == nil {
			return nil, badRequest("%s.Prices: each ItemPrice needs an existing useTypeID or useType.", entity)
		}
		amt, err := scalarString(entity, field{name: "Prices.ItemPrice.amount", kind: kDecimal}, e["amount"])
		if err != nil {
			return nil, err
		}
		if amt == "" {
			return nil, badRequest("%s.Prices: each ItemPrice needs an amount.", entity)
		}
		byLevel[level] = decimal.RequireFromString(amt)
	}
	out := make([]price, 0, len(byLevel))
	for level, amt := range byLevel {
		out = append(out, price{amount: amt, levelID: level})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].levelID < out[j].levelID })
	return out, nil
}

func (s *Server) parseAttributes(v any) (*itemAttributes, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		if str, isStr := v.(string); isStr && str == "" {
			return nil, nil
		}
		return nil, badRequest("Item.ItemAttributes must be an object with attribute1, attribute2, attribute3 and itemAttributeSetID.")
	}
	a := &itemAttributes{}
	for k, x := range m {
		switch k {
		case "attribute1", "attribute2", "attribute3":
			str, err := scalarString("ItemAttributes", field{name: k}, x)
			if err != nil {
				return nil, err
			}
			a.values[k[len(k)-1]-'1'] = str
		case "itemAttributeSetID":
			str, err := scalarString("ItemAttributes", field{name: k, kind: kInt}, x)
			if err != nil {
				return nil, err
			}
			a.setID, _ = strconv.Atoi(str)
			if a.setID != 0 && s.st.get("ItemAttributeSet", a.setID) == nil {
				return nil, badRequest("ItemAttributes.itemAttributeSetID: ItemAttributeSet %d does not exist.", a.setID)
			}
		default:
			return nil, badRequest("Unknown field '%s' for ItemAttributes.", k)
		}
	}
	return a, nil
}

// extendMatrixLocked adds a variant's attribute values to its matrix's attributeNValues.
func (s *Server) extendMatrixLocked(matrixID int, a *itemAttributes, now string) {
	vals := s.st.matrixValues[matrixID]
	if vals == nil {
		vals = &[3][]string{}
		s.st.matrixValues[matrixID] = vals
	}
	changed := false
	for i, v := range a.values {
		if v != "" && !contains(vals[i], v) {
			vals[i] = append(vals[i], v)
			changed = true
		}
	}
	if changed {
		s.st.get("ItemMatrix", matrixID)["timeStamp"] = now
	}
}

// checkItemShopsLocked validates ItemShop updates: by itemShopID or shopID, never shop 0,
// each shop once.
func (s *Server) checkItemShopsLocked(itemID int, updates []map[string]any) error {
	_, err := s.resolveItemShopsLocked(itemID, updates)
	return err
}

type itemShopUpdate struct {
	itemShopID int
	fields     map[string]string
}

func (s *Server) resolveItemShopsLocked(itemID int, updates []map[string]any) ([]itemShopUpdate, error) {
	def := s.defs["ItemShop"]
	seen := map[int]bool{}
	var out []itemShopUpdate
	for _, u := range updates {
		var isID, shopID int
		fields := map[string]string{}
		for k, x := range u {
			f, ok := def.byName[k]
			if !ok {
				return nil, badRequest("Unknown field '%s' for ItemShop.", k)
			}
			str, err := scalarString("ItemShop", f, x)
			if err != nil {
				return nil, err
			}
			switch k {
			case "itemShopID":
				isID, _ = strconv.Atoi(str)
			case "shopID":
				shopID, _ = strconv.Atoi(str)
				if str == "" {
					shopID = -1
				}
			case "qoh", "reorderPoint", "reorderLevel":
				if str == "" {
					str = "0"
				}
				fields[k] = str
			}
		}
		_, hasShop := u["shopID"]
		switch {
		case isID != 0:
			is := s.st.get("ItemShop", isID)
			if is == nil || is.int("itemID") != itemID {
				return nil, badRequest("ItemShop %d does not belong to item %d.", isID, itemID)
			}
			if hasShop && is.int("shopID") != shopID {
				return nil, badRequest("ItemShop %d is for shop %s, not shop %d.", isID, is["shopID"], shopID)
			}
			shopID = is.int("shopID")
		case hasShop:
			if shopID == 0 {
				break
			}
			if s.st.get("Shop", shopID) == nil {
				return nil, badRequest("ItemShops: shop %d does not exist.", shopID)
			}
			isID = s.st.itemShops[itemID][shopID]
			if isID == 0 {
				isID = -shopID // "created by Retail POS as needed": made on apply
			}
		default:
			return nil, badRequest("Each ItemShop needs an itemShopID or a shopID.")
		}
		if shopID == 0 {
			return nil, badRequest("ItemShops: shopID 0 is the derived all-shops summary and cannot be written.")
		}
		if seen[shopID] {
			return nil, badRequest("ItemShops: shop %d appears more than once.", shopID)
		}
		seen[shopID] = true
		out = append(out, itemShopUpdate{itemShopID: isID, fields: fields})
	}
	return out, nil
}

// applyItemShopsLocked sets absolute qoh (it does not add) and recomputes shop 0.
func (s *Server) applyItemShopsLocked(itemID int, updates []map[string]any, now string) error {
	resolved, err := s.resolveItemShopsLocked(itemID, updates)
	if err != nil {
		return err
	}
	for _, u := range resolved {
		id := u.itemShopID
		if id < 0 {
			is := blank(s.defs["ItemShop"])
			is["itemID"], is["shopID"], is["timeStamp"] = strconv.Itoa(itemID), strconv.Itoa(-id), now
			id = s.st.tables["ItemShop"].insert("itemShopID", is)
			s.st.itemShops[itemID][-u.itemShopID] = id
		}
		is := s.st.get("ItemShop", id)
		for k, v := range u.fields {
			if is[k] != v {
				is[k] = v
				is["timeStamp"] = now
			}
		}
	}
	s.recomputeShopZeroLocked(itemID, now)
	return nil
}

func (s *Server) recomputeShopZeroLocked(itemID int, now string) {
	total := decimal.Zero
	var zero record
	for shopID, isID := range s.st.itemShops[itemID] {
		is := s.st.get("ItemShop", isID)
		if shopID == 0 {
			zero = is
			continue
		}
		total = total.Add(is.dec("qoh"))
	}
	if zero != nil && zero["qoh"] != total.String() {
		zero["qoh"], zero["timeStamp"] = total.String(), now
	}
}

// adjustQOHLocked changes stock in one shop by delta (a sale lowers it).
func (s *Server) adjustQOHLocked(itemID, shopID int, delta decimal.Decimal, now string) {
	isID := s.st.itemShops[itemID][shopID]
	if isID == 0 {
		is := blank(s.defs["ItemShop"])
		is["itemID"], is["shopID"] = strconv.Itoa(itemID), strconv.Itoa(shopID)
		isID = s.st.tables["ItemShop"].insert("itemShopID", is)
		s.st.itemShops[itemID][shopID] = isID
	}
	is := s.st.get("ItemShop", isID)
	is["qoh"], is["timeStamp"] = is.dec("qoh").Add(delta).String(), now
	s.recomputeShopZeroLocked(itemID, now)
}

// updateItemShopLocked is PUT /ItemShop/{id}: only reorderPoint and reorderLevel; qoh is
// set through PUT Item.
func (s *Server) updateItemShopLocked(id int, body map[string]any, now string) error {
	if _, has := body["qoh"]; has {
		return badRequest("ItemShop.qoh cannot be set here; use PUT Item/{itemID} with ItemShops.")
	}
	rec := s.st.get("ItemShop", id)
	if rec.int("shopID") == 0 {
		return badRequest("ItemShop %d is the derived all-shops summary and cannot be written.", id)
	}
	next := copyRecord(rec)
	if err := applyFields(s.defs["ItemShop"], next, body); err != nil {
		return err
	}
	next["timeStamp"] = now
	for k, v := range next {
		rec[k] = v
	}
	return nil
}

// createMatrixLocked needs a description and an itemAttributeSetID.
func (s *Server) createMatrixLocked(body map[string]any, now string) (int, error) {
	def := s.defs["ItemMatrix"]
	rec := blank(def)
	rec["tax"], rec["itemType"], rec["taxClassID"] = "true", "default", "1"
	if err := applyFields(def, rec, body, "Prices", "ItemECommerce"); err != nil {
		return 0, err
	}
	ecom, err := s.parseECommerce("ItemMatrix", body["ItemECommerce"], nil)
	if err != nil {
		return 0, err
	}
	rec["archived"] = "false"
	if strings.TrimSpace(rec["description"]) == "" {
		return 0, badRequest("ItemMatrix not created. An ItemMatrix must have a description.")
	}
	if rec.int("itemAttributeSetID") == 0 {
		return 0, badRequest("ItemMatrix not created. An ItemMatrix must have an itemAttributeSetID.")
	}
	if err := s.checkMatrixLocked(rec); err != nil {
		return 0, err
	}
	prices, err := s.parsePrices("ItemMatrix", body["Prices"], nil)
	if err != nil {
		return 0, err
	}
	rec["timeStamp"] = now
	id := s.st.tables["ItemMatrix"].insert("itemMatrixID", rec)
	s.st.matrixPrices[id] = prices
	s.st.matrixValues[id] = &[3][]string{}
	s.storeExtrasLocked("ItemMatrix", id, ecom, nil)
	return id, nil
}

func (s *Server) checkMatrixLocked(rec record) error {
	for _, ref := range [][2]string{{"itemAttributeSetID", "ItemAttributeSet"}, {"categoryID", "Category"}, {"taxClassID", "TaxClass"}} {
		if err := s.checkRef("ItemMatrix", ref[0], rec, ref[1]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) updateMatrixLocked(id int, body map[string]any, now string) error {
	rec := s.st.get("ItemMatrix", id)
	next := copyRecord(rec)
	if err := applyFields(s.defs["ItemMatrix"], next, body, "Prices", "ItemECommerce"); err != nil {
		return err
	}
	ecom, err := s.parseECommerce("ItemMatrix", body["ItemECommerce"], s.st.ecommerce["ItemMatrix:"+strconv.Itoa(id)])
	if err != nil {
		return err
	}
	s.storeExtrasLocked("ItemMatrix", id, ecom, nil)
	if strings.TrimSpace(next["description"]) == "" {
		return badRequest("ItemMatrix not updated. An ItemMatrix must have a description.")
	}
	if err := s.checkMatrixLocked(next); err != nil {
		return err
	}
	if p, given := body["Prices"]; given {
		prices, err := s.parsePrices("ItemMatrix", p, s.st.matrixPrices[id])
		if err != nil {
			return err
		}
		s.st.matrixPrices[id] = prices
	}
	next["timeStamp"] = now
	for k, v := range next {
		rec[k] = v
	}
	return nil
}

// indexBarcodesLocked moves an item's UPC/EAN entries from old to next (either may be nil).
func (s *Server) indexBarcodesLocked(id int, old, next record) {
	for _, k := range []string{"upc", "ean"} {
		if old != nil && old[k] != "" && s.st.barcodes[k+":"+old[k]] == id {
			delete(s.st.barcodes, k+":"+old[k])
		}
		if next != nil && next[k] != "" {
			s.st.barcodes[k+":"+next[k]] = id
		}
	}
}

// ecommerceFields are the writable ItemECommerce fields.
func ecommerceFields() []field {
	return []field{{name: "itemECommerceID", kind: kInt, readOnly: true}, {name: "longDescription"},
		{name: "shortDescription"}, {name: "weight", kind: kDecimal}, {name: "width", kind: kDecimal},
		{name: "height", kind: kDecimal}, {name: "length", kind: kDecimal}, {name: "listOnStore", kind: kBool}}
}

// parseECommerce merges a nested ItemECommerce (web shop texts) onto old; nil when absent.
func (s *Server) parseECommerce(entity string, v any, old record) (record, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest("%s.ItemECommerce must be an object.", entity)
	}
	rec := record{}
	if old != nil {
		rec = copyRecord(old)
	} else {
		for _, f := range ecommerceFields() {
			rec[f.name] = map[kind]string{kDecimal: "0", kBool: "false", kInt: "0"}[f.kind]
		}
	}
	for k, x := range m {
		var f *field
		for _, ef := range ecommerceFields() {
			if ef.name == k {
				f = &ef
			}
		}
		if f == nil {
			return nil, badRequest("Unknown field '%s' for ItemECommerce.", k)
		}
		if f.readOnly {
			continue
		}
		str, err := scalarString("ItemECommerce", *f, x)
		if err != nil {
			return nil, err
		}
		rec[k] = str
	}
	return rec, nil
}

// parseCustomFields merges CustomFieldValues by customFieldID onto old; nil when absent.
func (s *Server) parseCustomFields(v any, old []record) ([]record, error) {
	if v == nil {
		return nil, nil
	}
	elems, err := elements("Item", "CustomFieldValues", "CustomFieldValue", v)
	if err != nil {
		return nil, err
	}
	out := make([]record, 0, len(old)+len(elems))
	for _, r := range old {
		out = append(out, copyRecord(r))
	}
	for _, e := range elems {
		rec := record{"customFieldValueID": "", "customFieldID": "", "name": "", "value": ""}
		for k, x := range e {
			switch k {
			case "customFieldID", "value", "name":
				kd := kString
				if k == "customFieldID" {
					kd = kInt
				}
				str, err := scalarString("CustomFieldValue", field{name: k, kind: kd}, x)
				if err != nil {
					return nil, err
				}
				rec[k] = str
			case "customFieldValueID":
			default:
				return nil, badRequest("Unknown field '%s' for CustomFieldValue.", k)
			}
		}
		n, _ := strconv.Atoi(rec["customFieldID"])
		if n <= 0 {
			return nil, badRequest("Each CustomFieldValue needs a customFieldID.")
		}
		fieldDef := s.st.get("CustomField", n)
		if fieldDef == nil || fieldDef["archived"] == "true" {
			return nil, badRequest("CustomFieldValue.customFieldID: CustomField %d does not exist.", n)
		}
		rec["name"] = fieldDef["name"]
		replaced := false
		for _, r := range out {
			if r["customFieldID"] == rec["customFieldID"] {
				r["value"], replaced = rec["value"], true
			}
		}
		if !replaced {
			out = append(out, rec)
		}
	}
	return out, nil
}

// storeExtrasLocked saves the nested ItemECommerce and CustomFieldValues, giving new ones ids.
func (s *Server) storeExtrasLocked(entity string, id int, ecom record, custom []record) {
	if ecom != nil {
		if ecom["itemECommerceID"] == "0" || ecom["itemECommerceID"] == "" {
			s.st.nextECom++
			ecom["itemECommerceID"] = strconv.Itoa(s.st.nextECom)
		}
		s.st.ecommerce[entity+":"+strconv.Itoa(id)] = ecom
	}
	if custom != nil {
		for _, r := range custom {
			if r["customFieldValueID"] == "" {
				s.st.nextCustom++
				r["customFieldValueID"] = strconv.Itoa(s.st.nextCustom)
			}
		}
		s.st.customFields[id] = custom
	}
}
