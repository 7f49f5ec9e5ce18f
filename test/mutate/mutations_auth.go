package main

// Files the mutations of credentials that rotate and custom metrics edit.
const (
	metricsConfig  = "receiver/forgemetricsreceiver/config.go"
	simCredentials = "internal/forgesim/credentials.go"
	simPoints      = "internal/forgesim/points.go"
	simMetrics     = "internal/forgesim/metrics.go"
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
		// The simulator the rotation test relies on: a replaced token is refused, the new one taken.
		replace("sim-old-token-still-accepted",
			"the simulator refuses a token once SetToken replaced it (the rotation test's premise)",
			simCredentials,
			"\tcase set:\n\t\treturn token, true\n",
			"\tcase set && false:\n\t\treturn token, true\n"),
		// The simulator serves custom metrics only when asked, each point naming its custom metric.
		replace("sim-custom-metrics-by-default",
			"the simulator serves custom metrics only when a query names them (9)",
			simMetrics,
			"\tif len(enums) == 0 {\n\t\treturn metricDefs\n",
			"\tif len(enums) == 0 {\n\t\treturn append(slices.Clip(metricDefs), customMetricsDef)\n"),
		replace("sim-custom-metric-unnamed",
			"each custom metric point carries a customMetricName attribute (9)",
			simPoints,
			"\t\tb = appendAttr(b, \"customMetricName\", p.CustomMetric, true)\n",
			""),
	)
}
