package activities

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"fortspeed/clients"
)

// Registered names of the connection workflow's activities.
const (
	ConnectionPrefix = "Connection."
	SchedulesPrefix  = "Schedules."

	// ConnectionRefresh asks the vendor's token endpoint for a new token (Connection.Refresh).
	ConnectionRefresh = ConnectionPrefix + "Refresh"
	// SchedulesPause and SchedulesResume pause a tenant's flow schedules while its
	// connection needs re-authorization and resume them after.
	SchedulesPause  = SchedulesPrefix + "Pause"
	SchedulesResume = SchedulesPrefix + "Resume"
	// RecordsRetryParked signals every needs_fix record of a tenant to run again.
	RecordsRetryParked = RecordsPrefix + "RetryParked"
)

// Connection talks to one vendor's token endpoint for one tenant. Register it with
// ConnectionPrefix on the tenant's queue of that vendor: only that queue's workers hold the
// vendor app's client secret.
type Connection struct {
	Tenant string
	OAuth  clients.OAuthConfig

	// minted keeps, per refresh token spent, the pair the vendor answered with, until the
	// workflow has it. A refresh token is single-use: if this activity's result is lost
	// (the worker could not report it), its retry on this process hands out the same pair
	// instead of spending the dead token again.
	mu     sync.Mutex
	minted map[[32]byte]clients.Token
}

// RefreshInput is the connection's current refresh token; empty for a Fortnox service
// account, which mints its tokens with client credentials.
type RefreshInput struct {
	Tenant       string `json:"tenant"`
	RefreshToken string `json:"refresh_token,omitempty"`
	// Spent lists refresh tokens the workflow already holds the successors of, so this
	// process can forget what it kept for them.
	Spent []string `json:"spent,omitempty"`
}

// Refresh returns a new token pair. A refused grant is the non-retryable InvalidGrant the
// workflow turns into reauthorize_required; a network error or 5xx is retried by Temporal.
func (a *Connection) Refresh(ctx context.Context, in RefreshInput) (clients.Token, error) {
	if err := checkTenant(a.Tenant, "refresh token", in.Tenant); err != nil {
		return clients.Token{}, err
	}
	key := sha256.Sum256([]byte(in.RefreshToken))
	a.mu.Lock()
	for _, s := range in.Spent {
		delete(a.minted, sha256.Sum256([]byte(s)))
	}
	kept, ok := a.minted[key]
	a.mu.Unlock()
	if ok && in.RefreshToken != "" {
		return kept, nil
	}
	oauth := a.OAuth
	if in.RefreshToken == "" && oauth.TenantID == "" {
		return clients.Token{}, vendorError(&clients.Error{Kind: clients.InvalidGrant, Vendor: oauth.Vendor, Op: "refresh token",
			Message: "the connection holds no refresh token: run `starter connect " + oauth.Vendor + "`"})
	}
	tok, err := clients.NewRefreshingSource(oauth, clients.Token{RefreshToken: in.RefreshToken}, nil).Mint(ctx)
	if err != nil {
		return clients.Token{}, vendorError(err)
	}
	if in.RefreshToken != "" {
		a.mu.Lock()
		if a.minted == nil {
			a.minted = map[[32]byte]clients.Token{}
		}
		a.minted[key] = tok
		a.mu.Unlock()
	}
	return tok, nil
}

// Schedules pauses and resumes a tenant's flow schedules. It talks to no vendor; register
// it with SchedulesPrefix on the fortspeed queue.
type Schedules struct {
	Client client.Client
}

// PauseInput names the schedules to pause and the note they carry.
type PauseInput struct {
	ScheduleIDs []string `json:"schedule_ids"`
	Note        string   `json:"note"`
}

// PauseResult lists the schedules this call paused: those missing or paused by someone
// else are left alone, and so are not resumed later.
type PauseResult struct {
	Paused []string `json:"paused"`
}

// StepSummary is the one line the Web UI shows for the step.
func (r PauseResult) StepSummary() string {
	if len(r.Paused) == 0 {
		return "no running schedule to pause"
	}
	return "paused " + strings.Join(r.Paused, ", ")
}

// Pause pauses every schedule of in that exists and is running.
func (a *Schedules) Pause(ctx context.Context, in PauseInput) (PauseResult, error) {
	var out PauseResult
	for _, id := range in.ScheduleIDs {
		h := a.Client.ScheduleClient().GetHandle(ctx, id)
		d, err := h.Describe(ctx)
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("describe schedule %s: %w", id, err)
		}
		if d.Schedule.State.Paused {
			continue
		}
		if err := h.Pause(ctx, client.SchedulePauseOptions{Note: in.Note}); err != nil {
			return out, fmt.Errorf("pause schedule %s: %w", id, err)
		}
		out.Paused = append(out.Paused, id)
	}
	return out, nil
}

// Resume unpauses the schedules of in; one deleted meanwhile is skipped.
func (a *Schedules) Resume(ctx context.Context, in PauseInput) (PauseResult, error) {
	var out PauseResult
	for _, id := range in.ScheduleIDs {
		err := a.Client.ScheduleClient().GetHandle(ctx, id).Unpause(ctx, client.ScheduleUnpauseOptions{Note: in.Note})
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("resume schedule %s: %w", id, err)
		}
		out.Paused = append(out.Paused, id)
	}
	return out, nil
}

// RetryParkedInput names the tenant whose waiting records run again.
type RetryParkedInput struct {
	Tenant string `json:"tenant"`
	// Signal is the records' retry signal (workflows.SignalRetry).
	Signal string `json:"signal"`
}

// RetryParkedResult counts the records signalled.
type RetryParkedResult struct {
	Retried int    `json:"retried"`
	Summary string `json:"summary"`
}

// StepSummary is the one line the Web UI shows for the step.
func (r RetryParkedResult) StepSummary() string { return r.Summary }

// RetryParked sends the retry signal to every record of the tenant that waits in
// needs_fix: after a reconnect the records that met the refused authorization go on, and a
// record with bad data reads its source again and waits once more, notified nothing new.
func (a *Records) RetryParked(ctx context.Context, in RetryParkedInput) (RetryParkedResult, error) {
	query := fmt.Sprintf("WorkflowType = 'RecordSync' AND Tenant = '%s' AND SyncStatus = 'needs_fix' AND ExecutionStatus = 'Running'", in.Tenant)
	var ids []string
	if err := a.list(ctx, query, func(id string, _ time.Time) { ids = append(ids, id) }); err != nil {
		return RetryParkedResult{}, err
	}
	out := RetryParkedResult{}
	for _, id := range ids {
		err := a.Client.SignalWorkflow(ctx, id, "", in.Signal, nil)
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			continue // finished meanwhile
		}
		if err != nil {
			return out, fmt.Errorf("signal retry to %s: %w", id, err)
		}
		out.Retried++
	}
	out.Summary = fmt.Sprintf("%d waiting records of tenant %s told to retry", out.Retried, in.Tenant)
	return out, nil
}
