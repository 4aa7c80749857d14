package activities

// The workflows call the activities by these registered names, so they compile and are
// tested without the implementations. The worker registers each activity struct with its
// flow's prefix as activity.RegisterOptions.Name, which the SDK puts before every method
// name: OrdersToFortnoxSource registered with OrdersToFortnoxPrefix turns method Enrich
// into the activity "OrdersToFortnox.Enrich". A flow's source and target structs share the
// prefix and are registered on different queues (workflows.Flow.Steps says which).
const (
	OrdersToFortnoxPrefix    = "OrdersToFortnox."
	OrdersToLightspeedPrefix = "OrdersToLightspeed."
	NotifyPrefix             = "Notify."
	RecordsPrefix            = "Records."
)

// The method names every order activity struct has, one per step of DESIGN.md.
const (
	MethodFetch       = "Fetch"
	MethodEnrich      = "Enrich"
	MethodCheckExists = "CheckExists"
	// MethodCheckExistsBatch is check-exists for a whole fetched page, run by the parent.
	MethodCheckExistsBatch = "CheckExistsBatch"
	MethodUpsertCustomer   = "UpsertCustomer"
	MethodVerifyProducts   = "VerifyProducts"
	MethodCommit           = "Commit"
	// MethodSettlePickup settles the Fortnox order that a sale paid at the till came from
	// (orders-to-fortnox), in place of creating an order.
	MethodSettlePickup = "SettlePickup"
	// MethodUpdateSale carries a changed or cancelled Fortnox order over to the open sale
	// made from it (orders-to-lightspeed).
	MethodUpdateSale = "UpdateSale"
	// MethodNeedsFix and MethodAlert are the methods of the vendor-free Notify struct that
	// send a record's needs_fix notification and every other alert.
	MethodNeedsFix = "NeedsFix"
	MethodAlert    = "Alert"
)

// The registered names in full.
const (
	OrdersToFortnoxFetch            = OrdersToFortnoxPrefix + MethodFetch
	OrdersToFortnoxEnrich           = OrdersToFortnoxPrefix + MethodEnrich
	OrdersToFortnoxCheckExists      = OrdersToFortnoxPrefix + MethodCheckExists
	OrdersToFortnoxCheckExistsBatch = OrdersToFortnoxPrefix + MethodCheckExistsBatch
	OrdersToFortnoxUpsertCustomer   = OrdersToFortnoxPrefix + MethodUpsertCustomer
	OrdersToFortnoxVerifyProducts   = OrdersToFortnoxPrefix + MethodVerifyProducts
	OrdersToFortnoxCommit           = OrdersToFortnoxPrefix + MethodCommit
	OrdersToFortnoxSettlePickup     = OrdersToFortnoxPrefix + MethodSettlePickup

	OrdersToLightspeedFetch            = OrdersToLightspeedPrefix + MethodFetch
	OrdersToLightspeedEnrich           = OrdersToLightspeedPrefix + MethodEnrich
	OrdersToLightspeedCheckExists      = OrdersToLightspeedPrefix + MethodCheckExists
	OrdersToLightspeedCheckExistsBatch = OrdersToLightspeedPrefix + MethodCheckExistsBatch
	OrdersToLightspeedUpsertCustomer   = OrdersToLightspeedPrefix + MethodUpsertCustomer
	OrdersToLightspeedVerifyProducts   = OrdersToLightspeedPrefix + MethodVerifyProducts
	OrdersToLightspeedCommit           = OrdersToLightspeedPrefix + MethodCommit
	OrdersToLightspeedUpdateSale       = OrdersToLightspeedPrefix + MethodUpdateSale

	NotifyNeedsFix = NotifyPrefix + MethodNeedsFix
	NotifyAlert    = NotifyPrefix + MethodAlert
	// RecordsFailed is the sweep's lookup of failed records (Records.Failed).
	RecordsFailed = RecordsPrefix + "Failed"
	// RecordsHealth and RecordsDigest are the alert check's and the daily digest's lookups.
	RecordsHealth = RecordsPrefix + "Health"
	RecordsDigest = RecordsPrefix + "Digest"
)
