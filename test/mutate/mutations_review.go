package main

// Files the review's mutations edit, beyond those mutations_tests.go and mutations_discovery.go
// declare.
const (
	discoveryPlug = "internal/discovery/plug.go"
)

// SPEC 9 and 10: promises of discovery found undefended in review, each with the test written for it.
func init() {
	mutations = append(mutations,
		replace("discovery-refusal-retried-fast",
			"a refused listing is retried slowly, as any refusal (10, 4 API errors)", discoveryPlug,
			"Transient: d.rt.Transient, Refused: d.rt.Refused,", "Transient: d.rt.Transient, Refused: d.rt.Transient,"),
		replace("discovery-runs-outlive-shutdown",
			"Shutdown waits for the streams of discovered environments (4 Shutdown)", discoveryPlug,
			"\t\tdefer runs.Stop()\n", "\t\t_ = runs.Stop\n"),
		replace("discovery-vanished-refusal-kept",
			"a vanished environment's refusal no longer holds the component status (10, 7)", discoveryPlug,
			"runs := Supervisor{Stopped: d.rt.Status.Recovered}", "runs := Supervisor{}"),
		replace("discovered-metrics-listed-checkpoint-ignored",
			"an app switched from listed to discovered environments delivers nothing twice (10, 9 Checkpoint)", metricsReceiver,
			"\t\tif discovered != nil {\n\t\t\tdiscovered.inherit(ctx, appKey(appID))\n\t\t}\n", ""),
		replace("discovered-metrics-own-checkpoint-taken-for-listed",
			"an environment created while the collector was down starts at initial_lookback (10)", metricsDiscovered,
			"if err == nil && found && state.QueryHash != discoveredQueryHash {", "if err == nil && found {"),
		replace("discovered-metrics-listed-positions-not-kept",
			"an app switched to listed environments and back to discovered ones delivers nothing twice (10, 9 Checkpoint)", metricsStream,
			", Others: r.listedPositions(end)}", "}"),
		replace("discovered-metrics-refused-call-retried-after-change",
			"an environment that vanishes stops being polled: the app's other environments go on (10)", metricsDiscovered,
			"\tstep.Interrupt = changed\n", "\t_ = changed\n"),
	)
}
