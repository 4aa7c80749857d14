package activities

// The workflows call the order activities by these registered names, so they compile and
// are tested without the implementations. The worker registers each activity struct with
// its prefix as activity.RegisterOptions.Name, which the SDK puts before every method name:
//
//	w.RegisterActivityWithOptions(&activities.OrdersToFortnox{…},
//		activity.RegisterOptions{Name: activities.OrdersToFortnoxPrefix})
//
// turns method Enrich into the activity "OrdersToFortnox.Enrich".
const (
	OrdersToFortnoxPrefix    = "OrdersToFortnox."
	OrdersToLightspeedPrefix = "OrdersToLightspeed."
	NotifyPrefix             = "Notify."
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
	// MethodNeedsFix is the method of the vendor-free Notify struct that sends the needs_fix
	// notification.
	MethodNeedsFix = "NeedsFix"
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

	OrdersToLightspeedFetch            = OrdersToLightspeedPrefix + MethodFetch
	OrdersToLightspeedEnrich           = OrdersToLightspeedPrefix + MethodEnrich
	OrdersToLightspeedCheckExists      = OrdersToLightspeedPrefix + MethodCheckExists
	OrdersToLightspeedCheckExistsBatch = OrdersToLightspeedPrefix + MethodCheckExistsBatch
	OrdersToLightspeedUpsertCustomer   = OrdersToLightspeedPrefix + MethodUpsertCustomer
	OrdersToLightspeedVerifyProducts   = OrdersToLightspeedPrefix + MethodVerifyProducts
	OrdersToLightspeedCommit           = OrdersToLightspeedPrefix + MethodCommit

	NotifyNeedsFix = NotifyPrefix + MethodNeedsFix
)

// OrderActivityNames are the registered names of one order flow's six activities and the
// parent's page-wide check-exists, so the workflow code is the same for both directions.
type OrderActivityNames struct {
	Fetch            string
	Enrich           string
	CheckExists      string
	CheckExistsBatch string
	UpsertCustomer   string
	VerifyProducts   string
	Commit           string
}

// OrderActivityNamesWithPrefix returns the names an activity struct registered with prefix
// (OrdersToFortnoxPrefix or OrdersToLightspeedPrefix) gets.
func OrderActivityNamesWithPrefix(prefix string) OrderActivityNames {
	return OrderActivityNames{
		Fetch:            prefix + MethodFetch,
		Enrich:           prefix + MethodEnrich,
		CheckExists:      prefix + MethodCheckExists,
		CheckExistsBatch: prefix + MethodCheckExistsBatch,
		UpsertCustomer:   prefix + MethodUpsertCustomer,
		VerifyProducts:   prefix + MethodVerifyProducts,
		Commit:           prefix + MethodCommit,
	}
}
