package main

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"fortspeed/clients"
)

// Exit codes: scripts branch on them, so they never change meaning.
const (
	exitOK        = 0
	exitError     = 1 // anything else: a bug, or a Temporal answer starter does not expect
	exitUsage     = 2 // bad arguments, flags, environment or settings file
	exitNotFound  = 3 // the workflow, record or schedule named does not exist
	exitAttention = 4 // done, but something needs a person: records in needs_fix or failed, pre-flight problems
	exitConnect   = 5 // the Temporal server or a vendor API could not be reached or refused the credentials
)

// exitCodesHelp lists the exit codes for --help.
const exitCodesHelp = `Exit codes:
  0  ok
  1  unexpected error
  2  usage or configuration error (arguments, flags, environment, settings file)
  3  not found (workflow, record or schedule)
  4  needs attention (records in needs_fix or failed, pre-flight problems)
  5  connection error (Temporal server or vendor API unreachable, or credentials refused)`

// codedError carries the exit code an error ends the command with.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: code, err: err}
}

func usageError(err error) error     { return withCode(exitUsage, err) }
func notFoundError(err error) error  { return withCode(exitNotFound, err) }
func attentionError(err error) error { return withCode(exitAttention, err) }
func connectError(err error) error   { return withCode(exitConnect, err) }

// exitCode maps an error to the process exit code: the code it carries, else what a
// Temporal or vendor error says about its cause.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var coded *codedError
	if errors.As(err, &coded) {
		return coded.code
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return exitNotFound
	}
	if isConnectionError(err) {
		return exitConnect
	}
	return exitError
}

// isConnectionError reports an unreachable server or refused credentials, from Temporal's
// gRPC status or the vendor clients' typed errors.
func isConnectionError(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var unavailable *serviceerror.Unavailable
	var denied *serviceerror.PermissionDenied
	var deadline *serviceerror.DeadlineExceeded
	if errors.As(err, &unavailable) || errors.As(err, &denied) || errors.As(err, &deadline) {
		return true
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if s, ok := grpcstatus.FromError(e); ok {
			switch s.Code() {
			case codes.Unavailable, codes.DeadlineExceeded, codes.Unauthenticated, codes.PermissionDenied:
				return true
			}
		}
	}
	switch clients.KindOf(err) {
	case clients.Transient, clients.Unauthorized, clients.InvalidGrant, clients.RateLimited:
		return true
	}
	return false
}
