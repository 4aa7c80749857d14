package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"

	"fortspeed/clients"
	"fortspeed/clients/fortnox"
	"fortspeed/mapping"
)

// lsMaxFetchPage is the most listed orders one Fetch returns.
const lsMaxFetchPage = 500

// OrdersToLightspeedSource holds the Fortnox steps of orders-to-lightspeed (fetch, enrich):
// it talks to Fortnox only and runs on the fortnox-api queue. Build it with
// NewOrdersToLightspeedSource and register it with OrdersToLightspeedPrefix.
type OrdersToLightspeedSource struct {
	Tenant  string
	Fortnox *fortnox.Client
	Mapper  *mapping.Mapper
	// FortnoxCustomers caches Fortnox customers by number, read by Enrich for orders
	// without an e-mail of their own.
	FortnoxCustomers *Cache[fortnox.Customer]
}

// NewOrdersToLightspeedSource returns the Fortnox steps with a 10-minute customer cache.
func NewOrdersToLightspeedSource(tenant string, fx *fortnox.Client, m *mapping.Mapper) *OrdersToLightspeedSource {
	return &OrdersToLightspeedSource{Tenant: tenant, Fortnox: fx, Mapper: m,
		FortnoxCustomers: NewCache[fortnox.Customer](lsCacheTTL, lsCacheSize)}
}

// check refuses a call for another tenant and a struct that was not fully built, both
// mistakes no retry can fix.
func (a *OrdersToLightspeedSource) check(tenant string) error {
	if a.Fortnox == nil || a.Mapper == nil || a.FortnoxCustomers == nil {
		return ConfigError("orders-to-lightspeed: Fortnox steps built without their client, mapper or cache (use NewOrdersToLightspeedSource)")
	}
	return checkTenant(a.Tenant, "orders-to-lightspeed", tenant)
}

// lsRecordLogger names the record by its Fortnox DocumentNumber, never by personal data.
func lsRecordLogger(ctx context.Context, sourceID string) log.Logger {
	return log.With(activity.GetLogger(ctx), "flow", mapping.FlowOrdersToLightspeed, "source_id", sourceID)
}

// Fetch returns one page of the Fortnox orders changed at or after in.Since, as listed:
// the list is slim, so each record's Enrich reads its full order (the unavoidable read).
// Cancelled orders, and orders that orders-to-fortnox made from Lightspeed sales, are left
// out; an order that does not decode is a record with its Problem.
//
// Each page is one Fortnox listing of up to 500 orders, by page number inside the run's
// fixed lastmodified window, so a backlog of N orders costs N/500 listings. While a run
// pages, orders only join the window (a change keeps an order changed since Since), so a
// later page may repeat an order but never skips one. The page token carries the time the
// first page was listed, the cursor of every page: an order changed after it is found by
// the next run. With an Until, the orders changed after it are left out (changedAtOrAfter).
func (a *OrdersToLightspeedSource) Fetch(ctx context.Context, in FetchInput) (FetchResult, error) {
	if err := a.check(in.Tenant); err != nil {
		return FetchResult{}, err
	}
	defer keepAlive(ctx, heartbeatEvery)()
	page, listedAt, err := lsParsePageToken(in.PageToken)
	if err != nil {
		return FetchResult{}, err
	}
	size := in.PageSize
	if size <= 0 || size > lsMaxFetchPage {
		size = lsMaxFetchPage
	}
	list, err := a.Fortnox.OrdersPage(ctx, fortnox.OrdersPageQuery{Since: in.Since, Page: page, Limit: size})
	if err != nil {
		return FetchResult{}, vendorError(err)
	}
	if page == 1 {
		listedAt = list.ListedAt
	}
	drop, err := changedAtOrAfter(ctx, in.Until, a.Fortnox.OrderNumbersChangedSince)
	if err != nil {
		return FetchResult{}, err
	}
	orders, after := without(list.Orders, func(o fortnox.OrderListItem) string { return strings.TrimSpace(string(o.DocumentNumber)) }, drop)
	undecodable, afterBad := without(list.Undecodable, func(u clients.Undecodable) string { return u.ID }, drop)
	res := FetchResult{Cursor: listedAt}
	for _, item := range orders {
		// Cancelled orders are taken too: one that was sent has an open sale to void.
		if strings.HasPrefix(string(item.ExternalInvoiceReference1), mapping.LightspeedReferencePrefix) {
			continue
		}
		rec := mapping.FromFortnoxListItem(item)
		res.Records = append(res.Records, NewRecord(rec.ID, rec.Created, rec))
	}
	for _, u := range undecodable {
		res.Records = append(res.Records, Record{ID: u.ID, Problem: u.Reason})
	}
	if page < list.TotalPages {
		res.NextPageToken = lsFormatPageToken(page+1, listedAt)
	}
	activity.GetLogger(ctx).Info("fetch: read Fortnox orders", "page", page, "of", list.TotalPages,
		"records", len(res.Records), "undecodable", len(undecodable), "changed_after_until", after+afterBad, "more", res.NextPageToken != "")
	return res, nil
}

// fortnoxSource converts a full order, reading its customer (cached) when the order has no
// e-mail of its own.
func (a *OrdersToLightspeedSource) fortnoxSource(ctx context.Context, o fortnox.Order) (mapping.SourceOrder, error) {
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
		return 0, time.Time{}, InvalidInputError("fetch: page token %q is not a Fortnox page number", token)
	}
	if !hasTime {
		return 0, time.Time{}, InvalidInputError("fetch: page token %q has no listing time", token)
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return 0, time.Time{}, InvalidInputError("fetch: page token %q has no valid listing time", token)
	}
	return page, t, nil
}

func lsFormatPageToken(page int, listedAt time.Time) string {
	return strconv.Itoa(page) + "@" + listedAt.UTC().Format(time.RFC3339Nano)
}

// Enrich reads the full order (the listing has no rows) and, without an e-mail on it, its
// customer, then maps it to a Lightspeed sale draft. Refetch also drops the cached customer,
// because the data was fixed in Fortnox.
func (a *OrdersToLightspeedSource) Enrich(ctx context.Context, in EnrichInput) (EnrichResult, error) {
	read := in.Refetch || len(in.Source.Lines) == 0
	if err := a.check(in.Tenant); err != nil {
		return EnrichResult{}, err
	}
	src := in.Source
	logger := lsRecordLogger(ctx, src.ID)
	if read {
		o, err := a.Fortnox.Order(ctx, src.ID)
		if err != nil {
			return EnrichResult{}, vendorError(err)
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
		return EnrichResult{}, ConfigError("enrich Fortnox order %s: %v", src.ID, err)
	}
	who := "customer by e-mail"
	if d.Customer.UseDefault {
		who = "default customer " + d.Customer.DefaultID
	}
	summary := fmt.Sprintf("enrich: Fortnox order %s → Lightspeed sale draft, %d lines, %s", src.ID, len(d.Lines), who)
	if d.Cancelled {
		summary = fmt.Sprintf("enrich: Fortnox order %s is cancelled: its open sale, if any, is voided", src.ID)
	}
	if in.Refetch {
		summary += " (re-read from Fortnox)"
	}
	logger.Info(summary)
	return EnrichResult{Draft: d, Summary: summary}, nil
}
