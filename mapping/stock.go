package mapping

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"

	"github.com/shopspring/decimal"
)

// StockFigures are an article's Fortnox stock in one place: the article register, or one
// warehouse stock point. Available is in stock less reservations (DisposableQuantity, or
// availableStock at a stock point); both can be negative without the warehouse module.
type StockFigures struct {
	InStock   decimal.Decimal `json:"in_stock"`
	Available decimal.Decimal `json:"available"`
}

// StockArticle is one article's Fortnox stock as the stock flow reads it: the register's
// figures, and with the warehouse module the figures per stock point code (a stock point
// without a balance for the article holds none of it).
type StockArticle struct {
	Number  string                  `json:"number"`
	Article StockFigures            `json:"article"`
	Points  map[string]StockFigures `json:"points,omitempty"`
}

// StockShop is one Lightspeed shop the stock flow writes, and the Fortnox stock points
// whose figures it gets (summed when several map to it); no points: the article register.
type StockShop struct {
	ShopID int64    `json:"shop_id"`
	Points []string `json:"points,omitempty"`
}

// StockPlan is how one run computes the quantities: the stock settings, with the shops the
// pre-flight found in Lightspeed. It travels in the workflow's inputs, so every page and
// record of a run computes alike whichever worker runs it.
type StockPlan struct {
	Calculation   string      `json:"calculation"`
	SafetyBuffer  int64       `json:"safety_buffer"`
	FloorAtZero   bool        `json:"floor_at_zero"`
	Managed       bool        `json:"managed"`
	ManagedExcept []string    `json:"managed_except,omitempty"`
	Warehouse     bool        `json:"warehouse"`
	Shops         []StockShop `json:"shops"`
}

// NewStockPlan makes the plan of the settings for a Fortnox company with (warehouse) or
// without the warehouse module: with it, one shop per distinct shop id of stock_points
// (ordered by id); without it, shop_id alone with the article register's figures.
func NewStockPlan(st StockSettings, warehouse bool) (StockPlan, error) {
	p := StockPlan{Calculation: st.Calculation, SafetyBuffer: st.SafetyBuffer, FloorAtZero: st.FloorAtZero,
		Managed: st.Managed, ManagedExcept: slices.Clone(st.ManagedExcept), Warehouse: warehouse}
	if !warehouse {
		id, err := strconv.ParseInt(st.ShopID, 10, 64)
		if err != nil || id <= 0 {
			return StockPlan{}, fmt.Errorf("stock.shop_id: want a Lightspeed shop id, got %q", st.ShopID)
		}
		p.Shops = []StockShop{{ShopID: id}}
		return p, nil
	}
	byShop := map[int64][]string{}
	for _, code := range sortedStringKeys(st.StockPoints) {
		id, err := strconv.ParseInt(st.StockPoints[code], 10, 64)
		if err != nil || id <= 0 {
			return StockPlan{}, fmt.Errorf("stock.stock_points.%s: want a Lightspeed shop id, got %q", code, st.StockPoints[code])
		}
		byShop[id] = append(byShop[id], code)
	}
	for id, codes := range byShop {
		p.Shops = append(p.Shops, StockShop{ShopID: id, Points: codes})
	}
	sort.Slice(p.Shops, func(i, j int) bool { return p.Shops[i].ShopID < p.Shops[j].ShopID })
	return p, nil
}

// Points lists the stock point codes the plan reads, sorted.
func (p StockPlan) Points() []string {
	var out []string
	for _, s := range p.Shops {
		out = append(out, s.Points...)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// IsManaged says whether the article's quantities are written (true) or its item is made
// non_inventory (false): the setting, reversed for article numbers matching managed_except.
func (p StockPlan) IsManaged(articleNumber string) bool {
	for _, pattern := range p.ManagedExcept {
		if ok, _ := path.Match(pattern, articleNumber); ok {
			return !p.Managed
		}
	}
	return p.Managed
}

// Quantity is the qoh the shop should show for the article: the configured figure (in
// stock, or available = in stock − reserved) of the shop's places, less the safety buffer,
// less sold — the units completed Lightspeed sales in that shop have taken that Fortnox
// does not count yet — rounded down to a whole unit (Lightspeed keeps whole units; rounding
// down never offers a part unit that is not there: 2.5 → 2, −0.5 → −1), and at least zero
// when floor_at_zero is on.
func (p StockPlan) Quantity(a StockArticle, shop StockShop, sold decimal.Decimal) decimal.Decimal {
	pick := func(f StockFigures) decimal.Decimal {
		if p.Calculation == StockPhysical {
			return f.InStock
		}
		return f.Available
	}
	figure := decimal.Zero
	if len(shop.Points) == 0 {
		figure = pick(a.Article)
	} else {
		for _, code := range shop.Points {
			figure = figure.Add(pick(a.Points[code]))
		}
	}
	q := figure.Sub(decimal.NewFromInt(p.SafetyBuffer)).Sub(sold).Floor()
	if p.FloorAtZero && q.IsNegative() {
		return decimal.Zero
	}
	return q
}
