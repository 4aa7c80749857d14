package activities

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	tlog "go.temporal.io/sdk/log"

	"fortspeed/clients/fortnox"
	"fortspeed/mapping"
)

// Cache sizes of one worker process. Ten minutes lets a change made in Fortnox's UI show
// within a few schedule runs while a steady stream of orders costs no customer or article
// reads.
const (
	toFortnoxCacheTTL      = 10 * time.Minute
	toFortnoxCustomerCache = 10_000
	// The article and customer registers are listed whole once an hour, and what changed
	// since the last listing when a record names one the worker does not know. Fortnox
	// filters lastmodified by the minute, in its own clock.
	toFortnoxFullListing   = time.Hour
	toFortnoxListingMargin = 2 * time.Minute
	// toFortnoxMaxListed bounds a listing (20 pages); a larger register is looked up by
	// record for what its first pages did not hold.
	toFortnoxMaxListed = 10_000
)

// OrdersToFortnoxTarget holds the Fortnox steps of orders-to-fortnox (check-exists,
// upsert-customer, verify-products, commit): it talks to Fortnox only and runs on the
// fortnox-api queue. Build it with NewOrdersToFortnoxTarget and register it with
// OrdersToFortnoxPrefix.
type OrdersToFortnoxTarget struct {
	tenant  string
	fortnox *fortnox.Client

	// customers maps a lower-cased e-mail to the Fortnox customer and its mapped fields as
	// last seen or written, so an order of a known, unchanged customer costs no call.
	customers *Cache[fortnoxCustomerSnapshot]
	// walkIns maps a lower-cased walk-in customer name to its Fortnox customer number.
	walkIns *Cache[string]
	// articles are the article numbers Fortnox has (upper case), and customerNumbers the
	// lowest customer number per lower-cased e-mail, from listings of the registers: a
	// backlog costs a few paged listings, not one lookup per record.
	articles        *listingIndex[struct{}]
	customerNumbers *listingIndex[string]
	// orderRefs are the LS- orders the page checks listed.
	orderRefs *orderRefs
}

// NewOrdersToFortnoxTarget builds the Fortnox steps of one tenant.
func NewOrdersToFortnoxTarget(tenant string, fx *fortnox.Client) (*OrdersToFortnoxTarget, error) {
	switch {
	case strings.TrimSpace(tenant) == "":
		return nil, errors.New("orders-to-fortnox activities: tenant is empty")
	case fx == nil:
		return nil, fmt.Errorf("orders-to-fortnox activities of tenant %s: the Fortnox client is required", tenant)
	}
	a := &OrdersToFortnoxTarget{
		tenant: tenant, fortnox: fx,
		customers: NewCache[fortnoxCustomerSnapshot](toFortnoxCacheTTL, toFortnoxCustomerCache),
		walkIns:   NewCache[string](toFortnoxCacheTTL, 10),
	}
	a.orderRefs = &orderRefs{margin: toFortnoxListingMargin, resetEvery: toFortnoxFullListing,
		list: func(ctx context.Context, since time.Time) ([]fortnox.OrderListItem, error) {
			return fx.OrdersByExternalRefPrefixChangedSince(ctx, mapping.LightspeedReferencePrefix, since)
		}}
	a.articles = &listingIndex[struct{}]{
		fullEvery: toFortnoxFullListing, margin: toFortnoxListingMargin, maxListed: toFortnoxMaxListed,
		list: func(ctx context.Context, since time.Time, max int, put func(string, struct{})) (bool, error) {
			return walkUpTo(max, func(each func() bool) error {
				return fx.ArticlesPaged(ctx, since, func(page []fortnox.ArticleListItem) error {
					for _, art := range page {
						put(strings.ToUpper(strings.TrimSpace(string(art.ArticleNumber))), struct{}{})
						if !each() {
							return errListedEnough
						}
					}
					return nil
				})
			})
		},
		find: func(ctx context.Context, numbers []string, put func(string, struct{})) error {
			arts, err := fx.ArticlesByNumber(ctx, numbers)
			for _, art := range arts {
				put(strings.ToUpper(strings.TrimSpace(string(art.ArticleNumber))), struct{}{})
			}
			return err
		},
	}
	a.customerNumbers = &listingIndex[string]{
		fullEvery: toFortnoxFullListing, margin: toFortnoxListingMargin, maxListed: toFortnoxMaxListed,
		list: func(ctx context.Context, since time.Time, max int, put func(string, string)) (bool, error) {
			return walkUpTo(max, func(each func() bool) error {
				return fx.CustomersPaged(ctx, since, func(page []fortnox.CustomerListItem) error {
					for _, c := range page {
						if email := strings.ToLower(strings.TrimSpace(c.Email)); email != "" {
							put(email, string(c.CustomerNumber))
						}
						if !each() {
							return errListedEnough
						}
					}
					return nil
				})
			})
		},
		find: func(ctx context.Context, emails []string, put func(string, string)) error {
			for _, email := range emails {
				found, err := fx.CustomersByEmail(ctx, email)
				if err != nil {
					return err
				}
				for _, c := range found {
					put(email, string(c.CustomerNumber))
				}
			}
			return nil
		},
		// Several customers with one e-mail: the lowest number, so the choice is stable.
		keep: func(old, new string) string {
			if compareFortnoxNumbers(new, old) < 0 {
				return new
			}
			return old
		},
	}
	return a, nil
}

// CheckExists looks the draft's reference up among Fortnox orders'
// ExternalInvoiceReference1.
func (a *OrdersToFortnoxTarget) CheckExists(ctx context.Context, in CheckExistsInput) (CheckExistsResult, error) {
	if err := checkTenant(a.tenant, "check-exists", in.Tenant); err != nil {
		return CheckExistsResult{}, err
	}
	id, found, err := a.findOrder(ctx, in.Draft.Reference)
	if err != nil {
		return CheckExistsResult{}, err
	}
	if !found {
		return CheckExistsResult{Summary: "check-exists: " + in.Draft.Reference + " is not in Fortnox"}, nil
	}
	return CheckExistsResult{Exists: true, TargetID: id,
		Summary: fmt.Sprintf("check-exists: %s is Fortnox order %s", in.Draft.Reference, id)}, nil
}

// The page-wide check-exists lists the LS- orders changed since the page's earliest sale,
// less toFortnoxPageLookupMargin: the Lightspeed and Fortnox clocks may differ, and Fortnox
// filters by the minute in Stockholm time. A sale made more than
// toFortnoxPageLookupHorizon before the page's newest one (an old sale edited again) is
// left to its child's own check, so one such sale does not stretch the listing over weeks.
const (
	toFortnoxPageLookupMargin  = time.Hour
	toFortnoxPageLookupHorizon = 7 * 24 * time.Hour
)

// CheckExistsBatch answers check-exists for a whole fetched page with one listing (500
// orders a request) of the Fortnox orders whose ExternalInvoiceReference1 starts with LS-
// and that changed since the page's earliest sale. An order made from a sale is created
// after the sale, so a listing from before the earliest sale sees every order of the page.
func (a *OrdersToFortnoxTarget) CheckExistsBatch(ctx context.Context, in CheckExistsBatchInput) (CheckExistsBatchResult, error) {
	if err := checkTenant(a.tenant, "check-exists", in.Tenant); err != nil {
		return CheckExistsBatchResult{}, err
	}
	if len(in.Records) == 0 {
		return CheckExistsBatchResult{}, InvalidInputError("check-exists: no records given")
	}
	var newest time.Time
	for _, r := range in.Records {
		if !strings.HasPrefix(r.Reference, mapping.LightspeedReferencePrefix) || len(r.Reference) == len(mapping.LightspeedReferencePrefix) {
			return CheckExistsBatchResult{}, InvalidInputError("check-exists: reference %q is not an %s<saleID> reference", r.Reference, mapping.LightspeedReferencePrefix)
		}
		if r.Created.After(newest) {
			newest = r.Created
		}
	}
	var res CheckExistsBatchResult
	wanted := make(map[string]bool, len(in.Records))
	var since time.Time
	for _, r := range in.Records {
		if r.Created.IsZero() || r.Created.Before(newest.Add(-toFortnoxPageLookupHorizon)) {
			res.Unchecked = append(res.Unchecked, r.Reference)
			continue
		}
		wanted[r.Reference] = true
		if since.IsZero() || r.Created.Before(since) {
			since = r.Created
		}
	}
	if len(wanted) == 0 {
		res.Summary = fmt.Sprintf("check-exists: none of %d sales can be looked up with the page (no sale time); each checks itself", len(in.Records))
		return res, nil
	}
	since = since.Add(-toFortnoxPageLookupMargin)
	existing, listed, err := a.orderRefs.lookup(ctx, since, wanted)
	if err != nil {
		return CheckExistsBatchResult{}, vendorError(err)
	}
	res.Existing = existing
	res.Summary = fmt.Sprintf("check-exists: %d of %d sales already in Fortnox (%d %s orders listed; the window since %s is known)",
		len(res.Existing), len(wanted), listed, mapping.LightspeedReferencePrefix, since.UTC().Format(time.RFC3339))
	if len(res.Unchecked) > 0 {
		res.Summary += fmt.Sprintf("; %d sales check themselves", len(res.Unchecked))
	}
	activity.GetLogger(ctx).Info("checked a page of sales in Fortnox", "tenant", a.tenant, "records", len(in.Records),
		"existing", len(res.Existing), "unchecked", len(res.Unchecked), "listed", listed)
	return res, nil
}

// findOrder returns the lowest document number among the orders carrying ref.
func (a *OrdersToFortnoxTarget) findOrder(ctx context.Context, ref string) (string, bool, error) {
	if strings.TrimSpace(ref) == "" {
		return "", false, InvalidInputError("the draft has no reference")
	}
	orders, err := a.fortnox.OrdersByExternalRef(ctx, ref)
	if err != nil {
		return "", false, vendorError(err)
	}
	if len(orders) == 0 {
		return "", false, nil
	}
	ids := make([]string, 0, len(orders))
	for _, o := range orders {
		ids = append(ids, string(o.DocumentNumber))
	}
	slices.SortFunc(ids, compareFortnoxNumbers)
	if len(ids) > 1 {
		activity.GetLogger(ctx).Warn("several Fortnox orders carry one reference", "reference", ref, "orders", ids)
	}
	return ids[0], true, nil
}

// compareFortnoxNumbers orders Fortnox numbers numerically when both are numbers.
func compareFortnoxNumbers(x, y string) int {
	nx, ex := strconv.ParseInt(x, 10, 64)
	ny, ey := strconv.ParseInt(y, 10, 64)
	if ex == nil && ey == nil {
		return cmp.Compare(nx, ny)
	}
	return strings.Compare(x, y)
}

// fortnoxCustomerSnapshot is a cached customer: its number and its mapped fields as they
// are in Fortnox.
type fortnoxCustomerSnapshot struct {
	Number string
	Fields mapping.FortnoxCustomer
}

// UpsertCustomer finds the Fortnox customer by e-mail (exact, ignoring case), creates it
// when there is none and updates the mapped fields that differ. The default customer is
// used without a call when the draft says so; the walk-in customer is found by name.
func (a *OrdersToFortnoxTarget) UpsertCustomer(ctx context.Context, in UpsertCustomerInput) (UpsertCustomerResult, error) {
	if err := checkTenant(a.tenant, "upsert-customer", in.Tenant); err != nil {
		return UpsertCustomerResult{}, err
	}
	c := in.Customer
	if c.WalkIn != "" {
		return a.walkInCustomer(ctx, c.WalkIn)
	}
	if c.UseDefault {
		if strings.TrimSpace(c.DefaultID) == "" {
			return UpsertCustomerResult{}, NeedsFixError("upsert-customer: the default customer is used but orders.default_customer.fortnox is not set")
		}
		why := "force_default_customer is on"
		if strings.TrimSpace(c.Email) == "" {
			why = "the sale has no customer e-mail"
		}
		return UpsertCustomerResult{CustomerID: c.DefaultID,
			Summary: fmt.Sprintf("upsert-customer: default Fortnox customer %s (%s)", c.DefaultID, why)}, nil
	}
	key := strings.ToLower(strings.TrimSpace(c.Email))
	if key == "" {
		return UpsertCustomerResult{}, NeedsFixError("upsert-customer: the customer has no e-mail and no default customer is set")
	}
	want := mapping.WantedFortnoxCustomer(c, in.Billing, in.Shipping)
	if want.Name == "" {
		return UpsertCustomerResult{}, NeedsFixError("upsert-customer: the customer has neither a name nor a company")
	}
	log := activity.GetLogger(ctx)
	snap, cached := a.customers.Get(key)
	how := "cached by e-mail"
	if !cached {
		found, ok, err := a.lookUpCustomer(ctx, key)
		if err != nil {
			return UpsertCustomerResult{}, err
		}
		if !ok {
			kind := want.Kind()
			if in.DryRun {
				return UpsertCustomerResult{Summary: "upsert-customer: dry run, would create a " + kind + " Fortnox customer"}, nil
			}
			created, err := a.fortnox.CreateCustomer(ctx, mapping.FortnoxCustomerInput(want))
			if err != nil {
				return UpsertCustomerResult{}, vendorError(err)
			}
			number := string(created.CustomerNumber)
			a.customers.Put(key, fortnoxCustomerSnapshot{Number: number, Fields: want})
			a.customerNumbers.put(key, number)
			log.Info("created Fortnox customer", "customer", number)
			return UpsertCustomerResult{CustomerID: number, Created: true,
				Summary: fmt.Sprintf("upsert-customer: created %s Fortnox customer %s", kind, number)}, nil
		}
		snap, how = found, "found by e-mail"
	}
	update, changed, merged := mapping.FortnoxCustomerChanges(snap.Fields, want)
	if len(changed) == 0 {
		a.customers.Put(key, snap)
		return UpsertCustomerResult{CustomerID: snap.Number,
			Summary: fmt.Sprintf("upsert-customer: Fortnox customer %s %s, unchanged", snap.Number, how)}, nil
	}
	list := strings.Join(changed, ", ")
	if in.DryRun {
		return UpsertCustomerResult{CustomerID: snap.Number,
			Summary: fmt.Sprintf("upsert-customer: dry run, would update %s of Fortnox customer %s", list, snap.Number)}, nil
	}
	if _, err := a.fortnox.UpdateCustomer(ctx, snap.Number, update); err != nil {
		// The cached customer may be gone or changed in Fortnox: look it up again next time.
		a.customers.Delete(key)
		return UpsertCustomerResult{}, vendorError(err)
	}
	a.customers.Put(key, fortnoxCustomerSnapshot{Number: snap.Number, Fields: merged})
	log.Info("updated Fortnox customer", "customer", snap.Number, "fields", list)
	return UpsertCustomerResult{CustomerID: snap.Number, Updated: true,
		Summary: fmt.Sprintf("upsert-customer: updated %s of Fortnox customer %s", list, snap.Number)}, nil
}

// walkInCustomer finds the walk-in customer by its name (the lowest number when several
// have it) and remembers its number in the process. It never creates one: that is `starter
// setup`'s job, done once, where two workers meeting the first anonymous sales at once
// would make two.
func (a *OrdersToFortnoxTarget) walkInCustomer(ctx context.Context, name string) (UpsertCustomerResult, error) {
	booked := func(number, how string) UpsertCustomerResult {
		return UpsertCustomerResult{CustomerID: number,
			Summary: fmt.Sprintf("upsert-customer: walk-in Fortnox customer %s %s (the sale has no customer e-mail; %s)", number, name, how)}
	}
	key := strings.ToLower(name)
	if number, ok := a.walkIns.Get(key); ok {
		return booked(number, "number cached"), nil
	}
	found, err := a.fortnox.CustomersByName(ctx, name)
	if err != nil {
		return UpsertCustomerResult{}, vendorError(err)
	}
	if len(found) == 0 {
		return UpsertCustomerResult{}, NeedsFixError(fmt.Sprintf("upsert-customer: the sale has no customer e-mail and Fortnox has no walk-in customer named %q (orders.walk_in_customer): run `starter setup` to create it, then retry", name))
	}
	number := string(found[0].CustomerNumber)
	if len(found) > 1 {
		activity.GetLogger(ctx).Warn("several Fortnox customers have the walk-in customer's name; using the lowest number", "customer", number, "count", len(found))
	}
	a.walkIns.Put(key, number)
	return booked(number, "found by name"), nil
}

// lookUpCustomer finds the customer by e-mail in the customer register's listing (the
// lowest number when several share it) and reads it in full, since the listing lacks the
// type and the contact person.
func (a *OrdersToFortnoxTarget) lookUpCustomer(ctx context.Context, email string) (fortnoxCustomerSnapshot, bool, error) {
	numbers, _, err := a.customerNumbers.lookup(ctx, []string{email})
	if err != nil {
		return fortnoxCustomerSnapshot{}, false, vendorError(err)
	}
	number, ok := numbers[email]
	if !ok {
		return fortnoxCustomerSnapshot{}, false, nil
	}
	full, err := a.fortnox.Customer(ctx, number)
	if err != nil {
		return fortnoxCustomerSnapshot{}, false, vendorError(err)
	}
	return fortnoxCustomerSnapshot{Number: number, Fields: mapping.FortnoxCustomerOf(full)}, true, nil
}

// VerifyProducts checks that Fortnox has an article for every SKU, in the listing of the
// article register: Fortnox has no batch lookup by number, and a listing of 500 articles a
// page, refreshed by lastmodified, answers a whole backlog.
func (a *OrdersToFortnoxTarget) VerifyProducts(ctx context.Context, in VerifyProductsInput) (VerifyProductsResult, error) {
	if err := checkTenant(a.tenant, "verify-products", in.Tenant); err != nil {
		return VerifyProductsResult{}, err
	}
	var skus, keys []string
	seen := make(map[string]bool, len(in.SKUs))
	for _, s := range in.SKUs {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		skus = append(skus, s)
		keys = append(keys, strings.ToUpper(s))
	}
	if len(skus) == 0 {
		return VerifyProductsResult{}, InvalidInputError("verify-products: no SKUs given")
	}
	found, listings, err := a.articles.lookup(ctx, keys)
	if err != nil {
		return VerifyProductsResult{}, vendorError(err)
	}
	var res VerifyProductsResult
	for i, s := range skus {
		if _, ok := found[keys[i]]; !ok {
			res.Missing = append(res.Missing, s)
		}
	}
	if len(res.Missing) == 0 {
		res.Summary = fmt.Sprintf("verify-products: all %d SKUs in Fortnox (%d listings of the article register)", len(skus), listings)
		return res, nil
	}
	res.Summary = fmt.Sprintf("verify-products: %d of %d SKUs not in Fortnox: %s", len(res.Missing), len(skus), strings.Join(res.Missing, ", "))
	activity.GetLogger(ctx).Info("SKUs missing in Fortnox", "skus", res.Missing)
	return res, nil
}

// Commit creates the Fortnox order. A retry (attempt > 1) may follow a write whose answer
// was lost, so it first looks for the reference and returns the order it finds; the first
// attempt follows CheckExists directly and writes at once. A dry run writes nothing.
func (a *OrdersToFortnoxTarget) Commit(ctx context.Context, in CommitInput) (CommitResult, error) {
	if err := checkTenant(a.tenant, "commit", in.Tenant); err != nil {
		return CommitResult{}, err
	}
	d := in.Draft
	if strings.TrimSpace(d.Reference) == "" || len(d.Lines) == 0 {
		return CommitResult{}, InvalidInputError("commit: the draft of sale %s has no reference or no lines", d.SourceID)
	}
	customer := in.CustomerID
	if customer == "" && d.Customer.UseDefault {
		customer = d.Customer.DefaultID
	}
	vat := "excl. VAT"
	if d.PricesIncludeVAT {
		vat = "incl. VAT"
	}
	what := fmt.Sprintf("%s: %d rows, %s %s %s", d.Reference, len(d.Lines), mapping.FortnoxOrderTotal(d).StringFixed(2), d.Currency, vat)
	if in.DryRun {
		who := "customer " + customer
		if customer == "" {
			who = "the new customer"
		}
		return CommitResult{Summary: fmt.Sprintf("commit: dry run, would create a Fortnox order for %s (%s)", who, what)}, nil
	}
	if customer == "" {
		return CommitResult{}, InvalidInputError("commit: no Fortnox customer number for %s", d.Reference)
	}
	log := tlog.With(activity.GetLogger(ctx), "sale", d.SourceID)
	if activity.GetInfo(ctx).Attempt > 1 {
		id, found, err := a.findOrder(ctx, d.Reference)
		if err != nil {
			return CommitResult{}, err
		}
		if found {
			log.Info("order written by an earlier attempt", "order", id)
			return CommitResult{TargetID: id,
				Summary: fmt.Sprintf("commit: found Fortnox order %s written by an earlier attempt (%s)", id, d.Reference)}, nil
		}
	}
	order, err := a.fortnox.CreateOrder(ctx, mapping.FortnoxOrderInput(d, customer))
	if err != nil {
		return CommitResult{}, vendorError(err)
	}
	id := string(order.DocumentNumber)
	log.Info("created Fortnox order", "order", id)
	who := "customer " + customer
	if d.Customer.WalkIn != "" {
		who = fmt.Sprintf("walk-in customer %s %s", customer, d.Customer.WalkIn)
	}
	return CommitResult{TargetID: id,
		Summary: fmt.Sprintf("commit: created Fortnox order %s for %s (%s)", id, who, what)}, nil
}
