// Package connections is the processes' side of the connection workflows: the token source
// the vendor clients use, and the calls with which `starter` connects and reads them.
package connections

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"fortspeed/clients"
	"fortspeed/workflows"
)

// updateAttempts bounds how often a token update is sent again when it did not reach the
// workflow (it was continuing as new, or the server was busy).
const updateAttempts = 4

// Source hands a vendor client the access tokens of one connection workflow. It keeps the
// token until the workflow's refresh time and sends one update at a time, so a process
// asks the workflow about once per token lifetime and once per burst of 401s.
type Source struct {
	client     client.Client
	tenant     string
	vendor     string
	workflowID string
	now        func() time.Time

	mu     sync.Mutex
	cached workflows.AccessToken
}

// NewSource is the token source of tenant's connection to vendor.
func NewSource(c client.Client, tenant, vendor string) *Source {
	return &Source{client: c, tenant: tenant, vendor: vendor,
		workflowID: workflows.ConnectionWorkflowID(tenant, vendor), now: time.Now}
}

// Token returns the cached token while the workflow would hand out the same, else asks.
func (s *Source) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.freshLocked() {
		return s.cached.Token, nil
	}
	return s.askLocked(ctx, workflows.TokenRequest{})
}

// Refresh is called after the vendor rejected failed. A token this process got meanwhile
// is used as it is; otherwise the workflow is asked, naming failed, and refreshes unless
// another process made it do so already.
func (s *Source) Refresh(ctx context.Context, failed string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached.Token != failed && s.freshLocked() {
		return s.cached.Token, nil
	}
	return s.askLocked(ctx, workflows.TokenRequest{Failed: failed})
}

// Refused tells the workflow that the vendor refused a valid token for want of a scope or
// licence: the connection needs re-authorization, so the tenant's schedules pause.
func (s *Source) Refused(ctx context.Context, token, reason string) {
	s.mu.Lock()
	if s.cached.Token == token {
		s.cached = workflows.AccessToken{}
	}
	s.mu.Unlock()
	var view workflows.ConnectionView
	// Best effort: the step that met the refusal fails with it anyway.
	_ = s.update(ctx, workflows.UpdateRefused, workflows.RefusedRequest{Token: token, Reason: reason}, &view)
}

func (s *Source) freshLocked() bool {
	return s.cached.Token != "" && s.now().Before(s.cached.RefreshAfter)
}

func (s *Source) askLocked(ctx context.Context, req workflows.TokenRequest) (string, error) {
	var tok workflows.AccessToken
	if err := s.update(ctx, workflows.UpdateToken, req, &tok); err != nil {
		s.cached = workflows.AccessToken{}
		return "", err
	}
	if !s.now().Before(tok.RefreshAfter) {
		// This host's clock is ahead of the workflow's: use the token for half its
		// remaining life rather than asking again on every request.
		tok.RefreshAfter = s.now().Add(tok.Expiry.Sub(s.now()) / 2)
	}
	s.cached = tok
	return tok.Token, nil
}

// update sends one update to the connection workflow and reads its answer, as a client
// error a vendor client understands.
func (s *Source) update(ctx context.Context, name string, arg, out any) error {
	var err error
	for attempt := 1; attempt <= updateAttempts; attempt++ {
		var h client.WorkflowUpdateHandle
		h, err = s.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: s.workflowID, UpdateName: name, Args: []any{arg},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, out)
		}
		if err == nil {
			return nil
		}
		var app *temporal.ApplicationError
		var nf *serviceerror.NotFound
		switch {
		case errors.As(err, &app):
			return &clients.Error{Kind: clients.Kind(app.Type()), Vendor: s.vendor, Op: "token", Message: app.Message()}
		case errors.As(err, &nf):
			return &clients.Error{Kind: clients.InvalidGrant, Vendor: s.vendor, Op: "token",
				Message: fmt.Sprintf("tenant %s is not connected: run `starter connect %s`", s.tenant, s.vendor)}
		case ctx.Err() != nil:
			return &clients.Error{Kind: clients.Transient, Vendor: s.vendor, Op: "token", Message: "no answer from the connection workflow", Err: ctx.Err()}
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		}
	}
	return &clients.Error{Kind: clients.Transient, Vendor: s.vendor, Op: "token", Message: "the connection workflow did not answer", Err: err}
}

// Connect hands the connection of tenant at vendor a new authorization and returns the
// connection's state. A tenant without a connection workflow gets one that starts with the
// authorization, which needs no worker yet; a running one takes it by update, resumes
// what it paused and lets the waiting records go on.
func Connect(ctx context.Context, c client.Client, tenant, vendor string, req workflows.ConnectRequest) (workflows.ConnectionView, error) {
	started, err := Start(ctx, c, tenant, vendor, req)
	if err != nil {
		return workflows.ConnectionView{}, err
	}
	if started {
		// A query would wait for a worker; the state is the one just started with.
		return workflows.ConnectionView{Tenant: tenant, Vendor: vendor, Status: workflows.ConnectionConnected,
			ServiceAccount: req.ServiceAccount, Expiry: req.Token.Expiry}, nil
	}
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.ConnectionWorkflowID(tenant, vendor), UpdateName: workflows.UpdateConnect,
		Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var view workflows.ConnectionView
	if err == nil {
		err = h.Get(ctx, &view)
	}
	if err != nil {
		return view, fmt.Errorf("hand the %s authorization of tenant %s to its connection workflow (is a worker running?): %w", vendor, tenant, err)
	}
	return view, nil
}

// Start starts the connection workflow of tenant at vendor with req as its state, unless
// one runs already; it reports whether it started one.
func Start(ctx context.Context, c client.Client, tenant, vendor string, req workflows.ConnectRequest) (bool, error) {
	now := time.Now()
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.ConnectionWorkflowID(tenant, vendor),
		TaskQueue:                workflows.TaskQueueFortspeed,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// Otherwise the SDK answers with the running workflow as if it had started it.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:                            "connection: " + tenant + " " + vendor,
	}, workflows.WorkflowConnection, workflows.ConnectionInput{Tenant: tenant, Vendor: vendor, State: workflows.ConnectionState{
		Token: req.Token, ServiceAccount: req.ServiceAccount, Status: workflows.ConnectionConnected,
		MintedAt: now, RefreshedAt: now,
	}})
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &already):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("start the %s connection workflow of tenant %s: %w", vendor, tenant, err)
	}
	return true, nil
}

// State reads the connection of tenant at vendor; one that was never connected is
// ConnectionNotConnected.
func State(ctx context.Context, c client.Client, tenant, vendor string) (workflows.ConnectionView, error) {
	resp, err := c.QueryWorkflow(ctx, workflows.ConnectionWorkflowID(tenant, vendor), "", workflows.QueryConnection)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return workflows.ConnectionView{Tenant: tenant, Vendor: vendor, Status: workflows.ConnectionNotConnected}, nil
	}
	if err != nil {
		return workflows.ConnectionView{}, fmt.Errorf("read the %s connection of tenant %s: %w", vendor, tenant, err)
	}
	var view workflows.ConnectionView
	if err := resp.Get(&view); err != nil {
		return view, fmt.Errorf("read the %s connection of tenant %s: %w", vendor, tenant, err)
	}
	if view.Status == "" {
		view.Status = workflows.ConnectionNotConnected
	}
	return view, nil
}
