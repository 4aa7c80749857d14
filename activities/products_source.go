package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"fortspeed/clients"
	"fortspeed/clients/fortnox"
	"fortspeed/mapping"
)

// ProductsPrefix is the registered name prefix of the products flow's activities.
const ProductsPrefix = "Products."

// The products flow's own step methods (fetch, enrich and check-exists-page are the
// engine's MethodFetch, MethodEnrich and MethodCheckExistsBatch).
const (
	MethodEnsureCategory = "EnsureCategory"
	MethodCheckItems     = "CheckItems"
	MethodWriteItems     = "WriteItems"
)

// ProductRecordData is a products record as the fetch lists it: the family (or single
// article) and the SKUs of it that changed on the page.
type ProductRecordData struct {
	SKUs []string `json:"skus"`
	// ListedAt is the run's first listing: prices read after it are as new as the run.
	ListedAt time.Time `json:"listed_at,omitzero"`
}

// ProductEnrichInput maps one products record: Key is its family ("TS*") or the number of
// a single article. ListedAt is the run's first listing (zero for a record started again by
// its id alone): a price list read for the same run answers for its prices.
type ProductEnrichInput struct {
	Tenant   string    `json:"tenant"`
	Key      string    `json:"key"`
	ListedAt time.Time `json:"listed_at,omitzero"`
}

// ProductEnrichResult is the record's draft.
type ProductEnrichResult struct {
	Draft   mapping.ProductDraft `json:"draft"`
	Summary string               `json:"summary"`
}

func (r ProductEnrichResult) StepSummary() string { return r.Summary }

// ProductsSource holds the Fortnox steps of the products flow (fetch, enrich): it talks to
// Fortnox only and runs on the fortnox-api queue.
type ProductsSource struct {
	Tenant  string
	Fortnox *fortnox.Client
	Mapper  *mapping.Mapper

	mu        sync.Mutex
	prices    map[string]fortnox.Price // article number → first tier of the price list
	pricesFor time.Time                // the run (its first listing) they were read for
	warehouse *bool                    // whether the warehouse module is on, read once an hour
	checkedAt time.Time
}

// A record of more articles than pricesPerRecord reads the whole price list (500 prices a
// request) instead of one price per article, once per run: a first sync of N articles
// costs N/500 price requests, not N.
const pricesPerRecord = 3

// fieldFetchPage is the page size under variant rule field, whose fetch reads each article
// (about 20 seconds a page at Fortnox's limit).
const fieldFetchPage = 100

// familySearch is the Fortnox article search parameter of each of mapping.FamilyFields.
var familySearch = map[string]string{"manufacturer_article_number": "manufacturerarticlenumber"}

// NewProductsSource returns the Fortnox steps of the products flow.
func NewProductsSource(tenant string, fx *fortnox.Client, m *mapping.Mapper) *ProductsSource {
	return &ProductsSource{Tenant: tenant, Fortnox: fx, Mapper: m}
}

func (a *ProductsSource) check(tenant string) error {
	if a.Fortnox == nil || a.Mapper == nil {
		return ConfigError("products: Fortnox steps built without their client or mapper (use NewProductsSource)")
	}
	return checkTenant(a.Tenant, "products", tenant)
}

// Fetch returns one page of the articles changed at or after in.Since as products records,
// one per family (or single article) on the page. Each page is one Fortnox listing of up to
// 500 articles in the run's fixed lastmodified window, sorted by article number (see
// fortnox.ArticlesPage); the page token carries the first page's listing time, the cursor
// of the run, and the window's article count, so that a deletion while the run pages, which
// moves the later articles one place back, makes the fetch read the page before again
// rather than skip the article that moved onto it. With an Until, the articles changed
// after it are left out (changedAtOrAfter).
func (a *ProductsSource) Fetch(ctx context.Context, in FetchInput) (FetchResult, error) {
	if err := a.check(in.Tenant); err != nil {
		return FetchResult{}, err
	}
	defer keepAlive(ctx, heartbeatEvery)()
	tok, err := parseArticlePageToken(in.PageToken)
	if err != nil {
		return FetchResult{}, err
	}
	size := in.PageSize
	if size <= 0 || size > lsMaxFetchPage {
		size = lsMaxFetchPage
	}
	if a.Mapper.FamilyField() != "" && size > fieldFetchPage {
		size = fieldFetchPage // each article is read, to learn its family
	}
	list, err := a.Fortnox.ArticlesPage(ctx, fortnox.ArticlesPageQuery{Since: in.Since, Page: tok.page, Limit: size})
	if err != nil {
		return FetchResult{}, vendorError(err)
	}
	if tok.listedAt.IsZero() {
		tok.listedAt = list.ListedAt // the run's first listing (a page read again keeps it)
	}
	drop, err := changedAtOrAfter(ctx, in.Until, a.Fortnox.ArticleNumbersChangedSince)
	if err != nil {
		return FetchResult{}, err
	}
	res := FetchResult{Cursor: tok.listedAt}
	byKey := map[string]int{}
	add := func(key, sku, problem string) {
		if i, ok := byKey[key]; ok {
			rec := &res.Records[i]
			var data ProductRecordData
			_ = json.Unmarshal(rec.Data, &data) // written below by this function
			data.SKUs = append(data.SKUs, sku)
			rec.Data, _ = json.Marshal(data)
			if problem != "" && rec.Problem == "" {
				rec.Problem = problem
			}
			return
		}
		byKey[key] = len(res.Records)
		rec := NewRecord(key, time.Time{}, ProductRecordData{SKUs: []string{sku}, ListedAt: tok.listedAt})
		rec.Problem = problem
		res.Records = append(res.Records, rec)
	}
	byField := a.Mapper.FamilyField() != ""
	// A family is one record: one member changed after Until leaves the whole family out,
	// as its record reads every member as it is now. Under rule field only the page's
	// articles say their family.
	late := map[string]bool{}
	if !byField {
		for n := range drop {
			late[a.Mapper.RecordKey(n)] = true
		}
	}
	for _, item := range list.Articles {
		n := strings.TrimSpace(string(item.ArticleNumber))
		if n == "" {
			continue
		}
		key := a.Mapper.RecordKey(n)
		if byField {
			// The listing lacks the field that names the family: read the article.
			full, err := readAgain(ctx, func() (fortnox.Article, error) { return a.Fortnox.Article(ctx, n) })
			switch clients.KindOf(err) {
			case "":
				key = a.Mapper.RecordKeyOf(sourceArticle(full, fortnox.Price{}, false))
			case clients.NotFound:
				continue // deleted since the listing
			case clients.Validation: // malformed: its own record says so
			default:
				return FetchResult{}, vendorError(err)
			}
		}
		if drop[n] {
			late[key] = true
			continue
		}
		add(key, n, "")
	}
	for _, u := range list.Undecodable {
		if u.ID == "" {
			res.Records = append(res.Records, Record{Problem: u.Reason})
			continue
		}
		// Its record reads it in full: the family's other articles sync, and this one is a
		// problem of the record if Fortnox sends it malformed there too.
		if drop[u.ID] {
			late[a.Mapper.RecordKey(u.ID)] = true
			continue
		}
		add(a.Mapper.RecordKey(u.ID), u.ID, "")
	}
	var dropped int
	res.Records, dropped = without(res.Records, func(r Record) string { return r.ID }, late)
	next := tok.page + 1
	if tok.total > 0 && list.Total < tok.total {
		// Articles were deleted since the page before was read: the ones after them moved
		// back, some onto pages already read. Read from where they may have gone.
		back := (tok.total - list.Total + size - 1) / size
		next = max(1, tok.page-back)
		activity.GetLogger(ctx).Info("fetch: articles deleted while paging; reading earlier pages again",
			"deleted", tok.total-list.Total, "from_page", next)
	}
	if tok.page < list.TotalPages || next <= tok.page {
		res.NextPageToken = articlePageToken{page: next, listedAt: tok.listedAt, total: list.Total}.String()
	}
	activity.GetLogger(ctx).Info("fetch: read Fortnox articles", "page", tok.page, "of", list.TotalPages,
		"articles", len(list.Articles), "records", len(res.Records), "undecodable", len(list.Undecodable), "changed_after_until", dropped, "more", res.NextPageToken != "")
	return res, nil
}

// articlePageToken is "<page>@<listing time>@<window count>"; "" is page 1.
type articlePageToken struct {
	page     int
	listedAt time.Time
	total    int
}

func (t articlePageToken) String() string {
	return fmt.Sprintf("%d@%s@%d", t.page, t.listedAt.UTC().Format(time.RFC3339Nano), t.total)
}

func parseArticlePageToken(s string) (articlePageToken, error) {
	if s == "" {
		return articlePageToken{page: 1}, nil
	}
	parts := strings.Split(s, "@")
	bad := InvalidInputError("fetch: page token %q is not <page>@<time>@<count>", s)
	if len(parts) != 3 {
		return articlePageToken{}, bad
	}
	page, err := strconv.Atoi(parts[0])
	if err != nil || page < 1 {
		return articlePageToken{}, bad
	}
	at, err := time.Parse(time.RFC3339Nano, parts[1])
	if err != nil {
		return articlePageToken{}, bad
	}
	total, err := strconv.Atoi(parts[2])
	if err != nil || total < 0 {
		return articlePageToken{}, bad
	}
	return articlePageToken{page: page, listedAt: at, total: total}, nil
}

// Enrich reads the record's articles from Fortnox as they are now (a family's members are
// found by a search on its key, filtered by the grouping rule) with their prices, and maps
// them to a draft. A record whose articles are all gone maps to an empty draft.
func (a *ProductsSource) Enrich(ctx context.Context, in ProductEnrichInput) (ProductEnrichResult, error) {
	if err := a.check(in.Tenant); err != nil {
		return ProductEnrichResult{}, err
	}
	key := strings.TrimSpace(in.Key)
	if key == "" {
		return ProductEnrichResult{}, InvalidInputError("enrich: the products record has no key")
	}
	// A family costs a call per article: a retry after a failed call goes on from the
	// articles the attempts before it read (the heartbeat details), so a flaky API does not
	// make the whole family be read again and again.
	var progress enrichProgress
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &progress) // none usable: start over
	}
	if progress.Numbers == nil {
		numbers := []string{key} // a single article is its own record
		if family, ok := mapping.FamilyOfKey(key); ok {
			field := a.Mapper.FamilyField()
			param := "articlenumber"
			if field != "" {
				param = familySearch[field]
			}
			listed, err := readAgain(ctx, func() ([]fortnox.ArticleListItem, error) { return a.Fortnox.ArticlesMatching(ctx, param, family) })
			if err != nil {
				return ProductEnrichResult{}, vendorError(err)
			}
			numbers = []string{}
			for _, item := range listed {
				// Under rule field the read article says whether it is a member (the filter
				// below); by number, a substring match of another family is left out here.
				if n := strings.TrimSpace(string(item.ArticleNumber)); field != "" || a.Mapper.RecordKey(n) == key {
					numbers = append(numbers, n)
				}
			}
		}
		progress.Numbers = numbers
		activity.RecordHeartbeat(ctx, progress)
	}
	for _, n := range progress.Numbers[progress.Read:] {
		full, err := readAgain(ctx, func() (fortnox.Article, error) { return a.Fortnox.Article(ctx, n) })
		switch clients.KindOf(err) {
		case "":
			progress.Articles = append(progress.Articles, full)
		case clients.NotFound: // deleted since the listing
		case clients.Validation: // sent malformed: the family's other articles go on
			progress.Malformed = append(progress.Malformed, fmt.Sprintf("article %s: Fortnox sends it malformed: %v", n, err))
		default:
			return ProductEnrichResult{}, vendorError(err)
		}
		progress.Read++
		activity.RecordHeartbeat(ctx, progress)
	}
	fulls := progress.Articles
	var articles []mapping.SourceArticle
	prices, err := a.pricesOf(ctx, fulls, in.ListedAt)
	if err != nil {
		return ProductEnrichResult{}, err
	}
	warehouse, err := a.warehouseOn(ctx)
	if err != nil {
		return ProductEnrichResult{}, err
	}
	for _, full := range fulls {
		p, ok := prices[strings.TrimSpace(string(full.ArticleNumber))]
		art := sourceArticle(full, p, ok)
		if a.Mapper.RecordKeyOf(art) != key {
			continue // a substring match of another family's field value, or one that moved
		}
		if !warehouse { // with the module, stock is per stock point: the stock flow's
			art.Stock = &mapping.StockFigures{InStock: full.QuantityInStock.Decimal, Available: full.DisposableQuantity.Decimal}
		}
		articles = append(articles, art)
	}
	if len(articles) == 0 {
		return ProductEnrichResult{Draft: mapping.ProductDraft{Key: key, Problems: progress.Malformed},
			Summary: fmt.Sprintf("enrich: no Fortnox article is %s any more; nothing to sync", key)}, nil
	}
	d, err := a.Mapper.Product(key, articles)
	var bad *mapping.Error
	if errors.As(err, &bad) {
		return ProductEnrichResult{}, NeedsFixError("product " + key + ": " + bad.Error())
	}
	if err != nil {
		return ProductEnrichResult{}, InvalidInputError("enrich product %s: %v", key, err)
	}
	d.Problems = append(progress.Malformed, d.Problems...)
	what := "single article " + key
	if d.Family {
		what = fmt.Sprintf("family %s (%q, %d articles)", key, d.Name, len(articles))
	}
	summary := fmt.Sprintf("enrich: %s → %d Lightspeed items", what, len(d.Items))
	if d.Category != "" {
		summary += ", category " + d.Category
	}
	if len(d.Problems) > 0 {
		summary += fmt.Sprintf("; %d articles need a fix", len(d.Problems))
	}
	return ProductEnrichResult{Draft: d, Summary: summary}, nil
}

// warehouseOn says whether the Fortnox warehouse module is on, asking once an hour: an
// administrator turns it on once, never through the API.
func (a *ProductsSource) warehouseOn(ctx context.Context) (bool, error) {
	a.mu.Lock()
	known, at := a.warehouse, a.checkedAt
	a.mu.Unlock()
	if known != nil && time.Since(at) < time.Hour {
		return *known, nil
	}
	st, err := readAgain(ctx, func() (fortnox.WarehouseStatus, error) { return a.Fortnox.WarehouseStatus(ctx) })
	if err != nil {
		return false, vendorError(err)
	}
	on := bool(st.Activated)
	a.mu.Lock()
	a.warehouse, a.checkedAt = &on, time.Now()
	a.mu.Unlock()
	return on, nil
}

// pricesOf returns the first tier of the price list for each article that has one: one
// request per article for a small record (or one the run does not name), else from the
// whole list, read once per run (run: its first listing time), and one request for an
// article the list read did not have (made since).
func (a *ProductsSource) pricesOf(ctx context.Context, articles []fortnox.Article, run time.Time) (map[string]fortnox.Price, error) {
	list := a.Mapper.Settings().Products.PriceList
	out := map[string]fortnox.Price{}
	var single []string
	if run.IsZero() || len(articles) <= pricesPerRecord {
		for _, art := range articles {
			single = append(single, strings.TrimSpace(string(art.ArticleNumber)))
		}
	} else {
		a.mu.Lock()
		cached := a.prices
		if !a.pricesFor.Equal(run) {
			cached = nil
		}
		a.mu.Unlock()
		if cached == nil {
			all, err := readAgain(ctx, func() ([]fortnox.Price, error) { return a.Fortnox.Prices(ctx, list) })
			if err != nil {
				return nil, vendorError(err)
			}
			cached = map[string]fortnox.Price{}
			for _, p := range all {
				if p.FromQuantity.Decimal.IsZero() {
					cached[strings.TrimSpace(string(p.ArticleNumber))] = p
				}
			}
			a.mu.Lock()
			a.prices, a.pricesFor = cached, run
			a.mu.Unlock()
		}
		for _, art := range articles {
			n := strings.TrimSpace(string(art.ArticleNumber))
			if p, ok := cached[n]; ok {
				out[n] = p
			} else {
				single = append(single, n)
			}
		}
	}
	for _, n := range single {
		p, ok, err := readAgain2(ctx, func() (fortnox.Price, bool, error) { return a.Fortnox.ArticlePrice(ctx, list, n) })
		if err != nil {
			return nil, vendorError(err)
		}
		if ok {
			out[n] = p
		}
	}
	return out, nil
}

// readAgain runs a read up to readTries times while it fails for a reason a retry can
// fix (a 5xx; a 429 after the wait it names), at least a second apart: a step that makes
// many reads would otherwise start over, and mostly fail again, at every flaky answer.
// Other errors, and the last one, are returned as they are, for Temporal's retries.
func readAgain[T any](ctx context.Context, read func() (T, error)) (T, error) {
	const readTries = 3
	for try := 1; ; try++ {
		v, err := read()
		kind := clients.KindOf(err)
		if err == nil || try == readTries || (kind != clients.Transient && kind != clients.RateLimited) {
			return v, err
		}
		wait := time.Second
		var ce *clients.Error
		if errors.As(err, &ce) && ce.RetryAfter > wait {
			wait = ce.RetryAfter
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(wait):
		}
	}
}

// readAgain2 is readAgain for a read that also says whether it found anything.
func readAgain2[T any](ctx context.Context, read func() (T, bool, error)) (T, bool, error) {
	type found struct {
		v  T
		ok bool
	}
	got, err := readAgain(ctx, func() (found, error) {
		v, ok, err := read()
		return found{v, ok}, err
	})
	return got.v, got.ok, err
}

// enrichProgress is what an Enrich attempt has read so far: the record's article numbers
// and the full articles of the first Read of them.
type enrichProgress struct {
	Numbers   []string          `json:"numbers"`
	Read      int               `json:"read"`
	Articles  []fortnox.Article `json:"articles,omitempty"`
	Malformed []string          `json:"malformed,omitempty"`
}

// sourceArticle is the neutral shape of a full Fortnox article and its price.
func sourceArticle(a fortnox.Article, p fortnox.Price, hasPrice bool) mapping.SourceArticle {
	return mapping.SourceArticle{
		Number: strings.TrimSpace(string(a.ArticleNumber)), Description: a.Description, EAN: string(a.EAN),
		Unit: string(a.Unit), Manufacturer: a.Manufacturer, ManufacturerNumber: string(a.ManufacturerArticleNumber),
		Note: a.Note, StockPlace: string(a.StockPlace), Type: a.Type,
		Price: p.Price.Decimal, HasPrice: hasPrice && p.Price.Valid,
		PurchasePrice: a.PurchasePrice.Decimal, VAT: a.VAT.Decimal, HasVAT: a.VAT.Valid,
		Weight: a.Weight.Decimal, Active: bool(a.Active), Expired: bool(a.Expired), Webshop: bool(a.WebshopArticle),
	}
}
