// Package forgemetricsreceiver polls the Atlassian Forge App metrics API and hands its data
// points to the pipeline as metrics, regrouped per app environment.
package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"
