package lightspeed

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"fortspeed/clients"
)

// saleRelations loads everything the orders flow reads from a sale.
func saleRelations() string {
	return relations("SaleLines", "SaleLines.Item", "SaleLines.Note", "SalePayments", "SalePayments.PaymentType",
		"Customer", "Customer.Contact", "ShipTo", "ShipTo.Contact")
}

// CompletedSalesChangedSince returns every completed sale whose timeStamp is after since,
// oldest first, with lines, payments and the customer's contact.
func (c *Client) CompletedSalesChangedSince(ctx context.Context, since time.Time) ([]Sale, error) {
	q := url.Values{}
	q.Set("completed", "true")
	q.Set("timeStamp", after(since))
	q.Set("sort", "timeStamp")
	q.Set("load_relations", saleRelations())
	return listAll[Sale](ctx, c, "list completed sales", "Sale", "Sale", q)
}

// listingMargin is taken off a page's ListedAt. The Date header is whole seconds, the
// proxy that stamps it may run a little apart from the database clock, and a write that
// began before the read may commit after it; a few seconds cover those, at the cost of
// listing the last few seconds' changes again in the next run.
const listingMargin = 5 * time.Second

// SalesPageQuery asks for one page of the completed sales changed at or after Since.
type SalesPageQuery struct {
	// Since bounds the first page: sales whose timeStamp is at or after it, floored to the
	// second. A zero Since means every completed sale.
	Since time.Time
	// Until, when not zero, bounds the first page above: sales whose timeStamp is at or
	// before it (to the second), so a sale changed later is not listed. The next links
	// carry the bound on.
	Until time.Time
	// Next is the previous page's SalePage.Next, followed verbatim; "" asks for the first page.
	Next string
	// Limit is the first page's size, at most 100 (the default); larger values are capped.
	// The next links carry it on.
	Limit int
}

// SalePage is one page of completed sales, with lines, items, payments, payment types and
// the customer's contact loaded (as Sale).
type SalePage struct {
	Sales []Sale
	// Undecodable are the page's sales that did not decode; the others did.
	Undecodable []clients.Undecodable
	// Next reads the following page; "" on the last.
	Next string
	// ListedAt is when Lightspeed read this page, in its own clock, less listingMargin. The
	// first page's is the next run's Since (see CompletedSalesPage).
	ListedAt time.Time
}

// CompletedSalesPage reads one page of the completed sales changed at or after q.Since with
// one request: the first when q.Next is "", else the page q.Next links to. A run pages with
// Next until it is "", then lists from the first page's ListedAt next time.
//
// The pages are sorted by saleID, the primary key, so the position in a next link is
// unambiguous whatever Lightspeed puts in its cursor. The window (completed, timeStamp ≥
// Since) is fixed for the run and sales only enter it: a sale changed while the run pages
// keeps its place by id. If its id is ahead of the position it is read on a later page; if
// it is behind, this run does not read it again — so the next run must list from when this
// one began reading (ListedAt), not from the newest timeStamp it saw, or such a sale is
// lost. A sale can be read twice, never skipped; callers are idempotent.
//
// A sale that does not decode (a "N/A" unit price) is in Undecodable, named by its id and
// the bad field, and the rest of the page decodes. A Next that does not lead to this
// client's own Sale endpoint is a Validation error: the token would go with it.
func (c *Client) CompletedSalesPage(ctx context.Context, q SalesPageQuery) (SalePage, error) {
	const op = "list a page of completed sales"
	req := call{op: op, method: http.MethodGet, list: true}
	if q.Next != "" {
		if err := c.checkNext(ctx, op, q.Next, "Sale"); err != nil {
			return SalePage{}, err
		}
		req.rawURL = q.Next
	} else {
		limit := q.Limit
		if limit <= 0 || limit > pageLimit {
			limit = pageLimit
		}
		since := q.Since.UTC()
		if epoch := time.Unix(0, 0).UTC(); since.Before(epoch) {
			since = epoch // a zero Since means everything; keep the filter a real date
		}
		v := url.Values{}
		v.Set("completed", "true")
		v.Set("timeStamp", timeStampWindow(since, q.Until))
		v.Set("sort", "saleID")
		v.Set("limit", strconv.Itoa(limit))
		v.Set("load_relations", saleRelations())
		req.path, req.query = "Sale", v
	}
	resp, err := c.exchange(ctx, req)
	if err != nil {
		return SalePage{}, err
	}
	raws, next, err := decodeList[json.RawMessage](resp.Body(), "Sale")
	if err != nil {
		return SalePage{}, c.decodeError(op, err)
	}
	if next != "" && next == q.Next {
		return SalePage{}, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: op,
			Message: "the API answered a next-page link with the same link"}
	}
	page := SalePage{Next: next,
		ListedAt: clients.ListedAt(resp.Header().Get("Date"), resp.Request.Time, resp.Time(), listingMargin)}
	for _, raw := range raws {
		var s Sale
		if err := json.Unmarshal(raw, &s); err != nil {
			page.Undecodable = append(page.Undecodable,
				clients.Undecodable{ID: clients.RecordID(raw, "saleID"), Reason: clients.DecodeReason(err)})
			continue
		}
		page.Sales = append(page.Sales, s)
	}
	return page, nil
}

// SalesByReference returns the sales whose referenceNumber is ref, the idempotency key of
// orders from other systems; callers check ReferenceNumberSource.
func (c *Client) SalesByReference(ctx context.Context, ref string) ([]Sale, error) {
	const op = "find sales by reference"
	if blank(ref) {
		return nil, invalid(op, "reference number is empty")
	}
	q := url.Values{}
	q.Set("referenceNumber", ref)
	q.Set("load_relations", relations("SaleLines", "SalePayments"))
	return listAll[Sale](ctx, c, op, "Sale", "Sale", q)
}

// SalesByReferences returns the sales whose referenceNumber is one of refs, in batches of
// at most 100 (referenceNumber=IN,[…]), with their lines: one call answers "which of
// these exist, and what do they hold" for a page of records. Blanks and duplicates in refs are dropped; callers
// check ReferenceNumberSource. A reference holding a comma is looked up on its own,
// because the IN list is split at commas even inside quotes.
func (c *Client) SalesByReferences(ctx context.Context, refs []string) ([]Sale, error) {
	const op = "find sales by references"
	seen := map[string]bool{}
	var listed, alone []string
	for _, r := range refs {
		if blank(r) || seen[r] {
			continue
		}
		seen[r] = true
		if strings.Contains(r, ",") {
			alone = append(alone, r)
		} else {
			listed = append(listed, r)
		}
	}
	if len(listed)+len(alone) == 0 {
		return nil, invalid(op, "no reference numbers given")
	}
	lines := url.Values{"load_relations": {relations("SaleLines")}}
	var out []Sale
	for _, r := range alone {
		q := url.Values{"load_relations": lines["load_relations"]}
		q.Set("referenceNumber", r)
		sales, err := listAll[Sale](ctx, c, op, "Sale", "Sale", q)
		if err != nil {
			return nil, err
		}
		out = append(out, sales...)
	}
	listedSales, err := listIn[Sale](ctx, c, op, "Sale", "referenceNumber", listed, lines)
	if err != nil {
		return nil, err
	}
	return append(out, listedSales...), nil
}

// Sale returns one sale with lines, payments and customer contact.
func (c *Client) Sale(ctx context.Context, id int64) (Sale, error) {
	const op = "get sale"
	path, err := idPath(op, "Sale", id)
	if err != nil {
		return Sale{}, err
	}
	q := url.Values{}
	q.Set("load_relations", saleRelations())
	return getOne[Sale](ctx, c, op, path, "Sale", q)
}

// SaleLine returns one sale line, without relations: a refund line's parentSaleLineID
// leads to the line it returns, and that line's saleID to the original sale.
func (c *Client) SaleLine(ctx context.Context, id int64) (SaleLine, error) {
	const op = "get sale line"
	path, err := idPath(op, "SaleLine", id)
	if err != nil {
		return SaleLine{}, err
	}
	return getOne[SaleLine](ctx, c, op, path, "SaleLine", nil)
}

// SaleInput is a new sale. Without payments and Completed it stays open, as the orders flow
// wants: the customer pays and collects in the store.
type SaleInput struct {
	ShopID                int64
	RegisterID            int64
	EmployeeID            int64
	CustomerID            int64 // 0: anonymous
	ReferenceNumber       string
	ReferenceNumberSource string
	// Completed closes the sale; the payments must then equal its total.
	Completed bool
	Lines     []SaleLineInput
	Payments  []SalePaymentInput
}

// SaleLineInput is one line: ItemID, or ItemCode (item id, UPC or EAN).
type SaleLineInput struct {
	ItemID       int64
	ItemCode     string
	UnitQuantity decimal.Decimal
	// UnitPrice overrides the item's price when set.
	UnitPrice      *decimal.Decimal
	DiscountAmount *decimal.Decimal
	Tax            *bool
	TaxClassID     int64
}

// SalePaymentInput is one payment.
type SalePaymentInput struct {
	PaymentTypeID int64
	Amount        decimal.Decimal
}

func (in SaleInput) wire(op string) (map[string]any, error) {
	switch {
	case in.ShopID <= 0:
		return nil, invalid(op, "shop id is required")
	case in.RegisterID <= 0:
		return nil, invalid(op, "register id is required")
	case in.EmployeeID <= 0:
		return nil, invalid(op, "employee id is required")
	case in.CustomerID < 0:
		return nil, invalid(op, "customer id %d is not valid", in.CustomerID)
	case len(in.Lines) == 0:
		return nil, invalid(op, "a sale needs at least one line")
	case in.ReferenceNumberSource != "" && blank(in.ReferenceNumber):
		return nil, invalid(op, "reference number source %q given without a reference number", in.ReferenceNumberSource)
	}
	lines, err := linesWire(op, in.Lines)
	if err != nil {
		return nil, err
	}
	body := map[string]any{
		"shopID": in.ShopID, "registerID": in.RegisterID, "employeeID": in.EmployeeID,
		"completed": in.Completed,
		"SaleLines": map[string]any{"SaleLine": lines},
	}
	if in.CustomerID > 0 {
		body["customerID"] = in.CustomerID
	}
	if in.ReferenceNumber != "" {
		body["referenceNumber"] = in.ReferenceNumber
	}
	if in.ReferenceNumberSource != "" {
		body["referenceNumberSource"] = in.ReferenceNumberSource
	}
	if len(in.Payments) > 0 {
		pays := make([]map[string]any, 0, len(in.Payments))
		for i, p := range in.Payments {
			if p.PaymentTypeID <= 0 {
				return nil, invalid(op, "payment %d has no payment type", i+1)
			}
			pays = append(pays, map[string]any{"paymentTypeID": p.PaymentTypeID, "amount": Dec(p.Amount)})
		}
		body["SalePayments"] = map[string]any{"SalePayment": pays}
	}
	return body, nil
}

// linesWire writes new sale lines as the API takes them.
func linesWire(op string, in []SaleLineInput) ([]map[string]any, error) {
	lines := make([]map[string]any, 0, len(in))
	for i, l := range in {
		m := map[string]any{"unitQuantity": Dec(l.UnitQuantity)}
		switch {
		case l.ItemID > 0:
			m["itemID"] = l.ItemID
		case !blank(l.ItemCode):
			m["itemCode"] = l.ItemCode
		default:
			return nil, invalid(op, "line %d has neither an item id nor an item code", i+1)
		}
		if l.UnitQuantity.IsZero() {
			return nil, invalid(op, "line %d has quantity 0", i+1)
		}
		if l.UnitPrice != nil {
			if l.UnitPrice.IsNegative() {
				return nil, invalid(op, "line %d has a negative unit price", i+1)
			}
			m["unitPrice"] = Dec(*l.UnitPrice)
		}
		if l.DiscountAmount != nil {
			m["discountAmount"] = Dec(*l.DiscountAmount)
		}
		if l.Tax != nil {
			m["tax"] = *l.Tax
		}
		if l.TaxClassID > 0 {
			m["taxClassID"] = l.TaxClassID
		}
		lines = append(lines, m)
	}
	return lines, nil
}

// CreateSale creates a sale with its lines (and payments, if any).
func (c *Client) CreateSale(ctx context.Context, in SaleInput) (Sale, error) {
	const op = "create sale"
	body, err := in.wire(op)
	if err != nil {
		return Sale{}, err
	}
	return write[Sale](ctx, c, op, http.MethodPost, "Sale", "Sale", body)
}
