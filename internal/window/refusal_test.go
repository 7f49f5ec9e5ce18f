package window

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
)

// A refusal of any kind, however the API words it, repeats until someone fixes the token, the
// permission or the configuration: the driver waits it out slowly (backoff.Refused: 2, 4, then
// 5 minutes), the component status says so, and once the API answers again the status is OK and
// the stream delivers what it could not read meanwhile. None of them ends the stream or moves it.
func TestWalkRetriesRefusalsSlowlyAndRecovers(t *testing.T) {
	for _, tt := range []struct {
		name    string
		refusal error
		status  int
	}{
		{"400 bad request", &apierror.StatusError{StatusCode: http.StatusBadRequest, Reason: `{"message":"invalid filter"}`}, 400},
		{"401 unauthorized", &apierror.StatusError{StatusCode: http.StatusUnauthorized, Reason: "token expired"}, 401},
		{"403 forbidden", &apierror.StatusError{StatusCode: http.StatusForbidden, Reason: "not an admin of the app"}, 403},
		{"404 not found", &apierror.StatusError{StatusCode: http.StatusNotFound, Reason: "no such environment"}, 404},
		{"GraphQL errors without data", apierror.FromGraphQLErrors([]string{"Validation error (FieldUndefined@[appMetrics])"}), 400},
		{"GraphQL QueryError naming its status", apierror.FromQueryError("Not permitted", "FORBIDDEN", json.RawMessage(`"403"`)), 403},
		{"GraphQL QueryError without status", apierror.FromQueryError("Unknown environment", "", nil), 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newDriveFixture(t)
			f.api.fail = func(_ context.Context, call int, _ time.Time) error {
				if call <= 3 {
					return fmt.Errorf("fetch app logs: %w", tt.refusal) // as a client wraps it
				}
				return nil
			}
			f.run(now.Add(12 * time.Minute))

			gaps := f.api.gaps()
			require.GreaterOrEqual(t, len(gaps), 3)
			assert.Equal(t, []time.Duration{2 * time.Minute, 4 * time.Minute, 5 * time.Minute}, gaps[:3], "retried slowly")
			for _, call := range f.api.requests()[:4] {
				assert.Equal(t, firstStart, call.start, "the same window asked again, not moved")
			}
			assert.Equal(t, []componentstatus.Status{
				componentstatus.StatusRecoverableError, componentstatus.StatusRecoverableError, componentstatus.StatusRecoverableError,
				componentstatus.StatusOK,
			}, f.host.Statuses())
			refused := f.logs.FilterMessageSnippet("API refused the request").All()
			require.Len(t, refused, 3)
			assert.Equal(t, int64(tt.status), refused[0].ContextMap()["status"])
			assert.Zero(t, f.logs.FilterMessageSnippet("14-day").Len(), "a recent window is not taken for expired")
			assert.Empty(t, f.obs.skipped)

			window := recordsIn(firstStart, firstEnd)
			accepted := f.sink.acceptedRecords()
			require.GreaterOrEqual(t, len(accepted), len(window))
			assert.Equal(t, window, accepted[:len(window)], "the refused window delivered once the API answers")
			assert.Equal(t, f.delivered(f.committed()), accepted)
		})
	}
}
