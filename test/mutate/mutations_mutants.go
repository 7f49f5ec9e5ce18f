package main

// Files that mutations which followed their promise out of a receiver, into the shared packages,
// edit, beyond those the other catalogue files declare.
const (
	sinkGo        = "internal/poller/sink.go"
	selfmetricsGo = "internal/selfmetrics/selfmetrics.go"
)

// The forgemetrics receiver's own promises, now that the shared driver fetches, hands over and
// commits: what it asks for in a step (which environments, which span), where it says each
// environment stands once the pipeline took a step, and how its client reads the API's answers.
// The driver's own promises are proven in internal/window (mutations_drivetest.go).
func init() {
	mutations = append(mutations,
		// SPEC 9: one call per window, the window the API was asked for.
		replace("metrics-decoded-window-not-the-asked-one",
			"a point is delivered by the one window whose span holds it, never by the one before too (6, 9)", metricsStream,
			"\tw.Start, w.End = start, end\n",
			"\tw.Start, w.End = start.Add(-time.Minute), end\n"),
		replace("metrics-listed-positions-at-the-window-start",
			"an app switched from listed to discovered environments resumes each where the window ended: nothing twice (10, 9 Checkpoint)", metricsStream,
			"Others: r.listedPositions(end)}",
			"Others: r.listedPositions(r.state.WindowStart)}"),
		replace("metrics-outside-window-not-counted",
			"points outside the window asked for are dropped and counted (6, 7)", metricsStream,
			"s.tel.Dropped(ctx, reasonOutsideWindow, drops.OutsideWindow)",
			"s.tel.Dropped(ctx, reasonOutsideWindow, 0)"),
		replace("metrics-unknown-environment-not-counted",
			"points of an environment not asked for are dropped and counted (6, 7)", metricsStream,
			"s.tel.Dropped(ctx, reasonUnknownEnvironment, drops.UnknownEnvironment)",
			"s.tel.Dropped(ctx, reasonUnknownEnvironment, 0)"),

		// SPEC 10: discovered environments share the calls where they stand together.
		replace("discovered-metrics-call-asks-every-environment",
			"a step asks only for the environments that stand at its start (10, 9)", metricsStream,
			"\tq.EnvironmentIDs, w.Environments = envIDs, envs\n",
			"\tw.Environments = envs\n"),
		replace("discovered-metrics-step-overshoots-the-next-environment",
			"an environment behind catches up to where the next one stands, then shares its calls: no span asked twice (10, 9)", metricsDiscovered,
			"\t\tif p.After(start) && p.Before(stepEnd) {\n",
			"\t\tif false && p.After(start) && p.Before(stepEnd) {\n"),
		replace("discovered-metrics-step-past-the-window-end",
			"no step of a discovered environment asks past the window's end, which stays delay before now (10, 4)", metricsDiscovered,
			"\tif end.Before(stepEnd) {\n",
			"\tif false && end.Before(stepEnd) {\n"),
		replace("discovered-metrics-position-not-moved",
			"a discovered environment moves on once the pipeline took its points: nothing twice (10, 9)", metricsDiscovered,
			"\tr.discovered.positions[envID] = p\n",
			""),
		replace("discovered-metrics-new-position-not-saved-first",
			"a new environment's start is saved before its first call: a restart neither skips nor repeats (10, 4 Checkpoint)", metricsDiscovered,
			"\tcase len(moved) > 0:\n",
			"\tcase false && len(moved) > 0:\n"),
		replace("discovered-metrics-expiry-moves-backwards",
			"moving an environment past the 14-day edge never moves it backwards: nothing twice (10, 4 14 days)", metricsDiscovered,
			"\t\tif !target.After(start) {\n",
			"\t\tif false {\n"),
		replace("discovered-metrics-old-position-not-skipped",
			"an environment whose position is older than 14 days moves to the limit, saying so, before it asks (10, 4 14 days)", metricsDiscovered,
			"if oldest := d.plan.Oldest(now); p.Before(oldest) {",
			"if oldest := d.plan.Oldest(now); false && p.Before(oldest) {"),
		replace("discovered-metrics-skip-not-counted",
			"the span an environment skips past the 14-day limit is counted: skipped_span (10, 4 14 days, 7)", metricsDiscovered,
			"r.tel.Skipped(ctx, to.Sub(from))",
			"r.tel.Skipped(ctx, 0)"),

		// SPEC 6 and 9: the answer regrouped into one resource per environment.
		replace("metrics-unknown-environment-in-the-first-resource",
			"a point of an environment not asked for is dropped, never put in another environment's resource (6)", metricsDecode,
			"\tenv, ok := r.index[v.Str()]\n",
			"\tenv, ok := r.index[v.Str()], true\n"),
		replace("metrics-points-regrouped-into-one-environment",
			"each point goes to the resource of its environmentId (6)", metricsDecode,
			"\te := &r.envs[env]\n",
			"\te := &r.envs[0]\n"),
		replace("metrics-point-at-window-start-kept",
			"a point stamped at a window's start belongs to the window before: delivered once (6)", metricsDecode,
			"return at.After(start) && !at.After(end)",
			"return !at.Before(start) && !at.After(end)"),
		replace("metrics-window-membership-off",
			"points outside the window asked for are dropped: overlapping answers deliver nothing twice (6)", metricsDecode,
			"\tif !inWindow(t, r.w.Start, r.w.End) {\n",
			"\tif false && !inWindow(t, r.w.Start, r.w.End) {\n"),

		// SPEC 4 API errors and 9: a QueryError is the status it names; GraphQL errors a refusal.
		replace("metrics-query-error-taken-for-malformed",
			"a QueryError is a refusal with the status it names, not a malformed answer retried fast (4 API errors, 9)", metricsAnswer,
			"\t\t\treturn nil, union.statusError()\n",
			"\t\t\treturn nil, fmt.Errorf(\"%w: query error\", ErrMalformedAnswer)\n"),
		replace("metrics-query-error-status-ignored",
			"a QueryError's extensions.statusCode is the status it names: a 429 throttles, a 401 refuses (4 API errors, 9)", metricsAnswer,
			"errorType, code = u.Extensions.ErrorType, u.Extensions.StatusCode",
			"errorType = u.Extensions.ErrorType"),
		replace("metrics-single-graphql-error-malformed",
			"GraphQL errors without data are a refusal, also a single one (4 API errors, 9)", metricsAnswer,
			"\tif len(answer.Errors) > 0 {\n",
			"\tif len(answer.Errors) > 1 {\n"),
		replace("metrics-data-beside-graphql-errors-refused",
			"an answer with data and GraphQL errors delivers its data (9)", metricsAnswer,
			"\t\tcase bool(union.ResourceMetrics):\n",
			"\t\tcase bool(union.ResourceMetrics) && len(answer.Errors) == 0:\n"),
		replace("metrics-graphql-error-messages-lost",
			"a GraphQL refusal is logged with the API's messages (4 API errors, 7)", metricsAnswer,
			"return nil, apierror.FromGraphQLErrors(messages)",
			"return nil, apierror.FromGraphQLErrors(nil)"),
	)
}
