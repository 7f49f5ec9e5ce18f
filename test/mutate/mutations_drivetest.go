package main

// Files the mutations of the shared driver edit.
const (
	driveGo     = "internal/window/drive.go"
	driveWalkGo = "internal/window/walk.go"
	drivePlanGo = "internal/window/plan.go"
)

// SPEC 4 (Checkpoint, Pipeline errors, API errors, 14 days, Shutdown) and 7: the promises the
// shared driver keeps for every receiver, each broken the way a plausible change to
// internal/window would, and each killed by the driver's own tests (internal/window).
func init() {
	mutations = append(mutations,
		replace("drive-commit-before-handover",
			"checkpoint written only after the pipeline accepted what it covers, at every commit (4 Checkpoint)", driveGo,
			"\t\tcommit, err := w.handOver(ctx, piece, step.Fields)\n",
			"\t\tw.Commit(ctx, piece.Accepted(ctx).State)\n\t\tcommit, err := w.handOver(ctx, piece, step.Fields)\n"),
		replace("drive-commit-when-handover-cancelled",
			"a stop while the pipeline refuses, or a refusal that comes with the stop, commits nothing (4 Checkpoint, Shutdown)", driveGo,
			"\t\tif err != nil {\n\t\t\treturn Commit{}, err\n\t\t}\n", "\t\t_ = err\n"),
		replace("drive-permanent-drop-not-counted",
			"a permanent pipeline error drops the data, counted in records_dropped (4 Pipeline errors, 7)", driveGo,
			"\t\t\tw.Observer.Dropped(ctx, ReasonPermanentPipelineError, piece.Count)\n", ""),
		replace("drive-permanent-drop-not-logged",
			"a permanent pipeline error drops the data, logged as an error (4 Pipeline errors)", driveGo,
			"\t\t\tw.Logger.Error(\"Pipeline permanently refused data; it is dropped\",",
			"\t\t\tw.Logger.Debug(\"Pipeline permanently refused data; it is dropped\","),
		replace("drive-retry-hands-over-changed-data",
			"a retried hand-over gets the data as fetched, not what a processor changed (4 Pipeline errors)", driveGo,
			"\t\t\t\tdata = piece.Again()\n", "\t\t\t\tdata = piece.Data\n"),
		replace("drive-window-progress-not-committed",
			"a stop inside a window resumes after what was delivered: nothing repeated (4 Checkpoint)", driveGo,
			"\t\t\tw.Commit(ctx, commit.State)\n", ""),
		replace("drive-commit-cancelled-with-the-stop",
			"what the pipeline accepted is committed even when the stop came with it: nothing repeated (4 Checkpoint, Shutdown)", driveWalkGo,
			"w.Store.Save(context.WithoutCancel(ctx), w.Key, state)", "w.Store.Save(ctx, w.Key, state)"),
		replace("drive-refusal-ends-the-request",
			"a refusal is retried slowly and reported, never taken for the end of the request (4 API errors, 7)", driveGo,
			"\t\treturn expired\n", "\t\treturn true\n"),
		replace("drive-404-taken-for-expiry",
			"a 404 is a refusal, retried slowly and reported, however old the data (4 API errors, 14 days)", drivePlanGo,
			"\tif apierror.StatusCode(err) != http.StatusBadRequest {\n",
			"\tif code := apierror.StatusCode(err); code == http.StatusNotFound {\n\t\treturn true\n\t} else if code != http.StatusBadRequest {\n"),
		replace("drive-never-moved",
			"a 400 that repeats after the stream was moved inside the limit is a refusal, not a reason to move again (4 14 days, API errors)", driveGo,
			"\t\tw.moved = true\n", ""),
		replace("drive-moved-for-ever",
			"a success ends the move: a later 400 at the edge moves the stream again (4 14 days)", driveGo,
			"\t\tw.moved = false\n", ""),
		replace("drive-moved-edge-not-narrowed",
			"once moved, only data within the margin of the limit is expired again (4 14 days)", drivePlanGo,
			"\t\tedge = p.RetentionMargin\n", ""),
		replace("drive-edge-400-not-said",
			"moving a stream past a 400 at the 14-day edge is logged as a warning (4 14 days)", driveGo,
			"\t\tw.Logger.Warn(\"API refused a window at the 14-day edge;", "\t\tw.Logger.Debug(\"API refused a window at the 14-day edge;"),
		replace("drive-expired-step-ends-the-window",
			"a step that moves past the 14-day edge itself keeps its window (4 14 days)", driveGo,
			"\t\tcase errors.Is(err, ErrExpired) && step.Expired != nil:\n", "\t\tcase errors.Is(err, ErrExpired) && false:\n"),
		replace("drive-expired-positions-not-saved",
			"the positions a step moved past the 14-day edge are saved: a restart does not ask for them again (4 14 days, Checkpoint)", driveGo,
			"\t\t\tw.save(ctx, step.Expired(ctx, w.Plan.AfterExpiry(w.Clock.Now())))\n",
			"\t\t\tstep.Expired(ctx, w.Plan.AfterExpiry(w.Clock.Now()))\n"),
		replace("drive-step-positions-not-saved",
			"a step's positions are saved before its request: a restart starts a new environment where it started (4 Checkpoint, 10)", driveGo,
			"\t\tw.save(ctx, step.Save)\n", ""),
		replace("drive-others-not-saved",
			"the positions a piece moved are saved once the pipeline accepted it (4 Checkpoint, 10)", driveGo,
			"\t\tw.save(ctx, commit.Others)\n", ""),
		replace("drive-others-only-commits-the-stream",
			"a piece that moves other positions alone leaves the stream's checkpoint as it is (4 Checkpoint, 10)", driveGo,
			"\t\tcase !commit.OthersOnly:\n", "\t\tdefault:\n"),
		replace("drive-interrupt-ignored",
			"a failing step whose interrupt closed is abandoned for the reader's next step (10)", driveGo,
			"interruptedBy(ctx, step.Interrupt)", "interruptedBy(ctx, nil)"),
	)
}
