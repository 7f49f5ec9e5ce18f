package main

// Files of the receivers' test harness that the mutations below edit.
const (
	harnessDelivered = "internal/receiverharness/delivered.go"
	harnessPipeline  = "internal/receiverharness/pipeline.go"
	harnessStatus    = "internal/receiverharness/status.go"
	harnessScenarios = "internal/receiverharness/scenarios.go"
)

// The receivers' tests prove their promises through the harness's checks: a check that cannot
// fail would let every test built on it pass whatever the receiver does. Each of these breaks one
// check the way a plausible slip would; the harness's own tests must fail.
func init() {
	mutations = append(mutations,
		replace("harness-none-twice-takes-twice",
			"the exactly-once checks of every receiver's tests see a point delivered twice (4 Checkpoint)", harnessDelivered,
			`require.Equal(t, 1, n, "%s delivered %d times", key, n)`,
			`require.Positive(t, n, "%s delivered %d times", key, n)`),
		replace("harness-each-once-takes-missing",
			"the exactly-once checks of every receiver's tests see a point never delivered (4 Checkpoint)", harnessDelivered,
			`require.Equal(t, 1, got[key], "%s delivered %d times", key, got[key])`,
			`require.LessOrEqual(t, got[key], 1, "%s delivered %d times", key, got[key])`),
		replace("harness-none-of-takes-delivered",
			"the checks that nothing before a position was delivered see one that was (4 Checkpoint, 10)", harnessDelivered,
			`require.Zero(t, got[key], "%s delivered: %s", key, why)`,
			`require.LessOrEqual(t, got[key], 1, "%s delivered: %s", key, why)`),
		replace("harness-pipeline-keeps-what-the-script-changed",
			"a retried hand-over is compared with what the pipeline was handed, not with what a processor left (4 Pipeline errors)", harnessPipeline,
			"\tseen := pmetric.NewMetrics()\n\tmd.CopyTo(seen)\n",
			"\tseen := md\n"),
		replace("harness-recovery-not-checked",
			"a refused token's recovery is reported as well as its refusal, and last (4, 7)", harnessStatus,
			`assert.Equal(t, componentstatus.StatusOK, statuses[len(statuses)-1], "the recovery is reported: %v", statuses)`,
			`assert.Contains(t, statuses, componentstatus.StatusOK, "the recovery is reported: %v", statuses)`),
		replace("harness-restarted-receiver-not-required-to-deliver",
			"a test across a restart sees a restarted receiver that delivers nothing (4 Checkpoint)", harnessScenarios,
			`require.Positive(f.t, second.DataPointCount(), "the restarted receiver delivered")`,
			`_ = second.DataPointCount()`),
	)
}
