package main

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"fortspeed/internal/metrics"
	"fortspeed/workflows"
)

// dashboardPath is the Grafana dashboard docker-compose provisions.
const dashboardPath = "../deploy/grafana/dashboards/fortspeed.json"

// dashboardQuery is one PromQL expression of the dashboard and where it is.
type dashboardQuery struct {
	panel string
	expr  string
}

// dashboardQueries reads every PromQL expression of the dashboard: the panels' targets
// and the query variables'.
func dashboardQueries(t *testing.T) []dashboardQuery {
	t.Helper()
	body, err := os.ReadFile(dashboardPath)
	require.NoError(t, err)
	var dash struct {
		UID        string `json:"uid"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			ID      int    `json:"id"`
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(body, &dash), "the dashboard is JSON")
	require.Equal(t, "fortspeed", dash.UID)
	var out []dashboardQuery
	ids := map[int]bool{}
	for _, p := range dash.Panels {
		assert.False(t, ids[p.ID], "panel id %d twice", p.ID)
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		assert.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, target := range p.Targets {
			out = append(out, dashboardQuery{panel: p.Title, expr: target.Expr})
		}
	}
	for _, v := range dash.Templating.List {
		if q, ok := v.Query.(map[string]any); ok && v.Type == "query" {
			out = append(out, dashboardQuery{panel: "variable " + v.Name, expr: q["query"].(string)})
		}
	}
	return out
}

var (
	// promqlStrings, promqlBraces and promqlBrackets are a query's string literals, label
	// matchers and range durations; promqlGrouping its label lists (by, without, on…).
	promqlStrings     = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	promqlBraces      = regexp.MustCompile(`\{[^}]*\}`)
	promqlBrackets    = regexp.MustCompile(`\[[^\]]*\]`)
	promqlGrouping    = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promqlIdent       = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promqlLabelValues = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,`)
	promqlKeywords    = []string{"and", "or", "unless", "bool", "offset", "group_left", "group_right", "inf", "nan"}
)

// metricNames lists the series names a PromQL expression (or a Grafana label_values
// query) selects: the names left once strings, matchers, ranges, label lists, function
// calls and keywords are taken out.
func metricNames(expr string) []string {
	if m := promqlLabelValues.FindStringSubmatch(expr); m != nil {
		return []string{m[1]}
	}
	s := promqlStrings.ReplaceAllString(expr, " ")
	s = promqlBraces.ReplaceAllString(s, " ")
	s = promqlBrackets.ReplaceAllString(s, " ")
	s = promqlGrouping.ReplaceAllString(s, " ")
	var names []string
	for _, loc := range promqlIdent.FindAllStringIndex(s, -1) {
		name, before, after := s[loc[0]:loc[1]], byte(' '), strings.TrimLeft(s[loc[1]:], " \t\n")
		if loc[0] > 0 {
			before = s[loc[0]-1]
		}
		switch {
		case strings.ContainsRune("0123456789.$", rune(before)):
			// inside a number (1e9) or a Grafana variable ($x)
		case strings.HasPrefix(after, "("), slices.Contains(promqlKeywords, strings.ToLower(name)):
			// a function or aggregation, or a keyword
		case !slices.Contains(names, name):
			names = append(names, name)
		}
	}
	return names
}

func TestMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`histogram_quantile(0.95, sum by (vendor, le) (rate(fortspeed_vendor_request_duration_seconds_bucket{vendor=~"$v"}[$__rate_interval])))`: {"fortspeed_vendor_request_duration_seconds_bucket"},
		`time() - max by (tenant, flow) (fortspeed_flow_cursor_timestamp_seconds{tenant=~"$tenant"})`:                                            {"fortspeed_flow_cursor_timestamp_seconds"},
		`a_total / on (job) group_left b_info * 1e9 > bool 0 or c offset 5m`:                                                                     {"a_total", "b_info", "c"},
		`label_values(fortspeed_records_total, tenant)`:                                                                                          {"fortspeed_records_total"},
	} {
		assert.Equal(t, want, metricNames(expr), expr)
	}
}

// Every fortspeed series the dashboard asks for is one the worker defines: a collector of
// its registry or a metric of the workflows. (The SDK's temporal_ series exist only once
// the worker runs; TestMetricsDuringASync checks every name against a real scrape.)
func TestDashboardNamesFortspeedSeries(t *testing.T) {
	m, err := metrics.New(zap.NewNop())
	require.NoError(t, err)
	defer m.Close()
	// A series appears in a gather once it has a value: give each vendor metric one.
	hooks := m.Hooks()
	hooks.Fortnox.Request("GET /3/orders", 200, 0)
	hooks.Fortnox.Throttle("GET /3/orders", 0)
	hooks.TokenRefresh("fortnox", "client_credentials", nil)
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	defined := []string{
		workflows.MetricRecords + "_total", workflows.MetricFlowCursor,
		metrics.RecordsWaitingName,
	}
	histograms := map[string]bool{}
	for _, f := range families {
		defined = append(defined, f.GetName())
		if f.GetType() == dto.MetricType_HISTOGRAM {
			histograms[f.GetName()] = true
			defined = append(defined, f.GetName()+"_bucket", f.GetName()+"_count", f.GetName()+"_sum")
		}
	}

	queries := dashboardQueries(t)
	require.NotEmpty(t, queries)
	asked := map[string]bool{}
	for _, q := range queries {
		names := metricNames(q.expr)
		assert.NotEmpty(t, names, "panel %q: %s selects no series", q.panel, q.expr)
		for _, name := range names {
			asked[name] = true
			switch {
			case strings.HasPrefix(name, "fortspeed_"):
				assert.Contains(t, defined, name, "panel %q", q.panel)
			case strings.HasPrefix(name, "temporal_"):
			default:
				t.Errorf("panel %q asks for %s, neither fortspeed's nor the Temporal SDK's", q.panel, name)
			}
		}
	}
	// The insights page shows every series fortspeed defines.
	for _, name := range defined {
		if !strings.HasPrefix(name, "fortspeed_") || strings.HasSuffix(name, "_count") || strings.HasSuffix(name, "_sum") {
			continue
		}
		if histograms[name] {
			name += "_bucket"
		}
		assert.True(t, asked[name], "the dashboard shows %s", name)
	}
}
