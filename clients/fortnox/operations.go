package fortnox

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"fortspeed/clients"
)

// lastModified formats since for the lastmodified parameter: Stockholm local time, floored
// to the minute (Fortnox's resolution), so nothing changed within that minute is missed.
// Callers should still overlap their windows by a few minutes and de-duplicate.
func (cl *Client) lastModified(since time.Time) string {
	return since.In(cl.loc).Truncate(time.Minute).Format("2006-01-02 15:04")
}

// pathID escapes a record id for a path segment and refuses an empty one.
func pathID(op, name, id string) (string, error) {
	if strings.TrimSpace(id) == "" {
		return "", &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: name + " is empty"}
	}
	return url.PathEscape(id), nil
}

// maxLen is one length rule from the OpenAPI spec.
type maxLen struct {
	field string
	value *string
	max   int
}

// checkLengths refuses over-long fields before they cost a request.
func checkLengths(op string, rules ...maxLen) error {
	for _, r := range rules {
		if r.value != nil && utf8.RuneCountInString(*r.value) > r.max {
			return &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op,
				Message: fmt.Sprintf("%s is %d characters, Fortnox allows %d", r.field, utf8.RuneCountInString(*r.value), r.max)}
		}
	}
	return nil
}

// --- Orders ---

// listingMargin is taken off a page's ListedAt: the Date header is whole seconds and a
// write that began before the read may commit after it. lastModified floors the next run's
// filter to the minute on top of it.
const listingMargin = 5 * time.Second

// OrdersPageQuery asks for one page of the orders modified at or after Since.
type OrdersPageQuery struct {
	// Since bounds the window; it is sent as lastmodified (see lastModified). A zero Since
	// means every order.
	Since time.Time
	// Page is 1-based; 0 means 1.
	Page int
	// Limit is the page size, at most 500 (the default); larger values are capped.
	Limit int
}

// OrderPage is one page of slim order list items.
type OrderPage struct {
	Orders []OrderListItem
	// Undecodable are the page's orders that did not decode; the others did.
	Undecodable []clients.Undecodable
	// Page is the page read (@CurrentPage) and TotalPages the window's page count as this
	// page was read (@TotalPages, 0 for an empty window): read on while Page < TotalPages.
	Page, TotalPages int
	// ListedAt is when Fortnox read this page, in its own clock (the Date header less the
	// round trip), less listingMargin. The first page's is the next run's Since.
	ListedAt time.Time
}

// OrdersPage reads one page of the orders modified at or after q.Since, sorted by document
// number, with one request.
//
// Page numbers never skip an order. The lastmodified window is fixed for the run and orders
// only enter it (a change moves an order's last-modified time forward, and orders are
// cancelled, never deleted); sorted by document number, an order changed while the run
// pages keeps its place. One that enters the window either comes after every order read (a
// new order takes the next number) or pushes the orders after it one place on, so a page can
// repeat the last order of the page before, never miss one. An order changed after its page
// was read is not read again in this run: the next run must list from the first page's
// ListedAt, not from the newest change it saw. Callers are idempotent about repeats.
//
// An order that does not decode (a Total that is not a number) is in Undecodable, named by
// its DocumentNumber and the bad field, and the rest of the page decodes.
func (cl *Client) OrdersPage(ctx context.Context, q OrdersPageQuery) (OrderPage, error) {
	since := q.Since
	if epoch := time.Unix(0, 0); since.Before(epoch) {
		since = epoch // a zero Since means everything; keep the filter a real date
	}
	query := url.Values{"lastmodified": {cl.lastModified(since)}}
	p, err := windowPage[OrderListItem](ctx, cl, "list a page of changed orders", "orders", "Orders", "documentnumber", "DocumentNumber", q.Page, q.Limit, query)
	if err != nil {
		return OrderPage{}, err
	}
	return OrderPage{Orders: p.items, Undecodable: p.undecodable, Page: p.page, TotalPages: p.totalPages, ListedAt: p.listedAt}, nil
}

type windowed[T any] struct {
	items                   []T
	undecodable             []clients.Undecodable
	page, totalPages, total int
	listedAt                time.Time
}

// windowPage reads page page (1-based; 0 is 1) of resource with the filters of query
// (lastmodified, a search), limit a page (at most 500), sorted by sortBy; a record that does
// not decode is named by its idField and the bad field.
func windowPage[T any](ctx context.Context, cl *Client, op, resource, wrapper, sortBy, idField string, page, limit int, query url.Values) (windowed[T], error) {
	page = max(page, 1)
	if limit <= 0 || limit > pageSize {
		limit = pageSize
	}
	query.Set("sortby", sortBy)
	query.Set("sortorder", "ascending")
	query.Set("page", strconv.Itoa(page))
	query.Set("limit", strconv.Itoa(limit))
	resp, err := cl.exchange(ctx, call{op: op, method: http.MethodGet, endpoint: "GET /3/" + resource, path: "/3/" + resource,
		query: query})
	if err != nil {
		return windowed[T]{}, err
	}
	var env map[string]json.RawMessage
	if err := decodeBody(op, resp, &env); err != nil {
		return windowed[T]{}, err
	}
	var raws []json.RawMessage
	if raw, ok := field(env, wrapper); ok {
		if err := json.Unmarshal(raw, &raws); err != nil {
			return windowed[T]{}, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: op,
				Message: wrapper + " is not a list", Err: err}
		}
	}
	out := windowed[T]{page: page,
		listedAt: clients.ListedAt(resp.Header().Get("Date"), resp.Request.Time, resp.Time(), listingMargin)}
	if raw, ok := field(env, "MetaInformation"); ok {
		var meta Meta
		if err := json.Unmarshal(raw, &meta); err != nil {
			return windowed[T]{}, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: op,
				Message: "MetaInformation does not match the expected shape", Err: err}
		}
		out.totalPages, out.total = int(meta.TotalPages), int(meta.TotalResources)
		if meta.CurrentPage > 0 {
			out.page = int(meta.CurrentPage)
		}
	} else if len(raws) > 0 {
		// Without the page count a caller could stop early and strand records.
		return windowed[T]{}, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: op,
			Message: "the page has " + resource + " but no MetaInformation"}
	}
	for _, raw := range raws {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			out.undecodable = append(out.undecodable,
				clients.Undecodable{ID: clients.RecordID(raw, idField), Reason: clients.DecodeReason(err)})
			continue
		}
		out.items = append(out.items, v)
	}
	return out, nil
}

// Order fetches one order with its rows.
func (cl *Client) Order(ctx context.Context, documentNumber string) (Order, error) {
	const op = "get order"
	id, err := pathID(op, "document number", documentNumber)
	if err != nil {
		return Order{}, err
	}
	return single[Order](ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/orders/{DocumentNumber}",
		path: "/3/orders/" + id}, "Order")
}

// OrdersByExternalRef finds orders whose ExternalInvoiceReference1 equals ref exactly; the
// Fortnox search is a substring match, so its results are filtered here.
func (cl *Client) OrdersByExternalRef(ctx context.Context, ref string) ([]OrderListItem, error) {
	const op = "find orders by external reference"
	if strings.TrimSpace(ref) == "" {
		return nil, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "external reference is empty"}
	}
	all, err := collect[OrderListItem](ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/orders",
		path: "/3/orders", query: url.Values{"externalinvoicereference1": {ref}}}, "Orders")
	if err != nil {
		return nil, err
	}
	var out []OrderListItem
	for _, o := range all {
		if string(o.ExternalInvoiceReference1) == ref {
			out = append(out, o)
		}
	}
	return out, nil
}

// OrdersByExternalRefPrefixChangedSince lists the orders whose ExternalInvoiceReference1
// starts with prefix and that were modified at or after since, every page of 500. One
// listing answers "which of these references exist" for a whole batch of records. The
// Fortnox search is a substring match, so the results are filtered to the prefix here.
func (cl *Client) OrdersByExternalRefPrefixChangedSince(ctx context.Context, prefix string, since time.Time) ([]OrderListItem, error) {
	const op = "list orders by external reference prefix"
	switch {
	case strings.TrimSpace(prefix) == "":
		return nil, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "external reference prefix is empty"}
	case since.IsZero():
		return nil, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "modified-since time is zero"}
	}
	all, err := collect[OrderListItem](ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/orders",
		path: "/3/orders", query: url.Values{"externalinvoicereference1": {prefix}, "lastmodified": {cl.lastModified(since)}}}, "Orders")
	if err != nil {
		return nil, err
	}
	var out []OrderListItem
	for _, o := range all {
		if strings.HasPrefix(string(o.ExternalInvoiceReference1), prefix) {
			out = append(out, o)
		}
	}
	return out, nil
}

// CreateOrder creates an order and returns it as Fortnox stored it.
func (cl *Client) CreateOrder(ctx context.Context, in OrderInput) (Order, error) {
	const op = "create order"
	if strings.TrimSpace(in.CustomerNumber) == "" {
		return Order{}, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "CustomerNumber is required"}
	}
	if err := checkLengths(op,
		maxLen{"Currency", in.Currency, 3}, maxLen{"OurReference", in.OurReference, 50},
		maxLen{"YourReference", in.YourReference, 50}, maxLen{"YourOrderNumber", in.YourOrderNumber, 75},
		maxLen{"Remarks", in.Remarks, 1024}); err != nil {
		return Order{}, err
	}
	return single[Order](ctx, cl, call{op: op, method: http.MethodPost, endpoint: "POST /3/orders",
		path: "/3/orders", body: map[string]any{"Order": in}}, "Order")
}

// --- Customers ---

// CustomersByEmail finds customers whose e-mail equals email, ignoring case; Fortnox's
// email search may also return partial matches, which are dropped here.
func (cl *Client) CustomersByEmail(ctx context.Context, email string) ([]CustomerListItem, error) {
	const op = "find customers by e-mail"
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "e-mail is empty"}
	}
	all, err := collect[CustomerListItem](ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/customers",
		path: "/3/customers", query: url.Values{"email": {email}}}, "Customers")
	if err != nil {
		return nil, err
	}
	var out []CustomerListItem
	for _, c := range all {
		if strings.EqualFold(strings.TrimSpace(c.Email), email) {
			out = append(out, c)
		}
	}
	return out, nil
}

// CustomersByName finds the customers named name, ignoring case and surrounding spaces,
// lowest customer number first. Fortnox's name search matches substrings ("Kontantkund"
// also finds "Kontantkund Malmö"); those are dropped here.
func (cl *Client) CustomersByName(ctx context.Context, name string) ([]CustomerListItem, error) {
	const op = "find customers by name"
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "name is empty"}
	}
	all, err := collect[CustomerListItem](ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/customers",
		path: "/3/customers", query: url.Values{"name": {name}}}, "Customers")
	if err != nil {
		return nil, err
	}
	var out []CustomerListItem
	for _, c := range all {
		if strings.EqualFold(strings.TrimSpace(c.Name), name) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b CustomerListItem) int {
		return compareNumbers(string(a.CustomerNumber), string(b.CustomerNumber))
	})
	return out, nil
}

// compareNumbers orders customer numbers numerically when both are numbers (Fortnox
// assigns 1, 2, … 10), else as text.
func compareNumbers(x, y string) int {
	nx, ex := strconv.ParseInt(x, 10, 64)
	ny, ey := strconv.ParseInt(y, 10, 64)
	if ex == nil && ey == nil {
		return cmp.Compare(nx, ny)
	}
	return strings.Compare(x, y)
}

// Customer fetches one customer.
func (cl *Client) Customer(ctx context.Context, customerNumber string) (Customer, error) {
	const op = "get customer"
	id, err := pathID(op, "customer number", customerNumber)
	if err != nil {
		return Customer{}, err
	}
	return single[Customer](ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/customers/{CustomerNumber}",
		path: "/3/customers/" + id}, "Customer")
}

func checkCustomer(op string, in CustomerInput) error {
	return checkLengths(op,
		maxLen{"Name", in.Name, 1024}, maxLen{"Email", in.Email, 1024}, maxLen{"Phone1", in.Phone1, 1024},
		maxLen{"Address1", in.Address1, 1024}, maxLen{"Address2", in.Address2, 1024},
		maxLen{"ZipCode", in.ZipCode, 10}, maxLen{"City", in.City, 1024},
		maxLen{"CountryCode", in.CountryCode, 2}, maxLen{"Currency", in.Currency, 3},
		maxLen{"DeliveryName", in.DeliveryName, 1024}, maxLen{"DeliveryAddress1", in.DeliveryAddress1, 1024},
		maxLen{"DeliveryAddress2", in.DeliveryAddress2, 1024}, maxLen{"DeliveryZipCode", in.DeliveryZipCode, 10},
		maxLen{"DeliveryCity", in.DeliveryCity, 1024}, maxLen{"DeliveryCountryCode", in.DeliveryCountryCode, 2},
		maxLen{"YourReference", in.YourReference, 50}, maxLen{"CustomerNumber", in.CustomerNumber, 1024})
}

// CreateCustomer creates a customer (Name is required).
func (cl *Client) CreateCustomer(ctx context.Context, in CustomerInput) (Customer, error) {
	const op = "create customer"
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return Customer{}, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "Name is required"}
	}
	if err := checkCustomer(op, in); err != nil {
		return Customer{}, err
	}
	return single[Customer](ctx, cl, call{op: op, method: http.MethodPost, endpoint: "POST /3/customers",
		path: "/3/customers", body: map[string]any{"Customer": in}}, "Customer")
}

// UpdateCustomer changes only the fields set in in (PUT is partial in Fortnox).
func (cl *Client) UpdateCustomer(ctx context.Context, customerNumber string, in CustomerInput) (Customer, error) {
	const op = "update customer"
	id, err := pathID(op, "customer number", customerNumber)
	if err != nil {
		return Customer{}, err
	}
	if err := checkCustomer(op, in); err != nil {
		return Customer{}, err
	}
	in.CustomerNumber = nil // the number is the path; Fortnox numbers are immutable
	return single[Customer](ctx, cl, call{op: op, method: http.MethodPut, endpoint: "PUT /3/customers/{CustomerNumber}",
		path: "/3/customers/" + id, body: map[string]any{"Customer": in}}, "Customer")
}

// numbered is a list item read for its number alone, so a record whose other fields do not
// decode is still named.
type numbered struct {
	DocumentNumber Text `json:"DocumentNumber"`
	ArticleNumber  Text `json:"ArticleNumber"`
}

// numbersChangedSince lists the numbers of every record of resource modified at or after
// since (all pages, 500 a page).
func numbersChangedSince(ctx context.Context, cl *Client, op, resource, wrapper string, since time.Time, number func(numbered) Text) ([]string, error) {
	if since.IsZero() {
		return nil, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "modified-since time is zero"}
	}
	var out []string
	err := listPages(ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/" + resource, path: "/3/" + resource,
		query: url.Values{"lastmodified": {cl.lastModified(since)}}}, wrapper, func(page []numbered) error {
		for _, item := range page {
			if n := strings.TrimSpace(string(number(item))); n != "" {
				out = append(out, n)
			}
		}
		return nil
	})
	return out, err
}

// OrderNumbersChangedSince lists the DocumentNumber of every order modified at or after
// since (floored to the minute, Fortnox's resolution). lastmodified has no upper end and
// the list items carry no modification time, so this is how a listing bounded above
// learns which orders changed after its end.
func (cl *Client) OrderNumbersChangedSince(ctx context.Context, since time.Time) ([]string, error) {
	return numbersChangedSince(ctx, cl, "list orders changed since", "orders", "Orders", since, func(n numbered) Text { return n.DocumentNumber })
}

// ArticleNumbersChangedSince lists the ArticleNumber of every article modified at or after
// since, as OrderNumbersChangedSince does for orders.
func (cl *Client) ArticleNumbersChangedSince(ctx context.Context, since time.Time) ([]string, error) {
	return numbersChangedSince(ctx, cl, "list articles changed since", "articles", "Articles", since, func(n numbered) Text { return n.ArticleNumber })
}

// --- Articles ---

// ArticlesChangedSince lists every article modified at or after since (all pages).
func (cl *Client) ArticlesChangedSince(ctx context.Context, since time.Time) ([]ArticleListItem, error) {
	return collect[ArticleListItem](ctx, cl, call{op: "list articles changed since", method: http.MethodGet,
		endpoint: "GET /3/articles", path: "/3/articles", query: url.Values{"lastmodified": {cl.lastModified(since)}}}, "Articles")
}

// ArticlesPaged walks the articles changed at or after since (every article when since is
// zero), 500 per page, handing each page to fn: one listing answers "which article numbers
// exist" for a whole backlog, where Fortnox has no batch lookup by number.
func (cl *Client) ArticlesPaged(ctx context.Context, since time.Time, fn func(page []ArticleListItem) error) error {
	c := call{op: "list articles", method: http.MethodGet, endpoint: "GET /3/articles", path: "/3/articles"}
	if !since.IsZero() {
		c.query = url.Values{"lastmodified": {cl.lastModified(since)}}
	}
	return listPages(ctx, cl, c, "Articles", fn)
}

// CustomersPaged walks the customers changed at or after since (every customer when since
// is zero), 500 per page, handing each page to fn. The list items carry number and e-mail:
// one listing finds the customers of a whole backlog by e-mail.
func (cl *Client) CustomersPaged(ctx context.Context, since time.Time, fn func(page []CustomerListItem) error) error {
	c := call{op: "list customers", method: http.MethodGet, endpoint: "GET /3/customers", path: "/3/customers"}
	if !since.IsZero() {
		c.query = url.Values{"lastmodified": {cl.lastModified(since)}}
	}
	return listPages(ctx, cl, c, "Customers", fn)
}

// Article fetches one article.
func (cl *Client) Article(ctx context.Context, articleNumber string) (Article, error) {
	const op = "get article"
	id, err := pathID(op, "article number", articleNumber)
	if err != nil {
		return Article{}, err
	}
	return single[Article](ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/articles/{ArticleNumber}",
		path: "/3/articles/" + id}, "Article")
}

// ArticlesByNumber fetches the full articles with exactly these numbers, one GET per
// distinct number (N requests, ≈ N/4.8 s at the rate limit). A search by number would be a
// substring match returning slim items, and scanning the register costs ⌈register/500⌉
// requests; callers needing many articles should page the register with Articles instead.
// Numbers that do not exist are left out of the result; order follows numbers.
func (cl *Client) ArticlesByNumber(ctx context.Context, numbers []string) ([]Article, error) {
	seen := make(map[string]bool, len(numbers))
	var out []Article
	for _, n := range numbers {
		if seen[n] {
			continue
		}
		seen[n] = true
		a, err := cl.Article(ctx, n)
		if clients.KindOf(err) == clients.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Articles walks the whole article register, 500 per page, handing each page to fn.
func (cl *Client) Articles(ctx context.Context, fn func(page []ArticleListItem) error) error {
	return listPages(ctx, cl, call{op: "list articles", method: http.MethodGet, endpoint: "GET /3/articles",
		path: "/3/articles"}, "Articles", fn)
}

// --- Prices ---

// Prices lists every price of a price list (all articles, all quantity breaks).
func (cl *Client) Prices(ctx context.Context, priceList string) ([]Price, error) {
	const op = "list prices"
	if strings.TrimSpace(priceList) == "" {
		return nil, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "price list is empty"}
	}
	all, err := collect[Price](ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/prices",
		path: "/3/prices", query: url.Values{"pricelist": {priceList}}}, "Prices")
	if err != nil {
		return nil, err
	}
	var out []Price // the pricelist search is a substring match
	for _, p := range all {
		if strings.EqualFold(string(p.PriceList), priceList) {
			out = append(out, p)
		}
	}
	return out, nil
}

// --- Warehouse ---

// WarehouseStatus tells whether the warehouse module is active for the tenant.
func (cl *Client) WarehouseStatus(ctx context.Context) (WarehouseStatus, error) {
	var out WarehouseStatus
	err := cl.do(ctx, call{op: "get warehouse status", method: http.MethodGet, endpoint: "GET /api/warehouse/tenants-v4",
		path: "/api/warehouse/tenants-v4"}, &out)
	return out, err
}

// StockPoints lists stock points; state is ACTIVE, INACTIVE or ALL ("" = Fortnox default).
func (cl *Client) StockPoints(ctx context.Context, state string) ([]StockPoint, error) {
	q := url.Values{}
	if state != "" {
		q.Set("state", state)
	}
	var out []StockPoint
	err := cl.do(ctx, call{op: "list stock points", method: http.MethodGet, endpoint: "GET /api/warehouse/stockpoints-v1",
		path: "/api/warehouse/stockpoints-v1", query: q}, &out)
	return out, err
}

// stockBatch bounds the item ids per stock-balance request, keeping URLs short.
const stockBatch = 100

// StockBalances returns the balances of the given items (all items when itemIDs is empty)
// at the given stock points (all when empty), one request per 100 item ids.
func (cl *Client) StockBalances(ctx context.Context, itemIDs, stockPointCodes []string) ([]StockBalance, error) {
	var out []StockBalance
	for start := 0; start == 0 || start < len(itemIDs); start += stockBatch {
		q := url.Values{}
		if len(itemIDs) > 0 {
			q.Set("itemIds", strings.Join(itemIDs[start:min(start+stockBatch, len(itemIDs))], ","))
		}
		if len(stockPointCodes) > 0 {
			q.Set("stockPointCodes", strings.Join(stockPointCodes, ","))
		}
		var page []StockBalance
		if err := cl.do(ctx, call{op: "get stock balances", method: http.MethodGet,
			endpoint: "GET /api/warehouse/status-v1/stockbalance", path: "/api/warehouse/status-v1/stockbalance", query: q}, &page); err != nil {
			return nil, err
		}
		out = append(out, page...)
	}
	return out, nil
}

// --- Settings registers ---

// TermsOfPayments lists the payment-terms codes.
func (cl *Client) TermsOfPayments(ctx context.Context) ([]TermsOfPayment, error) {
	return collect[TermsOfPayment](ctx, cl, call{op: "list terms of payments", method: http.MethodGet,
		endpoint: "GET /3/termsofpayments", path: "/3/termsofpayments"}, "TermsOfPayments")
}

// ModesOfPayments lists the payment-method codes.
func (cl *Client) ModesOfPayments(ctx context.Context) ([]ModeOfPayment, error) {
	return collect[ModeOfPayment](ctx, cl, call{op: "list modes of payments", method: http.MethodGet,
		endpoint: "GET /3/modesofpayments", path: "/3/modesofpayments"}, "ModesOfPayments")
}

// WayOfDeliveries lists the delivery-method codes.
func (cl *Client) WayOfDeliveries(ctx context.Context) ([]WayOfDelivery, error) {
	return collect[WayOfDelivery](ctx, cl, call{op: "list ways of delivery", method: http.MethodGet,
		endpoint: "GET /3/wayofdeliveries", path: "/3/wayofdeliveries"}, "WayOfDeliveries")
}

// Units lists the unit codes.
func (cl *Client) Units(ctx context.Context) ([]Unit, error) {
	return collect[Unit](ctx, cl, call{op: "list units", method: http.MethodGet,
		endpoint: "GET /3/units", path: "/3/units"}, "Units")
}

// CompanyInformation returns the tenant's company; DatabaseNumber is the tenant id.
func (cl *Client) CompanyInformation(ctx context.Context) (CompanyInformation, error) {
	return single[CompanyInformation](ctx, cl, call{op: "get company information", method: http.MethodGet,
		endpoint: "GET /3/companyinformation", path: "/3/companyinformation"}, "CompanyInformation")
}

// ArticlesNumbered lists the articles whose number contains part (the search is a
// substring match, so callers filter), 500 a page.
func (cl *Client) ArticlesNumbered(ctx context.Context, part string) ([]ArticleListItem, error) {
	return cl.ArticlesMatching(ctx, "articlenumber", part)
}

// ArticlesMatching lists the articles whose field param (a search parameter of reference
// §3.4: articlenumber, manufacturerarticlenumber, description, ean, …) contains value, 500
// a page. The search is a substring match and the list items lack most fields: callers
// read and filter.
func (cl *Client) ArticlesMatching(ctx context.Context, param, value string) ([]ArticleListItem, error) {
	op := "find articles by " + param
	if strings.TrimSpace(value) == "" {
		return nil, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: param + " is empty"}
	}
	return collect[ArticleListItem](ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/articles",
		path: "/3/articles", query: url.Values{param: {value}}}, "Articles")
}

// ArticlePrice returns the first price tier of an article in a price list; ok is false
// when the list has no price for it.
func (cl *Client) ArticlePrice(ctx context.Context, priceList, articleNumber string) (p Price, ok bool, err error) {
	const op = "get price"
	list, err := pathID(op, "price list", priceList)
	if err != nil {
		return Price{}, false, err
	}
	id, err := pathID(op, "article number", articleNumber)
	if err != nil {
		return Price{}, false, err
	}
	p, err = single[Price](ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/prices/{PriceList}/{ArticleNumber}",
		path: "/3/prices/" + list + "/" + id}, "Price")
	if clients.KindOf(err) == clients.NotFound {
		return Price{}, false, nil
	}
	if err != nil {
		return Price{}, false, err
	}
	return p, true, nil
}
