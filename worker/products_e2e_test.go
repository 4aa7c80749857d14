package main

// Whole-stack tests of the products flow: a generated Fortnox catalogue synced into an
// empty Lightspeed account, and what later runs write. They assert what the sandboxes
// hold and how many writes the Lightspeed sandbox served, not timings.

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
	"fortspeed/sandbox/demo"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// productSettings are the settings of the product tests: the demo store's tables and
// feature, with products lines (indented under products:) of the test's own.
func productSettings(products string) string {
	return baseSettings + demo.SettingsTables + "products:\n" + demo.SettingsFeatures + products
}

// productStack is a stack whose Fortnox holds a generated catalogue of n articles in
// families families and whose Lightspeed holds no items yet; no worker runs yet. products
// are settings lines under products: (indented).
func productStack(t testing.TB, n, families int, products string) (*stack, demo.Catalogue, *lightspeed.Client) {
	t.Helper()
	settings := productSettings(products)
	// The sandbox runs without limits; the worker's Fortnox pacer may go faster too.
	s := startStack(t, stackOptions{settings: settings, webhook: true,
		extraEnv: map[string]string{"FORTSPEED_FORTNOX_REQUESTS_PER_5S": "250"}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.sandboxCall(ctx, http.MethodPost, s.fortnoxURL+"/_sandbox/reset",
		testapi.ResetRequest{Seed: "catalogue", Articles: n, Families: families, RandomSeed: 1}, nil)
	s.sandboxCall(ctx, http.MethodPost, s.lightspeedURL+"/_sandbox/reset", testapi.ResetRequest{Seed: "empty"}, nil)
	ls, err := lightspeed.New(lightspeed.Config{BaseURL: s.lightspeedURL, AccountID: 316401,
		Tokens: mintToken(ctx, s, s.lightspeedURL), Timeout: 10 * time.Second})
	require.NoError(t, err)
	// Fortnox's lastmodified filter is by the minute: the first run starts in a later
	// minute than the seed, as it would in a real account.
	s.advanceClocks(ctx, 2*time.Minute)
	return s, demo.Generate(n, families, 50, 1), ls
}

// lightspeedCatalogue is what the Lightspeed sandbox holds, by SKU.
type lightspeedCatalogue struct {
	items      map[string]lightspeed.Item
	matrices   map[int64]lightspeed.ItemMatrix
	categories map[int64]string // id → full path
	fields     map[int64]string // custom field id → name
}

func readLightspeed(ctx context.Context, t *testing.T, ls *lightspeed.Client, skus []string) lightspeedCatalogue {
	t.Helper()
	all, _, err := ls.ItemsChangedSince(ctx, time.Time{}, 0)
	require.NoError(t, err)
	seen := map[string]int{}
	for _, it := range all {
		seen[it.CustomSku]++
	}
	for sku, n := range seen {
		require.Equal(t, 1, n, "customSku %s is on %d items", sku, n)
	}
	require.Len(t, all, len(skus), "one item per article")
	items, err := ls.ProductItemsBySKU(ctx, skus)
	require.NoError(t, err)
	out := lightspeedCatalogue{items: map[string]lightspeed.Item{}, matrices: map[int64]lightspeed.ItemMatrix{},
		categories: map[int64]string{}, fields: map[int64]string{}}
	for _, it := range items {
		out.items[it.CustomSku] = it
	}
	matrices, err := ls.ItemMatrices(ctx)
	require.NoError(t, err)
	for _, m := range matrices {
		out.matrices[int64(m.ItemMatrixID)] = m
	}
	cats, err := ls.Categories(ctx)
	require.NoError(t, err)
	for _, c := range cats {
		out.categories[int64(c.CategoryID)] = c.FullPathName
	}
	fields, err := ls.ItemCustomFields(ctx)
	require.NoError(t, err)
	for _, f := range fields {
		out.fields[int64(f.CustomFieldID)] = f.Name
	}
	return out
}

// lightspeedWrites counts the item, matrix, category and custom field writes the
// Lightspeed sandbox served since its stats were reset.
func lightspeedWrites(ctx context.Context, s *stack) (items, total int64) {
	st := s.stats(ctx, s.lightspeedURL)
	for ep, n := range st.Requests {
		if strings.HasPrefix(ep, "GET ") {
			continue
		}
		total += n
		if strings.HasSuffix(ep, "/Item") || strings.HasSuffix(ep, "/Item/{id}") {
			items += n
		}
	}
	return items, total
}

var demoColours = map[string]string{"Svart": "Svart", "Vit": "Vit", "Marinblå": "Marinblå", "Grå": "Grå",
	"Röd": "Röd", "Grön": "Grön", "Beige": "Beige", "Ljusblå": "Ljusblå"}

// familiesOf groups a catalogue's variants by family and lists every SKU.
func familiesOf(cat demo.Catalogue) (map[string][]demo.Article, []string) {
	families := map[string][]demo.Article{}
	var skus []string
	for _, a := range cat.Articles {
		skus = append(skus, a.Number)
		if a.Family != "" {
			families[a.Family] = append(families[a.Family], a)
		}
	}
	return families, skus
}

func TestProductsCatalogueFirstRunThenOnlyWhatChanged(t *testing.T) {
	s, cat, ls := productStack(t, 500, 50, "")
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	first := s.runFlow(ctx, workflows.FlowProducts, time.Time{})
	require.Zero(t, s.waitSettled(ctx, workflows.FlowProducts), "no record needs a fix")
	families, skus := familiesOf(cat)
	require.Len(t, families, 50)
	singles := len(cat.Articles)
	for _, members := range families {
		singles -= len(members)
	}
	t.Logf("first run (%d families, %d single articles): %+v", len(families), singles, first)
	assert.Equal(t, len(families)+singles, first.Committed, "one record per family and per single article: %+v", first)
	assert.Zero(t, first.Failed+first.NeedsFix, "%+v", first)
	lsCat := checkCatalogue(ctx, t, cat, ls)

	// A run with nothing changed writes nothing and costs a handful of calls.
	// A run with nothing changed writes nothing and costs a handful of calls.
	resetStats(ctx, s)
	again := s.runFlow(ctx, workflows.FlowProducts, first.Cursor)
	s.waitSettled(ctx, workflows.FlowProducts)
	_, writes := lightspeedWrites(ctx, s)
	assert.Zero(t, writes, "nothing changed: %+v", again)
	assert.Zero(t, again.Committed+again.Updated, "%+v", again)
	calls := s.stats(ctx, s.fortnoxURL).Total + s.stats(ctx, s.lightspeedURL).Total
	t.Logf("a run with nothing changed: %d calls", calls)
	assert.LessOrEqual(t, calls, int64(5), "a run with nothing to do: %d calls", calls)

	// Ten edited articles: exactly ten item updates.
	var edited []string
	for i := 0; i < len(cat.Articles) && len(edited) < 10; i += 47 {
		a := cat.Articles[i]
		s.fortnoxAPI(ctx, http.MethodPut, "/3/articles/"+a.Number,
			map[string]any{"Article": map[string]any{"Description": a.Description + " ny"}}, nil)
		edited = append(edited, a.Number)
	}
	s.advanceClocks(ctx, time.Minute)
	resetStats(ctx, s)
	edits := s.runFlow(ctx, workflows.FlowProducts, again.Cursor)
	require.Zero(t, s.waitSettled(ctx, workflows.FlowProducts))
	itemWrites, writes := lightspeedWrites(ctx, s)
	assert.EqualValues(t, 10, itemWrites, "one update per edited article: %+v", edits)
	assert.EqualValues(t, 10, writes, "and nothing else")
	lsCat = readLightspeed(ctx, t, ls, skus)
	for _, sku := range edited {
		assert.True(t, strings.HasSuffix(lsCat.items[sku].Description, " ny"), sku)
	}

	// A long description written in Lightspeed survives an update of its article.
	shop := cat.Articles[3]
	item := lsCat.items[shop.Number]
	_, err := ls.UpdateItem(ctx, int64(item.ItemID), lightspeed.ItemInput{ECommerce: &lightspeed.ItemECommerceInput{
		LongDescription: ptrTo("Butikens egen text.")}})
	require.NoError(t, err)
	s.fortnoxAPI(ctx, http.MethodPut, "/3/articles/"+shop.Number,
		map[string]any{"Article": map[string]any{"Note": "Ny text från Fortnox.", "Description": shop.Description + " uppdaterad"}}, nil)
	s.advanceClocks(ctx, time.Minute)
	s.runFlow(ctx, workflows.FlowProducts, edits.Cursor)
	require.Zero(t, s.waitSettled(ctx, workflows.FlowProducts))
	got, err := ls.ProductItemsBySKU(ctx, []string{shop.Number})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, shop.Description+" uppdaterad", got[0].Description)
	assert.Equal(t, "Butikens egen text.", got[0].ItemECommerce.LongDescription, "update_description is off")
}

// checkCatalogue asserts that Lightspeed holds exactly the items, matrices, attribute
// values, custom fields, categories and prices the catalogue maps to with the default
// settings, and returns what it read.
func checkCatalogue(ctx context.Context, t *testing.T, cat demo.Catalogue, ls *lightspeed.Client) lightspeedCatalogue {
	t.Helper()
	families, skus := familiesOf(cat)
	lsCat := readLightspeed(ctx, t, ls, skus)
	require.Len(t, lsCat.matrices, len(families), "one matrix per family")
	fieldID := int64(0)
	for id, name := range lsCat.fields {
		if name == "Tillverkare" {
			fieldID = id
		}
	}
	require.NotZero(t, fieldID, "the feature's custom field was made")
	assert.Len(t, lsCat.fields, 1, "the custom field was made once")
	wantPaths := map[string]bool{}
	for _, path := range lsCat.categories {
		wantPaths[path] = true
	}
	for _, a := range cat.Articles {
		it, ok := lsCat.items[a.Number]
		require.True(t, ok, "item %s", a.Number)
		assert.Equal(t, a.Description, it.Description, a.Number)
		want := a.Price.Mul(decimal.NewFromInt(int64(100 + a.VAT))).Div(decimal.NewFromInt(100)).Round(2)
		require.NotEmpty(t, it.Prices, a.Number)
		assert.True(t, mappingPrice(it).Equal(want), "%s: price %s, want %s incl. VAT", a.Number, mappingPrice(it), want)
		assert.True(t, it.DefaultCost.Equal(a.PurchasePrice), "%s: cost %s, want %s", a.Number, it.DefaultCost, a.PurchasePrice)
		assert.Equal(t, a.EAN, it.EAN, a.Number)
		require.NotNil(t, it.ItemECommerce, a.Number)
		assert.Equal(t, a.LongDescription, it.ItemECommerce.LongDescription, a.Number)
		assert.Equal(t, a.Description, it.ItemECommerce.ShortDescription, a.Number)
		require.Len(t, it.CustomFields, 1, a.Number)
		assert.Equal(t, a.Manufacturer, it.CustomFields[0].Value, a.Number)
		assert.Equal(t, fieldID, int64(it.CustomFields[0].CustomFieldID))
		if a.Family == "" {
			assert.Zero(t, it.ItemMatrixID, "%s is a single item", a.Number)
			assert.Zero(t, it.CategoryID, "%s: no prefix of the category table starts it", a.Number)
			continue
		}
		m, ok := lsCat.matrices[int64(it.ItemMatrixID)]
		require.True(t, ok, "%s is in a matrix", a.Number)
		assert.Equal(t, a.FamilyName, m.Description, a.Number)
		assert.Equal(t, a.Category, lsCat.categories[int64(it.CategoryID)], a.Number)
		require.NotNil(t, it.ItemAttributes, a.Number)
		assert.Equal(t, demoColours[a.Colour], it.ItemAttributes.Attribute1, a.Number)
		assert.Equal(t, strings.ToUpper(strings.ReplaceAll(a.Size, " ", "")), it.ItemAttributes.Attribute2, a.Number)
		assert.EqualValues(t, 1, it.ItemAttributes.ItemAttributeSetID, "Color/Size")
	}
	// Each new item started with the article's stock in the stock shop (shop 1).
	withStock, err := ls.ItemsBySKU(ctx, skus)
	require.NoError(t, err)
	qoh := map[string]decimal.Decimal{}
	for _, it := range withStock {
		for _, shop := range it.ItemShops {
			if shop.ShopID == 1 {
				qoh[it.CustomSku] = shop.QOH.Decimal
			}
		}
	}
	for _, a := range cat.Articles {
		assert.True(t, qoh[a.Number].Equal(a.Stock.Floor()), "%s: qoh %s, want %s", a.Number, qoh[a.Number], a.Stock.Floor())
	}
	// Each family's items share one matrix.
	for fam, members := range families {
		ids := map[int64]bool{}
		for _, a := range members {
			ids[int64(lsCat.items[a.Number].ItemMatrixID)] = true
		}
		assert.Len(t, ids, 1, "family %s", fam)
	}

	return lsCat
}

func mappingPrice(it lightspeed.Item) decimal.Decimal {
	return mapping.ItemStateOf(it, "Default").Price
}

func ptrTo[T any](v T) *T { return &v }

// advanceClocks moves both sandboxes' clocks on, so that what is written next is stamped
// after the cursor of the run before (a run's cursor is its first listing, less a margin).
func (s *stack) advanceClocks(ctx context.Context, d time.Duration) {
	for _, url := range []string{s.fortnoxURL, s.lightspeedURL} {
		s.sandboxCall(ctx, http.MethodPut, url+"/_sandbox/clock", testapi.ClockRequest{AdvanceSeconds: d.Seconds()}, nil)
	}
}

func TestProductsBadArticlesNeedAFixTheRestSync(t *testing.T) {
	s, cat, ls := productStack(t, 70, 5, "")
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var singles []demo.Article
	for _, a := range cat.Articles {
		if a.Family == "" {
			singles = append(singles, a)
		}
	}
	require.GreaterOrEqual(t, len(singles), 6)
	badEAN, noDescription, longName, noPrice, takenEAN, twice := singles[0], singles[1], singles[2], singles[3], singles[4], singles[5]
	// An item made in the POS before the integration already has one article's EAN, and two
	// made by hand carry another article's SKU.
	_, err := ls.CreateItem(ctx, lightspeed.ItemInput{Description: ptrTo("Gammal vara från kassan"), EAN: ptrTo(takenEAN.EAN)})
	require.NoError(t, err)
	for range 2 {
		_, err := ls.CreateItem(ctx, lightspeed.ItemInput{Description: ptrTo("Handgjord"), CustomSku: ptrTo(twice.Number)})
		require.NoError(t, err)
	}
	s.fortnoxAPI(ctx, http.MethodPut, "/3/articles/"+badEAN.Number, map[string]any{"Article": map[string]any{"EAN": "7350000000015"}}, nil)
	s.fortnoxAPI(ctx, http.MethodPut, "/3/articles/"+longName.Number, map[string]any{"Article": map[string]any{"Note": strings.Repeat("Lång text. ", 30)}}, nil)
	s.fortnoxAPI(ctx, http.MethodDelete, "/3/prices/A/"+noPrice.Number+"/0", nil, nil)
	// Fortnox requires a description of at most 200 characters, so a missing name and one
	// over Lightspeed's 255 are an expression's doing.
	s.stopWorker()
	s.writeSettings(productSettings("") + `mappings:
  products:
    name: 'article.number == "` + noDescription.Number + `" ? "" : article.number == "` + longName.Number + `" ? article.description + " " + article.note : trim(article.description)'
`)
	s.startWorker()

	res := s.runFlow(ctx, workflows.FlowProducts, time.Time{})
	assert.Equal(t, 6, s.waitSettled(ctx, workflows.FlowProducts), "%+v", res)
	out := s.outcomes(ctx, workflows.FlowProducts)
	reasons := map[string]string{}
	for key, o := range out {
		if o.Status == workflows.StatusNeedsFix {
			notes := s.webhook.mentioning(o.WorkflowID)
			require.Len(t, notes, 1, o.WorkflowID)
			reasons[strings.TrimPrefix(key, "article:")] = notes[0]
		}
	}
	assert.Contains(t, reasons[badEAN.Number], "is not a valid EAN")
	assert.Contains(t, reasons[noDescription.Number], "the article has no description")
	assert.Contains(t, reasons[longName.Number], "Lightspeed takes at most 255")
	assert.Contains(t, reasons[noPrice.Number], "no price in Fortnox price list A")
	assert.Contains(t, reasons[takenEAN.Number], "Lightspeed refused the item")
	assert.Contains(t, reasons[twice.Number], "is on 2 Lightspeed items")
	dup, err := ls.ProductItemsBySKU(ctx, []string{twice.Number})
	require.NoError(t, err)
	assert.Len(t, dup, 2, "nothing made or changed for a SKU on two items")
	for sku, reason := range reasons {
		t.Logf("needs_fix %s: %s", sku, reason)
	}

	var good []string
	for _, a := range cat.Articles {
		if _, bad := reasons[a.Number]; !bad && a.Number != twice.Number {
			good = append(good, a.Number)
		}
	}
	items, err := ls.ProductItemsBySKU(ctx, good)
	require.NoError(t, err)
	assert.Len(t, items, len(good), "every other article synced")

	// Fixed in Fortnox and retried: the record writes what it could not before.
	s.fortnoxAPI(ctx, http.MethodPut, "/3/articles/"+badEAN.Number, map[string]any{"Article": map[string]any{"EAN": badEAN.EAN}}, nil)
	s.retry(ctx, out["article:"+badEAN.Number].WorkflowID)
	waitFor(ctx, t, "the fixed article to sync", func() bool {
		return s.recordStatus(ctx, out["article:"+badEAN.Number].WorkflowID) == workflows.StatusCommitted
	})
	items, err = ls.ProductItemsBySKU(ctx, []string{badEAN.Number})
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, badEAN.EAN, items[0].EAN)

	// Fixed in Fortnox, and the next run sees the change: the waiting record is asked to
	// read the article again, without a retry by hand.
	s.fortnoxAPI(ctx, http.MethodPost, "/3/prices", map[string]any{"Price": map[string]any{
		"ArticleNumber": noPrice.Number, "PriceList": "A", "FromQuantity": 0, "Price": noPrice.Price}}, nil)
	s.fortnoxAPI(ctx, http.MethodPut, "/3/articles/"+noPrice.Number, map[string]any{"Article": map[string]any{"Note": "Pris satt."}}, nil)
	s.advanceClocks(ctx, time.Minute)
	again := s.runFlow(ctx, workflows.FlowProducts, res.Cursor)
	assert.GreaterOrEqual(t, again.InProgress, 1, "the parked record was still running: %+v", again)
	waitFor(ctx, t, "the record of the priced article to sync", func() bool {
		return s.recordStatus(ctx, out["article:"+noPrice.Number].WorkflowID) == workflows.StatusCommitted
	})
	items, err = ls.ProductItemsBySKU(ctx, []string{noPrice.Number})
	require.NoError(t, err)
	require.Len(t, items, 1)
}

// TestProductsFaultsAndKills syncs the catalogue with faults injected on both vendors (5xx,
// 429, writes whose answer is lost) and the worker processes killed twice mid-run: the end
// state is exactly that of a clean run.
func TestProductsFaultsAndKills(t *testing.T) {
	s, cat, ls := productStack(t, 500, 50, "")
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	s.workerBinary() // build before the clock matters
	s.setFaults(ctx, faultsOfIssue4(), faultsOfIssue4())
	s.startWorkerProcess()
	run := s.startFlow(ctx, workflows.FlowProducts, time.Time{})
	done := func() int64 {
		return s.count(ctx, "WorkflowType = 'RecordSync' AND SyncFlow = 'products' AND ExecutionStatus = 'Completed'")
	}
	waitFor(ctx, t, "30 records done", func() bool { return done() >= 30 })
	s.kill()
	t.Logf("killed the worker with %d records done", done())
	s.startWorkerProcess()
	n := done()
	waitFor(ctx, t, "20 more records done", func() bool { return done() >= n+20 })
	s.kill()
	t.Logf("killed the worker again with %d records done", done())
	s.startWorkerProcess()
	res := s.waitParent(ctx, run)
	require.Zero(t, s.waitSettled(ctx, workflows.FlowProducts), "no record needs a fix: %+v", res)
	s.setFaults(ctx, noFaults(), noFaults())
	t.Logf("faults: %+v", res)
	checkCatalogue(ctx, t, cat, ls)
}

// TestProductsMoveIntoAndOutOfFamilies syncs the catalogue as single items, then with the
// variant rule on, then off again: items move into their matrices and out, never twice.
func TestProductsMoveIntoAndOutOfFamilies(t *testing.T) {
	s, cat, ls := productStack(t, 40, 4, "  variant_grouping: {rule: none}\n")
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	families, skus := familiesOf(cat)
	s.runFlow(ctx, workflows.FlowProducts, time.Time{})
	require.Zero(t, s.waitSettled(ctx, workflows.FlowProducts))
	lsCat := readLightspeed(ctx, t, ls, skus)
	for _, it := range lsCat.items {
		assert.Zero(t, it.ItemMatrixID, "rule none: %s is a single item", it.CustomSku)
	}

	s.stopWorker()
	s.writeSettings(productSettings(""))
	s.startWorker()
	res := s.runFlow(ctx, workflows.FlowProducts, time.Time{})
	require.Zero(t, s.waitSettled(ctx, workflows.FlowProducts))
	t.Logf("with the variant rule: %+v", res)
	checkCatalogue(ctx, t, cat, ls)

	s.stopWorker()
	s.writeSettings(productSettings("  variant_grouping: {rule: none}\n"))
	s.startWorker()
	s.runFlow(ctx, workflows.FlowProducts, time.Time{})
	require.Zero(t, s.waitSettled(ctx, workflows.FlowProducts))
	lsCat = readLightspeed(ctx, t, ls, skus)
	for _, members := range families {
		for _, a := range members {
			assert.Zero(t, lsCat.items[a.Number].ItemMatrixID, "%s left its matrix", a.Number)
		}
	}
}

// TestProductsArchiveInactive archives the item of an article made inactive in Fortnox
// when archive_inactive is on, and brings it back when the article is active again.
func TestProductsArchiveInactive(t *testing.T) {
	s, cat, ls := productStack(t, 20, 2, "  archive_inactive: true\n")
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	first := s.runFlow(ctx, workflows.FlowProducts, time.Time{})
	require.Zero(t, s.waitSettled(ctx, workflows.FlowProducts))
	a := cat.Articles[len(cat.Articles)-1]
	require.Empty(t, a.Family, "the last articles are single")

	s.fortnoxAPI(ctx, http.MethodPut, "/3/articles/"+a.Number, map[string]any{"Article": map[string]any{"Active": false}}, nil)
	s.advanceClocks(ctx, time.Minute)
	second := s.runFlow(ctx, workflows.FlowProducts, first.Cursor)
	require.Zero(t, s.waitSettled(ctx, workflows.FlowProducts))
	assert.Equal(t, 1, second.Updated, "%+v", second)
	items, err := ls.ProductItemsBySKU(ctx, []string{a.Number})
	require.NoError(t, err)
	require.Len(t, items, 1, "archived, not deleted, not made again")
	assert.True(t, bool(items[0].Archived))

	s.fortnoxAPI(ctx, http.MethodPut, "/3/articles/"+a.Number, map[string]any{"Article": map[string]any{"Active": true}}, nil)
	s.advanceClocks(ctx, time.Minute)
	s.runFlow(ctx, workflows.FlowProducts, second.Cursor)
	require.Zero(t, s.waitSettled(ctx, workflows.FlowProducts))
	items, err = ls.ProductItemsBySKU(ctx, []string{a.Number})
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.False(t, bool(items[0].Archived), "active again: the same item is back")
}

// TestProductsAttributeTheSetCannotTake: with the Size set, which has no attribute 1, every
// variant's colour has no place; its family waits as needs_fix naming it, no empty matrix is
// left behind, and the single articles sync.
func TestProductsAttributeTheSetCannotTake(t *testing.T) {
	s, cat, ls := productStack(t, 20, 2, "  attribute_set: Size\n")
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	families, _ := familiesOf(cat)
	res := s.runFlow(ctx, workflows.FlowProducts, time.Time{})
	assert.Equal(t, len(families), s.waitSettled(ctx, workflows.FlowProducts), "%+v", res)
	for fam := range families {
		wf := workflows.RecordWorkflowID(workflows.DefaultTenant, workflows.FlowProducts, "article:"+fam+"*")
		notes := s.webhook.mentioning(wf)
		require.Len(t, notes, 1, wf)
		assert.Contains(t, notes[0], `cannot go in attribute set "Size", which has no attribute 1`)
	}
	matrices, err := ls.ItemMatrices(ctx)
	require.NoError(t, err)
	assert.Empty(t, matrices, "no matrix for a family none of whose items could be written")
	var singles []string
	for _, a := range cat.Articles {
		if a.Family == "" {
			singles = append(singles, a.Number)
		}
	}
	items, err := ls.ProductItemsBySKU(ctx, singles)
	require.NoError(t, err)
	assert.Len(t, items, len(singles))
}

// TestProductsFamiliesByAField groups variants by an article field (the manufacturer's
// article number, a style number) instead of a pattern over the article number.
func TestProductsFamiliesByAField(t *testing.T) {
	s, cat, ls := productStack(t, 20, 2, `  variant_grouping: {rule: field, field: manufacturer_article_number}
  attributes:
    attribute1: lookup("colours", split(article.number, "-")[1], "")
    attribute2: split(article.number, "-")[2]
`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	families, skus := familiesOf(cat)
	require.Len(t, families, 2)
	for fam, members := range families {
		for _, a := range members {
			s.fortnoxAPI(ctx, http.MethodPut, "/3/articles/"+a.Number,
				map[string]any{"Article": map[string]any{"ManufacturerArticleNumber": "STYLE-" + fam}}, nil)
		}
	}
	s.startWorker()
	res := s.runFlow(ctx, workflows.FlowProducts, time.Time{})
	require.Zero(t, s.waitSettled(ctx, workflows.FlowProducts), "%+v: %v", res, s.webhook.texts())
	out := s.outcomes(ctx, workflows.FlowProducts)
	lsCat := readLightspeed(ctx, t, ls, skus)
	require.Len(t, lsCat.matrices, 2, "one matrix per style number")
	for fam, members := range families {
		assert.Equal(t, workflows.StatusCommitted, out["article:STYLE-"+fam+"*"].Status, "the family's record")
		matrix := lsCat.items[members[0].Number].ItemMatrixID
		require.NotZero(t, matrix, fam)
		assert.Equal(t, members[0].FamilyName, lsCat.matrices[int64(matrix)].Description)
		for _, a := range members {
			it := lsCat.items[a.Number]
			assert.Equal(t, matrix, it.ItemMatrixID, a.Number)
			require.NotNil(t, it.ItemAttributes, a.Number)
			assert.Equal(t, a.Colour, it.ItemAttributes.Attribute1, a.Number)
		}
	}
	for _, a := range cat.Articles {
		if a.Family == "" {
			assert.Zero(t, lsCat.items[a.Number].ItemMatrixID, "%s has no style number: a single item", a.Number)
		}
	}
}
