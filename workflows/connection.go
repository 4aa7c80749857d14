package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
	"fortspeed/clients"
)

// WorkflowConnection is the workflow type that owns one tenant's tokens at one vendor.
const WorkflowConnection = "Connection"

// The connection workflow's update and query names (DESIGN.md, "Credentials").
const (
	// UpdateToken hands out a valid access token (TokenRequest → AccessToken).
	UpdateToken = "token"
	// UpdateConnect hands the connection a new authorization (ConnectRequest →
	// ConnectionView): `starter connect`, or a worker importing an old token file.
	UpdateConnect = "connect"
	// UpdateRefused tells the connection that the vendor refused its valid token for want
	// of a scope or licence (RefusedRequest → ConnectionView).
	UpdateRefused = "refused"
	// QueryConnection reads the connection's state without its tokens (ConnectionView).
	QueryConnection = "state"
)

// Connection states.
const (
	ConnectionConnected           = "connected"
	ConnectionReauthorizeRequired = "reauthorize_required"
	// ConnectionNotConnected is what `starter status` shows for a connection without a
	// workflow: it was never connected.
	ConnectionNotConnected = "not_connected"
)

// ConnectionWorkflowID is `<tenant>:connection:<vendor>`.
func ConnectionWorkflowID(tenant, vendor string) string { return tenant + ":connection:" + vendor }

// Vendors, as in connection ids and `starter connect`.
const (
	VendorFortnox    = "fortnox"
	VendorLightspeed = "lightspeed"
)

// refreshTokenKeepAlive is how long a refresh token may go unused before the connection
// spends it anyway, well inside each vendor's limit for an unused one (Lightspeed 30 days,
// Fortnox 45): a shop closed for a month must not lose its connection.
var refreshTokenKeepAlive = map[string]time.Duration{
	VendorLightspeed: 21 * 24 * time.Hour,
	VendorFortnox:    35 * 24 * time.Hour,
}

// connectionHandledBeforeContinue is how many updates a run serves before it continues as
// new, so its history stays short whatever the server's suggestion threshold.
const connectionHandledBeforeContinue = 500

// ConnectionInput starts (or continues) a connection; State is carried over continue-as-new.
type ConnectionInput struct {
	Tenant string          `json:"tenant"`
	Vendor string          `json:"vendor"`
	State  ConnectionState `json:"state"`
	// ContinueAfter overrides connectionHandledBeforeContinue (tests).
	ContinueAfter int `json:"continue_after,omitempty"`
}

// ConnectionState is everything the connection knows; it lives only in the workflow's
// encrypted payloads.
type ConnectionState struct {
	Token          clients.Token `json:"token"`
	ServiceAccount bool          `json:"service_account,omitempty"`
	Status         string        `json:"status"`
	Reason         string        `json:"reason,omitempty"`
	// MintedAt is when the held access token was issued; with its expiry it gives the
	// token's lifetime, from which the margins are taken.
	MintedAt time.Time `json:"minted_at"`
	// RefreshedAt is when the held refresh token was issued, for the keep-alive.
	RefreshedAt time.Time `json:"refreshed_at"`
	// Used says the held access token was handed out: only a used connection is
	// refreshed ahead of expiry, an idle one waits for its next request.
	Used      bool  `json:"used,omitempty"`
	Refreshes int64 `json:"refreshes"`
	// Spent is the refresh token the last refresh spent, so the activity can forget the pair
	// it kept for it.
	Spent string `json:"spent,omitempty"`
	// Paused lists the schedules this connection paused, resumed when it is connected again.
	Paused []string `json:"paused,omitempty"`
	// Pending says a change of state still needs its actions: pause and alert after a
	// refusal, resume and retry after a reconnect.
	Pending string `json:"pending,omitempty"`
}

// TokenRequest asks for a valid access token. Failed is the token the vendor just
// rejected with a 401: unless the connection already holds a newer one, it refreshes.
type TokenRequest struct {
	Failed string `json:"failed,omitempty"`
}

// AccessToken is a valid access token and when to ask again.
type AccessToken struct {
	Token  string    `json:"token"`
	Expiry time.Time `json:"expiry"`
	// RefreshAfter is when the connection refreshes the token: callers cache it until then.
	RefreshAfter time.Time `json:"refresh_after"`
}

// ConnectRequest is a new authorization: the token pair from the authorization code, or
// an empty pair and ServiceAccount for Fortnox client credentials. IfUnconnected makes it
// an import: a connection that already holds tokens keeps them.
type ConnectRequest struct {
	Token          clients.Token `json:"token"`
	ServiceAccount bool          `json:"service_account,omitempty"`
	IfUnconnected  bool          `json:"if_unconnected,omitempty"`
}

// RefusedRequest is a request the vendor refused although the token was valid (HTTP 403:
// a scope or licence is missing).
type RefusedRequest struct {
	Token  string `json:"token"`
	Reason string `json:"reason"`
}

// ConnectionView is the connection's state as `starter status` shows it, without tokens.
type ConnectionView struct {
	Tenant         string    `json:"tenant"`
	Vendor         string    `json:"vendor"`
	Status         string    `json:"status"`
	Reason         string    `json:"reason,omitempty"`
	ServiceAccount bool      `json:"service_account,omitempty"`
	Expiry         time.Time `json:"expiry,omitzero"`
	RefreshedAt    time.Time `json:"refreshed_at,omitzero"`
	Refreshes      int64     `json:"refreshes"`
	Paused         []string  `json:"paused_schedules,omitempty"`
}

// Pending actions of ConnectionState.Pending.
const (
	pendingRefused   = "refused"
	pendingConnected = "connected"
)

type connection struct {
	in         ConnectionInput
	st         ConnectionState
	logger     log.Logger
	refreshing bool
	handled    int
}

// Connection owns one tenant's tokens at one vendor (DESIGN.md, "Credentials"). Every
// refresh runs here, one at a time, so processes on any number of hosts never spend a
// single-use refresh token twice. It refreshes a used token ahead of expiry, spends an
// unused refresh token before the vendor lets it die, and on a refused grant pauses the
// tenant's schedules and alerts once; a new `starter connect` resumes them.
func Connection(ctx workflow.Context, in ConnectionInput) error {
	if err := checkTenant(in.Tenant); err != nil {
		return invalidInput("connection", err)
	}
	if in.Vendor != VendorFortnox && in.Vendor != VendorLightspeed {
		return invalidInput("connection", fmt.Errorf("unknown vendor %q", in.Vendor))
	}
	c := &connection{in: in, st: in.State,
		logger: log.With(workflow.GetLogger(ctx), "tenant", in.Tenant, "vendor", in.Vendor)}
	if err := c.register(ctx); err != nil {
		return err
	}
	limit := in.ContinueAfter
	if limit <= 0 {
		limit = connectionHandledBeforeContinue
	}
	for {
		c.details(ctx)
		at, why := c.wakeAt()
		woke := func() bool {
			// A token handed out or replaced moves the wake-up time: sleep again from it.
			next, _ := c.wakeAt()
			return c.st.Pending != "" || c.handled >= limit || workflow.GetInfo(ctx).GetContinueAsNewSuggested() || !next.Equal(at)
		}
		var timedOut bool
		if !at.IsZero() {
			wake := at.Sub(workflow.Now(ctx))
			if wake < time.Millisecond {
				wake = time.Millisecond
			}
			ok, err := workflow.AwaitWithTimeout(ctx, wake, woke)
			if err != nil {
				return err
			}
			timedOut = !ok
		} else if err := workflow.Await(ctx, woke); err != nil {
			return err
		}
		switch {
		case c.st.Pending == pendingRefused:
			c.onRefused(ctx)
		case c.st.Pending == pendingConnected:
			c.onConnected(ctx)
		case timedOut && !c.refreshing && c.st.Status == ConnectionConnected:
			if err := c.refresh(ctx, why); err != nil {
				c.logger.Warn("refresh ahead of expiry failed; the next request tries again", "error", err)
			}
		}
		if c.handled >= limit || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && !c.refreshing }); err != nil {
				return err
			}
			if c.st.Pending != "" {
				continue // its actions first: a new run would not know they are owed
			}
			next := c.in
			next.State = c.st
			return workflow.NewContinueAsNewError(ctx, WorkflowConnection, next)
		}
	}
}

func (c *connection) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryConnection, func() (ConnectionView, error) { return c.view(), nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateToken, c.token, workflow.UpdateHandlerOptions{
		// A refused connection answers at once and writes nothing to history.
		Validator: func(TokenRequest) error { return c.usable() },
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateConnect, c.connect); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateRefused, c.refused, workflow.UpdateHandlerOptions{
		Validator: func(r RefusedRequest) error {
			if r.Reason == "" {
				return fmt.Errorf("a refusal needs a reason")
			}
			return nil
		},
	})
}

// usable is nil when the connection can hand out tokens, else the InvalidGrant error the
// caller's step turns into needs_fix.
func (c *connection) usable() error {
	switch {
	case c.st.Status == ConnectionReauthorizeRequired:
		return c.reauthorizeError()
	case c.st.Status != ConnectionConnected:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("tenant %s is not connected: run `starter connect %s`", c.in.Tenant, c.in.Vendor),
			string(clients.InvalidGrant), nil)
	}
	return nil
}

func (c *connection) reauthorizeError() error {
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("the connection of tenant %s needs re-authorization (`starter connect %s`): %s", c.in.Tenant, c.in.Vendor, c.st.Reason),
		string(clients.InvalidGrant), nil)
}

func (c *connection) token(ctx workflow.Context, req TokenRequest) (AccessToken, error) {
	c.handled++
	if err := workflow.Await(ctx, func() bool { return !c.refreshing }); err != nil {
		return AccessToken{}, err
	}
	if err := c.usable(); err != nil {
		return AccessToken{}, err
	}
	now := workflow.Now(ctx)
	if c.st.Token.AccessToken == "" || c.st.Token.AccessToken == req.Failed || !now.Before(c.refreshAfter()) {
		if err := c.refresh(ctx, "requested"); err != nil {
			return AccessToken{}, err
		}
	}
	c.st.Used = true
	return AccessToken{Token: c.st.Token.AccessToken, Expiry: c.st.Token.Expiry, RefreshAfter: c.refreshAfter()}, nil
}

func (c *connection) connect(ctx workflow.Context, req ConnectRequest) (ConnectionView, error) {
	c.handled++
	if err := workflow.Await(ctx, func() bool { return !c.refreshing }); err != nil {
		return ConnectionView{}, err
	}
	if req.IfUnconnected && c.st.Status != "" {
		return c.view(), nil
	}
	if !req.ServiceAccount && req.Token.RefreshToken == "" {
		return ConnectionView{}, temporal.NewNonRetryableApplicationError("connect: the authorization carries no refresh token", activities.ErrorTypeInvalidInput, nil)
	}
	now := workflow.Now(ctx)
	was := c.st.Status
	c.st.Token = req.Token
	c.st.ServiceAccount = req.ServiceAccount
	c.st.Status = ConnectionConnected
	c.st.Reason = ""
	c.st.MintedAt, c.st.RefreshedAt = now, now
	c.st.Used = false
	if was == ConnectionReauthorizeRequired || c.st.Pending == pendingRefused {
		c.st.Pending = pendingConnected
	}
	c.logger.Info("connected", "service_account", req.ServiceAccount)
	return c.view(), nil
}

func (c *connection) refused(ctx workflow.Context, req RefusedRequest) (ConnectionView, error) {
	c.handled++
	if c.st.Status == ConnectionConnected && req.Token == c.st.Token.AccessToken {
		c.markRefused(oneLine(req.Reason))
	}
	return c.view(), nil
}

func (c *connection) markRefused(reason string) {
	c.st.Status = ConnectionReauthorizeRequired
	c.st.Reason = reason
	c.st.Pending = pendingRefused
	c.logger.Warn("connection refused; re-authorization required", "reason", reason)
}

// refresh asks the vendor for a new pair, on the tenant's queue of the vendor.
func (c *connection) refresh(ctx workflow.Context, why string) error {
	c.refreshing = true
	defer func() { c.refreshing = false }()
	opts := VendorActivityOptions(TenantQueue(c.in.Tenant, vendorQueue(c.in.Vendor)))
	// The callers wait in their own activities: answer them within a minute either way.
	opts.StartToCloseTimeout = 30 * time.Second
	opts.ScheduleToCloseTimeout = time.Minute
	opts.Summary = "refresh " + c.in.Vendor + " token (" + why + ")"
	var tok clients.Token
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.ConnectionRefresh,
		activities.RefreshInput{Tenant: c.in.Tenant, RefreshToken: c.st.Token.RefreshToken, Spent: spent(c.st.Spent)}).Get(ctx, &tok)
	if err != nil {
		if isReauthorize(err) {
			c.markRefused(rootCause(err))
			return c.reauthorizeError()
		}
		return temporal.NewApplicationError("refresh token: "+rootCause(err), string(clients.Transient))
	}
	now := workflow.Now(ctx)
	if tok.RefreshToken != c.st.Token.RefreshToken {
		c.st.Spent = c.st.Token.RefreshToken
		c.st.RefreshedAt = now
	}
	c.st.Token = tok
	c.st.MintedAt = now
	c.st.Used = false
	c.st.Refreshes++
	return nil
}

func spent(token string) []string {
	if token == "" {
		return nil
	}
	return []string{token}
}

// refreshAfter is when the held access token counts as expiring: a tenth of its lifetime,
// at most a minute, before its expiry, so a request never leaves with a dying token.
func (c *connection) refreshAfter() time.Time {
	margin := c.st.Token.Expiry.Sub(c.st.MintedAt) / 10
	if margin > time.Minute {
		margin = time.Minute
	}
	return c.st.Token.Expiry.Add(-margin)
}

// wakeAt is when the loop refreshes on its own, and why; zero: only when something
// happens. A used token is refreshed when it starts to expire; an idle connection only
// keeps its refresh token alive.
func (c *connection) wakeAt() (time.Time, string) {
	var at time.Time
	if c.st.Status != ConnectionConnected {
		return at, ""
	}
	why := ""
	if c.st.Used && c.st.Token.AccessToken != "" {
		at, why = c.refreshAfter(), "ahead of expiry"
	}
	if c.st.Token.RefreshToken != "" {
		keep := c.st.RefreshedAt.Add(refreshTokenKeepAlive[c.in.Vendor])
		if at.IsZero() || keep.Before(at) {
			at, why = keep, "keep the unused refresh token alive"
		}
	}
	return at, why
}

// onRefused pauses the tenant's schedules and alerts once.
func (c *connection) onRefused(ctx workflow.Context) {
	c.st.Pending = ""
	ids := make([]string, 0, len(FlowIDs()))
	for _, f := range FlowIDs() {
		ids = append(ids, ScheduleID(c.in.Tenant, f))
	}
	opts := SweepActivityOptions()
	opts.Summary = "pause the schedules of tenant " + c.in.Tenant
	var paused activities.PauseResult
	note := fmt.Sprintf("paused by fortspeed: the %s connection needs re-authorization; `starter connect %s` resumes it", c.in.Vendor, c.in.Vendor)
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.SchedulesPause,
		activities.PauseInput{ScheduleIDs: ids, Note: note}).Get(ctx, &paused); err != nil {
		c.logger.Error("schedules not paused", "error", err)
	}
	c.st.Paused = append(c.st.Paused, paused.Paused...)
	startConnectionAlert(ctx, ConnectionAlertInput{Tenant: c.in.Tenant, Vendor: c.in.Vendor,
		MetBy: ConnectionWorkflowID(c.in.Tenant, c.in.Vendor), Reason: c.st.Reason}, c.logger)
}

// onConnected ends the alert's quiet time, resumes what onRefused paused and lets the
// records that waited for the connection run again.
func (c *connection) onConnected(ctx workflow.Context) {
	c.st.Pending = ""
	// A later refusal is news again. The alert may have ended already.
	_ = workflow.RequestCancelExternalWorkflow(ctx, ConnectionAlertID(c.in.Tenant, c.in.Vendor), "").Get(ctx, nil)
	if len(c.st.Paused) > 0 {
		opts := SweepActivityOptions()
		opts.Summary = "resume the schedules of tenant " + c.in.Tenant
		var resumed activities.PauseResult
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.SchedulesResume,
			activities.PauseInput{ScheduleIDs: c.st.Paused, Note: "resumed by fortspeed: " + c.in.Vendor + " connected again"}).Get(ctx, &resumed); err != nil {
			c.logger.Error("schedules not resumed; resume them with `starter resume`", "error", err)
		}
		c.st.Paused = nil
	}
	opts := SweepActivityOptions()
	opts.Summary = "retry the records that waited for the connection"
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.RecordsRetryParked,
		activities.RetryParkedInput{Tenant: c.in.Tenant, Signal: SignalRetry}).Get(ctx, nil); err != nil {
		c.logger.Error("waiting records not retried; `starter retry --all-needs-fix` does it", "error", err)
	}
}

func (c *connection) view() ConnectionView {
	return ConnectionView{Tenant: c.in.Tenant, Vendor: c.in.Vendor, Status: c.st.Status, Reason: c.st.Reason,
		ServiceAccount: c.st.ServiceAccount, Expiry: c.st.Token.Expiry, RefreshedAt: c.st.RefreshedAt,
		Refreshes: c.st.Refreshes, Paused: c.st.Paused}
}

// details is the line the Web UI shows for the connection, without tokens.
func (c *connection) details(ctx workflow.Context) {
	s := fmt.Sprintf("**%s %s**: %s; %d refreshes", c.in.Tenant, c.in.Vendor, c.st.Status, c.st.Refreshes)
	if !c.st.Token.Expiry.IsZero() {
		s += "; access token valid until " + c.st.Token.Expiry.UTC().Format(time.RFC3339)
	}
	if c.st.Reason != "" {
		s += "; " + c.st.Reason
	}
	workflow.SetCurrentDetails(ctx, s)
}

func vendorQueue(vendor string) string {
	if vendor == VendorLightspeed {
		return TaskQueueLightspeed
	}
	return TaskQueueFortnox
}
