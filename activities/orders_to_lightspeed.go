package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/activity"

	"fortspeed/clients"
	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
)

// LightspeedReferenceSource is Sale.referenceNumberSource of the sales this flow creates;
// with referenceNumber = the Fortnox DocumentNumber it is the flow's idempotency key.
const LightspeedReferenceSource = mapping.FortnoxReferenceSource

// The caches of orders-to-lightspeed: ten minutes, 10,000 entries each. The item and
// customer registers are listed whole every six hours (a listing of 100 costs a drip of
// the bucket), and what changed since the last listing when a record names one the worker
// does not know.
const (
	lsCacheTTL      = 10 * time.Minute
	lsCacheSize     = 10_000
	lsFullListing   = 6 * time.Hour
	lsListingMargin = time.Minute
	// lsMaxListed bounds a listing (20 calls); a larger register is looked up by record
	// for what its first pages did not hold.
	lsMaxListed = 2_000
)

// lsRef is a listed Lightspeed item or customer.
type lsRef struct {
	ID       int64
	Archived bool
}

// lsPreferred keeps, of two records listed under one SKU or e-mail, the active one with
// the lowest id, and a record's own later state.
func lsPreferred(old, new lsRef) lsRef {
	switch {
	case new.ID == old.ID, old.Archived && !new.Archived:
		return new
	case new.Archived && !old.Archived:
		return old
	case new.ID < old.ID:
		return new
	}
	return old
}

// OrdersToLightspeedTarget holds the Lightspeed steps of orders-to-lightspeed
// (check-exists, upsert-customer, verify-products, commit): Fortnox orders become open
// Lightspeed sales, for pick-up and payment in the store. It talks to Lightspeed only and
// runs on the lightspeed-api queue. Build it with NewOrdersToLightspeedTarget and register
// it with OrdersToLightspeedPrefix.
type OrdersToLightspeedTarget struct {
	Tenant     string
	Lightspeed *lightspeed.Client
	Mapper     *mapping.Mapper
	// TaxInclusive says whether sale prices in the Lightspeed account include VAT (its tax
	// category is tax-inclusive, as in Sweden): commit converts line prices to match.
	TaxInclusive bool
	// Customers caches Lightspeed customers by lower-case e-mail with the mapped fields last
	// seen, so a known customer costs no call.
	Customers *Cache[LightspeedCustomerRef]
	// items maps SKUs (customSku) to items, customerIDs lower-cased e-mails to customers,
	// from listings of the registers: a backlog costs a few listings, not a lookup per record.
	items     *listingIndex[lsRef]
	customers *listingIndex[lsListedCustomer]
}

// lsListedCustomer is a customer as a listing of the register saw it, and when.
type lsListedCustomer struct {
	Customer lightspeed.Customer
	At       time.Time
}

// LightspeedCustomerRef is what the customer cache remembers of one Lightspeed customer.
type LightspeedCustomerRef struct {
	CustomerID int64
	// Fingerprint is the mapped customer fields the record had when last seen or written.
	Fingerprint string
}

// NewOrdersToLightspeedTarget returns the Lightspeed steps with 10-minute caches and a
// tax-inclusive Lightspeed account, the common case in Sweden.
func NewOrdersToLightspeedTarget(tenant string, ls *lightspeed.Client, m *mapping.Mapper) *OrdersToLightspeedTarget {
	a := &OrdersToLightspeedTarget{
		Tenant: tenant, Lightspeed: ls, Mapper: m, TaxInclusive: true,
		Customers: NewCache[LightspeedCustomerRef](lsCacheTTL, lsCacheSize),
	}
	a.items = &listingIndex[lsRef]{
		fullEvery: lsFullListing, margin: lsListingMargin, maxListed: lsMaxListed, keep: lsPreferred,
		list: func(ctx context.Context, since time.Time, max int, put func(string, lsRef)) (bool, error) {
			items, complete, err := ls.ItemsChangedSince(ctx, since, max)
			lsPutItems(items, put)
			return complete, err
		},
		find: func(ctx context.Context, skus []string, put func(string, lsRef)) error {
			items, err := ls.ItemsBySKU(ctx, skus)
			lsPutItems(items, put)
			return err
		},
	}
	a.customers = &listingIndex[lsListedCustomer]{
		fullEvery: lsFullListing, margin: lsListingMargin, maxListed: lsMaxListed,
		list: func(ctx context.Context, since time.Time, max int, put func(string, lsListedCustomer)) (bool, error) {
			customers, complete, err := ls.CustomersChangedSince(ctx, since, max)
			lsPutCustomers(customers, time.Now(), put)
			return complete, err
		},
		find: func(ctx context.Context, emails []string, put func(string, lsListedCustomer)) error {
			for _, email := range emails {
				found, err := ls.CustomersByEmail(ctx, email)
				if err != nil {
					return err
				}
				lsPutCustomers(found, time.Now(), put)
			}
			return nil
		},
		keep: func(old, new lsListedCustomer) lsListedCustomer {
			if lsPreferred(lsRefOf(old.Customer), lsRefOf(new.Customer)).ID == int64(new.Customer.CustomerID) {
				return new
			}
			return old
		},
	}
	return a
}

// check refuses a call for another tenant and a struct that was not fully built, both
// mistakes no retry can fix.
func (a *OrdersToLightspeedTarget) check(tenant string) error {
	if a.Lightspeed == nil || a.Mapper == nil || a.Customers == nil || a.items == nil || a.customers == nil {
		return ConfigError("orders-to-lightspeed: Lightspeed steps built without their client, mapper or caches (use NewOrdersToLightspeedTarget)")
	}
	return checkTenant(a.Tenant, "orders-to-lightspeed", tenant)
}

// CheckExists looks for a sale made from this order: referenceNumber = DocumentNumber with
// referenceNumberSource Fortnox.
func (a *OrdersToLightspeedTarget) CheckExists(ctx context.Context, in CheckExistsInput) (CheckExistsResult, error) {
	if err := a.check(in.Tenant); err != nil {
		return CheckExistsResult{}, err
	}
	id, found, err := a.findSale(ctx, in.Draft.Reference)
	if err != nil {
		return CheckExistsResult{}, err
	}
	if !found {
		return CheckExistsResult{Summary: fmt.Sprintf("check-exists: Fortnox order %s not in Lightspeed", in.Draft.Reference)}, nil
	}
	return CheckExistsResult{Exists: true, TargetID: id,
		Summary: fmt.Sprintf("check-exists: Fortnox order %s is already Lightspeed sale %s", in.Draft.Reference, id)}, nil
}

// CheckExistsBatch answers check-exists for a whole fetched page: the sales whose
// referenceNumber is one of the page's document numbers (IN lists of at most 100, one call
// for a page of 100) with referenceNumberSource Fortnox.
func (a *OrdersToLightspeedTarget) CheckExistsBatch(ctx context.Context, in CheckExistsBatchInput) (CheckExistsBatchResult, error) {
	if err := a.check(in.Tenant); err != nil {
		return CheckExistsBatchResult{}, err
	}
	if len(in.Records) == 0 {
		return CheckExistsBatchResult{}, InvalidInputError("check-exists: no records given")
	}
	refs := make([]string, 0, len(in.Records))
	wanted := make(map[string]bool, len(in.Records))
	for _, r := range in.Records {
		if strings.TrimSpace(r.Reference) == "" {
			return CheckExistsBatchResult{}, InvalidInputError("check-exists: a record of the page has no Fortnox document number")
		}
		refs = append(refs, r.Reference)
		wanted[r.Reference] = true
	}
	sales, err := a.Lightspeed.SalesByReferences(ctx, refs)
	if err != nil {
		return CheckExistsBatchResult{}, vendorError(err)
	}
	var res CheckExistsBatchResult
	for _, s := range sales {
		ref := s.ReferenceNumber
		if !wanted[ref] || !strings.EqualFold(strings.TrimSpace(s.ReferenceNumberSource), LightspeedReferenceSource) || s.SaleID <= 0 {
			continue
		}
		if res.Existing == nil {
			res.Existing = make(map[string]string)
		}
		id := strconv.FormatInt(int64(s.SaleID), 10)
		if have, ok := res.Existing[ref]; !ok || lsLowerID(id, have) {
			res.Existing[ref] = id
			state, err := json.Marshal(lsStateOf(s))
			if err != nil {
				return CheckExistsBatchResult{}, fmt.Errorf("check-exists: encode the state of sale %s: %w", id, err)
			}
			if res.States == nil {
				res.States = make(map[string]json.RawMessage)
			}
			res.States[ref] = state
		}
	}
	res.Summary = fmt.Sprintf("check-exists: %d of %d Fortnox orders already in Lightspeed (one batched lookup)", len(res.Existing), len(wanted))
	activity.GetLogger(ctx).Info("checked a page of orders in Lightspeed", "records", len(wanted), "existing", len(res.Existing))
	return res, nil
}

// lsLowerID reports whether sale id x is lower than y, so several sales of one reference
// always resolve to the same one.
func lsLowerID(x, y string) bool {
	nx, _ := strconv.ParseInt(x, 10, 64)
	ny, _ := strconv.ParseInt(y, 10, 64)
	return nx < ny
}

// findSale returns the id of the sale with the reference from Fortnox, if there is one.
func (a *OrdersToLightspeedTarget) findSale(ctx context.Context, reference string) (string, bool, error) {
	if strings.TrimSpace(reference) == "" {
		return "", false, InvalidInputError("the draft has no Fortnox document number to find its sale by")
	}
	sales, err := a.Lightspeed.SalesByReference(ctx, reference)
	if err != nil {
		return "", false, vendorError(err)
	}
	for _, s := range sales {
		if s.ReferenceNumber == reference && strings.EqualFold(strings.TrimSpace(s.ReferenceNumberSource), LightspeedReferenceSource) {
			return strconv.FormatInt(int64(s.SaleID), 10), true, nil
		}
	}
	return "", false, nil
}

// UpsertCustomer finds the Lightspeed customer by e-mail (exact, any case), creates it when
// there is none and updates the mapped fields that differ. A customer seen within the cache
// TTL with the same mapped fields costs no call.
func (a *OrdersToLightspeedTarget) UpsertCustomer(ctx context.Context, in UpsertCustomerInput) (UpsertCustomerResult, error) {
	if err := a.check(in.Tenant); err != nil {
		return UpsertCustomerResult{}, err
	}
	c := in.Customer
	if c.UseDefault {
		id, err := strconv.ParseInt(strings.TrimSpace(c.DefaultID), 10, 64)
		if err != nil || id <= 0 {
			return UpsertCustomerResult{}, NeedsFixError(fmt.Sprintf(
				"orders.default_customer.lightspeed %q is not a Lightspeed customer id", c.DefaultID))
		}
		return UpsertCustomerResult{CustomerID: strconv.FormatInt(id, 10),
			Summary: fmt.Sprintf("upsert-customer: default Lightspeed customer %d", id)}, nil
	}
	email := strings.ToLower(strings.TrimSpace(c.Email))
	if email == "" {
		return UpsertCustomerResult{}, NeedsFixError("the customer has no e-mail and no default customer is set")
	}
	want := mapping.WantedLightspeedCustomer(c, in.Billing)
	if ref, ok := a.Customers.Get(email); ok && ref.Fingerprint == want.Fingerprint() {
		return UpsertCustomerResult{CustomerID: strconv.FormatInt(ref.CustomerID, 10),
			Summary: fmt.Sprintf("upsert-customer: known Lightspeed customer %d (cached)", ref.CustomerID)}, nil
	}
	existing, ok, err := a.findCustomer(ctx, email)
	if err != nil {
		return UpsertCustomerResult{}, err
	}
	if ok {
		return a.updateCustomer(ctx, email, existing, want, in.DryRun)
	}
	if in.DryRun {
		return UpsertCustomerResult{Summary: "upsert-customer: would create a Lightspeed " + want.Kind() + " customer"}, nil
	}
	created, err := a.Lightspeed.CreateCustomer(ctx, mapping.LightspeedCustomerInput(want, email))
	if err != nil {
		return UpsertCustomerResult{}, vendorError(err)
	}
	id := int64(created.CustomerID)
	a.Customers.Put(email, LightspeedCustomerRef{CustomerID: id, Fingerprint: want.Fingerprint()})
	a.customers.put(email, lsListedCustomer{Customer: created, At: time.Now()})
	return UpsertCustomerResult{CustomerID: strconv.FormatInt(id, 10), Created: true,
		Summary: fmt.Sprintf("upsert-customer: created Lightspeed %s customer %d", want.Kind(), id)}, nil
}

// findCustomer finds the customer by e-mail in the customer register's listing. A listing
// younger than the cache's ten minutes is taken as it is, so a backlog's customers cost no
// call each; an older one is read again in full (the fields to compare). A listed customer
// that is gone, archived or no longer has the e-mail falls back to a search by e-mail.
func (a *OrdersToLightspeedTarget) findCustomer(ctx context.Context, email string) (lightspeed.Customer, bool, error) {
	listed, _, err := a.customers.lookup(ctx, []string{email})
	if err != nil {
		return lightspeed.Customer{}, false, vendorError(err)
	}
	l, ok := listed[email]
	if !ok || bool(l.Customer.Archived) {
		return lightspeed.Customer{}, false, nil
	}
	if time.Since(l.At) < lsCacheTTL {
		return l.Customer, true, nil
	}
	c, err := a.Lightspeed.Customer(ctx, int64(l.Customer.CustomerID))
	if err != nil && clients.KindOf(err) != clients.NotFound {
		return lightspeed.Customer{}, false, vendorError(err)
	}
	if err == nil && !bool(c.Archived) && lsHasEmail(c, email) {
		a.customers.put(email, lsListedCustomer{Customer: c, At: time.Now()})
		return c, true, nil
	}
	a.customers.drop(email)
	found, err := a.Lightspeed.CustomersByEmail(ctx, email)
	if err != nil {
		return lightspeed.Customer{}, false, vendorError(err)
	}
	c, ok = lsOldestActiveCustomer(found)
	return c, ok, nil
}

func lsPutItems(items []lightspeed.Item, put func(string, lsRef)) {
	for _, it := range items {
		if sku := strings.TrimSpace(it.CustomSku); sku != "" && it.ItemID > 0 {
			put(sku, lsRef{ID: int64(it.ItemID), Archived: bool(it.Archived)})
		}
	}
}

func lsPutCustomers(customers []lightspeed.Customer, at time.Time, put func(string, lsListedCustomer)) {
	for _, cu := range customers {
		if cu.Contact == nil || cu.CustomerID <= 0 {
			continue
		}
		for _, e := range cu.Contact.Emails {
			if email := strings.ToLower(strings.TrimSpace(e.Address)); email != "" {
				put(email, lsListedCustomer{Customer: cu, At: at})
			}
		}
	}
}

// lsRefOf is a customer as lsPreferred compares it.
func lsRefOf(c lightspeed.Customer) lsRef {
	return lsRef{ID: int64(c.CustomerID), Archived: bool(c.Archived)}
}

func lsHasEmail(c lightspeed.Customer, email string) bool {
	if c.Contact == nil {
		return false
	}
	for _, e := range c.Contact.Emails {
		if strings.EqualFold(strings.TrimSpace(e.Address), email) {
			return true
		}
	}
	return false
}

// updateCustomer writes the mapped fields of the found customer that differ, if any.
func (a *OrdersToLightspeedTarget) updateCustomer(ctx context.Context, email string, existing lightspeed.Customer, want mapping.LightspeedCustomer, dryRun bool) (UpsertCustomerResult, error) {
	id := int64(existing.CustomerID)
	res := UpsertCustomerResult{CustomerID: strconv.FormatInt(id, 10)}
	update, changed := mapping.LightspeedCustomerChanges(existing, want)
	switch {
	case len(changed) == 0:
		a.Customers.Put(email, LightspeedCustomerRef{CustomerID: id, Fingerprint: want.Fingerprint()})
		res.Summary = fmt.Sprintf("upsert-customer: found Lightspeed customer %d by e-mail, unchanged", id)
		return res, nil
	case dryRun:
		res.Summary = fmt.Sprintf("upsert-customer: found Lightspeed customer %d by e-mail, would update %s", id, strings.Join(changed, ", "))
		return res, nil
	}
	updated, err := a.Lightspeed.UpdateCustomer(ctx, id, update)
	if err != nil {
		a.Customers.Delete(email)
		a.customers.drop(email)
		return UpsertCustomerResult{}, vendorError(err)
	}
	a.customers.put(email, lsListedCustomer{Customer: updated, At: time.Now()})
	a.Customers.Put(email, LightspeedCustomerRef{CustomerID: id, Fingerprint: want.Fingerprint()})
	res.Updated = true
	res.Summary = fmt.Sprintf("upsert-customer: found Lightspeed customer %d by e-mail, updated %s", id, strings.Join(changed, ", "))
	return res, nil
}

// lsOldestActiveCustomer picks the first-created of several customers sharing an e-mail (the
// one a shop has used longest), skipping archived ones.
func lsOldestActiveCustomer(found []lightspeed.Customer) (lightspeed.Customer, bool) {
	var best lightspeed.Customer
	ok := false
	for _, c := range found {
		if bool(c.Archived) || c.CustomerID <= 0 {
			continue
		}
		if !ok || c.CustomerID < best.CustomerID {
			best, ok = c, true
		}
	}
	return best, ok
}

// VerifyProducts looks every SKU up in Lightspeed in one batched call (customSku IN, at
// most 100 a request) and remembers the itemIDs, which Commit needs. Known SKUs cost no call.
func (a *OrdersToLightspeedTarget) VerifyProducts(ctx context.Context, in VerifyProductsInput) (VerifyProductsResult, error) {
	if err := a.check(in.Tenant); err != nil {
		return VerifyProductsResult{}, err
	}
	ids, missing, listings, err := a.itemIDs(ctx, in.SKUs)
	if err != nil {
		return VerifyProductsResult{}, err
	}
	if len(missing) > 0 {
		return VerifyProductsResult{Missing: missing, Summary: fmt.Sprintf("verify-products: %d of %d SKUs not in Lightspeed: %s",
			len(missing), len(ids)+len(missing), strings.Join(missing, ", "))}, nil
	}
	return VerifyProductsResult{Summary: fmt.Sprintf("verify-products: all %d SKUs in Lightspeed (%d listings of the item register)", len(ids), listings)}, nil
}

// itemIDs resolves SKUs to itemIDs from the item register's listing. It returns the SKUs
// Lightspeed does not have (or only archived), in input order, and how many listings it read.
func (a *OrdersToLightspeedTarget) itemIDs(ctx context.Context, skus []string) (map[string]int64, []string, int, error) {
	var keys []string
	seen := make(map[string]bool, len(skus))
	for _, s := range skus {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		keys = append(keys, s)
	}
	refs, listings, err := a.items.lookup(ctx, keys)
	if err != nil {
		return nil, nil, listings, vendorError(err)
	}
	ids := make(map[string]int64, len(keys))
	var missing []string
	for _, s := range keys {
		if ref, ok := refs[s]; ok && !ref.Archived {
			ids[s] = ref.ID
		} else {
			missing = append(missing, s)
		}
	}
	return ids, missing, listings, nil
}

// Commit creates the open sale. The first attempt follows CheckExists directly; a retry may
// follow a create whose response was lost, so it looks the sale up first.
func (a *OrdersToLightspeedTarget) Commit(ctx context.Context, in CommitInput) (CommitResult, error) {
	return a.commit(ctx, in, activity.GetInfo(ctx).Attempt > 1)
}

func (a *OrdersToLightspeedTarget) commit(ctx context.Context, in CommitInput, recheck bool) (CommitResult, error) {
	if err := a.check(in.Tenant); err != nil {
		return CommitResult{}, err
	}
	d := in.Draft
	logger := lsRecordLogger(ctx, d.SourceID)
	if strings.TrimSpace(d.Reference) == "" {
		return CommitResult{}, NeedsFixError(fmt.Sprintf("Fortnox order %s: the draft has no document number to book the sale by", d.SourceID))
	}
	site, err := a.saleSite()
	if err != nil {
		return CommitResult{}, err
	}
	customerID, err := lsParseCustomerID(in.CustomerID)
	if err != nil {
		return CommitResult{}, err
	}
	if in.DryRun {
		return CommitResult{Summary: fmt.Sprintf("commit: would create an open Lightspeed sale for Fortnox order %s, %d lines, customer %s",
			d.Reference, len(d.Lines), lsCustomerLabel(customerID))}, nil
	}
	if recheck {
		id, found, err := a.findSale(ctx, d.Reference)
		if err != nil {
			return CommitResult{}, err
		}
		if found {
			logger.Info("commit: found the sale of an earlier attempt", "sale_id", id)
			return CommitResult{TargetID: id, Summary: fmt.Sprintf("commit: found Lightspeed sale %s of an earlier attempt for Fortnox order %s", id, d.Reference)}, nil
		}
	}
	ids, missing, _, err := a.itemIDs(ctx, d.SKUs())
	if err != nil {
		return CommitResult{}, err
	}
	if len(missing) > 0 {
		return CommitResult{}, NeedsFixError(fmt.Sprintf("Fortnox order %s: SKU %s is not in Lightspeed", d.Reference, strings.Join(missing, ", ")))
	}
	lines, err := mapping.LightspeedSaleLines(d, ids, a.TaxInclusive)
	var bad *mapping.Error
	if errors.As(err, &bad) {
		// The reason names the line and its SKU, which the shop owner finds in Fortnox.
		return CommitResult{}, NeedsFixError(fmt.Sprintf("Fortnox order %s: %s", d.Reference, bad.Reason))
	}
	if err != nil {
		return CommitResult{}, err
	}
	sale, err := a.Lightspeed.CreateSale(ctx, lightspeed.SaleInput{
		ShopID: site.shop, RegisterID: site.register, EmployeeID: site.employee, CustomerID: customerID,
		ReferenceNumber: d.Reference, ReferenceNumberSource: LightspeedReferenceSource, Completed: false, Lines: lines,
	})
	if err != nil {
		if k := clients.KindOf(err); k == clients.Validation || k == clients.NotFound {
			// A listed item may have been deleted: look the SKUs up again next time.
			a.items.drop(d.SKUs()...)
		}
		return CommitResult{}, vendorError(err)
	}
	id := strconv.FormatInt(int64(sale.SaleID), 10)
	if total := sale.Total.Decimal; !d.Total.IsZero() && total.Sub(d.Total).Abs().GreaterThan(decimal.NewFromInt(1)) {
		logger.Warn("commit: sale total differs from the Fortnox order total", "sale_id", id,
			"sale_total", total.String(), "order_total", d.Total.String())
	}
	summary := fmt.Sprintf("commit: created open Lightspeed sale %s for Fortnox order %s, %d lines, total %s",
		id, d.Reference, len(lines), sale.Total.Decimal.StringFixed(2))
	logger.Info(summary)
	return CommitResult{TargetID: id, Summary: summary}, nil
}

// lsSaleSite is where sales are booked, from orders.lightspeed.
type lsSaleSite struct{ shop, register, employee int64 }

func (a *OrdersToLightspeedTarget) saleSite() (lsSaleSite, error) {
	cfg := a.Mapper.Settings().Orders.Lightspeed
	var site lsSaleSite
	for _, f := range []struct {
		name, value string
		into        *int64
	}{{"shop_id", cfg.ShopID, &site.shop}, {"register_id", cfg.RegisterID, &site.register}, {"employee_id", cfg.EmployeeID, &site.employee}} {
		n, err := strconv.ParseInt(strings.TrimSpace(f.value), 10, 64)
		if err != nil || n <= 0 {
			return lsSaleSite{}, ConfigError("orders.lightspeed.%s %q is not a Lightspeed id", f.name, f.value)
		}
		*f.into = n
	}
	return site, nil
}

// lsParseCustomerID reads UpsertCustomer's id; "" books the sale without a customer.
func lsParseCustomerID(s string) (int64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		return 0, InvalidInputError("commit: customer id %q is not a Lightspeed customer id", s)
	}
	return id, nil
}

func lsCustomerLabel(id int64) string {
	if id == 0 {
		return "none"
	}
	return strconv.FormatInt(id, 10)
}
