package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"fortspeed/clients"
	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
)

// LightspeedReferenceSource is Sale.referenceNumberSource of the sales this flow creates;
// with referenceNumber = the Fortnox DocumentNumber it is the flow's idempotency key.
const LightspeedReferenceSource = "Fortnox"

// lsCursorOverlap is taken off the cursor so that a clock difference between this
// worker and Fortnox loses nothing; Fortnox's lastmodified is per minute anyway, and the
// per-record workflow ids dedupe what is read twice.
const lsCursorOverlap = time.Minute

// lsMaxFetchPage is the most listed orders one Fetch returns.
const lsMaxFetchPage = 500

// lsErrorTypeConfig is the ApplicationError type of a setting or wiring mistake: retrying the
// same call cannot help, the operator must fix the configuration.
const lsErrorTypeConfig = "Config"

// OrdersToLightspeed holds the activities of orders-to-lightspeed: Fortnox orders become
// open Lightspeed sales, for pick-up and payment in the store. Build it with
// NewOrdersToLightspeed; each method reads or writes at most one vendor.
type OrdersToLightspeed struct {
	Tenant     string
	Fortnox    *fortnox.Client
	Lightspeed *lightspeed.Client
	Mapper     *mapping.Mapper
	// TaxInclusive says whether sale prices in the Lightspeed account include VAT (its tax
	// category is tax-inclusive, as in Sweden): commit converts line prices to match.
	TaxInclusive bool
	// FortnoxCustomers caches Fortnox customers by number, read by Fetch for orders without
	// an e-mail of their own.
	FortnoxCustomers *Cache[fortnox.Customer]
	// Customers caches Lightspeed customers by lower-case e-mail with the mapped fields last
	// seen, so a known customer costs no call.
	Customers *Cache[LightspeedCustomerRef]
	// Items caches Lightspeed itemIDs by SKU (customSku).
	Items *Cache[int64]
	// customerLocks makes concurrent records of one new customer create it once.
	customerLocks KeyLocks
}

// LightspeedCustomerRef is what the customer cache remembers of one Lightspeed customer.
type LightspeedCustomerRef struct {
	CustomerID int64
	// Fingerprint is the mapped customer fields the record had when last seen or written.
	Fingerprint string
}

// NewOrdersToLightspeed returns the activities with 10-minute caches and a tax-inclusive
// Lightspeed account, the common case in Sweden.
func NewOrdersToLightspeed(tenant string, fx *fortnox.Client, ls *lightspeed.Client, m *mapping.Mapper) *OrdersToLightspeed {
	const ttl, size = 10 * time.Minute, 10000
	return &OrdersToLightspeed{
		Tenant: tenant, Fortnox: fx, Lightspeed: ls, Mapper: m, TaxInclusive: true,
		FortnoxCustomers: NewCache[fortnox.Customer](ttl, size),
		Customers:        NewCache[LightspeedCustomerRef](ttl, size),
		Items:            NewCache[int64](ttl, size),
	}
}

// check refuses a call for another tenant and a struct that was not fully built, both
// mistakes no retry can fix.
func (a *OrdersToLightspeed) check(tenant string, needFortnox, needLightspeed bool) error {
	switch {
	case tenant != a.Tenant:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("orders-to-lightspeed: this worker serves tenant %q, not %q", a.Tenant, tenant), lsErrorTypeConfig, nil)
	case a.Mapper == nil || a.FortnoxCustomers == nil || a.Customers == nil || a.Items == nil,
		needFortnox && a.Fortnox == nil, needLightspeed && a.Lightspeed == nil:
		return temporal.NewNonRetryableApplicationError(
			"orders-to-lightspeed: activities built without their clients, mapper or caches (use NewOrdersToLightspeed)", lsErrorTypeConfig, nil)
	}
	return nil
}

// lsRecordLogger names the record by its Fortnox DocumentNumber, never by personal data.
func lsRecordLogger(ctx context.Context, sourceID string) log.Logger {
	return log.With(activity.GetLogger(ctx), "flow", mapping.FlowOrdersToLightspeed, "source_id", sourceID)
}

// Fetch returns one page of the Fortnox orders changed at or after in.Since, as listed:
// the list is slim, so each record's Enrich reads its full order (the unavoidable read).
// Cancelled orders, and orders that orders-to-fortnox made from Lightspeed sales, are left
// out.
//
// The Fortnox client reads the list of changed orders whole, so each page re-reads it and
// takes its slice. While a run pages, orders only join that list (a change keeps an order
// changed since Since), so a later page may repeat an order but never skips one. The page
// token carries the time the first page was listed, the cursor of every page: an order
// changed after it, even one that joined an earlier page, is found by the next run.
func (a *OrdersToLightspeed) Fetch(ctx context.Context, in FetchInput) (FetchResult, error) {
	if err := a.check(in.Tenant, true, false); err != nil {
		return FetchResult{}, err
	}
	defer keepAlive(ctx, heartbeatEvery)()
	page, listedAt, err := lsParsePageToken(in.PageToken)
	if err != nil {
		return FetchResult{}, err
	}
	if page == 1 {
		listedAt = time.Now().UTC()
	}
	size := in.PageSize
	if size <= 0 || size > lsMaxFetchPage {
		size = lsMaxFetchPage
	}
	list, err := a.Fortnox.OrdersChangedSince(ctx, in.Since)
	if err != nil {
		return FetchResult{}, vendorError(err)
	}
	// Pages are cut from the whole list, before anything is left out, so an order cancelled
	// between two pages cannot shift another one onto a page already read.
	start := min((page-1)*size, len(list))
	end := min(start+size, len(list))
	// The page holds the listing only: each full order (and its customer) is read by the
	// record's own enrich, so a fault on one order is retried for that order alone instead of
	// failing the whole page.
	var res FetchResult
	for _, item := range list[start:end] {
		if bool(item.Cancelled) || strings.HasPrefix(string(item.ExternalInvoiceReference1), mapping.LightspeedReferencePrefix) {
			continue
		}
		res.Records = append(res.Records, mapping.FromFortnoxListItem(item))
	}
	if end < len(list) {
		res.NextPageToken = lsFormatPageToken(page+1, listedAt)
	}
	if end > start {
		res.Cursor = listedAt.Add(-lsCursorOverlap)
	}
	activity.GetLogger(ctx).Info("fetch: read Fortnox orders", "page", page, "listed", len(list),
		"records", len(res.Records), "more", res.NextPageToken != "")
	return res, nil
}

// fortnoxSource converts a full order, reading its customer (cached) when the order has no
// e-mail of its own.
func (a *OrdersToLightspeed) fortnoxSource(ctx context.Context, o fortnox.Order) (mapping.SourceOrder, error) {
	if strings.TrimSpace(o.EmailInformation.EmailAddressTo) != "" {
		return mapping.FromFortnoxOrder(o, nil), nil
	}
	number := strings.TrimSpace(string(o.CustomerNumber))
	if number == "" {
		return mapping.FromFortnoxOrder(o, nil), nil
	}
	c, ok := a.FortnoxCustomers.Get(number)
	if !ok {
		var err error
		if c, err = a.Fortnox.Customer(ctx, number); err != nil {
			if clients.KindOf(err) == clients.NotFound {
				// The order names a customer Fortnox no longer has: map what the order says,
				// enrich decides whether that is enough.
				return mapping.FromFortnoxOrder(o, nil), nil
			}
			return mapping.SourceOrder{}, vendorError(err)
		}
		a.FortnoxCustomers.Put(number, c)
	}
	return mapping.FromFortnoxOrder(o, &c), nil
}

// lsParsePageToken reads "<page>" or "<page>@<RFC 3339 time>"; "" is page 1.
func lsParsePageToken(token string) (int, time.Time, error) {
	if token == "" {
		return 1, time.Time{}, nil
	}
	num, at, hasTime := strings.Cut(token, "@")
	page, err := strconv.Atoi(num)
	if err != nil || page < 1 {
		return 0, time.Time{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("fetch: page token %q is not a Fortnox page number", token), lsErrorTypeConfig, nil)
	}
	if !hasTime {
		return page, time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return 0, time.Time{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("fetch: page token %q has no valid listing time", token), lsErrorTypeConfig, nil)
	}
	return page, t, nil
}

func lsFormatPageToken(page int, listedAt time.Time) string {
	return strconv.Itoa(page) + "@" + listedAt.UTC().Format(time.RFC3339Nano)
}

// Enrich reads the full order (the listing has no rows) and, without an e-mail on it, its
// customer, then maps it to a Lightspeed sale draft. Refetch also drops the cached customer,
// because the data was fixed in Fortnox.
func (a *OrdersToLightspeed) Enrich(ctx context.Context, in EnrichInput) (EnrichResult, error) {
	read := in.Refetch || len(in.Source.Lines) == 0
	if err := a.check(in.Tenant, read, false); err != nil {
		return EnrichResult{}, err
	}
	src := in.Source
	logger := lsRecordLogger(ctx, src.ID)
	if read {
		o, err := a.Fortnox.Order(ctx, src.ID)
		if err != nil {
			return EnrichResult{}, vendorError(err)
		}
		if bool(o.Cancelled) {
			return EnrichResult{}, NeedsFixError(fmt.Sprintf("Fortnox order %s was cancelled after it was listed: nothing to sync", src.ID))
		}
		if in.Refetch {
			a.FortnoxCustomers.Delete(strings.TrimSpace(string(o.CustomerNumber)))
		}
		if src, err = a.fortnoxSource(ctx, o); err != nil {
			return EnrichResult{}, err
		}
	}
	d, err := a.Mapper.Order(mapping.FlowOrdersToLightspeed, src)
	if err != nil {
		var me *mapping.Error
		if errors.As(err, &me) {
			logger.Warn("enrich: needs fix", "field", me.Field)
			return EnrichResult{}, NeedsFixError(fmt.Sprintf("Fortnox order %s: %s", src.ID, me.Error()))
		}
		return EnrichResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("enrich Fortnox order %s: %v", src.ID, err), lsErrorTypeConfig, nil)
	}
	who := "customer by e-mail"
	if d.Customer.UseDefault {
		who = "default customer " + d.Customer.DefaultID
	}
	summary := fmt.Sprintf("enrich: Fortnox order %s → Lightspeed sale draft, %d lines, %s", src.ID, len(d.Lines), who)
	if in.Refetch {
		summary += " (re-read from Fortnox)"
	}
	logger.Info(summary)
	return EnrichResult{Draft: d, Summary: summary}, nil
}

// CheckExists looks for a sale made from this order: referenceNumber = DocumentNumber with
// referenceNumberSource Fortnox.
func (a *OrdersToLightspeed) CheckExists(ctx context.Context, in CheckExistsInput) (CheckExistsResult, error) {
	if err := a.check(in.Tenant, false, true); err != nil {
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
func (a *OrdersToLightspeed) CheckExistsBatch(ctx context.Context, in CheckExistsBatchInput) (CheckExistsBatchResult, error) {
	if err := a.check(in.Tenant, false, true); err != nil {
		return CheckExistsBatchResult{}, err
	}
	if len(in.Records) == 0 {
		return CheckExistsBatchResult{}, temporal.NewNonRetryableApplicationError(
			"check-exists: no records given", lsErrorTypeConfig, nil)
	}
	refs := make([]string, 0, len(in.Records))
	wanted := make(map[string]bool, len(in.Records))
	for _, r := range in.Records {
		if strings.TrimSpace(r.Reference) == "" {
			return CheckExistsBatchResult{}, temporal.NewNonRetryableApplicationError(
				"check-exists: a record of the page has no Fortnox document number", lsErrorTypeConfig, nil)
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
func (a *OrdersToLightspeed) findSale(ctx context.Context, reference string) (string, bool, error) {
	if strings.TrimSpace(reference) == "" {
		return "", false, NeedsFixError("the draft has no Fortnox document number to find its sale by")
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
func (a *OrdersToLightspeed) UpsertCustomer(ctx context.Context, in UpsertCustomerInput) (UpsertCustomerResult, error) {
	if err := a.check(in.Tenant, false, true); err != nil {
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
	want := lsCustomerFieldsOf(c, in.Billing)
	defer a.customerLocks.Lock(email)()
	if ref, ok := a.Customers.Get(email); ok && ref.Fingerprint == want.fingerprint() {
		return UpsertCustomerResult{CustomerID: strconv.FormatInt(ref.CustomerID, 10),
			Summary: fmt.Sprintf("upsert-customer: known Lightspeed customer %d (cached)", ref.CustomerID)}, nil
	}
	found, err := a.Lightspeed.CustomersByEmail(ctx, email)
	if err != nil {
		return UpsertCustomerResult{}, vendorError(err)
	}
	if existing, ok := lsOldestActiveCustomer(found); ok {
		return a.updateCustomer(ctx, email, existing, want, in.DryRun)
	}
	if in.DryRun {
		return UpsertCustomerResult{Summary: "upsert-customer: would create a Lightspeed " + want.kind() + " customer"}, nil
	}
	created, err := a.Lightspeed.CreateCustomer(ctx, want.createInput(email))
	if err != nil {
		return UpsertCustomerResult{}, vendorError(err)
	}
	id := int64(created.CustomerID)
	a.Customers.Put(email, LightspeedCustomerRef{CustomerID: id, Fingerprint: want.fingerprint()})
	return UpsertCustomerResult{CustomerID: strconv.FormatInt(id, 10), Created: true,
		Summary: fmt.Sprintf("upsert-customer: created Lightspeed %s customer %d", want.kind(), id)}, nil
}

// updateCustomer writes the mapped fields of the found customer that differ, if any.
func (a *OrdersToLightspeed) updateCustomer(ctx context.Context, email string, existing lightspeed.Customer, want lsCustomerFields, dryRun bool) (UpsertCustomerResult, error) {
	id := int64(existing.CustomerID)
	res := UpsertCustomerResult{CustomerID: strconv.FormatInt(id, 10)}
	update, changed := want.updateInput(existing)
	switch {
	case len(changed) == 0:
		a.Customers.Put(email, LightspeedCustomerRef{CustomerID: id, Fingerprint: want.fingerprint()})
		res.Summary = fmt.Sprintf("upsert-customer: found Lightspeed customer %d by e-mail, unchanged", id)
		return res, nil
	case dryRun:
		res.Summary = fmt.Sprintf("upsert-customer: found Lightspeed customer %d by e-mail, would update %s", id, strings.Join(changed, ", "))
		return res, nil
	}
	if _, err := a.Lightspeed.UpdateCustomer(ctx, id, update); err != nil {
		a.Customers.Delete(email)
		return UpsertCustomerResult{}, vendorError(err)
	}
	a.Customers.Put(email, LightspeedCustomerRef{CustomerID: id, Fingerprint: want.fingerprint()})
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

// lsCustomerFields is the customer fields the flow maps: a company with the person as
// contact, or a private person, and the postal address. A Lightspeed contact's addresses
// carry no use type (billing or delivery), so the draft's billing address is the one it
// gets; the shipping address stays on the order.
type lsCustomerFields struct {
	firstName, lastName, company, orgNumber, phone string
	address                                        lightspeed.ContactAddress
}

func lsCustomerFieldsOf(c mapping.CustomerDraft, billing mapping.Address) lsCustomerFields {
	first, last := lsSplitName(c.Name)
	trim := strings.TrimSpace
	return lsCustomerFields{firstName: first, lastName: last, company: trim(c.Company),
		orgNumber: trim(c.OrgNumber), phone: trim(c.Phone),
		address: lightspeed.ContactAddress{Address1: trim(billing.Street), Address2: trim(billing.Street2),
			City: trim(billing.City), Zip: trim(billing.PostalCode),
			CountryCode: strings.ToUpper(trim(billing.CountryCode)), Country: trim(billing.Country)}}
}

// hasAddress reports whether the draft says anything about the address.
func (c lsCustomerFields) hasAddress() bool {
	a := c.address
	return a.Address1 != "" || a.Address2 != "" || a.City != "" || a.Zip != "" || a.CountryCode != "" || a.Country != ""
}

// mergeAddress lays the mapped address over have: set values replace, empty ones keep what
// the shop has. It reports the names of the parts that changed.
func (c lsCustomerFields) mergeAddress(have lightspeed.ContactAddress) (lightspeed.ContactAddress, []string) {
	merged := have
	var changed []string
	set := func(name, want string, dst *string, same func(a, b string) bool) {
		if want != "" && !same(want, strings.TrimSpace(*dst)) {
			*dst = want
			changed = append(changed, name)
		}
	}
	exact := func(a, b string) bool { return a == b }
	noSpaces := func(a, b string) bool { return strings.ReplaceAll(a, " ", "") == strings.ReplaceAll(b, " ", "") }
	set("street", c.address.Address1, &merged.Address1, exact)
	set("street 2", c.address.Address2, &merged.Address2, exact)
	set("postal code", c.address.Zip, &merged.Zip, noSpaces)
	set("city", c.address.City, &merged.City, exact)
	set("country", c.address.CountryCode, &merged.CountryCode, strings.EqualFold)
	if len(changed) > 0 && c.address.CountryCode != "" && c.address.Country != "" {
		merged.Country = c.address.Country // keep the name in step with the code
	}
	if c.address.CountryCode == "" {
		set("country", c.address.Country, &merged.Country, strings.EqualFold)
	}
	return merged, changed
}

// lsSplitName splits at the last space: Lightspeed keeps first and last name apart.
func lsSplitName(full string) (string, string) {
	full = strings.Join(strings.Fields(full), " ")
	i := strings.LastIndex(full, " ")
	if i < 0 {
		return full, ""
	}
	return full[:i], full[i+1:]
}

func (c lsCustomerFields) kind() string {
	if c.company != "" {
		return "company"
	}
	return "person"
}

// phoneUse is the Lightspeed phone slot the mapped phone goes to.
func (c lsCustomerFields) phoneUse() string {
	if c.company != "" {
		return "Work"
	}
	return "Mobile"
}

func (c lsCustomerFields) fingerprint() string {
	a := c.address
	return strings.Join([]string{c.firstName, c.lastName, c.company, c.orgNumber, c.phone,
		a.Address1, a.Address2, a.Zip, a.City, a.CountryCode, a.Country}, "\x1f")
}

func lsOptional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (c lsCustomerFields) createInput(email string) lightspeed.CustomerInput {
	yes := true
	contact := &lightspeed.ContactInput{NoEmail: &yes, NoPhone: &yes, NoMail: &yes,
		Emails: []lightspeed.ContactEmail{{Address: email, UseType: "Primary"}}}
	if c.phone != "" {
		contact.Phones = []lightspeed.ContactPhone{{Number: c.phone, UseType: c.phoneUse()}}
	}
	if c.hasAddress() {
		contact.Addresses = []lightspeed.ContactAddress{c.address}
	}
	return lightspeed.CustomerInput{FirstName: lsOptional(c.firstName), LastName: lsOptional(c.lastName),
		Company: lsOptional(c.company), CompanyRegistrationNumber: lsOptional(c.orgNumber), Contact: contact}
}

// updateInput sends the mapped fields that are set and differ from the existing customer;
// a field the order leaves empty never blanks what the shop has.
func (c lsCustomerFields) updateInput(existing lightspeed.Customer) (lightspeed.CustomerInput, []string) {
	var in lightspeed.CustomerInput
	var changed []string
	diff := func(name, want, have string, field **string) {
		if want != "" && want != strings.TrimSpace(have) {
			*field = lsOptional(want)
			changed = append(changed, name)
		}
	}
	diff("first name", c.firstName, existing.FirstName, &in.FirstName)
	diff("last name", c.lastName, existing.LastName, &in.LastName)
	diff("company", c.company, existing.Company, &in.Company)
	diff("organisation number", c.orgNumber, existing.CompanyRegistrationNumber, &in.CompanyRegistrationNumber)
	if c.phone != "" {
		var phones []lightspeed.ContactPhone
		have := false
		if existing.Contact != nil {
			for _, p := range existing.Contact.Phones {
				if strings.TrimSpace(p.Number) == c.phone {
					have = true
				}
				if p.UseType != c.phoneUse() {
					phones = append(phones, p)
				}
			}
		}
		if !have {
			// The lists replace the contact's lists: keep the other slots as they are.
			in.Contact = &lightspeed.ContactInput{Phones: append(phones, lightspeed.ContactPhone{Number: c.phone, UseType: c.phoneUse()})}
			changed = append(changed, "phone")
		}
	}
	if c.hasAddress() {
		// The mapped address is the contact's first; the list replaces the contact's list,
		// so the others are sent back unchanged.
		var have []lightspeed.ContactAddress
		if existing.Contact != nil {
			have = existing.Contact.Addresses
		}
		var first lightspeed.ContactAddress
		if len(have) > 0 {
			first = have[0]
		}
		merged, parts := c.mergeAddress(first)
		if len(parts) > 0 {
			if in.Contact == nil {
				in.Contact = &lightspeed.ContactInput{}
			}
			in.Contact.Addresses = append([]lightspeed.ContactAddress{merged}, have[min(1, len(have)):]...)
			changed = append(changed, "address ("+strings.Join(parts, ", ")+")")
		}
	}
	return in, changed
}

// VerifyProducts looks every SKU up in Lightspeed in one batched call (customSku IN, at
// most 100 a request) and remembers the itemIDs, which Commit needs. Known SKUs cost no call.
func (a *OrdersToLightspeed) VerifyProducts(ctx context.Context, in VerifyProductsInput) (VerifyProductsResult, error) {
	if err := a.check(in.Tenant, false, true); err != nil {
		return VerifyProductsResult{}, err
	}
	ids, missing, calls, err := a.itemIDs(ctx, in.SKUs)
	if err != nil {
		return VerifyProductsResult{}, err
	}
	how := "cached"
	if calls {
		how = "one batched lookup"
	}
	if len(missing) > 0 {
		return VerifyProductsResult{Missing: missing, Summary: fmt.Sprintf("verify-products: %d of %d SKUs not in Lightspeed: %s",
			len(missing), len(ids)+len(missing), strings.Join(missing, ", "))}, nil
	}
	return VerifyProductsResult{Summary: fmt.Sprintf("verify-products: all %d SKUs in Lightspeed (%s)", len(ids), how)}, nil
}

// itemIDs resolves SKUs to itemIDs from the cache and one batched lookup for the rest. It
// returns the SKUs Lightspeed does not have, in input order, and whether it called.
func (a *OrdersToLightspeed) itemIDs(ctx context.Context, skus []string) (map[string]int64, []string, bool, error) {
	ids := make(map[string]int64, len(skus))
	var unknown []string
	seen := make(map[string]bool, len(skus))
	for _, s := range skus {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		if id, ok := a.Items.Get(s); ok {
			ids[s] = id
		} else {
			unknown = append(unknown, s)
		}
	}
	if len(unknown) == 0 {
		return ids, nil, false, nil
	}
	items, err := a.Lightspeed.ItemsBySKU(ctx, unknown)
	if err != nil {
		return nil, nil, true, vendorError(err)
	}
	for _, it := range items {
		sku := strings.TrimSpace(it.CustomSku)
		if !seen[sku] || bool(it.Archived) || it.ItemID <= 0 {
			continue
		}
		if _, dup := ids[sku]; !dup {
			ids[sku] = int64(it.ItemID)
			a.Items.Put(sku, int64(it.ItemID))
		}
	}
	var missing []string
	for _, s := range unknown {
		if _, ok := ids[s]; !ok {
			missing = append(missing, s)
		}
	}
	return ids, missing, true, nil
}

// Commit creates the open sale. The first attempt follows CheckExists directly; a retry may
// follow a create whose response was lost, so it looks the sale up first.
func (a *OrdersToLightspeed) Commit(ctx context.Context, in CommitInput) (CommitResult, error) {
	return a.commit(ctx, in, activity.GetInfo(ctx).Attempt > 1)
}

func (a *OrdersToLightspeed) commit(ctx context.Context, in CommitInput, recheck bool) (CommitResult, error) {
	if err := a.check(in.Tenant, false, true); err != nil {
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
	lines, err := a.saleLines(d, ids)
	if err != nil {
		return CommitResult{}, err
	}
	sale, err := a.Lightspeed.CreateSale(ctx, lightspeed.SaleInput{
		ShopID: site.shop, RegisterID: site.register, EmployeeID: site.employee, CustomerID: customerID,
		ReferenceNumber: d.Reference, ReferenceNumberSource: LightspeedReferenceSource, Completed: false, Lines: lines,
	})
	if err != nil {
		if k := clients.KindOf(err); k == clients.Validation || k == clients.NotFound {
			// A cached item may have been deleted: look the SKUs up again next time.
			for _, s := range d.SKUs() {
				a.Items.Delete(s)
			}
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

func (a *OrdersToLightspeed) saleSite() (lsSaleSite, error) {
	cfg := a.Mapper.Settings().Orders.Lightspeed
	var site lsSaleSite
	for _, f := range []struct {
		name, value string
		into        *int64
	}{{"shop_id", cfg.ShopID, &site.shop}, {"register_id", cfg.RegisterID, &site.register}, {"employee_id", cfg.EmployeeID, &site.employee}} {
		n, err := strconv.ParseInt(strings.TrimSpace(f.value), 10, 64)
		if err != nil || n <= 0 {
			return lsSaleSite{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("orders.lightspeed.%s %q is not a Lightspeed id", f.name, f.value), lsErrorTypeConfig, nil)
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
		return 0, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("commit: customer id %q is not a Lightspeed customer id", s), lsErrorTypeConfig, nil)
	}
	return id, nil
}

func lsCustomerLabel(id int64) string {
	if id == 0 {
		return "none"
	}
	return strconv.FormatInt(id, 10)
}

// saleLines builds the sale lines: prices as the Lightspeed account counts them (with or
// without VAT, converted with the line's VAT percent), the percent discount as an amount.
func (a *OrdersToLightspeed) saleLines(d mapping.OrderDraft, ids map[string]int64) ([]lightspeed.SaleLineInput, error) {
	hundred := decimal.NewFromInt(100)
	lines := make([]lightspeed.SaleLineInput, 0, len(d.Lines))
	for i, l := range d.Lines {
		if !l.Quantity.IsPositive() {
			return nil, NeedsFixError(fmt.Sprintf("Fortnox order %s: line %d (SKU %s) has quantity %s; an open sale needs a positive quantity",
				d.Reference, i+1, l.SKU, l.Quantity))
		}
		if l.UnitPrice.IsNegative() {
			return nil, NeedsFixError(fmt.Sprintf("Fortnox order %s: line %d (SKU %s) has a negative price", d.Reference, i+1, l.SKU))
		}
		price := l.UnitPrice
		factor := hundred.Add(l.VATPercent).Div(hundred)
		switch {
		case a.TaxInclusive && !d.PricesIncludeVAT:
			price = price.Mul(factor).Round(4)
		case !a.TaxInclusive && d.PricesIncludeVAT:
			price = price.DivRound(factor, 4)
		}
		line := lightspeed.SaleLineInput{ItemID: ids[strings.TrimSpace(l.SKU)], UnitQuantity: l.Quantity, UnitPrice: &price}
		if l.Discount.IsPositive() {
			amount := l.Quantity.Mul(price).Mul(l.Discount).Div(hundred).Round(2)
			line.DiscountAmount = &amount
		}
		lines = append(lines, line)
	}
	return lines, nil
}
