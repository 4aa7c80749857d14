package activities

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	tlog "go.temporal.io/sdk/log"

	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
)

// toFortnoxPageSize is the page of sales one fetch returns by default: Lightspeed's limit.
const toFortnoxPageSize = 100

// OrdersToFortnoxSource holds the Lightspeed steps of orders-to-fortnox (fetch, enrich): it
// talks to Lightspeed only and runs on the lightspeed-api queue. Build it with
// NewOrdersToFortnoxSource and register it with OrdersToFortnoxPrefix.
type OrdersToFortnoxSource struct {
	tenant     string
	lightspeed *lightspeed.Client
	mapper     *mapping.Mapper
	location   *time.Location
}

// NewOrdersToFortnoxSource builds the Lightspeed steps of one tenant. location is the
// shop's time zone for order dates (UTC when nil).
func NewOrdersToFortnoxSource(tenant string, ls *lightspeed.Client, mapper *mapping.Mapper, location *time.Location) (*OrdersToFortnoxSource, error) {
	switch {
	case strings.TrimSpace(tenant) == "":
		return nil, errors.New("orders-to-fortnox activities: tenant is empty")
	case ls == nil:
		return nil, fmt.Errorf("orders-to-fortnox activities of tenant %s: the Lightspeed client is required", tenant)
	case mapper == nil:
		return nil, fmt.Errorf("orders-to-fortnox activities of tenant %s: mapper is required", tenant)
	}
	if location == nil {
		location = time.UTC
	}
	return &OrdersToFortnoxSource{tenant: tenant, lightspeed: ls, mapper: mapper, location: location}, nil
}

// salePosition is where a fetch page ended: sales sort by timeStamp, then id.
type salePosition struct {
	Time time.Time `json:"t"`
	ID   int64     `json:"id"`
}

func (p salePosition) before(q salePosition) bool {
	if c := p.Time.Compare(q.Time); c != 0 {
		return c < 0
	}
	return p.ID < q.ID
}

func encodeSalePosition(p salePosition) string {
	b, _ := json.Marshal(p) // a time and an int always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeSalePosition(token string) (salePosition, error) {
	var p salePosition
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		err = json.Unmarshal(b, &p)
	}
	if err != nil || p.Time.IsZero() || p.ID <= 0 {
		return salePosition{}, fmt.Errorf("page token %q is not one this activity returned", token)
	}
	return p, nil
}

// Fetch returns one page of completed sales changed at or after in.Since, with lines,
// items, payment types and customer contacts loaded, so Enrich needs no call. Voided sales
// are skipped. The Lightspeed client reads a query to its end, so each page re-reads from
// the previous page's last position: a steady-state run (less than a page of changes) is one
// read.
func (a *OrdersToFortnoxSource) Fetch(ctx context.Context, in FetchInput) (FetchResult, error) {
	if err := checkTenant(a.tenant, "fetch", in.Tenant); err != nil {
		return FetchResult{}, err
	}
	defer keepAlive(ctx, heartbeatEvery)()
	size := in.PageSize
	if size <= 0 {
		size = toFortnoxPageSize
	}
	// Lightspeed timestamps have whole seconds and its filter is "after": one second earlier
	// makes it "at or after".
	since := in.Since.UTC().Truncate(time.Second)
	from := since
	var after *salePosition
	if in.PageToken != "" {
		p, err := decodeSalePosition(in.PageToken)
		if err != nil {
			return FetchResult{}, InvalidInputError("fetch: %v", err)
		}
		after = &p
		from = p.Time
	}
	from = from.Add(-time.Second)
	if epoch := time.Unix(0, 0).UTC(); from.Before(epoch) {
		from = epoch // a zero Since means everything; keep the filter a real date
	}
	sales, err := a.lightspeed.CompletedSalesChangedSince(ctx, from)
	if err != nil {
		return FetchResult{}, vendorError(err)
	}
	position := func(s lightspeed.Sale) salePosition {
		return salePosition{Time: s.TimeStamp.Time.UTC(), ID: int64(s.SaleID)}
	}
	var kept []lightspeed.Sale
	for _, s := range sales {
		p := position(s)
		if p.Time.Before(since) || (after != nil && !after.before(p)) || !bool(s.Completed) {
			continue
		}
		kept = append(kept, s)
	}
	slices.SortFunc(kept, func(x, y lightspeed.Sale) int {
		px, py := position(x), position(y)
		if c := px.Time.Compare(py.Time); c != 0 {
			return c
		}
		return cmp.Compare(px.ID, py.ID)
	})
	var res FetchResult
	page := kept
	if len(kept) > size {
		page = kept[:size]
	}
	voided := 0
	for _, s := range page {
		// A voided sale still moves the cursor, so it is not read again.
		if p := position(s); p.Time.After(res.Cursor) {
			res.Cursor = p.Time
		}
		if s.Voided {
			voided++
			continue
		}
		rec := mapping.FromLightspeedSale(s, a.location)
		rec.Created = saleCreated(s)
		res.Records = append(res.Records, NewRecord(rec.ID, rec.Created, rec))
	}
	if len(kept) > size {
		res.NextPageToken = encodeSalePosition(position(page[len(page)-1]))
	}
	activity.GetLogger(ctx).Info("fetched completed sales", "tenant", a.tenant, "records", len(res.Records),
		"voided", voided, "more", res.NextPageToken != "", "cursor", res.Cursor)
	return res, nil
}

// saleCreated is the earliest time the sale is known by: its order in Fortnox is made
// after it was completed, so never before this.
func saleCreated(s lightspeed.Sale) time.Time {
	created, completed := s.CreateTime.Time.UTC(), s.CompleteTime.Time.UTC()
	if created.IsZero() || (!completed.IsZero() && completed.Before(created)) {
		return completed
	}
	return created
}

// Enrich maps the sale to a Fortnox order draft and validates it for Fortnox. With Refetch
// it reads the sale again first, because the shop owner fixed it in Lightspeed.
func (a *OrdersToFortnoxSource) Enrich(ctx context.Context, in EnrichInput) (EnrichResult, error) {
	if err := checkTenant(a.tenant, "enrich", in.Tenant); err != nil {
		return EnrichResult{}, err
	}
	src := in.Source
	log := tlog.With(activity.GetLogger(ctx), "sale", src.ID)
	if in.Refetch {
		id, err := strconv.ParseInt(src.ID, 10, 64)
		if err != nil || id <= 0 {
			return EnrichResult{}, InvalidInputError("enrich: %q is not a Lightspeed sale id", src.ID)
		}
		sale, err := a.lightspeed.Sale(ctx, id)
		if err != nil {
			return EnrichResult{}, vendorError(err)
		}
		src = mapping.FromLightspeedSale(sale, a.location)
	}
	draft, err := a.mapper.Order(mapping.FlowOrdersToFortnox, src)
	var bad *mapping.Error
	if errors.As(err, &bad) {
		log.Info("sale needs fixing", "field", bad.Field)
		return EnrichResult{}, NeedsFixError("sale " + src.ID + ": " + bad.Error())
	}
	if err != nil {
		return EnrichResult{}, InvalidInputError("enrich sale %s: %v", src.ID, err)
	}
	customer := "customer by e-mail"
	if draft.Customer.UseDefault {
		customer = "default customer " + draft.Customer.DefaultID
	}
	payment := "no payment"
	if draft.ModeOfPayment != "" {
		payment = "mode of payment " + draft.ModeOfPayment
	}
	summary := fmt.Sprintf("enrich: sale %s → %s, %d lines, %s, %s", src.ID, draft.Reference, len(draft.Lines), customer, payment)
	log.Info(summary)
	return EnrichResult{Draft: draft, Summary: summary}, nil
}
