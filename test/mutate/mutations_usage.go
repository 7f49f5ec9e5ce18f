package main

// Files the forgeusage mutations edit.
const (
	usageStream   = "receiver/forgeusagereceiver/stream.go"
	usageReceiver = "receiver/forgeusagereceiver/receiver.go"
	usageDecode   = "receiver/forgeusagereceiver/internal/usageapi/decode.go"
	usageAnswer   = "receiver/forgeusagereceiver/internal/usageapi/answer.go"
)

// The promises of SPEC 11, each broken the way a plausible change would.
func init() {
	mutations = append(mutations,
		replace("usage-resume-skips-a-page",
			"a restart inside a window resumes at the page after the last accepted one (11, 4 Checkpoint)", usageStream,
			"r.query.Page = state.Offset + 1",
			"r.query.Page = state.Offset + 2"),
		replace("usage-last-page-by-periods",
			"pagination is followed to the end, whether the API pages periods or groups (11)", usageStream,
			"return max(page.Rows(), len(page.Periods)) < size",
			"return len(page.Periods) < size"),
		replace("usage-period-past-window-end-kept",
			"a period that does not lie inside its window is dropped, never delivered twice (11)", usageDecode,
			"!period.Start.Before(w.Start) && !period.End.After(w.End)",
			"!period.Start.Before(w.Start)"),
		replace("usage-unknown-environment-kept",
			"usage of an environment the app entry does not poll is dropped and counted (11)", usageDecode,
			"if _, polled := order[env]; !polled {",
			"if _, polled := order[env]; !polled && env == \"\" {"),
		replace("usage-site-attribute-missing",
			"grouped by site, every point carries its site (11)", usageDecode,
			"\t\t\t\tdp.Attributes().PutStr(SiteAttribute, site)\n",
			""),
		replace("usage-cumulative-temporality",
			"each period is a delta, monotonic sum over its bounds (11)", usageDecode,
			"sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)",
			"sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)"),
		replace("usage-site-query-without-environment",
			"grouped by site, one call per environment, so every point has its environment (11)", usageReceiver,
			"perEnv.query.Environment, perEnv.window.Environment = env.ID, env.ID",
			"perEnv.window.Environment = env.ID"),
		replace("usage-budget-not-shared",
			"one budget per account for the usage API, shared by every forgeusage receiver with that email (11)", usageReceiver,
			"account := r.rt.AccountBudget(budgetKey(r.cfg.Endpoint, r.cfg.Email), r.cfg.Email, r.cfg.RequestsPerMinute)",
			"account := r.rt.Budget(r.cfg.RequestsPerMinute)"),
		replace("usage-windows-not-aligned",
			"windows of `window` on UTC boundaries, so whole periods fall in one window (11)", usageReceiver,
			"Max: cfg.Window, Align: cfg.Window,",
			"Max: cfg.Window, Align: time.Minute,"),
		replace("usage-delay-ignored",
			"a window is read once it is `delay` past its end, not before (11)", usageReceiver,
			"Delay: cfg.Delay, PollInterval: cfg.CollectionInterval,",
			"Delay: 0, PollInterval: cfg.CollectionInterval,"),
		replace("usage-outside-window-logged-every-time",
			"undocumented answers degrade visibly: logged once with what to do, counted every time (11, 7)", usageStream,
			"\t\ts.once.outsideWindow.Do(func() {\n",
			"\t\tfunc(f func()) { f() }(func() {\n"),
		replace("usage-query-error-ignored",
			"a QueryError is handled as the HTTP status it names (11, 9)", usageAnswer,
			"if e := resp.Error; e != nil {",
			"if e := resp.Error; e != nil && resp.ResourceUsage != nil {"),
		replace("usage-amount-not-strictly-decimal",
			"an amount that is not a decimal is a bad answer (11)", usageAnswer,
			"err != nil || s == \"\" || strings.TrimLeft(s, \"0123456789.eE+-\") != \"\" || math.IsInf(v, 0)",
			"err != nil || s == \"\" || strings.TrimLeft(s, \"0123456789.eE+-NaInfxp\") != \"\" || math.IsInf(v, 0)"),
		replace("first-start-off-the-window",
			"a clamped first start stays on the window's UTC boundary (11, 4 14 days)", plan,
			"ceil(p.Oldest(now).Add(firstSlack), p.Align)",
			"p.Oldest(now).Add(firstSlack)"),
	)
}
