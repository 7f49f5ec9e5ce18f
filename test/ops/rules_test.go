//go:build ops

package ops

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// Mutants of a rule: one that never fires, and one that fires at every evaluation.
const (
	neverFires  = "vector(1) < 0"
	alwaysFires = "vector(1)"
)

// Every rule has promtool cases that fire it and cases that keep it quiet, and each kind really
// tests the rule: the firing cases fail once the rule never fires, the quiet cases fail once it
// always fires.
func TestEveryRuleHasFiringAndQuietCases(t *testing.T) {
	promtool := tool(t, "PROMTOOL")
	testFiles, err := filepath.Glob(filepath.Join(repoRoot, "deploy", "prometheus", "*_test.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, testFiles)
	var files []promtoolFile
	for _, f := range testFiles {
		files = append(files, loadPromtoolFile(t, f))
	}

	for name := range alertExprs(t) {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				kind, mutant string
				firing       bool
			}{
				{"firing", neverFires, true},
				{"quiet", alwaysFires, false},
			} {
				found := false
				for _, f := range files {
					cases := f.casesOf(name, c.firing)
					if len(cases.Tests) == 0 {
						continue
					}
					found = true
					out, err := runPromtool(t, promtool, cases, name, "")
					require.NoErrorf(t, err, "the %s cases fail with the real rule:\n%s", c.kind, out)
					_, err = runPromtool(t, promtool, cases, name, c.mutant)
					require.Errorf(t, err, "the %s cases still pass once the rule is %q", c.kind, c.mutant)
				}
				if !found {
					t.Errorf("no %s case", c.kind)
				}
			}
		})
	}
}

// promtoolFile is a promtool test file; tests stay maps so that a copy keeps every field.
type promtoolFile struct {
	EvaluationInterval string           `yaml:"evaluation_interval,omitempty"`
	Tests              []map[string]any `yaml:"tests"`
}

func loadPromtoolFile(t *testing.T, path string) promtoolFile {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var f promtoolFile
	require.NoError(t, yaml.Unmarshal(data, &f))
	return f
}

// casesOf returns copies of the tests that check alert, keeping only its firing or its quiet
// alert_rule_test entries.
func (f promtoolFile) casesOf(alert string, firing bool) promtoolFile {
	out := promtoolFile{EvaluationInterval: f.EvaluationInterval}
	for _, test := range f.Tests {
		entries, _ := test["alert_rule_test"].([]any)
		var kept []any
		for _, e := range entries {
			entry := e.(map[string]any)
			exp, _ := entry["exp_alerts"].([]any)
			if entry["alertname"] == alert && (len(exp) > 0) == firing {
				kept = append(kept, entry)
			}
		}
		if len(kept) == 0 {
			continue
		}
		c := map[string]any{}
		for k, v := range test {
			c[k] = v
		}
		c["alert_rule_test"] = kept
		delete(c, "promql_expr_test")
		out.Tests = append(out.Tests, c)
	}
	return out
}

// runPromtool runs the cases against alerts.yaml, with alert's expression replaced by mutant
// (and its `for` dropped) unless mutant is empty.
func runPromtool(t *testing.T, promtool string, cases promtoolFile, alert, mutant string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	rf := loadRules(t)
	if mutant != "" {
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r["alert"] == alert {
					r["expr"] = mutant
					delete(r, "for")
				}
			}
		}
	}
	rules, err := yaml.Marshal(rf)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "alerts.yaml"), rules, 0o600))
	tests, err := yaml.Marshal(struct {
		RuleFiles    []string `yaml:"rule_files"`
		promtoolFile `yaml:",inline"`
	}{[]string{"alerts.yaml"}, cases})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cases_test.yaml"), tests, 0o600))
	out, err := exec.Command(promtool, "test", "rules", filepath.Join(dir, "cases_test.yaml")).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("promtool: %w", err)
	}
	return string(out), nil
}
