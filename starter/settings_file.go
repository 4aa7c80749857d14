package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"fortspeed/mapping"
)

// settingsFile is a settings file being edited: its YAML tree with the comments, so what
// `starter init` writes keeps the explanations of the file it started from.
type settingsFile struct {
	path string
	tree *ast.File
}

// newSettingsHeader starts a file init creates: only what is set differs from the
// defaults, so later releases' defaults still reach the keys it leaves out.
const newSettingsHeader = "# fortspeed settings, written by `starter init` (which keeps your comments when it edits\n" +
	"# this file). They are merged over the documented defaults (mapping/defaults.yaml, or\n" +
	"# `starter init --print-defaults`): write only what you change.\n"

// openSettingsFile reads the file at path, or starts a new one that lists the flows of
// current (a YAML file needs a first key to add the others to).
func openSettingsFile(path string, current *mapping.Settings) (*settingsFile, error) {
	data, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		var b strings.Builder
		b.WriteString(newSettingsHeader + "flows:\n")
		for _, id := range mapping.FlowIDs() {
			f := current.Flows[id]
			fmt.Fprintf(&b, "  %s: {enabled: %t, schedule: %s}\n", id, f.Enabled, durationText(f.Schedule.D()))
		}
		data = []byte(b.String())
	case err != nil:
		return nil, fmt.Errorf("read settings: %w", err)
	}
	tree, err := parser.ParseBytes(data, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %w", path, err)
	}
	return &settingsFile{path: path, tree: tree}, nil
}

// set writes value at the key path, replacing what is there (a whole map, for a table) or
// adding the keys that are missing under the deepest one that exists.
func (f *settingsFile) set(value any, keys ...string) error {
	for depth := len(keys); depth >= 0; depth-- {
		p, err := settingsPath(keys[:depth])
		if err != nil {
			return err
		}
		if depth > 0 {
			if _, err := p.FilterFile(f.tree); err != nil {
				continue // not there: try its parent
			}
		}
		v := value
		for i := len(keys) - 1; i >= depth; i-- {
			v = yaml.MapSlice{{Key: keys[i], Value: v}}
		}
		data, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("settings %s: %w", strings.Join(keys, "."), err)
		}
		if depth == len(keys) {
			err = p.ReplaceWithReader(f.tree, strings.NewReader(string(data)))
		} else {
			err = p.MergeFromReader(f.tree, strings.NewReader(string(data)))
		}
		if err != nil {
			return fmt.Errorf("settings %s: %w", strings.Join(keys, "."), err)
		}
		return nil
	}
	return fmt.Errorf("settings %s: the file has no document to add it to", strings.Join(keys, "."))
}

// durationText writes a duration as the settings file does: 30s, 5m, 1h, 1d.
func durationText(d time.Duration) string {
	switch {
	case d <= 0:
		return d.String()
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// settingsPath quotes each key, since flow ids have dashes and table keys spaces.
func settingsPath(keys []string) (*yaml.Path, error) {
	var b strings.Builder
	b.WriteString("$")
	for _, k := range keys {
		if strings.Contains(k, "'") {
			return nil, fmt.Errorf("settings key %q: a quote is not allowed in a key", k)
		}
		b.WriteString(".'" + k + "'")
	}
	return yaml.PathString(b.String())
}

// bytes is the file as it would be written.
func (f *settingsFile) bytes() []byte { return []byte(f.tree.String()) }

// parse checks the edited file as the worker will read it.
func (f *settingsFile) parse() (*mapping.Settings, error) {
	s, err := mapping.Parse(f.path, f.bytes())
	return s, usageError(err)
}

func (f *settingsFile) write() error {
	if err := os.WriteFile(f.path, f.bytes(), 0o600); err != nil {
		return fmt.Errorf("write settings: %w", err)
	}
	return nil
}
