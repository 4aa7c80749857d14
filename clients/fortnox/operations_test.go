package fortnox

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"fortspeed/clients"
	fxsandbox "fortspeed/sandbox/fortnox"
)

func TestSettingsAndCompanyAgainstSandbox(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	cl := sb.client(nil)
	ctx := testCtx(t)

	ci, err := cl.CompanyInformation(ctx)
	require.NoError(t, err)
	require.Equal(t, Int(1234567), ci.DatabaseNumber)
	require.NotEmpty(t, ci.CompanyName)

	tops, err := cl.TermsOfPayments(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, tops)
	require.NotEmpty(t, tops[0].Code)

	mops, err := cl.ModesOfPayments(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, mops)
	require.NotEmpty(t, mops[0].AccountNumber)

	wods, err := cl.WayOfDeliveries(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, wods)

	units, err := cl.Units(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, units)

	lists, err := cl.PriceLists(ctx)
	require.NoError(t, err)
	codes := make([]string, len(lists))
	for i, l := range lists {
		codes[i] = string(l.Code)
	}
	require.Equal(t, []string{"A", "B"}, codes)
	require.True(t, bool(lists[0].PreSelected), "A is the standard list")

	currencies, err := cl.Currencies(ctx)
	require.NoError(t, err)
	codes = codes[:0]
	for _, c := range currencies {
		codes = append(codes, string(c.Code))
	}
	require.ElementsMatch(t, []string{"EUR", "NOK", "SEK"}, codes)
}

func TestArticlesAndPricesAgainstSandbox(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	cl := sb.client(nil)
	ctx := testCtx(t)

	var all []ArticleListItem
	require.NoError(t, cl.Articles(ctx, func(page []ArticleListItem) error {
		all = append(all, page...)
		return nil
	}))
	require.NotEmpty(t, all)
	first := string(all[0].ArticleNumber)

	a, err := cl.Article(ctx, first)
	require.NoError(t, err)
	require.Equal(t, first, string(a.ArticleNumber))
	require.NotEmpty(t, a.Description)
	// Available stock is in-stock minus reserved, whatever form the numbers came in.
	require.True(t, a.DisposableQuantity.Equal(a.QuantityInStock.Sub(a.ReservedQuantity.Decimal)),
		"disposable %s, in stock %s, reserved %s", a.DisposableQuantity, a.QuantityInStock, a.ReservedQuantity)

	_, err = cl.Article(ctx, "NO-SUCH-ARTICLE")
	ce := requireKind(t, err, clients.NotFound)
	require.NotEmpty(t, ce.Code)
	require.NotEmpty(t, ce.Message)

	got, err := cl.ArticlesByNumber(ctx, []string{first, "NO-SUCH-ARTICLE", first})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, first, string(got[0].ArticleNumber))

	changed, err := cl.ArticlesChangedSince(ctx, time.Now().Add(-24*time.Hour))
	require.NoError(t, err)
	require.NotEmpty(t, changed)
	future, err := cl.ArticlesChangedSince(ctx, time.Now().Add(24*time.Hour))
	require.NoError(t, err)
	require.Empty(t, future)

	prices, err := cl.Prices(ctx, "A")
	require.NoError(t, err)
	require.NotEmpty(t, prices)
	for _, p := range prices {
		require.Equal(t, "A", string(p.PriceList))
		require.True(t, p.Price.Valid)
	}
}

func TestPagingFollowsMetaInformation(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "empty")
	sb.call("POST", "/_sandbox/reset", map[string]any{"seed": "catalogue", "articles": 1100, "families": 0, "random_seed": 7}, nil)
	cl := sb.client(nil)
	ctx := testCtx(t)

	var pages, items int
	require.NoError(t, cl.Articles(ctx, func(page []ArticleListItem) error {
		pages++
		items += len(page)
		return nil
	}))
	require.Equal(t, 3, pages)
	require.GreaterOrEqual(t, items, 1100)
	require.EqualValues(t, 3, sb.stats().Requests["GET /3/articles"])

	// An empty register answers @TotalPages 0: one request, no pages.
	sb.call("POST", "/_sandbox/reset", map[string]any{"seed": "empty"}, nil)
	pages = 0
	require.NoError(t, cl.Articles(ctx, func([]ArticleListItem) error { pages++; return nil }))
	require.Zero(t, pages)
}

func TestCustomersAgainstSandbox(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "empty")
	cl := sb.client(nil)
	ctx := testCtx(t)

	c, err := cl.CreateCustomer(ctx, CustomerInput{Name: ptr("Anna Andersson"), Email: ptr("anna@example.se"),
		Type: ptr("PRIVATE"), CountryCode: ptr("SE"), YourReference: ptr("Anna"), ZipCode: ptr("11122"), City: ptr("Stockholm")})
	require.NoError(t, err)
	require.NotEmpty(t, c.CustomerNumber)
	require.Equal(t, "PRIVATE", c.Type)
	// A second customer whose e-mail contains the first one's: the search finds both.
	_, err = cl.CreateCustomer(ctx, CustomerInput{Name: ptr("Johanna"), Email: ptr("johanna@example.se")})
	require.NoError(t, err)

	found, err := cl.CustomersByEmail(ctx, "ANNA@example.se")
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.Equal(t, c.CustomerNumber, found[0].CustomerNumber)

	none, err := cl.CustomersByEmail(ctx, "nobody@example.se")
	require.NoError(t, err)
	require.Empty(t, none)

	// By name: partial matches dropped, case ignored, the lowest number first (10 after 9).
	var kontant []string
	for _, name := range []string{"Kontantkund Malmö", "kontantkund", "Kontantkunden", "KONTANTKUND", "x", "x", "x", "x", "x", "Kontantkund"} {
		k, err := cl.CreateCustomer(ctx, CustomerInput{Name: ptr(name)})
		require.NoError(t, err)
		if strings.EqualFold(name, "kontantkund") {
			kontant = append(kontant, string(k.CustomerNumber))
		}
	}
	byName, err := cl.CustomersByName(ctx, " Kontantkund ")
	require.NoError(t, err)
	var numbers []string
	for _, k := range byName {
		numbers = append(numbers, string(k.CustomerNumber))
	}
	require.Equal(t, kontant, numbers)
	require.Equal(t, []string{"4", "6", "12"}, numbers, "numeric order, not text order")
	none, err = cl.CustomersByName(ctx, "Butikskund")
	require.NoError(t, err)
	require.Empty(t, none)

	up, err := cl.UpdateCustomer(ctx, string(c.CustomerNumber), CustomerInput{Phone1: ptr("08-123456")})
	require.NoError(t, err)
	require.Equal(t, "08-123456", string(up.Phone1))
	require.Equal(t, "Anna Andersson", up.Name, "a partial update keeps the other fields")

	got, err := cl.Customer(ctx, string(c.CustomerNumber))
	require.NoError(t, err)
	require.Equal(t, "anna@example.se", got.Email)
	require.Equal(t, "SE", got.CountryCode)

	_, err = cl.Customer(ctx, "999999")
	requireKind(t, err, clients.NotFound)

	_, err = cl.CreateCustomer(ctx, CustomerInput{Name: ptr("Dup"), CustomerNumber: ptr(string(c.CustomerNumber))})
	requireKind(t, err, clients.Conflict)

	_, err = cl.CreateCustomer(ctx, CustomerInput{Name: ptr("X"), ZipCode: ptr(strings.Repeat("1", 11))})
	ce := requireKind(t, err, clients.Validation)
	require.Contains(t, ce.Message, "ZipCode")
	_, err = cl.CreateCustomer(ctx, CustomerInput{})
	requireKind(t, err, clients.Validation)
}

func TestOrdersAgainstSandbox(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	cl := sb.client(nil)
	ctx := testCtx(t)

	var article string
	require.NoError(t, cl.Articles(ctx, func(page []ArticleListItem) error {
		article = string(page[0].ArticleNumber)
		return nil
	}))
	cust, err := cl.CreateCustomer(ctx, CustomerInput{Name: ptr("Order Test AB")})
	require.NoError(t, err)

	in := OrderInput{
		CustomerNumber:            string(cust.CustomerNumber),
		ExternalInvoiceReference1: ptr("LS-1"),
		Country:                   ptr("Sverige"),
		YourReference:             ptr("Kassa 1"),
		OrderRows: []OrderRowInput{{ArticleNumber: &article, OrderedQuantity: NumOf(decimal.NewFromInt(2)),
			DeliveredQuantity: NumOf(decimal.NewFromInt(2)), Price: NumOf(decimal.RequireFromString("99.50"))}},
	}
	o, err := cl.CreateOrder(ctx, in)
	require.NoError(t, err)
	require.NotEmpty(t, o.DocumentNumber)
	require.Len(t, o.OrderRows, 1)
	require.True(t, o.OrderRows[0].OrderedQuantity.Equal(decimal.NewFromInt(2)))
	require.True(t, o.OrderRows[0].Price.Equal(decimal.RequireFromString("99.5")))

	in.ExternalInvoiceReference1 = ptr("LS-10")
	_, err = cl.CreateOrder(ctx, in)
	require.NoError(t, err)

	byRef, err := cl.OrdersByExternalRef(ctx, "LS-1")
	require.NoError(t, err)
	require.Len(t, byRef, 1, "the substring match LS-10 is filtered out")
	require.Equal(t, o.DocumentNumber, byRef[0].DocumentNumber)

	got, err := cl.Order(ctx, string(o.DocumentNumber))
	require.NoError(t, err)
	require.Equal(t, "LS-1", string(got.ExternalInvoiceReference1))
	require.Equal(t, "Kassa 1", got.YourReference)

	changed, err := cl.OrdersPage(ctx, OrdersPageQuery{Since: time.Now().Add(-time.Hour)})
	require.NoError(t, err)
	var seen bool
	for _, c := range changed.Orders {
		seen = seen || c.DocumentNumber == o.DocumentNumber
	}
	require.True(t, seen, "the new order is among the changed ones")

	_, err = cl.Order(ctx, "999999")
	requireKind(t, err, clients.NotFound)
	_, err = cl.CreateOrder(ctx, OrderInput{CustomerNumber: "999999"})
	requireKind(t, err, clients.Validation)
	_, err = cl.Order(ctx, " ")
	requireKind(t, err, clients.Validation)
}

func TestWarehouseAgainstSandbox(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{Warehouse: true}, "demo")
	cl := sb.client(nil)
	ctx := testCtx(t)

	st, err := cl.WarehouseStatus(ctx)
	require.NoError(t, err)
	require.True(t, bool(st.Activated))
	require.Equal(t, Int(1234567), st.TenantID)

	points, err := cl.StockPoints(ctx, "ALL")
	require.NoError(t, err)
	require.NotEmpty(t, points)
	require.NotEmpty(t, points[0].Code)

	all, err := cl.StockBalances(ctx, nil, nil)
	require.NoError(t, err)
	require.NotEmpty(t, all)
	item := string(all[0].ItemID)
	one, err := cl.StockBalances(ctx, []string{item}, []string{string(all[0].StockPointCode)})
	require.NoError(t, err)
	require.NotEmpty(t, one)
	for _, b := range one {
		require.Equal(t, item, string(b.ItemID))
		require.True(t, b.InStock.GreaterThanOrEqual(b.AvailableStock.Decimal))
	}

	_, err = cl.StockPoints(ctx, "SOMETIMES")
	ce := requireKind(t, err, clients.Validation)
	require.Equal(t, "invalidparameter", ce.Code)
}

func TestOrdersByExternalRefPrefixChangedSinceAgainstSandbox(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	cl := sb.client(nil)
	ctx := testCtx(t)

	var article string
	require.NoError(t, cl.Articles(ctx, func(page []ArticleListItem) error {
		article = string(page[0].ArticleNumber)
		return nil
	}))
	start := time.Now()
	before, err := cl.OrdersByExternalRefPrefixChangedSince(ctx, "LS-", start.Add(-time.Hour))
	require.NoError(t, err)
	created := map[string]string{}
	for _, ref := range []string{"LS-501", "LS-502", "WEB-LS-503"} {
		o, err := cl.CreateOrder(ctx, OrderInput{CustomerNumber: "1", ExternalInvoiceReference1: ptr(ref),
			OrderRows: []OrderRowInput{{ArticleNumber: &article, OrderedQuantity: NumOf(decimal.NewFromInt(1))}}})
		require.NoError(t, err)
		created[ref] = string(o.DocumentNumber)
	}

	got, err := cl.OrdersByExternalRefPrefixChangedSince(ctx, "LS-", start.Add(-time.Hour))
	require.NoError(t, err)
	require.Len(t, got, len(before)+2, "the substring match WEB-LS-503 is filtered out")
	byRef := map[string]string{}
	for _, o := range got {
		require.True(t, strings.HasPrefix(string(o.ExternalInvoiceReference1), "LS-"))
		byRef[string(o.ExternalInvoiceReference1)] = string(o.DocumentNumber)
	}
	require.Equal(t, created["LS-501"], byRef["LS-501"])
	require.Equal(t, created["LS-502"], byRef["LS-502"])

	later, err := cl.OrdersByExternalRefPrefixChangedSince(ctx, "LS-", start.Add(2*time.Hour))
	require.NoError(t, err)
	require.Empty(t, later, "nothing modified after since")

	_, err = cl.OrdersByExternalRefPrefixChangedSince(ctx, " ", start)
	requireKind(t, err, clients.Validation)
	_, err = cl.OrdersByExternalRefPrefixChangedSince(ctx, "LS-", time.Time{})
	requireKind(t, err, clients.Validation)
}

func TestCustomerDeliveryAddressAgainstSandbox(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	cl := sb.client(nil)
	ctx := testCtx(t)

	c, err := cl.CreateCustomer(ctx, CustomerInput{Name: ptr("Leverans AB"), Address1: ptr("Storgatan 1"), ZipCode: ptr("11455"),
		City: ptr("Stockholm"), CountryCode: ptr("SE"), DeliveryName: ptr("Lagret"), DeliveryAddress1: ptr("Hamnen 2"),
		DeliveryZipCode: ptr("62155"), DeliveryCity: ptr("Visby"), DeliveryCountryCode: ptr("SE")})
	require.NoError(t, err)
	got, err := cl.Customer(ctx, string(c.CustomerNumber))
	require.NoError(t, err)
	require.Equal(t, "Storgatan 1", got.Address1)
	require.Equal(t, "SE", got.CountryCode)
	require.Equal(t, "Lagret", got.DeliveryName)
	require.Equal(t, "Hamnen 2", got.DeliveryAddress1)
	require.Equal(t, "62155", string(got.DeliveryZipCode))
	require.Equal(t, "Visby", got.DeliveryCity)
	require.Equal(t, "SE", got.DeliveryCountryCode)

	upd, err := cl.UpdateCustomer(ctx, string(c.CustomerNumber), CustomerInput{DeliveryCity: ptr("Slite")})
	require.NoError(t, err)
	require.Equal(t, "Slite", upd.DeliveryCity)
	require.Equal(t, "Hamnen 2", upd.DeliveryAddress1, "a partial update keeps the rest")

	_, err = cl.CreateCustomer(ctx, CustomerInput{Name: ptr("X"), DeliveryCountryCode: ptr("SWE")})
	ce := requireKind(t, err, clients.Validation)
	require.Contains(t, ce.Message, "DeliveryCountryCode")
}
