package lightspeed

import (
	"sort"
	"strconv"
)

// relSet is the set of loaded relations, by their dotted names.
type relSet map[string]bool

// renderLocked turns a record into its API wire object with the requested relations,
// carrying the test API's corruptions of it and of the records nested in it.
func (s *Server) renderLocked(entity string, rec record, rels relSet) map[string]any {
	return s.render(entity, rec, rels, true)
}

// renderStoredLocked is renderLocked without corruptions: the record as it is held, for
// GET /_sandbox/state.
func (s *Server) renderStoredLocked(entity string, rec record, rels relSet) map[string]any {
	return s.render(entity, rec, rels, false)
}

func (s *Server) render(entity string, rec record, rels relSet, wire bool) map[string]any {
	out := scalars(rec)
	st := s.st
	id := rec.int(s.defs[entity].idField)
	related := func(target string, fk string) any {
		if r := st.get(target, rec.int(fk)); r != nil {
			return s.corrupt(target, r, scalars(r), wire)
		}
		return ""
	}
	nested := func(target string, r record, rels relSet) map[string]any {
		return s.render(target, r, rels, wire)
	}
	switch entity {
	case "Item":
		out["Prices"] = s.renderPricesLocked(st.itemPrices[id])
		if rels["ItemShops"] {
			var elems []any
			for _, isID := range s.itemShopIDsLocked(id) {
				is := st.get("ItemShop", isID)
				elems = append(elems, s.corrupt("ItemShop", is, scalars(is), wire))
			}
			out["ItemShops"] = oneOrMany("ItemShop", elems)
		}
		if rels["ItemAttributes"] || rels["ItemAttributes.ItemAttributeSet"] {
			out["ItemAttributes"] = s.renderAttributesLocked(id, rels["ItemAttributes.ItemAttributeSet"])
		}
		if rels["Category"] {
			out["Category"] = related("Category", "categoryID")
		}
		if rels["TaxClass"] {
			out["TaxClass"] = related("TaxClass", "taxClassID")
		}
		if rels["ItemECommerce"] {
			out["ItemECommerce"] = s.renderECommerceLocked("Item", id)
		}
		if rels["CustomFieldValues"] || rels["CustomFieldValues.value"] {
			elems := make([]any, 0, len(st.customFields[id]))
			for _, cf := range st.customFields[id] {
				elems = append(elems, scalars(cf))
			}
			out["CustomFieldValues"] = oneOrMany("CustomFieldValue", elems)
		}
	case "ItemMatrix":
		out["Prices"] = s.renderPricesLocked(st.matrixPrices[id])
		vals := st.matrixValues[id]
		for i := range 3 {
			var v []string
			if vals != nil {
				v = vals[i]
			}
			key := "attribute" + strconv.Itoa(i+1) + "Values"
			switch len(v) {
			case 0:
				out[key] = ""
			case 1:
				out[key] = v[0]
			default:
				out[key] = v
			}
		}
		if rels["Items"] {
			var elems []any
			for _, itemID := range s.matrixItemsLocked(id) {
				elems = append(elems, nested("Item", st.get("Item", itemID), relSet{"ItemAttributes": true}))
			}
			out["Items"] = oneOrMany("Item", elems)
		}
		if rels["ItemAttributeSet"] {
			out["ItemAttributeSet"] = related("ItemAttributeSet", "itemAttributeSetID")
		}
		if rels["ItemECommerce"] {
			out["ItemECommerce"] = s.renderECommerceLocked("ItemMatrix", id)
		}
		if rels["Category"] {
			out["Category"] = related("Category", "categoryID")
		}
		if rels["TaxClass"] {
			out["TaxClass"] = related("TaxClass", "taxClassID")
		}
	case "Customer":
		if rels["Contact"] {
			out["Contact"] = s.renderContactLocked(id)
		}
		if rels["CustomerType"] {
			out["CustomerType"] = related("CustomerType", "customerTypeID")
		}
	case "Sale":
		if rels["SaleLines"] || rels["SaleLines.Item"] || rels["SaleLines.Note"] {
			var elems []any
			for _, lineID := range st.saleLines[id] {
				sub := relSet{"Item": rels["SaleLines.Item"], "Note": rels["SaleLines.Note"]}
				elems = append(elems, nested("SaleLine", st.get("SaleLine", lineID), sub))
			}
			out["SaleLines"] = oneOrMany("SaleLine", elems)
		}
		if rels["SalePayments"] || rels["SalePayments.PaymentType"] {
			var elems []any
			for _, payID := range st.salePayments[id] {
				sub := relSet{}
				if rels["SalePayments.PaymentType"] {
					sub["PaymentType"] = true
				}
				elems = append(elems, nested("SalePayment", st.get("SalePayment", payID), sub))
			}
			out["SalePayments"] = oneOrMany("SalePayment", elems)
		}
		if rels["Customer"] || rels["Customer.Contact"] {
			if c := st.get("Customer", rec.int("customerID")); c != nil {
				out["Customer"] = nested("Customer", c, relSet{"Contact": rels["Customer.Contact"]})
			} else {
				out["Customer"] = ""
			}
		}
		if rels["Shop"] {
			out["Shop"] = related("Shop", "shopID")
		}
		if rels["ShipTo"] || rels["ShipTo.Contact"] {
			out["ShipTo"] = ""
			if sh := st.shipTos[rec.int("shipToID")]; sh != nil {
				to := scalars(sh.rec)
				if rels["ShipTo.Contact"] {
					to["Contact"] = renderContact(sh.contact)
				}
				out["ShipTo"] = to
			}
		}
	case "SaleLine":
		if rels["Note"] {
			out["Note"] = ""
			if n := st.lineNotes[id]; n != nil {
				out["Note"] = scalars(n)
			}
		}
		if rels["Item"] {
			if it := st.get("Item", rec.int("itemID")); it != nil {
				out["Item"] = nested("Item", it, nil)
			} else {
				out["Item"] = ""
			}
		}
	case "SalePayment":
		if rels["PaymentType"] {
			out["PaymentType"] = related("PaymentType", "paymentTypeID")
		}
	case "Category":
		if rels["Parent"] {
			out["Parent"] = related("Category", "parentID")
		}
	case "Shop":
		if rels["Registers"] {
			var elems []any
			for _, rid := range st.tables["Register"].ids {
				if r := st.get("Register", rid); r.int("shopID") == id {
					elems = append(elems, s.corrupt("Register", r, scalars(r), wire))
				}
			}
			out["Registers"] = oneOrMany("Register", elems)
		}
		if rels["PriceLevel"] {
			out["PriceLevel"] = related("PriceLevel", "priceLevelID")
		}
	case "ItemShop":
		if rels["Item"] {
			if it := st.get("Item", rec.int("itemID")); it != nil {
				out["Item"] = nested("Item", it, nil)
			} else {
				out["Item"] = ""
			}
		}
		if rels["Shop"] {
			out["Shop"] = related("Shop", "shopID")
		}
	case "Register":
		if rels["Shop"] {
			out["Shop"] = related("Shop", "shopID")
		}
	}
	// Documented relations the simulator does not model are empty, which the API writes "".
	def := s.defs[entity]
	for name := range rels {
		if rel, ok := def.relations[name]; ok && !rel.modelled && rels[name] {
			if _, has := out[name]; !has && !containsDot(name) {
				out[name] = ""
			}
		}
	}
	return s.corrupt(entity, rec, out, wire)
}

// corrupt applies the test API's corruptions of rec to its rendering when it goes on the wire.
func (s *Server) corrupt(entity string, rec record, out map[string]any, wire bool) map[string]any {
	if !wire {
		return out
	}
	return s.harness.Corrupt(entity, rec[s.defs[entity].idField], out)
}

func containsDot(s string) bool {
	for i := range len(s) {
		if s[i] == '.' {
			return true
		}
	}
	return false
}

func (s *Server) renderPricesLocked(prices []price) any {
	elems := make([]any, 0, len(prices))
	for _, p := range prices {
		name := ""
		if pl := s.st.get("PriceLevel", p.levelID); pl != nil {
			name = pl["name"]
		}
		elems = append(elems, map[string]any{"amount": p.amount.String(), "useTypeID": strconv.Itoa(p.levelID), "useType": name})
	}
	return oneOrMany("ItemPrice", elems)
}

func (s *Server) renderAttributesLocked(itemID int, withSet bool) any {
	a := s.st.attrs[itemID]
	if a == nil {
		return ""
	}
	out := map[string]any{"attribute1": a.values[0], "attribute2": a.values[1], "attribute3": a.values[2],
		"itemAttributeSetID": strconv.Itoa(a.setID)}
	if withSet {
		if set := s.st.get("ItemAttributeSet", a.setID); set != nil {
			out["ItemAttributeSet"] = scalars(set)
		} else {
			out["ItemAttributeSet"] = ""
		}
	}
	return out
}

func (s *Server) renderContactLocked(customerID int) any {
	return renderContact(s.st.contacts[customerID])
}

func renderContact(c *contact) any {
	if c == nil {
		return ""
	}
	list := func(wrapper string, recs []record) any {
		elems := make([]any, 0, len(recs))
		for _, r := range recs {
			elems = append(elems, scalars(r))
		}
		return oneOrMany(wrapper, elems)
	}
	return map[string]any{
		"contactID": strconv.Itoa(c.id), "custom": c.custom, "noEmail": c.noEmail, "noPhone": c.noPhone,
		"noMail": c.noMail, "timeStamp": c.timeStamp,
		"Addresses": list("ContactAddress", c.addresses), "Phones": list("ContactPhone", c.phones),
		"Emails": list("ContactEmail", c.emails), "Websites": list("ContactWebsite", c.websites),
	}
}

// itemShopIDsLocked lists an item's ItemShops in id order.
func (s *Server) itemShopIDsLocked(itemID int) []int {
	m := s.st.itemShops[itemID]
	ids := make([]int, 0, len(m))
	for _, isID := range m {
		ids = append(ids, isID)
	}
	sort.Ints(ids)
	return ids
}

func (s *Server) matrixItemsLocked(matrixID int) []int {
	var ids []int
	for _, id := range s.st.tables["Item"].ids {
		if s.st.get("Item", id).int("itemMatrixID") == matrixID {
			ids = append(ids, id)
		}
	}
	return ids
}

func (s *Server) renderECommerceLocked(entity string, id int) any {
	if r := s.st.ecommerce[entity+":"+strconv.Itoa(id)]; r != nil {
		return scalars(r)
	}
	return ""
}
