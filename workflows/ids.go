// Package workflows is the deterministic orchestration of the flows: which activity runs
// where and when, and what the Web UI shows. No I/O, no time.Now, no map iteration order.
package workflows

import (
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Task queues (DESIGN.md, "Temporal model"): workflows and vendor-free activities on
// TaskQueueFortspeed; every activity that calls a vendor on that vendor's queue, so its
// capacity and rate can be capped for all worker processes together.
const (
	TaskQueueFortspeed  = "fortspeed"
	TaskQueueFortnox    = "fortnox-api"
	TaskQueueLightspeed = "lightspeed-api"
)

// TenantQueue is a tenant's own queue of a vendor: the default tenant's is the vendor queue
// itself, another tenant's carries its name ("fortnox-api@acme"), so each tenant's vendor
// activities have their own workers, rate limit and backlog, and one tenant's backlog never
// stalls another's. Workflows share TaskQueueFortspeed.
func TenantQueue(tenant, queue string) string {
	if tenant == DefaultTenant || tenant == "" || queue == TaskQueueFortspeed {
		return queue
	}
	return queue + "@" + tenant
}

// Flow ids: part of every workflow and schedule id and the SyncFlow search attribute.
const (
	FlowOrdersToFortnox    = "orders-to-fortnox"
	FlowOrdersToLightspeed = "orders-to-lightspeed"
	FlowProducts           = "products"
	FlowStock              = "stock"
)

// DefaultTenant is the tenant of a single-retailer install.
const DefaultTenant = "default"

// SignalRetry asks a needs_fix record to run again after its data was fixed at the source
// (`starter retry <workflow id>` or the Web UI). It carries no payload.
const SignalRetry = "retry"

// SignalRecordParked tells the parent that a child reached needs_fix and now waits, so the
// parent frees its concurrency slot instead of waiting for days. The payload is the child's
// workflow id.
const SignalRecordParked = "record-parked"

// Source record kinds: the first part of a record's source key ("sale:1042").
const (
	SourceKindSale  = "sale"  // a Lightspeed sale
	SourceKindOrder = "order" // a Fortnox order
	// SourceKindArticle is a Fortnox article, keyed by its number (the Lightspeed
	// customSku), or a family of them in the products flow ("TS*").
	SourceKindArticle = "article"
)

// RecordWorkflowID is the id of the child workflow that syncs one record:
// `<tenant>:<flow>:<source-key>`, e.g. `default:orders-to-fortnox:sale:1042`. The id is the
// per-record dedupe key, so it depends on nothing but the record.
func RecordWorkflowID(tenant, flow, sourceKey string) string {
	return tenant + ":" + flow + ":" + sourceKey
}

// DryRunWorkflowID is the id of a record's workflow in a dry run: the record's id scoped to
// the parent run, because a finished dry run under the record's own id would block the
// real sync of that record (ALLOW_DUPLICATE_FAILED_ONLY) forever.
func DryRunWorkflowID(recordWorkflowID, parentRunID string) string {
	return recordWorkflowID + ":dry-run:" + parentRunID
}

// ScheduleID is the id of a flow's schedule: `<tenant>:<flow>`.
func ScheduleID(tenant, flow string) string {
	return tenant + ":" + flow
}

// AlertsScheduleID is the id of the tenant's periodic alert check (AlertsCheck).
func AlertsScheduleID(tenant string) string { return tenant + ":alerts" }

// DigestScheduleID is the id of the tenant's daily digest (AlertsDigest).
func DigestScheduleID(tenant string) string { return tenant + ":alerts-digest" }

// Search attribute names (DESIGN.md): all Keyword except SKUs (KeywordList). They hold no
// personal data, because search attributes are not encrypted.
const (
	SearchAttrSyncStatus = "SyncStatus"
	SearchAttrTenant     = "Tenant"
	SearchAttrSyncFlow   = "SyncFlow"
	SearchAttrSourceID   = "SourceID"
	SearchAttrTargetID   = "TargetID"
	SearchAttrSKUs       = "SKUs"
)

// SyncStatusKey is the typed key of a record's outcome (one of the Status values).
func SyncStatusKey() temporal.SearchAttributeKeyKeyword {
	return temporal.NewSearchAttributeKeyKeyword(SearchAttrSyncStatus)
}

// TenantKey is the typed key of the tenant id.
func TenantKey() temporal.SearchAttributeKeyKeyword {
	return temporal.NewSearchAttributeKeyKeyword(SearchAttrTenant)
}

// SyncFlowKey is the typed key of the flow id.
func SyncFlowKey() temporal.SearchAttributeKeyKeyword {
	return temporal.NewSearchAttributeKeyKeyword(SearchAttrSyncFlow)
}

// SourceIDKey is the typed key of the record's source key ("sale:1042").
func SourceIDKey() temporal.SearchAttributeKeyKeyword {
	return temporal.NewSearchAttributeKeyKeyword(SearchAttrSourceID)
}

// TargetIDKey is the typed key of the record's id in the target.
func TargetIDKey() temporal.SearchAttributeKeyKeyword {
	return temporal.NewSearchAttributeKeyKeyword(SearchAttrTargetID)
}

// SKUsKey is the typed key of the SKUs on the record, to find every order waiting for a
// product.
func SKUsKey() temporal.SearchAttributeKeyKeywordList {
	return temporal.NewSearchAttributeKeyKeywordList(SearchAttrSKUs)
}

// SearchAttributeDefinition is one search attribute the server must know.
type SearchAttributeDefinition struct {
	Name string
	// Type's String() is the CLI spelling ("Keyword", "KeywordList") for
	// `temporal server start-dev --search-attribute Name=Type`.
	Type enums.IndexedValueType
}

// SearchAttributeDefinitions lists every search attribute fortspeed upserts, for
// `starter setup` (OperatorService.AddSearchAttributes) and the dev server flags.
func SearchAttributeDefinitions() []SearchAttributeDefinition {
	return []SearchAttributeDefinition{
		{Name: SearchAttrSyncStatus, Type: enums.INDEXED_VALUE_TYPE_KEYWORD},
		{Name: SearchAttrTenant, Type: enums.INDEXED_VALUE_TYPE_KEYWORD},
		{Name: SearchAttrSyncFlow, Type: enums.INDEXED_VALUE_TYPE_KEYWORD},
		{Name: SearchAttrSourceID, Type: enums.INDEXED_VALUE_TYPE_KEYWORD},
		{Name: SearchAttrTargetID, Type: enums.INDEXED_VALUE_TYPE_KEYWORD},
		{Name: SearchAttrSKUs, Type: enums.INDEXED_VALUE_TYPE_KEYWORD_LIST},
	}
}

// DevServerSearchAttributes returns every search attribute in the form
// testsuite.DevServerOptions.SearchAttributes takes; only the names and types count.
func DevServerSearchAttributes() temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		SyncStatusKey().ValueSet(""),
		TenantKey().ValueSet(""),
		SyncFlowKey().ValueSet(""),
		SourceIDKey().ValueSet(""),
		TargetIDKey().ValueSet(""),
		SKUsKey().ValueSet(nil),
	)
}

// Status is a record's outcome, the value of the SyncStatus search attribute.
type Status string

// The SyncStatus values (DESIGN.md).
const (
	StatusRunning   Status = "running"
	StatusCommitted Status = "committed"
	StatusUpdated   Status = "updated"
	StatusSkipped   Status = "skipped"
	StatusNeedsFix  Status = "needs_fix"
	StatusFailed    Status = "failed"
	StatusDryRun    Status = "dry_run"
)
