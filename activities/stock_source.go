package activities

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"fortspeed/clients"
	"fortspeed/clients/fortnox"
	"fortspeed/mapping"
)

// StockSource holds the Fortnox steps of the stock flow (plan, fetch, committed sales,
// read): it talks to Fortnox only and runs on the fortnox-api queue. Register it with
// StockPrefix.
type StockSource struct {
	tenant   string
	fortnox  *fortnox.Client
	settings mapping.StockSettings
}

// NewStockSource builds the Fortnox steps of one tenant's stock flow.
func NewStockSource(tenant string, fx *fortnox.Client, settings *mapping.Settings) (*StockSource, error) {
	switch {
	case strings.TrimSpace(tenant) == "":
		return nil, errors.New("stock activities: tenant is empty")
	case fx == nil:
		return nil, fmt.Errorf("stock activities of tenant %s: the Fortnox client is required", tenant)
	case settings == nil:
		return nil, fmt.Errorf("stock activities of tenant %s: settings are required", tenant)
	}
	return &StockSource{tenant: tenant, fortnox: fx, settings: settings.Stock}, nil
}

// Plan reads whether the warehouse module is on and, with it, which stock points exist,
// and makes the run's plan from the settings. A mapped stock point Fortnox does not have is
// a problem naming the setting, and its shop goes on with the points that do exist.
func (a *StockSource) Plan(ctx context.Context, in StockPlanInput) (StockPlanResult, error) {
	if err := checkTenant(a.tenant, "plan", in.Tenant); err != nil {
		return StockPlanResult{}, err
	}
	status, err := a.fortnox.WarehouseStatus(ctx)
	warehouse := bool(status.Activated)
	if err != nil {
		// A company without the module may answer the warehouse API with a refusal (403:
		// no licence or scope; 404; 400) rather than "activated": false; either way its
		// stock is on the articles. Outages and rate limits are retried.
		if k := clients.KindOf(err); k != clients.NotFound && k != clients.Validation && k != clients.InvalidGrant {
			return StockPlanResult{}, vendorError(err)
		}
		warehouse = false
	}
	plan, err := mapping.NewStockPlan(a.settings, warehouse)
	if err != nil {
		return StockPlanResult{}, ConfigError("stock plan: %v", err)
	}
	res := StockPlanResult{Reconcile: a.settings.Reconcile.D(), PendingWindow: a.settings.PendingSalesWindow.D()}
	if !warehouse {
		res.Plan = plan
		res.Summary = fmt.Sprintf("plan: no warehouse module; shop %d gets the article's %s quantity", plan.Shops[0].ShopID, plan.Calculation)
		if len(a.settings.StockPoints) > 0 {
			res.Summary += " (stock.stock_points apply only with the warehouse module)"
		}
		return res, nil
	}
	if len(plan.Shops) == 0 {
		res.Plan = plan
		res.Problems = append(res.Problems, "stock.stock_points is empty: with the Fortnox warehouse module no Lightspeed shop gets stock until a stock point is mapped to it")
		res.Summary = "plan: warehouse module on, no stock point mapped"
		return res, nil
	}
	points, err := a.fortnox.StockPoints(ctx, "ALL")
	if err != nil {
		return StockPlanResult{}, vendorError(err)
	}
	known := map[string]string{} // upper-case code → Fortnox's spelling, which balances carry
	for _, p := range points {
		known[strings.ToUpper(string(p.Code))] = string(p.Code)
	}
	var shops []mapping.StockShop
	for _, shop := range plan.Shops {
		var kept []string
		for _, code := range shop.Points {
			if canonical, ok := known[strings.ToUpper(code)]; ok {
				kept = append(kept, canonical)
				continue
			}
			res.Problems = append(res.Problems, fmt.Sprintf("stock.stock_points.%s: Fortnox has no stock point %s; Lightspeed shop %d gets no stock from it", code, code, shop.ShopID))
		}
		if len(kept) > 0 {
			shop.Points = kept
			shops = append(shops, shop)
		}
	}
	plan.Shops = shops
	res.Plan = plan
	var parts []string
	for _, s := range shops {
		parts = append(parts, fmt.Sprintf("%s → shop %d", strings.Join(s.Points, "+"), s.ShopID))
	}
	res.Summary = fmt.Sprintf("plan: warehouse module on, %s stock per stock point: %s", plan.Calculation, strings.Join(parts, ", "))
	return res, nil
}

// articlesToken is where a run's fetch goes on: the next page number, and when the run's
// first page was listed (the cursor of every page of the run).
type articlesToken struct {
	Page     int       `json:"page"`
	ListedAt time.Time `json:"listed_at"`
	// Total is the window's article count as the page before was read.
	Total int `json:"total,omitempty"`
}

func (t articlesToken) encode() string {
	b, _ := json.Marshal(t) // an int and a time always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeArticlesToken(token string) (articlesToken, error) {
	var t articlesToken
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || t.Page < 2 || t.ListedAt.IsZero() {
		return articlesToken{}, fmt.Errorf("page token %q is not one this activity returned", token)
	}
	return t, nil
}

// Fetch returns one page of article stock figures (records of mapping.StockArticle, keyed
// by article number): one listing of up to 500 articles changed at or after in.Since, or of
// every article for a full reconcile, and with the warehouse module the page's balances at
// the plan's stock points (one request per 100 articles). An article whose figure is not a
// number is a record with its Problem, so it becomes needs_fix on its own. The cursor of
// every page is when the run's first page was listed. With an Until, the articles changed
// after it are left out (changedAtOrAfter).
func (a *StockSource) Fetch(ctx context.Context, in StockFetchInput) (FetchResult, error) {
	if err := checkTenant(a.tenant, "fetch", in.Tenant); err != nil {
		return FetchResult{}, err
	}
	defer keepAlive(ctx, heartbeatEvery)()
	pos := articlesToken{Page: 1}
	if in.PageToken != "" {
		var err error
		if pos, err = decodeArticlesToken(in.PageToken); err != nil {
			return FetchResult{}, InvalidInputError("fetch: %v", err)
		}
	}
	page, err := a.fortnox.ArticlesPage(ctx, fortnox.ArticlesPageQuery{Since: in.Since, Page: pos.Page, Limit: in.PageSize})
	if err != nil {
		return FetchResult{}, vendorError(err)
	}
	if in.PageToken == "" {
		pos.ListedAt = page.ListedAt
	}
	if pos.Total > 0 && page.Total < pos.Total && pos.Page > 1 {
		// Articles were deleted since the page before was read: the ones after them moved
		// back, and those that moved from this page onto the one before would be missed.
		// Reading that page again with this one costs one listing; repeats are harmless.
		before, err := a.fortnox.ArticlesPage(ctx, fortnox.ArticlesPageQuery{Since: in.Since, Page: pos.Page - 1, Limit: in.PageSize})
		if err != nil {
			return FetchResult{}, vendorError(err)
		}
		page.Articles = append(before.Articles, page.Articles...)
		page.Undecodable = append(before.Undecodable, page.Undecodable...)
	}
	drop, err := changedAtOrAfter(ctx, in.Until, a.fortnox.ArticleNumbersChangedSince)
	if err != nil {
		return FetchResult{}, err
	}
	page.Articles, _ = without(page.Articles, func(it fortnox.ArticleListItem) string { return strings.TrimSpace(string(it.ArticleNumber)) }, drop)
	page.Undecodable, _ = without(page.Undecodable, func(u clients.Undecodable) string { return u.ID }, drop)
	res := FetchResult{Cursor: pos.ListedAt}
	res.Records, err = a.stockRecords(ctx, in.Plan, page)
	if err != nil {
		return FetchResult{}, err
	}
	if page.Page < page.TotalPages {
		res.NextPageToken = articlesToken{Page: page.Page + 1, ListedAt: pos.ListedAt, Total: page.Total}.encode()
	}
	activity.GetLogger(ctx).Info("fetched article stock", "tenant", a.tenant, "records", len(res.Records),
		"undecodable", len(page.Undecodable), "page", page.Page, "pages", page.TotalPages)
	return res, nil
}

// stockRecords turns a page of list items (and, with the warehouse module, their stock
// balances) into the flow's records.
func (a *StockSource) stockRecords(ctx context.Context, plan mapping.StockPlan, page fortnox.ArticlePage) ([]Record, error) {
	out := make([]Record, 0, len(page.Articles)+len(page.Undecodable))
	arts := make([]mapping.StockArticle, 0, len(page.Articles))
	problems := map[string]string{}
	for _, item := range page.Articles {
		art, problem := stockArticle(item, plan)
		arts = append(arts, art)
		if problem != "" {
			problems[art.Number] = problem
		}
	}
	if plan.Warehouse && len(arts) > 0 && len(plan.Shops) > 0 {
		numbers := make([]string, len(arts))
		for i, art := range arts {
			numbers[i] = art.Number
		}
		balances, bad, err := a.fortnox.StockBalancesEach(ctx, numbers, plan.Points())
		if err != nil {
			return nil, vendorError(err)
		}
		idx := map[string]int{}
		for i, art := range arts {
			idx[art.Number] = i
		}
		for _, b := range balances {
			i, ok := idx[string(b.ItemID)]
			if !ok {
				continue
			}
			if arts[i].Points == nil {
				arts[i].Points = map[string]mapping.StockFigures{}
			}
			if !b.InStock.Valid || !b.AvailableStock.Valid {
				problems[arts[i].Number] = fmt.Sprintf("the stock balance at stock point %s has no inStock or availableStock", b.StockPointCode)
				continue
			}
			arts[i].Points[string(b.StockPointCode)] = mapping.StockFigures{InStock: b.InStock.Decimal, Available: b.AvailableStock.Decimal}
		}
		for _, u := range bad {
			if u.ID != "" {
				problems[u.ID] = "stock balance: " + u.Reason
			}
		}
	}
	for _, art := range arts {
		if p, ok := problems[art.Number]; ok {
			out = append(out, Record{ID: art.Number, Problem: p})
			continue
		}
		out = append(out, NewRecord(art.Number, time.Time{}, art))
	}
	for _, u := range page.Undecodable {
		out = append(out, Record{ID: u.ID, Problem: u.Reason})
	}
	return out, nil
}

// stockArticle reads a list item's figures; a figure the calculation needs that is blank
// is a problem (a number the store could sell from is never guessed).
func stockArticle(item fortnox.ArticleListItem, plan mapping.StockPlan) (mapping.StockArticle, string) {
	art := mapping.StockArticle{Number: string(item.ArticleNumber)}
	art.Article.InStock = item.QuantityInStock.Decimal
	switch {
	case item.DisposableQuantity.Valid:
		art.Article.Available = item.DisposableQuantity.Decimal
	case item.QuantityInStock.Valid && item.ReservedQuantity.Valid:
		art.Article.Available = item.QuantityInStock.Sub(item.ReservedQuantity.Decimal)
	}
	if plan.Warehouse {
		return art, "" // the figures that count are the stock points'
	}
	if !item.QuantityInStock.Valid {
		return art, "QuantityInStock is empty"
	}
	if plan.Calculation == mapping.StockAvailable && !item.DisposableQuantity.Valid && !item.ReservedQuantity.Valid {
		return art, "DisposableQuantity and ReservedQuantity are empty"
	}
	return art, ""
}

// OrderedArticles lists the articles on the orders changed at or after in.Since: one
// listing per 500 changed orders, then one read per order for its rows (list items have
// none). With more than in.Max changed orders it reads none and says Overflow. With an
// Until, the orders changed after it are left out.
func (a *StockSource) OrderedArticles(ctx context.Context, in StockOrderedInput) (StockOrderedResult, error) {
	if err := checkTenant(a.tenant, "changed-by-orders", in.Tenant); err != nil {
		return StockOrderedResult{}, err
	}
	if in.Since.IsZero() {
		return StockOrderedResult{}, InvalidInputError("changed-by-orders: since is zero")
	}
	defer keepAlive(ctx, heartbeatEvery)()
	var docs []string
	for page := 1; ; page++ {
		p, err := a.fortnox.OrdersPage(ctx, fortnox.OrdersPageQuery{Since: in.Since, Page: page})
		if err != nil {
			return StockOrderedResult{}, vendorError(err)
		}
		for _, o := range p.Orders {
			docs = append(docs, string(o.DocumentNumber))
		}
		for _, u := range p.Undecodable {
			if u.ID != "" {
				docs = append(docs, u.ID)
			}
		}
		if len(docs) > in.Max {
			return StockOrderedResult{Orders: len(docs), Overflow: true,
				Summary: fmt.Sprintf("changed-by-orders: more than %d orders changed; this run compares every article", in.Max)}, nil
		}
		if p.Page >= p.TotalPages {
			break
		}
	}
	drop, err := changedAtOrAfter(ctx, in.Until, a.fortnox.OrderNumbersChangedSince)
	if err != nil {
		return StockOrderedResult{}, err
	}
	docs, _ = without(docs, func(d string) string { return strings.TrimSpace(d) }, drop)
	slices.Sort(docs)
	docs = slices.Compact(docs)
	seen := map[string]bool{}
	res := StockOrderedResult{Orders: len(docs)}
	for _, doc := range docs {
		o, err := a.fortnox.Order(ctx, doc)
		if clients.KindOf(err) == clients.NotFound {
			continue
		}
		if err != nil {
			return StockOrderedResult{}, vendorError(err)
		}
		for _, row := range o.OrderRows {
			if n := string(row.ArticleNumber); n != "" && !seen[n] {
				seen[n] = true
				res.Articles = append(res.Articles, n)
			}
		}
	}
	slices.Sort(res.Articles)
	res.Summary = fmt.Sprintf("changed-by-orders: %d orders changed since %s, with %d articles",
		len(docs), in.Since.UTC().Format(time.RFC3339), len(res.Articles))
	return res, nil
}

// ReadArticles reads the stock of the given articles: one articlenumber search each (a
// substring match, so the exact number is kept), and with the warehouse module their
// balances, one request per 100.
func (a *StockSource) ReadArticles(ctx context.Context, in StockReadArticlesInput) (StockReadArticlesResult, error) {
	if err := checkTenant(a.tenant, "read-articles", in.Tenant); err != nil {
		return StockReadArticlesResult{}, err
	}
	defer keepAlive(ctx, heartbeatEvery)()
	var exact fortnox.ArticlePage
	for _, sku := range in.SKUs {
		page, err := a.fortnox.ArticlesPage(ctx, fortnox.ArticlesPageQuery{Number: sku})
		if err != nil {
			return StockReadArticlesResult{}, vendorError(err)
		}
		for _, item := range page.Articles {
			if string(item.ArticleNumber) == sku {
				exact.Articles = append(exact.Articles, item)
			}
		}
		for _, u := range page.Undecodable {
			if u.ID == sku {
				exact.Undecodable = append(exact.Undecodable, u)
			}
		}
	}
	recs, err := a.stockRecords(ctx, in.Plan, exact)
	if err != nil {
		return StockReadArticlesResult{}, err
	}
	return StockReadArticlesResult{Records: recs,
		Summary: fmt.Sprintf("read-articles: %d of %d articles from Fortnox", len(recs), len(in.SKUs))}, nil
}

// Read reads one article's stock again (a record started again, or retried after a fix):
// the articlenumber search is a substring match, so the exact number is kept.
func (a *StockSource) Read(ctx context.Context, in StockReadInput) (StockReadResult, error) {
	if err := checkTenant(a.tenant, "read", in.Tenant); err != nil {
		return StockReadResult{}, err
	}
	if strings.TrimSpace(in.SKU) == "" {
		return StockReadResult{}, InvalidInputError("read: article number is empty")
	}
	page, err := a.fortnox.ArticlesPage(ctx, fortnox.ArticlesPageQuery{Number: in.SKU})
	if err != nil {
		return StockReadResult{}, vendorError(err)
	}
	exact := fortnox.ArticlePage{Page: page.Page, TotalPages: page.TotalPages}
	for _, item := range page.Articles {
		if string(item.ArticleNumber) == in.SKU {
			exact.Articles = append(exact.Articles, item)
		}
	}
	for _, u := range page.Undecodable {
		if u.ID == in.SKU {
			exact.Undecodable = append(exact.Undecodable, u)
		}
	}
	recs, err := a.stockRecords(ctx, in.Plan, exact)
	if err != nil {
		return StockReadResult{}, err
	}
	if len(recs) == 0 {
		return StockReadResult{Summary: fmt.Sprintf("read: Fortnox has no article %s", in.SKU)}, nil
	}
	rec := recs[0]
	summary := fmt.Sprintf("read: article %s from Fortnox", in.SKU)
	if rec.Problem != "" {
		summary += ": " + rec.Problem
	}
	return StockReadResult{Record: rec, Found: true, Summary: summary}, nil
}

// CommittedSales says which of the sales are already Fortnox orders: one listing of the
// orders whose ExternalInvoiceReference1 starts with LS- and that changed since in.Since
// (an order made for a sale changes after the sale, so the window holds it). A cancelled
// order does not count: its reservation no longer holds the sale's units in Fortnox.
func (a *StockSource) CommittedSales(ctx context.Context, in CommittedSalesInput) (CommittedSalesResult, error) {
	if err := checkTenant(a.tenant, "committed-sales", in.Tenant); err != nil {
		return CommittedSalesResult{}, err
	}
	if len(in.SaleIDs) == 0 {
		return CommittedSalesResult{Summary: "committed-sales: no pending sales to look up"}, nil
	}
	if in.Since.IsZero() {
		return CommittedSalesResult{}, InvalidInputError("committed-sales: since is zero")
	}
	orders, err := a.fortnox.OrdersByExternalRefPrefixChangedSince(ctx, mapping.LightspeedReferencePrefix, in.Since)
	if err != nil {
		return CommittedSalesResult{}, vendorError(err)
	}
	have := map[string]bool{}
	for _, o := range orders {
		if !bool(o.Cancelled) {
			have[string(o.ExternalInvoiceReference1)] = true
		}
	}
	var res CommittedSalesResult
	for _, id := range in.SaleIDs {
		if have[mapping.OrderReference(mapping.FlowOrdersToFortnox, id)] {
			res.Committed = append(res.Committed, id)
		}
	}
	slices.Sort(res.Committed)
	res.Summary = fmt.Sprintf("committed-sales: %d of %d completed Lightspeed sales are Fortnox orders", len(res.Committed), len(in.SaleIDs))
	return res, nil
}
