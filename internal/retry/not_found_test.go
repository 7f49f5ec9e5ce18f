package retry

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
)

// A 404 is a refusal like a 401 or a 403 (a wrong app or environment id, or an API that moved):
// retried slowly and reported, never taken for the end of the data. Once the API answers again
// the call succeeds and the status recovers.
func TestCallRetriesA404SlowlyAndRecovers(t *testing.T) {
	f := newFixture(30)
	api := newScriptedAPI(t, f.clock, answer{status: 404}, answer{status: 404})
	require.NoError(t, f.do(t, api))
	assert.Equal(t, []time.Duration{2 * time.Minute, 4 * time.Minute}, api.gaps(), "three requests: two 404s retried slowly, then the 200")
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError, componentstatus.StatusRecoverableError, componentstatus.StatusOK}, f.host.Statuses())
	refused := f.logs.FilterMessageSnippet("API refused the request").All()
	require.Len(t, refused, 2)
	assert.EqualValues(t, 404, refused[0].ContextMap()["status"])
	assert.Equal(t, []int{404, 404, 200}, f.observer.statuses)
}
