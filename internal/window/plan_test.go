package window

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
)

var now = time.Date(2026, 11, 24, 12, 0, 30, 500_000_000, time.UTC)

var logsPlan = Plan{Max: time.Hour, Align: time.Millisecond, Delay: time.Minute, PollInterval: time.Minute,
	InitialLookback: time.Hour, Retention: 14 * 24 * time.Hour, RetentionMargin: 10 * time.Minute}

var metricsPlan = Plan{Max: 15 * time.Minute, Align: time.Minute, Delay: 5 * time.Minute, PollInterval: 3 * time.Minute,
	InitialLookback: time.Hour, Retention: 14 * 24 * time.Hour, RetentionMargin: 10 * time.Minute}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPlanEnd(t *testing.T) {
	tests := []struct {
		name    string
		plan    Plan
		start   time.Time
		wantEnd time.Time
		wantOK  bool
	}{
		{"logs, far behind: a full hour", logsPlan, at("2026-11-24T08:00:00Z"), at("2026-11-24T09:00:00Z"), true},
		{"logs, less than an hour behind: up to now - delay", logsPlan, at("2026-11-24T11:30:00Z"), at("2026-11-24T11:59:30.5Z"), true},
		{"logs, caught up", logsPlan, at("2026-11-24T11:59:30.5Z"), at("2026-11-24T11:59:30.5Z"), false},
		{"metrics, far behind: 15 minutes", metricsPlan, at("2026-11-24T10:00:00Z"), at("2026-11-24T10:15:00Z"), true},
		{"metrics, a little behind: whole minutes up to now - delay", metricsPlan, at("2026-11-24T11:50:00Z"), at("2026-11-24T11:55:00Z"), true},
		{"metrics, caught up", metricsPlan, at("2026-11-24T11:55:00Z"), at("2026-11-24T11:55:00Z"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			end, ok := tt.plan.End(tt.start, now)
			assert.Equal(t, tt.wantOK, ok)
			if ok {
				assert.Equal(t, tt.wantEnd, end)
			}
		})
	}
}

func TestPlanFirstOldestAndExpiry(t *testing.T) {
	assert.Equal(t, at("2026-11-24T11:00:30.5Z"), logsPlan.First(now))
	assert.Equal(t, at("2026-11-24T11:00:00Z"), metricsPlan.First(now), "whole minutes")
	full := logsPlan
	full.InitialLookback = 14 * 24 * time.Hour
	assert.Equal(t, at("2026-11-10T12:11:30.5Z"), full.First(now), "a 14-day lookback starts a minute after Oldest")
	assert.Equal(t, at("2026-11-10T12:10:30.5Z"), logsPlan.Oldest(now))
	assert.Equal(t, at("2026-11-10T12:11:00Z"), metricsPlan.Oldest(now), "rounded up, inside the limit")
	assert.Equal(t, at("2026-11-10T13:00:30.5Z"), logsPlan.AfterExpiry(now))
	assert.Equal(t, at("2026-11-10T12:16:00Z"), metricsPlan.AfterExpiry(now))
}

func TestPlanCaughtUp(t *testing.T) {
	// now - delay is 11:59:30.5 for logs (poll interval 1m), 11:55 for metrics (3m).
	assert.False(t, logsPlan.CaughtUp(at("2026-11-24T10:59:30.5Z"), now), "an hour waits")
	assert.False(t, logsPlan.CaughtUp(at("2026-11-24T11:58:30.5Z"), now), "a poll interval waits")
	assert.True(t, logsPlan.CaughtUp(at("2026-11-24T11:58:30.6Z"), now), "less than a poll interval waits")
	assert.False(t, metricsPlan.CaughtUp(at("2026-11-24T11:52:00Z"), now))
	assert.True(t, metricsPlan.CaughtUp(at("2026-11-24T11:53:00Z"), now))
}

// Windows of whole hours (the usage API's) stay on UTC hours even when a 14-day lookback is
// clamped to Oldest: a start off the hour would put every period across two windows.
func TestPlanFirstStaysAlignedWhenClamped(t *testing.T) {
	usage := Plan{Max: 6 * time.Hour, Align: 6 * time.Hour, Delay: 3 * time.Hour, PollInterval: 5 * time.Minute,
		InitialLookback: 14 * 24 * time.Hour, Retention: 14 * 24 * time.Hour, RetentionMargin: 10 * time.Minute}
	// Oldest is 18:00 on the 10th (12:10:30.5 rounded up); a minute inside it, rounded up, is midnight.
	assert.Equal(t, at("2026-11-11T00:00:00Z"), usage.First(now))
	usage.InitialLookback = 24 * time.Hour
	assert.Equal(t, at("2026-11-23T12:00:00Z"), usage.First(now))
}

type expiredCase struct {
	name   string
	plan   Plan
	err    error
	inside time.Duration // how far inside the limit the data starts
	moved  bool
	want   bool
}

// Plan.Expired takes a 400 for expiry only for data within the edge of the 14-day limit: twice
// the margin, at most a window (the logs' 20 minutes, the metrics' 15), only the margin once the
// stream was moved. Every other answer is never expired, however old the data.
func TestPlanExpired(t *testing.T) {
	const margin = 10 * time.Minute
	limit := now.Add(-14 * 24 * time.Hour)
	badRequest := &apierror.StatusError{StatusCode: http.StatusBadRequest, Reason: "invalid start"}
	tests := []expiredCase{
		{"400 within the logs' edge", logsPlan, badRequest, 15 * time.Minute, false, true},
		{"400 a millisecond inside the logs' edge", logsPlan, badRequest, 20*time.Minute - time.Millisecond, false, true},
		{"400 at the logs' edge", logsPlan, badRequest, 20 * time.Minute, false, false},
		{"400 well inside the limit", logsPlan, badRequest, time.Hour, false, false},
		{"400 past the limit", logsPlan, badRequest, -time.Hour, false, true},
		{"400 within the metrics' edge, a window", metricsPlan, badRequest, 14 * time.Minute, false, true},
		{"400 past the metrics' edge", metricsPlan, badRequest, 16 * time.Minute, false, false},
		{"moved: 400 within the edge but not the margin", logsPlan, badRequest, 15 * time.Minute, true, false},
		{"moved: 400 within the margin", logsPlan, badRequest, margin - time.Millisecond, true, true},
		{"moved: 400 at the margin", logsPlan, badRequest, margin, true, false},
		{"400 wrapped by a client", logsPlan, fmt.Errorf("fetch: %w", badRequest), 15 * time.Minute, false, true},
		{"GraphQL errors, a 400", metricsPlan, apierror.FromGraphQLErrors([]string{"start too old"}), 5 * time.Minute, false, true},
		{"QueryError without status, a 400", metricsPlan, apierror.FromQueryError("start too old", "", nil), 5 * time.Minute, false, true},
	}
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusRequestTimeout,
		http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		for _, moved := range []bool{false, true} {
			tests = append(tests, expiredCase{fmt.Sprintf("%d past the limit, moved %v", status, moved), logsPlan, &apierror.StatusError{StatusCode: status}, -time.Hour, moved, false})
		}
	}
	tests = append(tests, []expiredCase{
		{"QueryError naming 403", metricsPlan, apierror.FromQueryError("Not permitted", "FORBIDDEN", json.RawMessage(`403`)), 5 * time.Minute, false, false},
		{"no answer", logsPlan, context.DeadlineExceeded, -time.Hour, false, false},
		{"an unusable 200", logsPlan, &apierror.BadBodyError{Err: errors.New("truncated")}, -time.Hour, false, false},
		{"success", logsPlan, nil, -time.Hour, false, false},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.plan.Expired(tt.err, limit.Add(tt.inside), now, tt.moved))
		})
	}
}
