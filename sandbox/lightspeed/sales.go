package lightspeed

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

func itoa(n int) string { return strconv.Itoa(n) }

// saleDraft is a sale with its lines and payments before it is committed, so a rejected
// request changes nothing.
type saleDraft struct {
	sale     record
	lines    []record       // saleLineID "" for new lines
	payments []record       // salePaymentID "" for new payments
	notes    map[int]record // index in lines → the line's new Note
	shipTo   *shipTo        // a new or changed ShipTo
}

func (s *Server) createSaleLocked(body map[string]any, now string) (int, error) {
	def := s.defs["Sale"]
	d := &saleDraft{sale: blank(def)}
	d.sale["isTaxInclusive"] = "true"
	if err := applyFields(def, d.sale, body, "SaleLines", "SalePayments", "ShipTo"); err != nil {
		return 0, err
	}
	d.sale["archived"], d.sale["voided"] = "false", "false"
	if err := s.readShipToLocked(d, body, now); err != nil {
		return 0, err
	}
	if err := s.fillSaleRefsLocked(d.sale); err != nil {
		return 0, err
	}
	if err := s.addSaleChildrenLocked(d, body); err != nil {
		return 0, err
	}
	if err := s.finishSaleLocked(d, now, body); err != nil {
		return 0, err
	}
	d.sale["createTime"] = now
	id := s.st.tables["Sale"].insert("saleID", d.sale)
	d.sale["ticketNumber"] = fmt.Sprintf("220000%06d", id)
	s.commitSaleLocked(id, d, now, d.sale["completed"] == "true")
	return id, nil
}

func (s *Server) updateSaleLocked(id int, body map[string]any, now string) error {
	rec := s.st.get("Sale", id)
	d := &saleDraft{sale: copyRecord(rec)}
	for _, l := range s.st.saleLines[id] {
		d.lines = append(d.lines, copyRecord(s.st.get("SaleLine", l)))
	}
	for _, p := range s.st.salePayments[id] {
		d.payments = append(d.payments, copyRecord(s.st.get("SalePayment", p)))
	}
	wasCompleted := rec["completed"] == "true"
	if err := applyFields(s.defs["Sale"], d.sale, body, "SaleLines", "SalePayments", "ShipTo"); err != nil {
		return err
	}
	if err := s.readShipToLocked(d, body, now); err != nil {
		return err
	}
	if wasCompleted {
		_, lines := body["SaleLines"]
		_, pays := body["SalePayments"]
		if lines || pays || d.sale["completed"] != "true" {
			return badRequest("Sale %d is completed; its lines, payments and status cannot change (refund it instead).", id)
		}
	}
	if d.sale["archived"] == "true" && rec["archived"] != "true" {
		return badRequest("Sales cannot be archived with PUT; use DELETE.")
	}
	if err := s.fillSaleRefsLocked(d.sale); err != nil {
		return err
	}
	if err := s.addSaleChildrenLocked(d, body); err != nil {
		return err
	}
	if !wasCompleted {
		if err := s.finishSaleLocked(d, now, body); err != nil {
			return err
		}
	}
	for k, v := range d.sale {
		rec[k] = v
	}
	d.sale = rec
	s.commitSaleLocked(id, d, now, !wasCompleted && rec["completed"] == "true")
	return nil
}

func (s *Server) archiveSaleLocked(id int, now string) error {
	rec := s.st.get("Sale", id)
	if rec["completed"] == "true" {
		return badRequest("Sale %d is completed; completed sales cannot be archived.", id)
	}
	rec["archived"], rec["timeStamp"], rec["updatetime"] = "true", now, now
	return nil
}

// fillSaleRefsLocked checks shop, register, employee and customer, defaulting register
// and employee to the shop's first ones.
func (s *Server) fillSaleRefsLocked(sale record) error {
	shopID := sale.int("shopID")
	if shopID == 0 {
		return badRequest("Sale.shopID is required.")
	}
	if s.st.get("Shop", shopID) == nil {
		return badRequest("Sale.shopID: Shop %d does not exist.", shopID)
	}
	if sale.int("registerID") == 0 {
		for _, rid := range s.st.tables["Register"].ids {
			if s.st.get("Register", rid).int("shopID") == shopID {
				sale["registerID"] = itoa(rid)
				break
			}
		}
	}
	if sale.int("employeeID") == 0 && len(s.st.tables["Employee"].ids) > 0 {
		sale["employeeID"] = itoa(s.st.tables["Employee"].ids[0])
	}
	for _, ref := range [][2]string{{"registerID", "Register"}, {"employeeID", "Employee"}, {"customerID", "Customer"}} {
		if err := s.checkRef("Sale", ref[0], sale, ref[1]); err != nil {
			return err
		}
	}
	return nil
}

// addSaleChildrenLocked reads SaleLines (new, or updates by saleLineID) and SalePayments
// (always new) from the payload.
func (s *Server) addSaleChildrenLocked(d *saleDraft, body map[string]any) error {
	lineDef, payDef := s.defs["SaleLine"], s.defs["SalePayment"]
	lines, err := elements("Sale", "SaleLines", "SaleLine", body["SaleLines"])
	if err != nil {
		return err
	}
	for i, e := range lines {
		var line record
		idx := len(d.lines) // the line's index in d.lines
		if raw, has := e["saleLineID"]; has {
			str, err := scalarString("SaleLine", field{name: "saleLineID", kind: kInt}, raw)
			if err != nil {
				return err
			}
			for j, l := range d.lines {
				if l["saleLineID"] == str {
					line, idx = l, j
				}
			}
			if line == nil {
				return badRequest("SaleLine %s is not a line of this sale.", str)
			}
		} else {
			line = blank(lineDef)
			line["tax"], line["unitQuantity"] = "true", "1"
			d.lines = append(d.lines, line)
		}
		itemCode, hasCode := e["itemCode"]
		delete(e, "itemCode")
		if err := applyFields(lineDef, line, e, "Note"); err != nil {
			return err
		}
		if note, given := e["Note"]; given {
			n, err := noteOf(i+1, note)
			if err != nil {
				return err
			}
			if d.notes == nil {
				d.notes = map[int]record{}
			}
			d.notes[idx] = n
		}
		if hasCode {
			code, _ := itemCode.(string)
			if id := s.itemByCodeLocked(code); id != 0 {
				line["itemID"] = itoa(id)
			} else {
				return badRequest("SaleLine %d: no item with itemCode %q.", i+1, code)
			}
		}
		if err := s.checkRefundLineLocked(i+1, line); err != nil {
			return err
		}
		// itemID 0 is a line without an item (a misc charge, a gift wrap, a service); its
		// text is its Note. It takes the shop's first tax class unless it names one.
		var item record
		if line.int("itemID") != 0 {
			if item = s.st.get("Item", line.int("itemID")); item == nil {
				return badRequest("SaleLine %d: itemID %s does not exist.", i+1, line["itemID"])
			}
		}
		if _, given := e["unitPrice"]; !given && line.int("saleLineID") == 0 && item != nil {
			line["unitPrice"] = s.defaultPriceLocked(line.int("itemID")).String()
		}
		if _, given := e["taxClassID"]; !given && line.int("saleLineID") == 0 {
			if item != nil {
				line["taxClassID"] = item["taxClassID"]
			} else if ids := s.st.tables["TaxClass"].ids; len(ids) > 0 {
				line["taxClassID"] = itoa(ids[0])
			}
		}
		if err := s.checkRef("SaleLine", "taxClassID", line, "TaxClass"); err != nil {
			return err
		}
	}
	pays, err := elements("Sale", "SalePayments", "SalePayment", body["SalePayments"])
	if err != nil {
		return err
	}
	for i, e := range pays {
		pay := blank(payDef)
		if err := applyFields(payDef, pay, e); err != nil {
			return err
		}
		if _, has := e["amount"]; !has {
			return badRequest("SalePayment %d: amount is required.", i+1)
		}
		pt := s.st.get("PaymentType", pay.int("paymentTypeID"))
		if pt == nil {
			return badRequest("SalePayment %d: paymentTypeID %s does not exist.", i+1, pay["paymentTypeID"])
		}
		if pt["requireCustomer"] == "true" && d.sale.int("customerID") == 0 {
			return badRequest("SalePayment %d: payment type %s requires a customer on the sale.", i+1, pt["name"])
		}
		d.payments = append(d.payments, pay)
	}
	return nil
}

// itemByCodeLocked resolves itemCode: itemID, upc or ean.
func (s *Server) itemByCodeLocked(code string) int {
	code = strings.TrimSpace(code)
	if code == "" {
		return 0
	}
	for _, id := range s.st.tables["Item"].ids {
		it := s.st.get("Item", id)
		if it["itemID"] == code || it["upc"] == code || it["ean"] == code {
			return id
		}
	}
	return 0
}

func (s *Server) defaultPriceLocked(itemID int) decimal.Decimal {
	for _, p := range s.st.itemPrices[itemID] {
		if p.levelID == 1 {
			return p.amount
		}
	}
	return decimal.Zero
}

// finishSaleLocked computes the totals and, for a completed sale, checks that payments
// equal the total (cash overpayment becomes change).
func (s *Server) finishSaleLocked(d *saleDraft, now string, body map[string]any) error {
	sale := d.sale
	inclusive := sale["isTaxInclusive"] != "false"
	subtotal, tax, total := decimal.Zero, decimal.Zero, decimal.Zero
	taxable, nonTaxable := decimal.Zero, decimal.Zero
	// A discount on the whole sale (the deprecated Sale.discountPercent, a fraction) is
	// spread over the lines as their calcTransactionDiscount.
	saleDiscount, discounts := sale.dec("discountPercent"), decimal.Zero
	for _, l := range d.lines {
		rate := s.st.taxRates[l.int("taxClassID")]
		if l["tax"] != "true" {
			rate = decimal.Zero
		}
		gross := l.dec("unitQuantity").Mul(l.dec("unitPrice"))
		discount := l.dec("discountAmount").Add(gross.Mul(l.dec("discountPercent")))
		transaction := gross.Sub(discount).Mul(saleDiscount)
		net := gross.Sub(discount).Sub(transaction)
		l["calcTransactionDiscount"] = transaction.Round(8).String()
		discounts = discounts.Add(discount).Add(transaction)
		var lineTax, lineTotal, lineSub decimal.Decimal
		if inclusive {
			lineSub = net.Div(decimal.NewFromInt(1).Add(rate))
			lineTax = net.Sub(lineSub)
			lineTotal = net
		} else {
			lineSub = net
			lineTax = net.Mul(rate)
			lineTotal = net.Add(lineTax)
		}
		l["normalUnitPrice"] = l["unitPrice"]
		l["displayableUnitPrice"] = l["unitPrice"]
		l["displayableSubtotal"] = gross.Round(2).String()
		l["calcLineDiscount"] = discount.Round(8).String()
		l["calcSubtotal"] = lineSub.Round(8).String()
		l["calcTax1"] = lineTax.Round(8).String()
		l["calcTotal"] = lineTotal.Round(8).String()
		l["tax1Rate"] = rate.String()
		l["shopID"], l["customerID"] = sale["shopID"], sale["customerID"]
		if l.int("employeeID") == 0 {
			l["employeeID"] = sale["employeeID"]
		}
		subtotal, tax, total = subtotal.Add(lineSub), tax.Add(lineTax), total.Add(lineTotal)
		if rate.IsZero() {
			nonTaxable = nonTaxable.Add(lineSub)
		} else {
			taxable = taxable.Add(lineSub)
		}
	}
	paid, cash := decimal.Zero, false
	for _, p := range d.payments {
		paid = paid.Add(p.dec("amount"))
		if pt := s.st.get("PaymentType", p.int("paymentTypeID")); pt != nil && pt["type"] == "cash" {
			cash = true
		}
		if p.int("registerID") == 0 {
			p["registerID"] = sale["registerID"]
		}
		if p.int("employeeID") == 0 {
			p["employeeID"] = sale["employeeID"]
		}
	}
	rounded := total.Round(2)
	sale["calcSubtotal"] = subtotal.Round(8).String()
	sale["displayableSubtotal"] = subtotal.Round(2).String()
	sale["calcTax1"] = tax.Round(8).String()
	sale["taxTotal"] = tax.Round(2).String()
	sale["calcTotal"] = total.Round(8).String()
	sale["calcTaxable"], sale["calcNonTaxable"] = taxable.Round(8).String(), nonTaxable.Round(8).String()
	sale["calcDiscount"] = discounts.Round(8).String()
	sale["total"], sale["displayableTotal"], sale["totalDue"] = rounded.String(), rounded.String(), rounded.String()
	sale["calcPayments"] = paid.String()
	sale["balance"] = rounded.Sub(paid).String()
	sale["change"] = "0"
	if sale["completed"] == "true" {
		// A completed sale may have no lines: a deposit or a payment on account, whose
		// payments (cash in, credit account out) balance to 0.
		switch {
		case paid.Equal(rounded):
		case paid.GreaterThan(rounded) && cash:
			sale["change"] = paid.Sub(rounded).String()
			sale["balance"] = "0"
		default:
			return badRequest("Sale not completed: payments of %s do not equal the sale total of %s.", paid.StringFixed(2), rounded.StringFixed(2))
		}
		if _, given := body["completeTime"]; given && sale["completeTime"] != "" {
			if sale["completeTime"] > now {
				return badRequest("Sale.completeTime cannot be in the future.")
			}
		} else {
			sale["completeTime"] = now
		}
	} else if _, given := body["completeTime"]; given {
		sale["completeTime"] = ""
	}
	return nil
}

// commitSaleLocked stores lines and payments and, when the sale is now completed, lowers
// stock in the sale's shop.
func (s *Server) commitSaleLocked(id int, d *saleDraft, now string, lowerStock bool) {
	saleID := itoa(id)
	d.sale["timeStamp"], d.sale["updatetime"] = now, now
	var lineIDs, payIDs []int
	if d.shipTo != nil {
		if d.shipTo.rec.int("shipToID") == 0 {
			d.shipTo.rec["shipToID"] = itoa(len(s.st.shipTos) + 1)
		}
		d.shipTo.rec["saleID"] = saleID
		s.st.shipTos[d.shipTo.rec.int("shipToID")] = d.shipTo
		d.sale["shipToID"] = d.shipTo.rec["shipToID"]
	}
	for i, l := range d.lines {
		l["saleID"] = saleID
		lid := l.int("saleLineID")
		if note := d.notes[i]; note != nil {
			if old := s.st.lineNotes[lid]; old != nil {
				note["noteID"] = old["noteID"]
			} else {
				s.st.nextNote++
				note["noteID"] = itoa(s.st.nextNote)
			}
			note["timeStamp"] = now
			l["noteID"] = note["noteID"]
		}
		if lid == 0 {
			l["createTime"], l["timeStamp"] = now, now
			lid = s.st.tables["SaleLine"].insert("saleLineID", l)
			lineIDs = append(lineIDs, lid)
			if note := d.notes[i]; note != nil {
				s.st.lineNotes[lid] = note
			}
			continue
		}
		if note := d.notes[i]; note != nil {
			s.st.lineNotes[lid] = note
		}
		stored := s.st.get("SaleLine", lid)
		for k, v := range l {
			if stored[k] != v {
				stored[k] = v
				stored["timeStamp"] = now
			}
		}
		lineIDs = append(lineIDs, lid)
	}
	for _, p := range d.payments {
		p["saleID"] = saleID
		if p.int("salePaymentID") == 0 {
			p["createTime"] = now
			payIDs = append(payIDs, s.st.tables["SalePayment"].insert("salePaymentID", p))
			continue
		}
		payIDs = append(payIDs, p.int("salePaymentID"))
	}
	s.st.saleLines[id], s.st.salePayments[id] = lineIDs, payIDs
	if lowerStock {
		shopID := d.sale.int("shopID")
		for _, lid := range lineIDs {
			l := s.st.get("SaleLine", lid)
			item := s.st.get("Item", l.int("itemID"))
			if item == nil || item["itemType"] == "non_inventory" {
				continue
			}
			s.adjustQOHLocked(l.int("itemID"), shopID, l.dec("unitQuantity").Neg(), now)
		}
	}
}

// noteOf reads a line's Note: {"note": "…", "isPublic": true|false}.
func noteOf(line int, v any) (record, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest("SaleLine %d: Note must be an object with note and isPublic.", line)
	}
	n := record{"note": "", "isPublic": "false"}
	for k, x := range m {
		kind := kString
		switch k {
		case "note":
		case "isPublic":
			kind = kBool
		case "noteID", "timeStamp":
			continue
		default:
			return nil, badRequest("Unknown field '%s' for Note.", k)
		}
		str, err := scalarString("Note", field{name: k, kind: kind}, x)
		if err != nil {
			return nil, err
		}
		if str == "" && kind == kBool {
			str = "false"
		}
		n[k] = str
	}
	return n, nil
}

// checkRefundLineLocked checks a line that refunds another (parentSaleLineID): the parent
// is a line of a completed sale, the refund takes its item (and price, unless given), and
// its quantity is negative and at most what the parent sold.
func (s *Server) checkRefundLineLocked(n int, line record) error {
	pid := line.int("parentSaleLineID")
	if pid == 0 {
		return nil
	}
	parent := s.st.get("SaleLine", pid)
	if parent == nil {
		return badRequest("SaleLine %d: parentSaleLineID %d does not exist.", n, pid)
	}
	if sale := s.st.get("Sale", parent.int("saleID")); sale == nil || sale["completed"] != "true" {
		return badRequest("SaleLine %d: parentSaleLineID %d is not a line of a completed sale.", n, pid)
	}
	if line.int("itemID") == 0 {
		line["itemID"] = parent["itemID"]
	} else if line["itemID"] != parent["itemID"] {
		return badRequest("SaleLine %d: a refund line returns the item of its parent line (itemID %s).", n, parent["itemID"])
	}
	qty := line.dec("unitQuantity")
	if !qty.IsNegative() || qty.Neg().GreaterThan(parent.dec("unitQuantity")) {
		return badRequest("SaleLine %d: a refund line's unitQuantity is negative and at most the %s its parent sold.", n, parent["unitQuantity"])
	}
	return nil
}

// readShipToLocked reads the sale's ShipTo: its names and shipping note, and a Contact with
// the address, like a customer's. A given ShipTo replaces the fields it names.
func (s *Server) readShipToLocked(d *saleDraft, body map[string]any, now string) error {
	v, given := body["ShipTo"]
	if !given || v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		if str, isStr := v.(string); isStr && str == "" {
			return nil
		}
		return badRequest("Sale.ShipTo must be an object.")
	}
	st := &shipTo{rec: record{"shipToID": "0", "saleID": "0", "firstName": "", "lastName": "", "company": "",
		"title": "", "shipNote": "", "shipped": "false", "timeStamp": now}, contact: &contact{noEmail: "true", noPhone: "true", noMail: "true"}}
	if old := s.st.shipTos[d.sale.int("shipToID")]; old != nil {
		c := *old.contact
		st.rec, st.contact = copyRecord(old.rec), &c
	}
	for k, x := range m {
		switch k {
		case "Contact":
			if err := applyContact(st.contact, x); err != nil {
				return err
			}
		case "firstName", "lastName", "company", "title", "shipNote", "shipped":
			kind := kString
			if k == "shipped" {
				kind = kBool
			}
			str, err := scalarString("ShipTo", field{name: k, kind: kind}, x)
			if err != nil {
				return err
			}
			st.rec[k] = str
		case "shipToID", "saleID", "timeStamp":
		default:
			return badRequest("Unknown field '%s' for ShipTo.", k)
		}
	}
	if st.contact.id == 0 {
		s.st.nextContact++
		st.contact.id = s.st.nextContact
	}
	st.contact.timeStamp, st.rec["timeStamp"] = now, now
	d.shipTo = st
	return nil
}

// refundSaleLocked answers POST Sale/{id}/refund: a new completed sale that returns every
// line of the completed sale id (negative quantities, parentSaleLineID) and pays back each
// of its payments to the same payment type. The body may name the shopID, registerID and
// employeeID of the refund and give its own SalePayments; the rest is the original's.
func (s *Server) refundSaleLocked(id int, body map[string]any, now string) (int, error) {
	orig := s.st.get("Sale", id)
	if orig["completed"] != "true" {
		return 0, badRequest("Sale %d is not completed; only completed sales can be refunded.", id)
	}
	refund := map[string]any{"shopID": orig["shopID"], "registerID": orig["registerID"], "employeeID": orig["employeeID"],
		"customerID": orig["customerID"], "isTaxInclusive": orig["isTaxInclusive"], "completed": true}
	var lines []any
	for _, lid := range s.st.saleLines[id] {
		l := s.st.get("SaleLine", lid)
		if l.dec("unitQuantity").Sign() <= 0 {
			continue
		}
		lines = append(lines, map[string]any{"itemID": l["itemID"], "parentSaleLineID": l["saleLineID"],
			"unitQuantity": l.dec("unitQuantity").Neg().String(), "unitPrice": l["unitPrice"], "tax": l["tax"],
			"taxClassID": l["taxClassID"], "discountAmount": l.dec("discountAmount").Neg().String(),
			"discountPercent": l["discountPercent"]})
	}
	if len(lines) == 0 {
		return 0, badRequest("Sale %d has no lines to refund.", id)
	}
	refund["SaleLines"] = map[string]any{"SaleLine": lines}
	var pays []any
	for _, pid := range s.st.salePayments[id] {
		p := s.st.get("SalePayment", pid)
		pays = append(pays, map[string]any{"paymentTypeID": p["paymentTypeID"], "amount": p.dec("amount").Neg().String()})
	}
	refund["SalePayments"] = map[string]any{"SalePayment": pays}
	for _, k := range []string{"shopID", "registerID", "employeeID", "SalePayments"} {
		if v, given := body[k]; given {
			refund[k] = v
		}
	}
	return s.createSaleLocked(refund, now)
}
