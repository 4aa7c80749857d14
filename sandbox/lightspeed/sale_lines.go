package lightspeed

// A SaleLine of an open sale can be changed or deleted on its own (PUT/DELETE
// /SaleLine/{id}); the sale's totals follow. Lines of a completed sale are fixed: a
// completed sale changes only by a refund.

// openSaleOfLineLocked returns the open sale a line belongs to.
func (s *Server) openSaleOfLineLocked(lineID int) (int, error) {
	saleID := s.st.get("SaleLine", lineID).int("saleID")
	sale := s.st.get("Sale", saleID)
	switch {
	case sale == nil:
		return 0, badRequest("SaleLine %d belongs to no sale.", lineID)
	case sale["completed"] == "true":
		return 0, badRequest("SaleLine %d belongs to completed Sale %d; its lines cannot change (refund it instead).", lineID, saleID)
	case sale["voided"] == "true":
		return 0, badRequest("SaleLine %d belongs to voided Sale %d.", lineID, saleID)
	}
	return saleID, nil
}

func (s *Server) updateSaleLineLocked(id int, body map[string]any, now string) error {
	saleID, err := s.openSaleOfLineLocked(id)
	if err != nil {
		return err
	}
	line := make(map[string]any, len(body)+1)
	for k, v := range body {
		line[k] = v
	}
	line["saleLineID"] = itoa(id)
	return s.updateSaleLocked(saleID, map[string]any{"SaleLines": map[string]any{"SaleLine": line}}, now)
}

func (s *Server) deleteSaleLineLocked(id int, now string) error {
	saleID, err := s.openSaleOfLineLocked(id)
	if err != nil {
		return err
	}
	rec := s.st.get("Sale", saleID)
	d := &saleDraft{sale: copyRecord(rec)}
	for _, l := range s.st.saleLines[saleID] {
		if l != id {
			d.lines = append(d.lines, copyRecord(s.st.get("SaleLine", l)))
		}
	}
	for _, p := range s.st.salePayments[saleID] {
		d.payments = append(d.payments, copyRecord(s.st.get("SalePayment", p)))
	}
	if err := s.finishSaleLocked(d, now, nil); err != nil {
		return err
	}
	for k, v := range d.sale {
		rec[k] = v
	}
	d.sale = rec
	s.commitSaleLocked(saleID, d, now, false)
	s.st.tables["SaleLine"].remove(id)
	return nil
}

// pickUpLocked is a customer collecting an order at the till: the oldest open sale made
// from a Fortnox order is paid by card and completed.
func (s *Server) pickUpLocked(now string) {
	for _, id := range s.st.tables["Sale"].ids {
		sale := s.st.get("Sale", id)
		if sale["completed"] == "true" || sale["voided"] == "true" || sale["archived"] == "true" || sale["referenceNumberSource"] != "Fortnox" {
			continue
		}
		card := 0
		for _, pid := range s.st.tables["PaymentType"].ids {
			if s.st.get("PaymentType", pid)["type"] == "credit card" {
				card = pid
				break
			}
		}
		if card == 0 {
			return
		}
		// The payment equals the total the sandbox computed, so the request cannot fail.
		_ = s.updateSaleLocked(id, map[string]any{"completed": true, "SalePayments": map[string]any{
			"SalePayment": map[string]any{"paymentTypeID": itoa(card), "amount": sale["total"]}}}, now)
		return
	}
}
