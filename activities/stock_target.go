package activities

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/activity"

	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
)

// StockTarget holds the Lightspeed steps of the stock flow (check shops, pending sales,
// compare a page, write one item): it talks to Lightspeed only and runs on the
// lightspeed-api queue. Register it with StockPrefix.
type StockTarget struct {
	tenant     string
	lightspeed *lightspeed.Client
}

// NewStockTarget builds the Lightspeed steps of one tenant's stock flow.
func NewStockTarget(tenant string, ls *lightspeed.Client) (*StockTarget, error) {
	switch {
	case strings.TrimSpace(tenant) == "":
		return nil, errors.New("stock activities: tenant is empty")
	case ls == nil:
		return nil, fmt.Errorf("stock activities of tenant %s: the Lightspeed client is required", tenant)
	}
	return &StockTarget{tenant: tenant, lightspeed: ls}, nil
}

// CheckShops keeps the plan's shops that Lightspeed has (not archived), with one listing
// of the shops, and names each one it leaves out by its setting: a stock point mapped to a
// shop that does not exist is a configuration problem found before anything is written.
func (a *StockTarget) CheckShops(ctx context.Context, in StockCheckShopsInput) (StockCheckShopsResult, error) {
	if err := checkTenant(a.tenant, "check-shops", in.Tenant); err != nil {
		return StockCheckShopsResult{}, err
	}
	shops, err := a.lightspeed.Shops(ctx)
	if err != nil {
		return StockCheckShopsResult{}, vendorError(err)
	}
	have := map[int64]bool{}
	var names []string
	for _, s := range shops {
		if bool(s.Archived) || int64(s.ShopID) <= 0 {
			continue
		}
		have[int64(s.ShopID)] = true
		names = append(names, fmt.Sprintf("%d %s", int64(s.ShopID), s.Name))
	}
	list := strings.Join(names, ", ")
	if list == "" {
		list = "none"
	}
	res := StockCheckShopsResult{Plan: in.Plan}
	res.Plan.Shops = nil
	for _, shop := range in.Plan.Shops {
		if have[shop.ShopID] {
			res.Plan.Shops = append(res.Plan.Shops, shop)
			continue
		}
		setting := "stock.shop_id"
		if len(shop.Points) > 0 {
			setting = "stock.stock_points." + strings.Join(shop.Points, ", stock.stock_points.")
		}
		res.Problems = append(res.Problems, fmt.Sprintf("%s: Lightspeed has no shop %d (shops: %s)", setting, shop.ShopID, list))
	}
	res.Summary = fmt.Sprintf("check-shops: %d of %d mapped Lightspeed shops exist", len(res.Plan.Shops), len(in.Plan.Shops))
	return res, nil
}

// PendingSales lists the completed sales changed at or after in.Since (one listing per 100
// sales) and reads the sales in.SaleIDs (older ones the order flow has not committed), with
// their lines. Voided sales and sales that came from Fortnox orders are left out.
func (a *StockTarget) PendingSales(ctx context.Context, in PendingSalesInput) (PendingSalesResult, error) {
	if err := checkTenant(a.tenant, "pending-sales", in.Tenant); err != nil {
		return PendingSalesResult{}, err
	}
	defer keepAlive(ctx, heartbeatEvery)()
	var res PendingSalesResult
	seen := map[int64]bool{}
	add := func(s lightspeed.Sale) {
		id := int64(s.SaleID)
		if seen[id] || !bool(s.Completed) || bool(s.Voided) || strings.EqualFold(s.ReferenceNumberSource, "Fortnox") {
			return
		}
		seen[id] = true
		p := PendingSale{SaleID: strconv.FormatInt(id, 10), At: s.TimeStamp.Time.UTC()}
		for _, l := range s.SaleLines {
			if int64(l.ItemID) <= 0 || l.UnitQuantity.IsZero() {
				continue
			}
			u := SoldUnits{ItemID: int64(l.ItemID), ShopID: int64(s.ShopID), Qty: l.UnitQuantity.Decimal}
			if l.Item != nil {
				u.SKU = l.Item.CustomSku
			}
			p.Lines = append(p.Lines, u)
		}
		if len(p.Lines) > 0 {
			res.Sales = append(res.Sales, p)
		}
	}
	next := ""
	for {
		page, err := a.lightspeed.CompletedSalesPage(ctx, lightspeed.SalesPageQuery{Since: in.Since, Next: next})
		if err != nil {
			return PendingSalesResult{}, vendorError(err)
		}
		for _, s := range page.Sales {
			add(s)
		}
		res.Unreadable += len(page.Undecodable)
		if next = page.Next; next == "" {
			break
		}
	}
	var older []int64
	for _, id := range in.SaleIDs {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 && !seen[n] {
			older = append(older, n)
		}
	}
	if len(older) > 0 {
		sales, err := a.lightspeed.SalesByID(ctx, older)
		if err != nil {
			return PendingSalesResult{}, vendorError(err)
		}
		for _, s := range sales {
			add(s)
		}
	}
	sort.Slice(res.Sales, func(i, j int) bool { return res.Sales[i].SaleID < res.Sales[j].SaleID })
	res.Summary = fmt.Sprintf("pending-sales: %d completed till sales since %s (and %d older ones not yet committed)",
		len(res.Sales), in.Since.UTC().Format("2006-01-02 15:04"), len(older))
	if res.Unreadable > 0 {
		res.Summary += fmt.Sprintf("; %d sales could not be read", res.Unreadable)
	}
	return res, nil
}

// ComparePage looks the page's articles up in Lightspeed by SKU (customSku, 100 per
// listing, with ItemShops) and returns a record for each article that needs one: a
// StockWrite for an item whose type or qoh in a planned shop differs from what the plan
// computes, or one with a Problem (the SKU on two items). Articles whose items already
// match, and articles with no item, need nothing. Shops outside the plan are not looked at.
func (a *StockTarget) ComparePage(ctx context.Context, in StockCompareInput) (StockCompareResult, error) {
	if err := checkTenant(a.tenant, "compare", in.Tenant); err != nil {
		return StockCompareResult{}, err
	}
	defer keepAlive(ctx, heartbeatEvery)()
	arts := make([]mapping.StockArticle, 0, len(in.Articles))
	skus := make([]string, 0, len(in.Articles))
	for _, rec := range in.Articles {
		if rec.Problem != "" {
			continue
		}
		var art mapping.StockArticle
		if err := rec.Decode(&art); err != nil {
			return StockCompareResult{}, InvalidInputError("compare: %v", err)
		}
		arts = append(arts, art)
		skus = append(skus, art.Number)
	}
	var res StockCompareResult
	if len(arts) == 0 {
		res.Summary = "compare: no articles"
		return res, nil
	}
	items, bad, err := a.lightspeed.ItemsBySKUEach(ctx, skus)
	if err != nil {
		return StockCompareResult{}, vendorError(err)
	}
	bySKU := map[string][]lightspeed.Item{}
	for _, it := range items {
		bySKU[it.CustomSku] = append(bySKU[it.CustomSku], it)
	}
	unreadable := map[string]string{}
	for _, u := range bad {
		unreadable[u.ID] = u.Reason
	}
	sold := map[[2]int64]decimal.Decimal{}
	for _, u := range in.Sold {
		k := [2]int64{u.ItemID, u.ShopID}
		sold[k] = sold[k].Add(u.Qty)
	}
	for _, art := range arts {
		its := bySKU[art.Number]
		if reason, ok := unreadable[art.Number]; ok {
			res.Records = append(res.Records, NewRecord(art.Number, time.Time{}, StockWrite{SKU: art.Number,
				Problem: fmt.Sprintf("Lightspeed %s cannot be read: %s", art.Number, reason)}))
			continue
		}
		switch {
		case len(its) == 0:
			res.Missing++
			continue
		case len(its) > 1:
			ids := make([]string, len(its))
			for i, it := range its {
				ids[i] = strconv.FormatInt(int64(it.ItemID), 10)
			}
			res.Records = append(res.Records, NewRecord(art.Number, time.Time{}, StockWrite{SKU: art.Number,
				Problem: fmt.Sprintf("SKU %s is on %d Lightspeed items (itemIDs %s): keep it on one item", art.Number, len(its), strings.Join(ids, ", "))}))
			continue
		}
		w := stockWrite(in.Plan, art, its[0], sold)
		if w.ItemType == "" && len(w.Shops) == 0 {
			res.Equal++
			continue
		}
		res.Records = append(res.Records, NewRecord(art.Number, time.Time{}, w))
	}
	res.Summary = fmt.Sprintf("compare: %d articles, %d to write or fix, %d already right, %d not in Lightspeed",
		len(arts), len(res.Records), res.Equal, res.Missing)
	activity.GetLogger(ctx).Info("compared stock", "tenant", a.tenant, "articles", len(arts), "records", len(res.Records))
	return res, nil
}

// stockWrite is what the item needs: non_inventory and no quantity when the article is not
// managed; otherwise the default type when it was non_inventory, and the planned shops'
// quantities that differ (a shop without an ItemShop holds 0: Lightspeed makes ItemShops
// as needed, and a write by shopID makes it).
func stockWrite(plan mapping.StockPlan, art mapping.StockArticle, item lightspeed.Item, sold map[[2]int64]decimal.Decimal) StockWrite {
	w := StockWrite{SKU: art.Number, ItemID: int64(item.ItemID)}
	if !plan.IsManaged(art.Number) {
		if item.ItemType != lightspeed.ItemTypeNonInventory {
			w.ItemType = lightspeed.ItemTypeNonInventory
		}
		return w
	}
	if item.ItemType == lightspeed.ItemTypeNonInventory {
		w.ItemType = lightspeed.ItemTypeDefault
	}
	qoh := map[int64]decimal.Decimal{}
	for _, is := range item.ItemShops {
		qoh[int64(is.ShopID)] = is.QOH.Decimal
	}
	for _, shop := range plan.Shops {
		want := plan.Quantity(art, shop, sold[[2]int64{int64(item.ItemID), shop.ShopID}])
		if have := qoh[shop.ShopID]; !want.Equal(have) || w.ItemType != "" {
			w.Shops = append(w.Shops, ShopQuantity{ShopID: shop.ShopID, QOH: want, Was: have})
		}
	}
	return w
}

// Write makes one item's change with one PUT Item: its type, and qoh per shop by shopID,
// absolute (a retry after a lost answer writes the same values). An unmanaged item gets no
// quantity.
func (a *StockTarget) Write(ctx context.Context, in StockWriteInput) (StockWriteResult, error) {
	if err := checkTenant(a.tenant, "write", in.Tenant); err != nil {
		return StockWriteResult{}, err
	}
	w := in.Write
	if w.ItemID <= 0 {
		return StockWriteResult{}, InvalidInputError("write: SKU %s has no Lightspeed item id", w.SKU)
	}
	var input lightspeed.ItemInput
	var parts []string
	if w.ItemType != "" {
		t := w.ItemType
		input.ItemType = &t
		if t == lightspeed.ItemTypeNonInventory {
			parts = append(parts, "made non_inventory, no quantity sent")
		} else {
			parts = append(parts, "made "+t)
		}
	}
	if w.ItemType != lightspeed.ItemTypeNonInventory {
		for _, s := range w.Shops {
			input.Stock = append(input.Stock, lightspeed.ItemStockInput{ShopID: s.ShopID, QOH: s.QOH})
			parts = append(parts, fmt.Sprintf("qoh %s in shop %d (was %s)", s.QOH, s.ShopID, s.Was))
		}
	}
	target := strconv.FormatInt(w.ItemID, 10)
	if len(parts) == 0 {
		return StockWriteResult{TargetID: target, Summary: fmt.Sprintf("write: item %s (%s) needs nothing", target, w.SKU)}, nil
	}
	what := strings.Join(parts, ", ")
	if in.DryRun {
		return StockWriteResult{TargetID: target, Summary: fmt.Sprintf("write (dry run): would set item %s (%s): %s", target, w.SKU, what)}, nil
	}
	if _, err := a.lightspeed.UpdateItem(ctx, w.ItemID, input); err != nil {
		return StockWriteResult{}, vendorError(err)
	}
	return StockWriteResult{TargetID: target, Summary: fmt.Sprintf("write: item %s (%s): %s", target, w.SKU, what)}, nil
}
