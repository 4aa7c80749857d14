package activities

import (
	"time"

	"github.com/shopspring/decimal"

	"fortspeed/mapping"
)

// StockPrefix is the registered name prefix of the stock flow's activities: StockSource
// (Fortnox) and StockTarget (Lightspeed) share it, each on its own queue (the stock flow's
// descriptor in workflows says which method runs where).
const StockPrefix = "Stock."

// StockSalesPrefix is the registered prefix of StockSales, the stock flow's vendor-free
// lookup in Temporal on the fortspeed queue (registered beside Records, not per flow step),
// and StockStuckSales its activity.
const (
	StockSalesPrefix = "StockSales."
	StockStuckSales  = StockSalesPrefix + "StuckSales"
)

// The stock flow's methods beyond the engine's Fetch.
const (
	MethodStockPlan           = "Plan"
	MethodStockCheckShops     = "CheckShops"
	MethodStockPendingSales   = "PendingSales"
	MethodStockCommittedSales = "CommittedSales"
	MethodStockComparePage    = "ComparePage"
	MethodStockRead           = "Read"
	MethodStockOrdered        = "OrderedArticles"
	MethodStockReadArticles   = "ReadArticles"
	MethodStockWrite          = "Write"
)

// StockPlanInput asks Fortnox how this run computes: warehouse module or not, and which of
// the configured stock points exist.
type StockPlanInput struct {
	Tenant string `json:"tenant"`
}

// StockPlanResult is the run's plan from the settings and Fortnox, the settings' schedule
// of full reconciles and pending-sales window, and the configuration problems found (each
// names the setting; the rest of the plan goes on without it).
type StockPlanResult struct {
	Plan          mapping.StockPlan `json:"plan"`
	Reconcile     time.Duration     `json:"reconcile"`
	PendingWindow time.Duration     `json:"pending_window"`
	Problems      []string          `json:"problems,omitempty"`
	Summary       string            `json:"summary"`
}

// StockCheckShopsInput checks the plan's shops against Lightspeed.
type StockCheckShopsInput struct {
	Tenant string            `json:"tenant"`
	Plan   mapping.StockPlan `json:"plan"`
}

// StockCheckShopsResult is the plan without the shops Lightspeed does not have, and a
// problem naming each one left out.
type StockCheckShopsResult struct {
	Plan     mapping.StockPlan `json:"plan"`
	Problems []string          `json:"problems,omitempty"`
	Summary  string            `json:"summary"`
}

// StockFetchInput asks Fortnox for one page of article stock figures: the articles changed
// at or after Since, or every article when Since is zero (a full reconcile).
type StockFetchInput struct {
	Tenant    string            `json:"tenant"`
	Since     time.Time         `json:"since,omitzero"`
	Until     time.Time         `json:"until,omitzero"` // as FetchInput's
	PageToken string            `json:"page_token,omitempty"`
	PageSize  int               `json:"page_size,omitempty"`
	Plan      mapping.StockPlan `json:"plan"`
}

// StuckSalesInput asks Temporal which sales orders-to-fortnox has seen but not committed:
// records running (in needs_fix, or still on their way) or whose last run failed.
type StuckSalesInput struct {
	Tenant string `json:"tenant"`
	// Prefix is the workflow id every orders-to-fortnox sale record starts with.
	Prefix string `json:"prefix"`
	Limit  int    `json:"limit,omitempty"`
}

// StuckSalesResult lists the saleIDs of those records.
type StuckSalesResult struct {
	SaleIDs []string `json:"sale_ids,omitempty"`
	Summary string   `json:"summary"`
}

// PendingSalesInput asks Lightspeed for the completed sales changed at or after Since, and
// for the sales SaleIDs, with their lines.
type PendingSalesInput struct {
	Tenant  string    `json:"tenant"`
	Since   time.Time `json:"since"`
	SaleIDs []string  `json:"sale_ids,omitempty"`
}

// PendingSale is one completed till sale that lowered qoh in Lightspeed, by item and shop.
type PendingSale struct {
	SaleID string      `json:"sale_id"`
	Lines  []SoldUnits `json:"lines"`
	// At is the sale's timeStamp: a sale newer than the last run may have completed
	// between that run's compare and its write.
	At time.Time `json:"at,omitzero"`
}

// SoldUnits are units an item sold in a shop (negative for a refund).
type SoldUnits struct {
	ItemID int64           `json:"item_id"`
	ShopID int64           `json:"shop_id"`
	Qty    decimal.Decimal `json:"qty"`
	// SKU is the item's customSku ("" when the line's item did not load).
	SKU string `json:"sku,omitempty"`
}

// PendingSalesResult lists the sales whose units count against Fortnox's figures until
// they are Fortnox orders. Sales that came from Fortnox orders (referenceNumberSource
// Fortnox) are left out: their order already holds the stock in Fortnox.
type PendingSalesResult struct {
	Sales []PendingSale `json:"sales,omitempty"`
	// Unreadable counts sales that did not decode: their units are unknown.
	Unreadable int    `json:"unreadable,omitempty"`
	Summary    string `json:"summary"`
}

// CommittedSalesInput asks Fortnox which of these sales are already orders
// (ExternalInvoiceReference1 LS-<saleID>), listing the LS- orders changed since Since.
type CommittedSalesInput struct {
	Tenant  string    `json:"tenant"`
	Since   time.Time `json:"since"`
	SaleIDs []string  `json:"sale_ids"`
}

// CommittedSalesResult lists the saleIDs that are Fortnox orders.
type CommittedSalesResult struct {
	Committed []string `json:"committed,omitempty"`
	Summary   string   `json:"summary"`
}

// StockCompareInput compares one page of Fortnox stock (records of mapping.StockArticle)
// with Lightspeed. Sold are the units of the pending sales, held back from the value.
type StockCompareInput struct {
	Tenant   string            `json:"tenant"`
	Plan     mapping.StockPlan `json:"plan"`
	Articles []Record          `json:"articles"`
	Sold     []SoldUnits       `json:"sold,omitempty"`
}

// StockCompareResult lists the articles that need a record: a StockWrite for each item
// whose Lightspeed value differs, or a StockWrite with a Problem that needs a person.
type StockCompareResult struct {
	Records []Record `json:"records,omitempty"`
	// Equal counts the articles whose items already show the right values, Missing those
	// with no Lightspeed item (the products flow makes them).
	Equal   int    `json:"equal"`
	Missing int    `json:"missing"`
	Summary string `json:"summary"`
}

// ShopQuantity is the qoh to write in one shop, and what Lightspeed showed.
type ShopQuantity struct {
	ShopID int64           `json:"shop_id"`
	QOH    decimal.Decimal `json:"qoh"`
	Was    decimal.Decimal `json:"was"`
}

// StockWrite is one item's change: its type (non_inventory for an unmanaged article, or
// default again for a managed one), its quantities per shop, or the Problem that stops it.
type StockWrite struct {
	SKU      string         `json:"sku"`
	ItemID   int64          `json:"item_id,omitempty"`
	ItemType string         `json:"item_type,omitempty"`
	Shops    []ShopQuantity `json:"shops,omitempty"`
	Problem  string         `json:"problem,omitempty"`
}

// StockReadInput reads one article's stock from Fortnox (a record started again, or
// retried after a fix).
type StockReadInput struct {
	Tenant string            `json:"tenant"`
	SKU    string            `json:"sku"`
	Plan   mapping.StockPlan `json:"plan"`
}

// StockReadResult is the article as a fetched record; Found is false when Fortnox no
// longer has it.
type StockReadResult struct {
	Record  Record `json:"record"`
	Found   bool   `json:"found"`
	Summary string `json:"summary"`
}

// StockOrderedInput asks Fortnox which articles are on the orders changed at or after
// Since: an order's reservation changes an article's available stock without touching the
// article's own lastmodified. At most Max orders are read one by one.
type StockOrderedInput struct {
	Tenant string    `json:"tenant"`
	Since  time.Time `json:"since"`
	// Until, when not zero, leaves out the orders changed after it (a backfill's end).
	Until time.Time `json:"until,omitzero"`
	Max   int       `json:"max"`
}

// StockOrderedResult lists the article numbers on those orders, sorted; Overflow says more
// than Max orders changed (then a full compare is cheaper than reading each order).
type StockOrderedResult struct {
	Articles []string `json:"articles,omitempty"`
	Orders   int      `json:"orders"`
	Overflow bool     `json:"overflow,omitempty"`
	Summary  string   `json:"summary"`
}

// StockReadArticlesInput reads the stock of these articles from Fortnox.
type StockReadArticlesInput struct {
	Tenant string            `json:"tenant"`
	SKUs   []string          `json:"skus"`
	Plan   mapping.StockPlan `json:"plan"`
}

// StockReadArticlesResult is the articles as fetched records (those Fortnox no longer has
// are left out).
type StockReadArticlesResult struct {
	Records []Record `json:"records,omitempty"`
	Summary string   `json:"summary"`
}

// StockWriteInput writes one item's change; DryRun only says what it would write.
type StockWriteInput struct {
	Tenant string     `json:"tenant"`
	Write  StockWrite `json:"write"`
	DryRun bool       `json:"dry_run"`
}

// StockWriteResult is the item written.
type StockWriteResult struct {
	TargetID string `json:"target_id"`
	Summary  string `json:"summary"`
}

func (r StockPlanResult) StepSummary() string       { return r.Summary }
func (r StockCheckShopsResult) StepSummary() string { return r.Summary }
func (r StuckSalesResult) StepSummary() string      { return r.Summary }
func (r PendingSalesResult) StepSummary() string    { return r.Summary }
func (r CommittedSalesResult) StepSummary() string  { return r.Summary }
func (r StockCompareResult) StepSummary() string    { return r.Summary }
func (r StockReadResult) StepSummary() string       { return r.Summary }
func (r StockWriteResult) StepSummary() string      { return r.Summary }
func (r StockOrderedResult) StepSummary() string    { return r.Summary }
func (r StockReadArticlesResult) StepSummary() string {
	return r.Summary
}
