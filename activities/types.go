// Package activities holds the steps of the flows: one struct per flow direction holding
// its dependencies, each method one activity that talks to at most one vendor API. This
// file is the contract with the workflows: the typed inputs and outputs, and the error
// type that turns a data problem into needs_fix.
package activities

import (
	"encoding/json"
	"time"

	"fortspeed/mapping"
)

// FetchInput asks the source for one page of orders changed at or after Since. The fetch
// overlaps the previous run on purpose (at, not after), so records with equal timestamps
// are never lost; the per-record workflow ids dedupe them. Until, when not zero, is the
// end of a backfill: records changed after it are left out of the page.
type FetchInput struct {
	Tenant    string    `json:"tenant"`
	Since     time.Time `json:"since"`
	Until     time.Time `json:"until,omitzero"`
	PageToken string    `json:"page_token,omitempty"` // "" for the first page
	PageSize  int       `json:"page_size"`
}

// FetchResult is one page of source records. A record the vendor sent in a shape that
// cannot be decoded is on the page too, with its Problem, so it is not lost behind the
// cursor.
type FetchResult struct {
	Records []Record `json:"records"`
	// NextPageToken is "" on the last page.
	NextPageToken string `json:"next_page_token,omitempty"`
	// Cursor is where the next run starts from (zero when the page cannot say): the parent
	// keeps the maximum and returns it. A fetch that pages in a fixed window answers the
	// time its first page was listed, because whatever changed after that may sit behind
	// its position.
	Cursor time.Time `json:"cursor"`
}

// EnrichInput maps one source order to a target draft. Refetch re-reads the record from
// the source first: it is set after a needs_fix retry, because the data was fixed there.
type EnrichInput struct {
	Tenant  string              `json:"tenant"`
	Source  mapping.SourceOrder `json:"source"`
	Refetch bool                `json:"refetch"`
}

// EnrichResult is the validated target draft, or with Skip set (the reason) a record
// there is nothing to write for (a sale without lines), which the record skips.
type EnrichResult struct {
	Draft   mapping.OrderDraft `json:"draft"`
	Summary string             `json:"summary"`
	Skip    string             `json:"skip,omitempty"`
}

// CheckExistsInput looks the draft up in the target by its idempotency key, Draft.Reference.
type CheckExistsInput struct {
	Tenant string             `json:"tenant"`
	Draft  mapping.OrderDraft `json:"draft"`
}

// CheckExistsResult says whether the target already has the record, and its id there.
type CheckExistsResult struct {
	Exists   bool   `json:"exists"`
	TargetID string `json:"target_id,omitempty"`
	Summary  string `json:"summary"`
}

// CheckExistsBatchInput asks the target once for a whole fetched page which records it
// already has, so a child needs no check-exists call of its own.
type CheckExistsBatchInput struct {
	Tenant  string             `json:"tenant"`
	Records []CheckExistsEntry `json:"records"`
}

// CheckExistsEntry is one record of the page: its reference in the target
// (mapping.OrderReference) and when the source record was made (zero when unknown), which
// bounds a time-filtered listing.
type CheckExistsEntry struct {
	Reference string    `json:"reference"`
	Created   time.Time `json:"created,omitzero"`
	// Data is the record's data from the fetch, for a flow whose lookup needs more than
	// the reference (the products flow reads the SKUs of the page's articles).
	Data json.RawMessage `json:"data,omitempty"`
}

// CheckExistsBatchResult says which references the target has (reference → target id).
// Every reference of the input that is neither in Existing nor in Unchecked was checked
// and is not there. Unchecked lists the ones the lookup could not answer for (no creation
// time to bound the listing by): their children check themselves.
type CheckExistsBatchResult struct {
	Existing  map[string]string `json:"existing,omitempty"`
	Unchecked []string          `json:"unchecked,omitempty"`
	// States is what the lookup found per reference for the record's own steps (the items
	// a products record already has), opaque to the engine, which hands it to the child.
	States  map[string]json.RawMessage `json:"states,omitempty"`
	Summary string                     `json:"summary"`
}

// UpsertCustomerInput finds the customer by e-mail, creates it or updates the mapped fields
// that differ. Billing and Shipping are the draft's addresses: a new customer gets them, and
// an existing one is updated where they differ (an empty value never blanks a field).
// DryRun looks up only and reports what it would write.
type UpsertCustomerInput struct {
	Tenant   string                `json:"tenant"`
	Customer mapping.CustomerDraft `json:"customer"`
	Billing  mapping.Address       `json:"billing,omitzero"`
	Shipping mapping.Address       `json:"shipping,omitzero"`
	DryRun   bool                  `json:"dry_run"`
}

// UpsertCustomerResult is the target customer's id (number in Fortnox, customerID in
// Lightspeed); empty in a dry run that would create one.
type UpsertCustomerResult struct {
	CustomerID string `json:"customer_id"`
	Created    bool   `json:"created"`
	Updated    bool   `json:"updated"`
	Summary    string `json:"summary"`
}

// VerifyProductsInput lists the SKUs the order needs in the target; the activity looks them
// up in one batched call.
type VerifyProductsInput struct {
	Tenant string   `json:"tenant"`
	SKUs   []string `json:"skus"`
}

// VerifyProductsResult lists the SKUs the target does not have, in input order. A missing
// product is not an error: the workflow waits for the product flow and asks again.
type VerifyProductsResult struct {
	Missing []string `json:"missing,omitempty"`
	Summary string   `json:"summary"`
}

// CommitInput creates the target record. The activity re-checks the idempotency key in the
// same attempt before it writes, so a retry after a lost response never duplicates. DryRun
// writes nothing and says what it would create.
type CommitInput struct {
	Tenant     string             `json:"tenant"`
	Draft      mapping.OrderDraft `json:"draft"`
	CustomerID string             `json:"customer_id"`
	DryRun     bool               `json:"dry_run"`
}

// CommitResult is the id of the created (or, after a lost response, found) target record.
type CommitResult struct {
	TargetID string `json:"target_id,omitempty"`
	Summary  string `json:"summary"`
}

// SettleInput is a sale paid at the till whose draft names the Fortnox order it came from
// (Draft.Pickup).
type SettleInput struct {
	Tenant string             `json:"tenant"`
	Draft  mapping.OrderDraft `json:"draft"`
	DryRun bool               `json:"dry_run"`
}

// SettleResult names the settled order and says whether this run changed it: a retry or a
// second run finds it settled and changes nothing.
type SettleResult struct {
	TargetID string `json:"target_id"`
	Changed  bool   `json:"changed"`
	Summary  string `json:"summary"`
}

// UpdateSaleInput is the draft of a Fortnox order that changed after its sale was made,
// and that sale.
type UpdateSaleInput struct {
	Tenant string             `json:"tenant"`
	Draft  mapping.OrderDraft `json:"draft"`
	SaleID string             `json:"sale_id"`
	// Known is the sale as the page check saw it (PageCheck.State); empty: read it.
	Known  json.RawMessage `json:"known,omitempty"`
	DryRun bool            `json:"dry_run"`
}

// UpdateSaleResult says whether the sale was changed (lines, or voided).
type UpdateSaleResult struct {
	Changed bool   `json:"changed"`
	Summary string `json:"summary"`
}

// NotifyInput is one alert: a record's needs_fix, or any other (Status). It names what it
// is about by ids, not by personal data, because webhook channels and mailboxes are read
// by many.
type NotifyInput struct {
	Tenant     string `json:"tenant"`
	Flow       string `json:"flow"`
	WorkflowID string `json:"workflow_id"` // the record, run or schedule the alert is about
	SourceID   string `json:"source_id"`
	Reason     string `json:"reason"`
	// Status is what happened (needs_fix, failed, flow_failed …); NeedsFix defaults it.
	Status string `json:"status,omitempty"`
	// Channel is the one channel to send on (ChannelWebhook, ChannelEmail); "" is every
	// configured channel, as runs recorded before the channels ask.
	Channel string `json:"channel,omitempty"`
	// Link is the kind of Web UI page WorkflowID names (LinkWorkflow, LinkSchedule,
	// LinkNone).
	Link string `json:"link,omitempty"`
	// Lines are the digest's entries.
	Lines []string `json:"lines,omitempty"`
}

// NotifyResult says where the notification went.
type NotifyResult struct {
	Summary string `json:"summary"`
}

// StepResult is every step's result: its one-line account of what it did, for the
// record's log in the Web UI.
type StepResult interface{ StepSummary() string }

func (r EnrichResult) StepSummary() string           { return r.Summary }
func (r CheckExistsResult) StepSummary() string      { return r.Summary }
func (r CheckExistsBatchResult) StepSummary() string { return r.Summary }
func (r UpsertCustomerResult) StepSummary() string   { return r.Summary }
func (r VerifyProductsResult) StepSummary() string   { return r.Summary }
func (r CommitResult) StepSummary() string           { return r.Summary }
func (r SettleResult) StepSummary() string           { return r.Summary }
func (r UpdateSaleResult) StepSummary() string       { return r.Summary }
func (r NotifyResult) StepSummary() string           { return r.Summary }
