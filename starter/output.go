package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// The --output values.
const (
	outputText = "text"
	outputJSON = "json"
)

// report is a command's answer: one JSON document with --output json, lines for people
// otherwise.
type report interface {
	writeText(w io.Writer)
}

// jsonOutput reports whether the command line asked for JSON.
func jsonOutput(cmd *cobra.Command) bool {
	f := cmd.Flag("output")
	return f != nil && f.Value.String() == outputJSON
}

// emit writes the report in the asked format.
func emit(cmd *cobra.Command, out io.Writer, r report) error {
	if !jsonOutput(cmd) {
		r.writeText(out)
		return nil
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write the JSON answer: %w", err)
	}
	return nil
}

// checkOutput validates --output; commands that serve or open a browser (connect, dev,
// codec-server) print progress for people and have no JSON answer.
func checkOutput(cmd *cobra.Command, value string) error {
	switch value {
	case outputText:
		return nil
	case outputJSON:
		if cmd.Annotations[annotationJSON] != "" {
			return nil
		}
		return usageError(fmt.Errorf("--output json: %s has no JSON answer (it serves or talks to a person)", cmd.CommandPath()))
	}
	return usageError(fmt.Errorf("--output: want text or json, got %q", value))
}

// annotationJSON marks a command that answers in JSON with --output json.
const annotationJSON = "fortspeed/json"

func withJSON(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[annotationJSON] = "yes"
	return cmd
}

// emitTenants answers a command about every tenant (setup, status): one tenant's report as
// emit does, several as {"tenants": [...]} in JSON and one section each in text.
func emitTenants[R report](cmd *cobra.Command, out io.Writer, reps []R) error {
	if len(reps) == 1 {
		return emit(cmd, out, reps[0])
	}
	if !jsonOutput(cmd) {
		for i, r := range reps {
			if i > 0 {
				fmt.Fprintln(out)
			}
			r.writeText(out)
		}
		return nil
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		Tenants []R `json:"tenants"`
	}{reps}); err != nil {
		return fmt.Errorf("write the JSON answer: %w", err)
	}
	return nil
}
