package main

// Files the mutations of credentials that rotate and custom metrics edit.
const (
	metricsConfig = "receiver/forgemetricsreceiver/config.go"
)

func init() {
	mutations = append(mutations,
		// SPEC 9: FORGE_BACKEND_CUSTOM_METRICS_COUNT is a known name, not a default.
		replace("custom-metrics-warned",
			"FORGE_BACKEND_CUSTOM_METRICS_COUNT is a known name: no warning (9)",
			metricsConfig,
			"if name != customMetrics && !slices.Contains(documentedMetrics, name) {",
			"if !slices.Contains(documentedMetrics, name) {"),
		replace("custom-metrics-by-default",
			"FORGE_BACKEND_CUSTOM_METRICS_COUNT is not asked for by default (9)",
			metricsConfig,
			"\t\treturn documentedMetrics\n",
			"\t\treturn append(slices.Clip(documentedMetrics), customMetrics)\n"),
	)
}
