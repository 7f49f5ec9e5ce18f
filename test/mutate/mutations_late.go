package main

// Files the mutations of late records and freshness edit.
const (
	rereadWalk   = "internal/window/reread.go"
	rereadPlan   = "internal/window/plan.go"
	rereadStream = "receiver/forgelogsreceiver/reread.go"
	pacing       = "receiver/forgelogsreceiver/pacing.go"
	ckptReread   = "internal/checkpoint/reread.go"
)

// SPEC 4, "Late records and freshness": fresh and complete at the default settings.
func init() {
	mutations = append(mutations,
		replace("second-reading-off",
			"a record the API serves up to late_arrival after its timestamp is delivered (4 Late records)", rereadWalk,
			"func (w *Walk[T]) rereads() bool { return w.reread != nil && w.Plan.LateArrival > 0 }",
			"func (w *Walk[T]) rereads() bool { return false }"),
		replace("second-reading-repeats-what-it-delivered",
			"the second reading hands over only records not delivered before (4 Late records)", rereadStream,
			"if _, done := f.done[k.Fingerprint]; done {",
			"if _, done := f.done[k.Fingerprint]; done && false {"),
		replace("first-reading-not-remembered",
			"what the first reading delivered is not delivered again by the second (4 Late records)", position,
			"p.state.Reread.Delivered = appendDelivered(p.state.Reread.Delivered, p.state.Reread.Start, p.accepted)",
			"_ = appendDelivered"),
		replace("delivered-not-in-checkpoint",
			"what the first reading delivered survives a restart, in the checkpoint (4 Late records)", ckptGo,
			"e.Delivered = encodeDelivered(s.Reread.Delivered)",
			"_ = encodeDelivered"),
		replace("second-reading-progress-not-committed",
			"a clean restart inside a second reading repeats nothing (4 Late records)", stream,
			"\t\treturn window.Commit{State: r.reading.progress()}\n",
			"\t\treturn window.Commit{State: r.reading.progress(), OthersOnly: r.first == nil}\n"),
		replace("second-reading-forgets-nothing",
			"the record of delivered records stays bounded by late_arrival's traffic (4 Late records)", ckptReread,
			"\t\tif d.At >= since {",
			"\t\tif d.At >= since || true {"),
		replace("catch-up-read-twice",
			"a window already late_arrival old when first read is read once (4 Late records)", rereadWalk,
			"if !next.Reread.Active() || read.InProgress() || next.Reread.Start.Before(read.WindowStart) {",
			"if true || !next.Reread.Active() || read.InProgress() || next.Reread.Start.Before(read.WindowStart) {"),
		replace("second-reading-not-coalesced",
			"the second reading costs at most one request a minute for a page a minute of traffic (4 Late records)", rereadPlan,
			"if end.Sub(start) < RereadEvery {",
			"if end.Sub(start) < RereadEvery/20 {"),
		replace("late-records-not-counted",
			"records found late are counted (4 Late records, 7)", telemetry,
			"t.builder.ForgelogsLateRecords.Add(ctx, 1, t.Attributes())",
			"t.builder.ForgelogsLateRecords.Add(ctx, 0, t.Attributes())"),
		replace("late-arrival-unvalidated",
			"late_arrival is at most 1h, validated naming the key (3)", config,
			"cfg.LateArrival < 0 || cfg.LateArrival > maxLateArrival ||",
			"cfg.LateArrival < 0 ||"),
		replace("window-ends-before-its-turn",
			"a record served at once reaches the pipeline within 15 s, p99 (4 Late records and freshness)", position,
			"if p.horizon == nil || p.read > 0 {",
			"if true {"),
		replace("poll-cadence-off",
			"a record served at once reaches the pipeline within 15 s, p99 (4 Late records and freshness)", receiver,
			"Cadence: true,",
			"Cadence: false,"),
		replace("pace-ignores-the-apps-streams",
			"a caught-up stream leaves room in its app's budget for the other streams and the second reading (4)", pacing,
			"plan.PollInterval = max(cfg.PollInterval, cfg.caughtUpShare(n))",
			"plan.PollInterval = max(cfg.PollInterval, cfg.caughtUpShare(1+0*n))"),
		replace("old-checkpoint-read-again",
			"a checkpoint of today's format loads, and nothing it delivered is delivered again (4 Checkpoint)", rereadWalk,
			"\t\t\tstart = state.WindowEnd\n",
			""),
	)
}
