package main

// Files the mutations of this file edit, beyond those of mutations.go.
const (
	numbersGo    = "receiver/forgelogsreceiver/internal/logsapi/numbers.go"
	unescapeGo   = "receiver/forgelogsreceiver/internal/logsapi/unescape.go"
	valuesGo     = "receiver/forgelogsreceiver/internal/logsapi/values.go"
	singlePassGo = "receiver/forgelogsreceiver/internal/logsapi/singlepass.go"
	strcacheGo   = "receiver/forgelogsreceiver/internal/logsapi/strcache.go"
	scanGo       = "receiver/forgelogsreceiver/internal/logsapi/scan.go"

	metricsStream = "receiver/forgemetricsreceiver/stream.go"
	metricsAnswer = "receiver/forgemetricsreceiver/internal/metricsapi/answer.go"
	metricsDecode = "receiver/forgemetricsreceiver/internal/metricsapi/decode.go"

	sharedBudgetGo = "internal/budget/shared.go"
	logsConfig     = "receiver/forgelogsreceiver/config.go"
)

// Mutations of the behaviours that only hand-written tests pin down: the log decoder's number and
// escape helpers (which the reference decoder of the differential test shares), the metrics
// receiver's pipeline, budget and checkpoint rules, and the shared layer's edge cases.
func init() {
	mutations = append(mutations,
		// SPEC 5: the record's values as OTLP/JSON writes them.
		replace("int-of-19-digits-overflows",
			"an intValue past int64 makes the record undecodable, never a wrapped number (5)", numbersGo,
			"if len(b) == 0 || len(b) > 18 {",
			"if len(b) == 0 || len(b) > 19 {"),
		replace("quoted-negative-int-refused",
			"a negative intValue written as a string, as OTLP/JSON writes it, is decoded (5)", numbersGo,
			"n, err := strconv.ParseInt(string(unquote(raw)), 10, 64)",
			"n, err := strconv.ParseInt(string(raw), 10, 64)"),
		replace("minus-infinity-positive",
			"a doubleValue of \"-Infinity\" is minus infinity (5)", numbersGo,
			"return math.Inf(-1), nil",
			"return math.Inf(1), nil"),
		replace("upper-case-hex-misread",
			"a \\u escape with upper-case hex digits A-F is decoded (5)", unescapeGo,
			"c = c - 'A' + 10",
			"c = c - 'a' + 10"),
		replace("surrogate-pair-overread",
			"a \\u surrogate pair is one character (5)", unescapeGo,
			"i += 6",
			"i += 5"),
		replace("escaped-solidus-refused",
			"an escaped solidus (site\\/id) is a valid string (5)", scanGo,
			"case '\"', '\\\\', '/', 'b', 'f', 'n', 'r', 't':",
			"case '\"', '\\\\', 'b', 'f', 'n', 'r', 't':"),
		replace("escaped-key-kept-raw",
			"an attribute key with escapes is decoded, not kept as written (5)", strcacheGo,
			"if !sp.plain {\n\t\treturn stringAt(s, sp)\n\t}\n",
			""),
		replace("single-pass-false-is-true",
			"a boolValue of false is false (5)", singlePassGo,
			"dest.SetBool(kind == 't')",
			"dest.SetBool(kind != 'n')"),
		replace("exact-path-false-refused",
			"a boolValue of false is a bool on the exact path too (5)", valuesGo,
			"if kind == 'f' {\n\t\t\t\tkind = 't'\n\t\t\t}",
			"if kind == 'n' {\n\t\t\t\tkind = 't'\n\t\t\t}"),
		replace("repeated-attributes-merged",
			"a repeated attributes member replaces the earlier one, as encoding/json does (5)", singlePassGo,
			"if member == memberOdd || seen&member != 0 && member != memberOther {",
			"if member == memberOdd {"),

		// SPEC 4, Pipeline errors and Checkpoint, for the metrics receiver.
		replace("metrics-pipeline-error-ignored",
			"a retryable pipeline error retries the window; nothing is committed before acceptance (4 Pipeline errors)", sinkGo,
			"\ts.obs.EndMetricsOp(opCtx, s.format, count, err)\n\treturn err\n",
			"\ts.obs.EndMetricsOp(opCtx, s.format, count, err)\n\treturn nil\n"),
		replace("metrics-retry-hands-over-changed-points",
			"a retried window is handed its points as fetched, not as a processor left them (4 Pipeline errors)", metricsStream,
			"\t\t\t\tagain, _, _ := metricsapi.Decode(answer, w)\n\t\t\t\treturn again\n",
			"\t\t\t\treturn metrics\n"),
		// SPEC 4 Rate limit and 9: the metrics budget is the account's; SPEC 4 Checkpoint: the app's.
		replace("authenticator-budget-per-app",
			"with an authenticator, one budget for the receiver's apps, never one per app (4 Rate limit, 9)", metricsReceiver,
			"\tfor _, app := range r.cfg.streams() {\n",
			"\tfor _, app := range r.cfg.streams() {\n\t\taccount := account\n\t\tif r.cfg.Email == \"\" {\n\t\t\taccount = r.rt.Budget(r.cfg.RequestsPerMinute)\n\t\t}\n"),
		replace("account-budget-case-sensitive",
			"an email in other letter case is the same account, with one budget (4 Rate limit, 9)", metricsReceiver,
			"strings.ToLower(email)",
			"email"),
		replace("metrics-checkpoint-keyed-by-id-as-written",
			"an app's checkpoint is the same whether its id is written bare or as its ARI (4 Checkpoint)", metricsReceiver,
			"plan, appKey(appID), queryHash",
			"plan, appKey(app.AppID), queryHash"),
		// SPEC 4 API errors and 6: the metrics API's answers.
		replace("identifier-only-query-error-malformed",
			"a QueryError carrying only its identifier is a refusal, not a malformed answer (4 API errors)", metricsAnswer,
			"union.Message != nil || union.Extensions != nil || union.Identifier != nil",
			"union.Message != nil || union.Extensions != nil"),
		replace("sum-always-monotonic",
			"a non-monotonic sum stays non-monotonic (6)", metricsDecode,
			"s.SetIsMonotonic(k.monotonic)",
			"s.SetIsMonotonic(true)"),
		replace("monotonicity-not-in-the-metric-key",
			"a monotonic and a non-monotonic sum of one name stay two metrics (6)", metricsDecode,
			"k.temporality, k.monotonic = m.Sum().AggregationTemporality(), m.Sum().IsMonotonic()",
			"k.temporality = m.Sum().AggregationTemporality()"),

		// SPEC 4 API errors: a 404 is a refusal, retried until it recovers.
		mutation{
			name:    "404-ends-the-call",
			promise: "a 404 is retried slowly and recovers, never taken for the end of the data (4 API errors)",
			file:    call,
			edits: []edit{{
				"\t\tif err == nil {\n\t\t\tc.Status.Recovered(c.Stream)",
				"\t\tif apierror.StatusCode(err) == 404 {\n\t\t\treturn err\n\t\t}\n\t\tif err == nil {\n\t\t\tc.Status.Recovered(c.Stream)",
			}},
		},
		// SPEC 4 Rate limit: the budget's edge cases.
		replace("lowered-rate-keeps-the-long-log",
			"a shared budget lowered while in use holds the new rate at once (4 Rate limit, 9)", sharedBudgetGo,
			"\tfor len(b.granted) > perMinute {\n\t\tb.foldOldestLocked()\n\t}\n",
			""),
		replace("late-answer-of-an-old-request-ignored",
			"a request answered more than a minute late counts from its answer, even out of the log (4 Rate limit)", budgetGo,
			"\t\tb.older = latest(b.older, now)\n\t\tb.olderInFlight--\n",
			"\t\tb.olderInFlight--\n"),

		// The token never in a log: also where the excerpt's read limit cuts it.
		replace("cut-token-masked-only-to-its-raw-length",
			"a token cut by the excerpt's read limit is masked in every form the answer spelled it (STYLE, 3)", apierrGo,
			"for n := min(len(form)-1, len(reason)); n >= minMaskedPrefix; n-- {",
			"for n := min(len(secret)-1, len(reason)); n >= minMaskedPrefix; n-- {"),
		replace("cut-token-prefix-off-by-one",
			"a token cut by the excerpt's read limit is masked from minMaskedPrefix characters on (STYLE, 3)", apierrGo,
			"for n := min(len(form)-1, len(reason)); n >= minMaskedPrefix; n-- {",
			"for n := min(len(form)-1, len(reason)); n > minMaskedPrefix; n-- {"),
		// SPEC 7: the lag of a stream resumed from storage, before its first commit.
		replace("resumed-lag-unreported-until-a-commit",
			"checkpoint lag of a stream resumed from storage and refused from its first request (7)", walk,
			"\t\treturn\n\t}\n\tw.committed = state.WindowStart\n",
			"\t\treturn\n\t}\n"),
		// SPEC 3: levels as the API takes them.
		replace("lower-case-level-accepted",
			"a level in lower case is refused, naming the key (3)", logsConfig,
			"if !validLevels[level] {",
			"if !validLevels[strings.ToUpper(level)] {"),
		// SPEC 4 Checkpoint: an empty stored value is no "no checkpoint".
		replace("empty-checkpoint-is-not-found",
			"an empty stored checkpoint stops the stream, never restarts it at initial_lookback (4 Checkpoint)", ckptGo,
			"if data == nil {",
			"if len(data) == 0 {"),
		// SPEC 7: api_requests counts what reached the API.
		replace("unsent-request-counted",
			"api_requests never counts a request that was not written (7)", call,
			"\tif written == 0 {\n\t\treturn\n\t}\n",
			""),
		replace("cancelled-budget-wait-counted",
			"api_requests never counts an attempt whose budget wait was cancelled (7)", call,
			"\tif err := c.Budget.Turn(ctx); err != nil {\n",
			"\tif err := c.Budget.Turn(ctx); err != nil {\n\t\tc.count(ctx, 1, err)\n"),
	)
}
