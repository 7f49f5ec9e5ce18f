// Package window walks a stream through time: windows [start, end) no longer than the API
// serves, back to back while behind, one per poll once caught up, never older than the API
// keeps, with the checkpoint committed after the pipeline accepted each window's data.
package window // import "github.com/forgelogs/otelcol-forge/internal/window"

import (
	"net/http"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
)

// Plan is the shape of a stream's windows.
type Plan struct {
	// Max is the longest window the API serves in one query.
	Max time.Duration
	// Align makes window bounds multiples of it (the API's date precision, or whole minutes).
	Align time.Duration
	// Delay keeps windows this far behind now, so that data the API ingests late is not missed.
	Delay time.Duration
	// LateArrival is the age at which a window is read a second time, for records the API
	// served after its first reading; 0 reads each window once.
	LateArrival time.Duration
	// PollInterval is the pause between windows once caught up.
	// Cadence counts it from the start of the previous poll rather than from its end.
	Cadence      bool
	PollInterval time.Duration
	// InitialLookback is where a stream without checkpoint starts.
	InitialLookback time.Duration
	// Retention is how far back the API serves.
	Retention time.Duration
	// RetentionMargin keeps the oldest window safely inside Retention, so a request never reaches
	// the API after its start has aged past the limit.
	RetentionMargin time.Duration
}

// firstSlack keeps a first start clamped to Oldest from falling behind Oldest again while the
// stream saves it and begins: that would count a few milliseconds as a skipped span.
const firstSlack = time.Minute

// First is where a stream without checkpoint starts: now - InitialLookback, but never before
// Oldest (plus firstSlack, rounded up to Align so that windows of whole hours stay aligned). A
// lookback of the whole retention is what the user asked to read, not data lost, so starting
// inside the margin is no skipped span.
func (p Plan) First(now time.Time) time.Time {
	start, oldest := now.Add(-p.InitialLookback).Truncate(p.Align), ceil(p.Oldest(now).Add(firstSlack), p.Align)
	if start.Before(oldest) {
		return oldest
	}
	return start
}

// Oldest is the oldest start the API accepts now, with the margin.
func (p Plan) Oldest(now time.Time) time.Time {
	return ceil(now.Add(-p.Retention+p.RetentionMargin), p.Align)
}

// AfterExpiry is where to go when the API refused a window as too old although the clock said
// it was not: one whole window inside the limit, so that the clocks need not agree closely.
func (p Plan) AfterExpiry(now time.Time) time.Time {
	return ceil(now.Add(-p.Retention+p.Max), p.Align)
}

// End returns the end of the window that starts at start: end = min(start + Max, now - Delay).
// ok is false when that window would be empty: the stream has caught up.
func (p Plan) End(start, now time.Time) (end time.Time, ok bool) {
	end = start.Add(p.Max)
	if horizon := now.Add(-p.Delay).Truncate(p.Align); horizon.Before(end) {
		end = horizon
	}
	return end, end.After(start)
}

// CaughtUp reports whether less than PollInterval of data waits at start (up to now - Delay):
// the stream then sleeps PollInterval rather than spend a request on a sliver. With more waiting,
// the rest of a backlog or what piled up while a slow pipeline held a window, the next window
// follows at once.
func (p Plan) CaughtUp(start, now time.Time) bool {
	return now.Add(-p.Delay).Truncate(p.Align).Sub(start) < p.PollInterval
}

func ceil(t time.Time, align time.Duration) time.Time {
	if down := t.Truncate(align); down.Before(t) {
		return down.Add(align)
	}
	return t
}

// RereadEvery is how much data a second reading waits for before it reads it: its windows
// coalesce a minute of first readings into one, so a stream whose traffic fits a page a minute
// spends at most one extra request a minute on them.
const RereadEvery = time.Minute

// RereadEnd returns the end of the window that the second reading reads next from start: up to
// LateArrival before now, never past reached (where the first reading stands), at most Max. ok is
// false while less than RereadEvery of it waits.
func (p Plan) RereadEnd(start, reached, now time.Time) (end time.Time, ok bool) {
	end = now.Add(-p.LateArrival).Truncate(p.Align)
	if reached.Before(end) {
		end = reached
	}
	if end.Sub(start) < RereadEvery {
		return start, false
	}
	if longest := start.Add(p.Max); longest.Before(end) {
		end = longest
	}
	return end, true
}

// RereadDue returns when RereadEnd will first be ok from start, as far as the clock decides it;
// ok is false when only the first reading moving on can make it so.
func (p Plan) RereadDue(start, reached time.Time) (due time.Time, ok bool) {
	if reached.Sub(start) < RereadEvery {
		return time.Time{}, false
	}
	return ceil(start.Add(RereadEvery+p.LateArrival), p.Align), true
}

// Expired says whether err, the API's answer to a request for data from start, most likely means
// that the API's clock already put start past its 14 days: a 400 for data within the edge of the
// limit. The edge is no wider than a window, so that moving a window past it is always a move
// forward. Once the stream was moved for that (moved), a 400 that repeats is a refusal (a bad
// filter or metric name, say), to be reported and retried slowly, not a reason to move the
// stream again every time: only data already within RetentionMargin of the limit by this clock
// is taken for expired again.
func (p Plan) Expired(err error, start, now time.Time, moved bool) bool {
	if apierror.StatusCode(err) != http.StatusBadRequest {
		return false
	}
	edge := min(2*p.RetentionMargin, p.Max)
	if moved {
		edge = p.RetentionMargin
	}
	return start.Before(now.Add(-p.Retention + edge))
}
