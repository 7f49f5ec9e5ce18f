// Package ops checks what operators get: the Prometheus alerts in deploy/prometheus and the Grafana
// dashboard in deploy/grafana. The tests in this file need no tools; those built with -tags ops
// (`make ops-check`) run the alerts and the dashboard against a real Prometheus scraping the built
// collector, and mutate each rule to prove its promtool tests can fail.
package ops

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

var repoRoot = func() string {
	dir, _ := filepath.Abs(filepath.Join("..", ".."))
	return dir
}()

var (
	alertsFile    = filepath.Join(repoRoot, "deploy", "prometheus", "alerts.yaml")
	dashboardFile = filepath.Join(repoRoot, "deploy", "grafana", "otelcol-forge.json")
)

// ruleFile is a Prometheus rule file; rules stay maps so that rewriting one keeps every field.
type ruleFile struct {
	Groups []ruleGroup `yaml:"groups"`
}

type ruleGroup struct {
	Name  string           `yaml:"name"`
	Rules []map[string]any `yaml:"rules"`
}

func loadRules(t *testing.T) ruleFile {
	t.Helper()
	data, err := os.ReadFile(alertsFile)
	require.NoError(t, err)
	var rf ruleFile
	require.NoError(t, yaml.Unmarshal(data, &rf))
	require.NotEmpty(t, rf.Groups)
	return rf
}

// alertExprs maps each alert's name to its expression.
func alertExprs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, g := range loadRules(t).Groups {
		for _, r := range g.Rules {
			name, _ := r["alert"].(string)
			expr, _ := r["expr"].(string)
			require.NotEmptyf(t, name, "group %s has a rule without alert name", g.Name)
			require.NotContainsf(t, out, name, "alert %s is defined twice", name)
			out[name] = expr
		}
	}
	return out
}

type dashboard struct {
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	GridPos struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	data, err := os.ReadFile(dashboardFile)
	require.NoError(t, err)
	var d dashboard
	require.NoError(t, json.Unmarshal(data, &d))
	return d
}

// dashboardQuery is a PromQL query of the dashboard, with where it comes from.
type dashboardQuery struct {
	where, expr string
	// label is set for a variable's label_values(selector, label): the label the selector must carry.
	label string
}

var labelValues = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)

func dashboardQueries(t *testing.T, d dashboard) []dashboardQuery {
	t.Helper()
	var out []dashboardQuery
	for _, p := range d.Panels {
		for _, target := range p.Targets {
			out = append(out, dashboardQuery{where: "panel " + p.Title, expr: target.Expr})
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		expr, _ := q["query"].(string)
		m := labelValues.FindStringSubmatch(expr)
		require.NotNilf(t, m, "variable %s: want label_values(selector, label), got %q", v.Name, expr)
		out = append(out, dashboardQuery{where: "variable " + v.Name, expr: m[1], label: m[2]})
	}
	return out
}

// grafanaBuiltins stand in for Grafana's own variables when a query runs outside Grafana; the
// ranges suit a Prometheus that scrapes every second.
var grafanaBuiltins = map[string]string{"__rate_interval": "1m", "__interval": "15s", "__range": "5m"}

var variableRef = regexp.MustCompile(`\$\{?(\w+)\}?`)

// substitute replaces the dashboard's variables: its own match everything, Grafana's get a range.
func substitute(expr string, own map[string]bool) (string, []string) {
	var unknown []string
	out := variableRef.ReplaceAllStringFunc(expr, func(ref string) string {
		name := variableRef.FindStringSubmatch(ref)[1]
		if v, ok := grafanaBuiltins[name]; ok {
			return v
		}
		if own[name] {
			return ".*"
		}
		unknown = append(unknown, name)
		return ref
	})
	return out, unknown
}

func ownVariables(d dashboard) map[string]bool {
	own := map[string]bool{}
	for _, v := range d.Templating.List {
		own[v.Name] = true
	}
	return own
}

func TestDashboardShape(t *testing.T) {
	d := loadDashboard(t)
	assert.NotEmpty(t, d.UID)
	own := ownVariables(d)
	require.True(t, own["datasource"], "the data source is a variable, so the dashboard imports anywhere")
	ids := map[int]bool{}
	for _, p := range d.Panels {
		assert.Falsef(t, ids[p.ID], "panel id %d is used twice", p.ID)
		ids[p.ID] = true
		assert.LessOrEqualf(t, p.GridPos.X+p.GridPos.W, 24, "panel %q fits the grid", p.Title)
		if p.Type == "row" {
			continue
		}
		require.NotNilf(t, p.Datasource, "panel %q has a data source", p.Title)
		assert.Equalf(t, "${datasource}", p.Datasource.UID, "panel %q uses the data source variable", p.Title)
		assert.NotEmptyf(t, p.Targets, "panel %q queries something", p.Title)
	}
	for _, q := range dashboardQueries(t, d) {
		assert.NotEmptyf(t, q.expr, "%s has an empty query", q.where)
		_, unknown := substitute(q.expr, own)
		assert.Emptyf(t, unknown, "%s uses undefined variables", q.where)
	}
}
