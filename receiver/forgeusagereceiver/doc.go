// Package forgeusagereceiver polls the Atlassian Forge App resource usage API and hands what each
// app consumes, period by period, to the pipeline as delta sums per environment or customer site.
package forgeusagereceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver"
