package activities

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	tlog "go.temporal.io/sdk/log"

	"fortspeed/clients"
	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
)

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

// salesToken is where a run's fetch goes on: the next page's link, and when the run's
// first page was listed (the cursor of every page of the run).
type salesToken struct {
	Next     string    `json:"next"`
	ListedAt time.Time `json:"listed_at"`
}

func (t salesToken) encode() string {
	b, _ := json.Marshal(t) // a string and a time always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeSalesToken(token string) (salesToken, error) {
	var t salesToken
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || t.Next == "" || t.ListedAt.IsZero() {
		return salesToken{}, fmt.Errorf("page token %q is not one this activity returned", token)
	}
	return t, nil
}

// Fetch returns one page of completed sales changed at or after in.Since, with lines,
// items, payment types and customer contacts loaded, so Enrich needs no call. Each page is
// one Lightspeed listing that goes on from the previous page's link, so a backlog of N
// sales costs N/100 listings; an Until bounds the listing itself. The cursor of every page is when the run's first page was
// listed (see lightspeed.CompletedSalesPage). Voided sales are left out; a sale that does
// not decode is a record with its Problem, so it becomes needs_fix on its own.
func (a *OrdersToFortnoxSource) Fetch(ctx context.Context, in FetchInput) (FetchResult, error) {
	if err := checkTenant(a.tenant, "fetch", in.Tenant); err != nil {
		return FetchResult{}, err
	}
	defer keepAlive(ctx, heartbeatEvery)()
	var pos salesToken
	if in.PageToken != "" {
		var err error
		if pos, err = decodeSalesToken(in.PageToken); err != nil {
			return FetchResult{}, InvalidInputError("fetch: %v", err)
		}
	}
	page, err := a.lightspeed.CompletedSalesPage(ctx, lightspeed.SalesPageQuery{Since: in.Since, Until: in.Until, Next: pos.Next, Limit: in.PageSize})
	if err != nil {
		return FetchResult{}, vendorError(err)
	}
	if in.PageToken == "" {
		pos.ListedAt = page.ListedAt
	}
	res := FetchResult{Cursor: pos.ListedAt}
	voided := 0
	for _, s := range page.Sales {
		if bool(s.Voided) || !bool(s.Completed) {
			voided++
			continue
		}
		rec := mapping.FromLightspeedSale(s, a.location)
		rec.Created = saleCreated(s)
		res.Records = append(res.Records, NewRecord(rec.ID, rec.Created, rec))
	}
	for _, u := range page.Undecodable {
		res.Records = append(res.Records, Record{ID: u.ID, Problem: u.Reason})
	}
	if page.Next != "" {
		res.NextPageToken = salesToken{Next: page.Next, ListedAt: pos.ListedAt}.encode()
	}
	activity.GetLogger(ctx).Info("fetched completed sales", "tenant", a.tenant, "records", len(res.Records),
		"undecodable", len(page.Undecodable), "voided", voided, "more", res.NextPageToken != "")
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
	if src.ReturnOf == "" {
		returnOf, err := a.returnedSale(ctx, src)
		if err != nil {
			return EnrichResult{}, err
		}
		src.ReturnOf = returnOf
	}
	draft, err := a.mapper.Order(mapping.FlowOrdersToFortnox, src)
	var skip *mapping.Skip
	if errors.As(err, &skip) {
		log.Info("sale skipped", "reason", skip.Reason)
		return EnrichResult{Skip: skip.Reason, Summary: "enrich: sale " + src.ID + " skipped: " + skip.Reason}, nil
	}
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
	} else if draft.Customer.WalkIn != "" {
		customer = "walk-in customer " + draft.Customer.WalkIn
	}
	payment := "no payment"
	if draft.ModeOfPayment != "" {
		payment = "mode of payment " + draft.ModeOfPayment
	}
	summary := fmt.Sprintf("enrich: sale %s → %s, %d lines, %s, %s", src.ID, draft.Reference, len(draft.Lines), customer, payment)
	if p := draft.Pickup; p != nil {
		summary = fmt.Sprintf("enrich: sale %s paid Fortnox order %s at the till, %d lines: settle the order (on_pickup %s)", src.ID, p.Order, len(draft.Lines), p.Mode)
	}
	if len(draft.Notes) > 0 {
		summary += "; " + strings.Join(draft.Notes, "; ")
	}
	log.Info(summary)
	return EnrichResult{Draft: draft, Summary: summary}, nil
}

// returnedSale finds the sale a return refunds: the sale of the line its first refund line
// names (parentSaleLineID), "" for a sale that refunds no line. A parent line Lightspeed no
// longer has leaves it unknown; the return is then named without it.
func (a *OrdersToFortnoxSource) returnedSale(ctx context.Context, src mapping.SourceOrder) (string, error) {
	for _, l := range src.Lines {
		id, err := strconv.ParseInt(l.ParentLineID, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		parent, err := a.lightspeed.SaleLine(ctx, id)
		if clients.KindOf(err) == clients.NotFound {
			return "", nil
		}
		if err != nil {
			return "", vendorError(err)
		}
		if parent.SaleID <= 0 {
			return "", nil
		}
		return strconv.FormatInt(int64(parent.SaleID), 10), nil
	}
	return "", nil
}
